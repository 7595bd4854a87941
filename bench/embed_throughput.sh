#!/usr/bin/env bash
# Embedding throughput: casewindow's in-process model (our own 8-bit forward pass, release build) against
# sentence-transformers on PyTorch (CPU), on the same texts, in the same run.
# The texts are the demo library's finding statements (written for this project), repeated to
# 512 texts. Installs sentence-transformers (and PyTorch) from PyPI into
# ~/.cache/casewindow/st-venv on first use (a large download).
# Usage: bench/embed_throughput.sh   (EMBED_KERNELS=avx2 or portable on the cargo bench line
# emulates a processor without AVX-512 VNNI; see BENCHMARKS.md)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
ensure_model
VENV="$HOME/.cache/casewindow/st-venv"
if ! "$VENV/bin/python" -c 'import sentence_transformers' 2>/dev/null; then
    step "installing sentence-transformers and PyTorch from PyPI (large)"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet sentence-transformers
fi
TEXTS="$(mktemp)"
trap 'rm -f "$TEXTS"' EXIT
python3 - "$TEXTS" <<'PY'
import glob, json, sys
texts = []
for path in sorted(glob.glob("crates/app/demo/library/*.json")) + ["crates/app/demo/child-w.json"]:
    for f in json.load(open(path, encoding="utf-8"))["findings"]:
        texts.append(" ".join(f["record"]["statement"].split()))
out = (texts * (512 // len(texts) + 1))[:512]
open(sys.argv[1], "w", encoding="utf-8").write("\n".join(out) + "\n")
PY
step "sentence-transformers (PyTorch, CPU)"
"$VENV/bin/python" - "$TEXTS" "$CASEWINDOW_MODEL_DIR" <<'PY'
import json, sys, time, torch
from sentence_transformers import SentenceTransformer
texts = [l for l in open(sys.argv[1], encoding="utf-8").read().splitlines() if l.strip()]
started = time.perf_counter()
model = SentenceTransformer(sys.argv[2], device="cpu")
load = time.perf_counter() - started
model.encode(texts[:32], batch_size=32)
best = min(
    (lambda t: (model.encode(texts, batch_size=32, normalize_embeddings=True), time.perf_counter() - t)[1])(time.perf_counter())
    for _ in range(3)
)
print(json.dumps({"engine": "sentence-transformers %s, torch %s, %d threads" % (
    __import__("sentence_transformers").__version__, torch.__version__, torch.get_num_threads()),
    "texts": len(texts), "seconds": round(best, 3), "texts_per_second": round(len(texts) / best, 1),
    "load_seconds": round(load, 2)}))
PY
step "casewindow (own forward pass, release)"
EMBED_TEXTS="$TEXTS" cargo bench --quiet -p casewindow-embed --bench throughput 2>/dev/null | grep '^{'
