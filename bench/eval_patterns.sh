#!/usr/bin/env bash
# The pattern-library quality bars, measured with `casewindow eval` on the labelled development
# findings (read at run time from ../shared/data, never shipped, never used to choose a setting),
# next to the generic baselines.
#   settings:    chosen on the shipped knowledge alone (example `tune`: the demo library and each
#                file of worked examples predicted from the rest); printed first
#   cold start:  shipped knowledge only (with and without the curated issue list)
#   warm:        leave one review out (the other reviews' findings loaded as the library), with
#                the spread over six groups of reviews and the calibration
#   stream:      the library growing review by review (learning curve, blocks of six reviews)
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
cargo build --quiet -p casewindow-cli --examples --bins
step "settings chosen on the shipped knowledge (best five of the grid, recurrent issues, calibration)"
"$CARGO_TARGET_DIR/debug/examples/tune" | sed -n '1,5p;/recurrent issues/,$p'
run() { printf '%-34s ' "$1"; shift; "$BIN" eval --test "$FINDINGS" "$@"; }
step "the development findings"
run "cold (no issue list)"            --json 2>/dev/null
run "cold, with the issue list"       --json --issues "$ISSUES"
run "warm (leave one review out)"     --json --issues "$ISSUES" --leave-one-review-out
echo
"$BIN" eval --test "$FINDINGS" --issues "$ISSUES" --leave-one-review-out
run "lexical only, cold"              --json --issues "$ISSUES" --no-model
run "lexical only, warm"              --json --issues "$ISSUES" --leave-one-review-out --no-model
step "learning curve (the library growing review by review)"
"$BIN" eval --test "$FINDINGS" --issues "$ISSUES" --stream 6
printf '%-34s ' "baseline (scikit-learn)"
python3 bench/baseline_patterns.py --findings "$FINDINGS" | tr -d '\n ' ; echo
