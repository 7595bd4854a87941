#!/usr/bin/env python3
"""Robustness driver: runs every PDF of the corpus through each backend in a child process
with a wall-clock timeout and an address-space cap, and classifies the outcome.

usage: drive.py [--backends extract,oxide,...] [--timeout 10] [--mem 2000000000]
                [--corpus /work/shared/corpus] [--out results]

Outcomes per file and backend:
  text      read, non-empty text (non-whitespace chars > 0)
  empty     read without error, but no text
  error     clean error returned by the crate
  panic     panic caught by catch_unwind in the child
  oom       child aborted on a failed allocation (cap hit)
  crash     child died otherwise (signal / abort / stack overflow / no JSON)
  timeout   killed after the timeout
Writes OUT/BACKEND.jsonl (one line per file) and prints a summary table.
"""
import argparse, json, os, resource, signal, subprocess, sys, tempfile, time
from pathlib import Path

HOME = Path.home()
TGT = HOME / ".cache/casewindow/pdf-trial-target"
BINS = {
    "extract": (TGT / "extract/release/pdf-trial", "extract"),
    "lopdf": (TGT / "lopdf/release/pdf-trial", "lopdf"),
    "oxide": (TGT / "oxide/release/pdf-trial", "oxide"),  # default-features = false
    "oxide-col": (TGT / "oxide/release/pdf-trial", "oxide-col"),
    "oxide-chars": (TGT / "oxide/release/pdf-trial", "oxide-chars"),
    "oxide-plain": (TGT / "oxide/release/pdf-trial", "oxide-plain"),
    "oxide-default": (TGT / "oxide-default/release/pdf-trial", "oxide"),  # pdf_oxide default features
    "oxide-legacy": (TGT / "oxide-legacy/release/pdf-trial", "oxide"),  # default-features = false + legacy-crypto
    "oxide-spanchars": (TGT / "oxide/release/pdf-trial", "oxide-spanchars"),
}


def run_one(cmd, timeout, mem):
    def limits():
        resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        os.setsid()

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.monotonic()
        p = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, preexec_fn=limits)
        timed_out = False
        while True:
            pid, status, ru = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - t0 > timeout:
                timed_out = True
                os.killpg(p.pid, signal.SIGKILL)
                pid, status, ru = os.wait4(p.pid, 0)
                break
            time.sleep(0.005)
        wall = (time.monotonic() - t0) * 1000
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return timed_out, p.returncode, out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"), wall, ru.ru_maxrss


def classify(backend, timed_out, rc, stdout, stderr):
    if timed_out:
        return "timeout", {}
    if backend == "pdftotext":
        if rc == 0:
            return ("text" if stdout.strip() else "empty"), {"nonws_chars": sum(not c.isspace() for c in stdout)}
        if rc > 0:
            return "error", {"error": stderr.strip()[-300:]}
    line = next((l for l in stdout.splitlines() if l.startswith("{")), None)
    if rc == 0 and line:
        j = json.loads(line)
        st = j["status"]
        if st == "ok":
            st = "text" if j.get("nonws_chars", 0) > 0 else "empty"
        return st, j
    if "memory allocation of" in stderr:
        return "oom", {"error": stderr.strip()[-300:]}
    return "crash", {"error": f"rc={rc} " + stderr.strip()[-300:]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--backends", default="extract,oxide,oxide-default,lopdf,pdftotext")
    ap.add_argument("--timeout", type=float, default=10)
    ap.add_argument("--mem", type=int, default=2_000_000_000)
    ap.add_argument("--corpus", default="/work/shared/corpus")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results"))
    ap.add_argument("--only", default="", help="substring filter on file names")
    a = ap.parse_args()
    corpus = Path(a.corpus)
    manifest = {}
    with open(corpus / "MANIFEST.tsv") as f:
        hdr = f.readline().rstrip("\n").split("\t")
        for line in f:
            r = dict(zip(hdr, line.rstrip("\n").split("\t")))
            manifest[r["path"]] = r
    files = sorted(p for p in manifest if p.startswith("pdf/") and a.only in p)
    Path(a.out).mkdir(parents=True, exist_ok=True)
    for b in a.backends.split(","):
        with open(Path(a.out) / f"{b}.jsonl", "w") as res:
            for rel in files:
                path = str(corpus / rel)
                if b == "pdftotext":
                    cmd = ["pdftotext", "-q", path, "-"]
                else:
                    binp, name = BINS[b]
                    cmd = [str(binp), name, path]
                timed_out, rc, so, se, wall, rss = run_one(cmd, a.timeout, a.mem)
                outcome, j = classify(b, timed_out, rc, so, se)
                rec = {"backend": b, "file": rel, "expect": manifest[rel]["expect"], "outcome": outcome,
                       "wall_ms": round(wall, 1), "maxrss_kb": rss, "rc": rc,
                       "error": j.get("error"), "encrypted": j.get("encrypted"),
                       "pages": j.get("pages"), "nonws_chars": j.get("nonws_chars"),
                       "page_errors": len(j.get("page_errors") or [])}
                res.write(json.dumps(rec) + "\n")
                res.flush()
                print(f"{b:14} {outcome:8} {wall:8.0f}ms {rel}", file=sys.stderr)
    summarize(a.out, a.backends.split(","))


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))] if xs else 0


def summarize(outdir, backends):
    cols = ["text", "empty", "error", "panic", "crash", "oom", "timeout"]
    print(f"{'backend':14} " + " ".join(f"{c:>7}" for c in cols) + "  ok->text  total_s  p95_ms  max_ms")
    for b in backends:
        p = Path(outdir) / f"{b}.jsonl"
        if not p.exists():
            continue
        recs = [json.loads(l) for l in open(p)]
        cnt = {c: sum(r["outcome"] == c for r in recs) for c in cols}
        ok = [r for r in recs if r["expect"] == "ok"]
        ok_text = sum(r["outcome"] == "text" for r in ok)
        walls = [r["wall_ms"] for r in recs]
        print(f"{b:14} " + " ".join(f"{cnt[c]:>7}" for c in cols)
              + f"  {ok_text:>3}/{len(ok):<4} {sum(walls)/1000:7.1f} {pct(walls, .95):7.0f} {max(walls):7.0f}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--summary":
        summarize(sys.argv[2] if len(sys.argv) > 2 else str(Path(__file__).parent / "results"),
                  "extract,lopdf,pdftotext,oxide-nocheck,oxide-col-nocheck,oxide,oxide-legacy,oxide-default,oxide-col,oxide-chars,oxide-spanchars,oxide-plain".split(","))
    else:
        main()
