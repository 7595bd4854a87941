#!/usr/bin/env python3
"""Quality check of each backend's plain text on report PDFs with known finding statements.

usage: quality.py DIR [--backends ...]
DIR holds NAME.pdf and NAME.expected.json ({"findings":[{"text": ...}]}). For every backend it
writes DIR/out/NAME.BACKEND.txt (pages separated by \\f; and .spans.jsonl for backends with
positions) and reports per document:
  lig      U+FB00-FB06 characters left in the text
  ffwords  distinct words with fi/fl/ff (from pdftotext's text) missing from the backend's text
  stmts    expected statements found verbatim after normalising whitespace, quotes, zero-width
           characters, and rejoining hyphenation at line ends (soft hyphen U+00AD, or "-\\n")
  order    expected statements found in the expected order (position of each in the text)
  sim      word-sequence similarity to pdftotext (per page, averaged) - reading order proxy
"""
import argparse, difflib, json, re, subprocess, sys, time, unicodedata
from pathlib import Path

TGT = Path.home() / ".cache/casewindow/pdf-trial-target"
BINS = {
    "extract": (TGT / "extract/release/pdf-trial", "extract"),
    "lopdf": (TGT / "lopdf/release/pdf-trial", "lopdf"),
    "oxide": (TGT / "oxide/release/pdf-trial", "oxide"),
    "oxide-plain": (TGT / "oxide/release/pdf-trial", "oxide-plain"),
    "oxide-col": (TGT / "oxide/release/pdf-trial", "oxide-col"),
}
LIG = re.compile("[\ufb00-\ufb06]")
ZW = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")


def norm(t, hyphen_join=True):
    t = unicodedata.normalize("NFC", ZW.sub("", t))  # NFC, not NFKC: ligature characters must still show
    t = t.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    # soft hyphen at a line end: hyphenation, rejoin (tolerating spaces a backend put around it);
    # a soft hyphen inside a line is a real hyphen whose /ActualText "-" the backend ignored
    t = re.sub("[ \t]*\u00ad[ \t]*\n\\s*", "", t)
    t = re.sub("[ \t]*\u00ad[ \t]*", "-", t)
    if hyphen_join:
        t = re.sub(r"(?<=[a-z])-[ \t]*\n\s*(?=[a-z])", "", t)
    t = t.replace("\f", "\n")
    return re.sub(r"\s+", " ", t).strip()


def words(t):
    return re.findall(r"[A-Za-z\ufb00-\ufb06]+", t)


def spans_text(path, drop_artifacts):
    """Plain text from a spans JSONL in the order given: a new line when the baseline moves."""
    pages = {}
    for l in open(path):
        sp = json.loads(l)
        if drop_artifacts and sp.get("artifact"):
            continue
        pages.setdefault(sp["page"], []).append(sp)
    out = []
    for p in sorted(pages):
        s, last = "", None
        for sp in pages[p]:
            if last is not None:
                if abs(sp["y"] - last[0]) > sp["size"] * 0.5:
                    s += "\n"
                elif sp["x"] - last[1] > sp["size"] * 0.15 and not s.endswith(" ") and not sp["text"].startswith(" "):
                    s += " "
            s += sp["text"]
            last = (sp["y"], sp["x"] + sp["w"])
        out.append(s)
    return "\f".join(out)


def run_backend(b, pdf, out):
    if b == "oxide-noart":
        src = Path(str(out).replace(".oxide-noart", ".oxide") + ".spans.jsonl")
        Path(str(out) + ".txt").write_text(spans_text(src, True), encoding="utf-8")
        return {"elapsed_ms": 0}
    if b == "pdftotext":
        t = time.monotonic()
        subprocess.run(["pdftotext", "-q", str(pdf), str(out) + ".txt"], check=False)
        return {"elapsed_ms": (time.monotonic() - t) * 1000}
    binp, name = BINS[b]
    r = subprocess.run([str(binp), name, str(pdf), "--out", str(out)], capture_output=True, text=True, timeout=60)
    line = next((l for l in r.stdout.splitlines() if l.startswith("{")), None)
    return json.loads(line) if line else {"status": "crash", "error": r.stderr[-300:]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--backends", default="pdftotext,extract,lopdf,oxide,oxide-noart,oxide-plain,oxide-col")
    a = ap.parse_args()
    d = Path(a.dir)
    (d / "out").mkdir(exist_ok=True)
    backends = a.backends.split(",")
    for pdf in sorted(d.glob("*.pdf")):
        exp_path = d / (pdf.stem + ".expected.json")
        stmts = [f["text"] for f in json.load(open(exp_path))["findings"]] if exp_path.exists() else []
        ref_text = None
        print(f"\n## {pdf.name}  ({len(stmts)} expected statements)")
        print(f"{'backend':12} {'status':7} {'ms':>7} {'lig':>4} {'ffmiss':>6} {'stmts':>6} {'inorder':>7} {'stmts-h':>7} {'sim':>5}  notes")
        for b in backends:
            out = d / "out" / f"{pdf.stem}.{b}"
            j = run_backend(b, pdf, out)
            txtp = Path(str(out) + ".txt")
            if not txtp.exists() or (j.get("status") not in (None, "ok")):
                print(f"{b:12} {j.get('status','?'):7} {'':>7}  {str(j.get('error'))[:120]}")
                continue
            raw = txtp.read_text(encoding="utf-8", errors="replace")
            if b == "pdftotext":
                ref_text = raw
            lig = len(LIG.findall(raw))
            n1, n2 = norm(raw, True), norm(raw, False)
            ffmiss = []
            if ref_text is not None:
                ref_ff = {w for w in words(norm(ref_text)) if re.search("f[fil]", w)}
                have = set(words(n1)) | set(words(n2))
                ffmiss = sorted(w for w in ref_ff if w not in have)
            found, pos = 0, []
            for s in stmts:
                s_n = norm(s)
                i = n1.find(s_n)
                if i < 0:
                    i = n2.find(s_n)
                if i >= 0:
                    found += 1
                    pos.append(i)
            inorder = sum(1 for x, y in zip(pos, pos[1:]) if y > x) + (1 if pos else 0)
            # hyphen-insensitive: a compound hyphen at a line end ("non-\ncompliant") cannot be told
            # from hyphenation without a dictionary, so also compare with every hyphen removed
            dehy = lambda x: re.sub(r"\s*[-\u00ad]\s*", "", x)
            n3 = dehy(n2)
            found_h = sum(1 for s in stmts if dehy(norm(s)) in n3)
            sim = ""
            if ref_text is not None and b != "pdftotext":
                rp, bp = ref_text.split("\f"), raw.split("\f")
                ratios = []
                for k in range(min(len(rp), len(bp))):
                    sm = difflib.SequenceMatcher(None, words(norm(rp[k])), words(norm(bp[k])), autojunk=False)
                    ratios.append(sm.ratio())
                sim = f"{sum(ratios)/len(ratios):.3f}" if ratios else "-"
            notes = ""
            if ffmiss:
                notes += "ffmiss e.g. " + ",".join(ffmiss[:6])
            missing = [s[:50] for s in stmts if norm(s) not in n1 and norm(s) not in n2]
            if missing:
                notes += f" missing: {missing[0]!r}..."
            print(f"{b:12} {'ok':7} {j.get('elapsed_ms', 0):7.1f} {lig:>4} {len(ffmiss):>6} {found:>3}/{len(stmts):<2} {inorder:>7} {found_h:>4}/{len(stmts):<2} {sim:>5}  {notes}")


if __name__ == "__main__":
    main()
