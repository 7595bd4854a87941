#!/usr/bin/env bash
# The pattern-library quality bars, measured with `casewindow eval` on the labelled development
# findings (read at run time from ../shared/data, never shipped), next to the generic baselines.
#   cold start:  shipped knowledge only (with and without the curated issue list)
#   warm:        leave one review out (the other reviews' findings loaded as the library)
#   lexical:     the same without the sentence-embedding model
# Usage: bench/eval_patterns.sh [FINDINGS.jsonl ISSUES.json]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
ensure_model
DATA="${CASEWINDOW_SHARED_DATA:-../shared/data}"
[ -f "$DATA/dev_findings.jsonl" ] || DATA=/work/shared/data
FINDINGS="${1:-$DATA/dev_findings.jsonl}"
ISSUES="${2:-$DATA/dev_issues.json}"
cargo build --quiet -p casewindow-cli
run() { printf '%-34s ' "$1"; shift; "$BIN" eval --test "$FINDINGS" --json "$@"; }
run "cold (no issue list)"            2>/dev/null
run "cold, with the issue list"       --issues "$ISSUES"
run "warm (leave one review out)"     --issues "$ISSUES" --leave-one-review-out
run "lexical only, cold"              --issues "$ISSUES" --no-model
run "lexical only, warm"              --issues "$ISSUES" --leave-one-review-out --no-model
printf '%-34s ' "baseline (scikit-learn)"
python3 bench/baseline_patterns.py --findings "$FINDINGS" | tr -d '\n ' ; echo
