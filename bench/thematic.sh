#!/usr/bin/env bash
# A thematic analysis across a nation's reviews (issue 25): the whole analysis, in every format,
# on the scale benchmark's library (bench/scale.sh builds it and keeps it).
#   bench/thematic.sh                                   # PostgreSQL, 5,000 reviews
#   ENGINE=sqlite REVIEWS=1000 bench/thematic.sh        # SQLite, 1,000 reviews
# Settings: ENGINE, REVIEWS, BIN (an already-built binary; else a release build),
# CASEWINDOW_MODEL_DIR (the sentence-embedding model; without it, library terms only).
# The analysis is made once (counted, quoted, de-identified, kept as a version) and written as
# JSON; the kept version is then written as HTML, Word and PDF, as an analyst asks for each
# format of one analysis. Then, for reference, each format made afresh. Wall-clock times, one
# after the other.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN_OVERRIDE="${BIN:-}"
source scripts/env.sh
ENGINE="${ENGINE:-postgres}"
REVIEWS="${REVIEWS:-5000}"
KEEP_DIR="$HOME/.cache/casewindow/scale"
if [ -n "$BIN_OVERRIDE" ]; then
    BIN="$BIN_OVERRIDE"
else
    step "building (release)"
    CARGO_TARGET_DIR="$HOME/.cache/casewindow/target-release" nice -n 19 cargo build --quiet --release -p casewindow-cli
    BIN="$HOME/.cache/casewindow/target-release/release/casewindow"
fi
if [ "$ENGINE" = postgres ]; then
    export DATABASE_URL="postgres://postgres@127.0.0.1:5432/cw_scale_$REVIEWS"
    export CASEWINDOW_VAULT_KEY_FILE="$KEEP_DIR/cw_scale_$REVIEWS.key"
    [ -f "$KEEP_DIR/cw_scale_$REVIEWS.done" ] || die "no kept library: run ENGINE=$ENGINE REVIEWS=$REVIEWS bench/scale.sh first"
else
    export DATABASE_URL="sqlite:$KEEP_DIR/sqlite-$REVIEWS.db"
    [ -f "$KEEP_DIR/sqlite-$REVIEWS.db.done" ] || die "no kept library: run ENGINE=$ENGINE REVIEWS=$REVIEWS bench/scale.sh first"
fi
export CASEWINDOW_LOG="${CASEWINDOW_LOG:-warn}"
"$BIN" migrate >/dev/null
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
now_ms() { date +%s%3N; }
secs() { awk -v t="$1" 'BEGIN { printf "%.1f", t / 1000 }'; }
kb() { echo "$(( $(stat -c %s "$1") / 1024 )) KB"; }
echo "| step | seconds | size |"
echo "| --- | --- | --- |"
TOTAL_START=$(now_ms)
start=$(now_ms)
VERSION=$("$BIN" thematic --format json --out "$OUT/analysis.json" 2>&1 >/dev/null | sed -n 's/^kept as version //p')
[ -n "$VERSION" ] || die "the analysis was not kept"
printf '| the analysis, made and written as JSON | %s | %s |\n' "$(secs $(( $(now_ms) - start )))" "$(kb "$OUT/analysis.json")"
for format in html docx pdf; do
    start=$(now_ms)
    "$BIN" thematic --version "$VERSION" --format "$format" --out "$OUT/analysis.$format" 2>/dev/null
    printf '| written as %s | %s | %s |\n' "$format" "$(secs $(( $(now_ms) - start )))" "$(kb "$OUT/analysis.$format")"
done
printf '| **the whole analysis, every format** | **%s** | |\n' "$(secs $(( $(now_ms) - TOTAL_START )))"
for format in html docx pdf; do
    start=$(now_ms)
    "$BIN" thematic --format "$format" --out "$OUT/fresh.$format" 2>/dev/null
    printf '| (for reference) made afresh as %s | %s | %s |\n' "$format" "$(secs $(( $(now_ms) - start )))" "$(kb "$OUT/fresh.$format")"
done
echo
if command -v pdfinfo >/dev/null; then
    printf 'PDF pages: %s\n' "$(pdfinfo "$OUT/analysis.pdf" | awk '/^Pages:/ { print $2 }')"
fi
python3 - "$OUT/analysis.json" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))
print(f"reviews {a['reviews']}, findings {a['findings']}, issues {len(a['issues'])}, candidates {len(a['candidates'])}")
PY
