#!/usr/bin/env bash
# Published reports read for their findings (issue 22): 100 reports in under a minute, release
# build. Makes 100 different reports (casewindow's own report of each of the 33 demo reviews as
# PDF and Word; the eight Word-made fixtures as Word and as LibreOffice's PDF; the eleven
# Typst fixtures; seven demo briefings), then times, with the release binary:
#   1. `casewindow ingest --dry-run --json DIR`: every file read in its own child process with the
#      time and memory limits, its findings proposed and printed;
#   2. `casewindow ingest DIR`: the same, and each report kept in the database (SQLite) with its
#      file and proposal for a reviewer to confirm;
#   3. the same again: every file recognised as kept before (the resumable path).
#   bench/ingest.sh                      # builds the release binary
#   BIN=/path/to/casewindow bench/ingest.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BIN_OVERRIDE="${BIN:-}"
source scripts/env.sh
if [ -n "$BIN_OVERRIDE" ]; then
    BIN="$BIN_OVERRIDE"
else
    step "building (release)"
    cargo build --quiet --release -p casewindow-cli
    BIN="$CARGO_TARGET_DIR/release/casewindow"
fi
ensure_report_tools
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
REPORTS="$WORK/reports"
mkdir -p "$REPORTS"
export DATABASE_URL="sqlite:$WORK/casewindow.db" CASEWINDOW_LOG=warn

step "making 100 reports"
"$BIN" migrate --create >/dev/null
CASEWINDOW_DEMO_PASSWORD="benchmark demo password" "$BIN" demo >/dev/null
n=0
while IFS=$'\t' read -r id title _; do
    stem="$(printf '%s' "$title" | tr -c 'A-Za-z0-9' '-' | tr 'A-Z' 'a-z')"
    "$BIN" report --review "$id" --format pdf -o "$REPORTS/$stem-report.pdf"
    "$BIN" report --review "$id" --format docx -o "$REPORTS/$stem-report.docx"
    n=$((n + 1))
    if [ "$n" -le 7 ]; then
        "$BIN" report --review "$id" --briefing --format pdf -o "$REPORTS/$stem-briefing.pdf"
    fi
done < <("$BIN" reviews)
PROFILE="$WORK/lo-profile"
for html in crates/ingest/tests/word-reports/*.html; do
    name="$(basename "$html" .html)"
    soffice "-env:UserInstallation=file://$PROFILE" --headless --infilter="HTML (StarWriter)" \
        --convert-to docx --outdir "$REPORTS" "$html" >/dev/null 2>&1
    soffice "-env:UserInstallation=file://$PROFILE" --headless --convert-to pdf \
        --outdir "$REPORTS" "$REPORTS/$name.docx" >/dev/null 2>&1
    mv "$REPORTS/$name.pdf" "$REPORTS/$name-word.pdf"
done
TYPESET="$CARGO_TARGET_DIR/debug/examples/typeset"
[ -x "$TYPESET" ] || cargo build --quiet -p casewindow-report --example typeset
for typ in crates/ingest/tests/reports/*.typ; do
    "$TYPESET" "$typ" "$REPORTS/$(basename "$typ" .typ)-typst.pdf"
done
count="$(ls "$REPORTS" | wc -l)"
pages="$(for f in "$REPORTS"/*.pdf; do pdfinfo "$f" 2>/dev/null | awk '/^Pages:/ {print $2}'; done | awk '{s += $1} END {print s}')"
echo "$count reports ($pages PDF pages) in $REPORTS"

rm -f "$WORK/casewindow.db"*
"$BIN" migrate --create >/dev/null
step "1. ingest --dry-run --json (child process per file)"
start=$(date +%s.%N)
"$BIN" ingest --dry-run --json "$REPORTS" > "$WORK/dry.jsonl"
end=$(date +%s.%N)
read -r ok findings < <(python3 -c '
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
print(sum(1 for l in lines if l["outcome"] == "read"), sum(l.get("findings", 0) for l in lines))' "$WORK/dry.jsonl")
printf '%s of %s read, %s findings proposed, %.1f s\n' "$ok" "$count" "$findings" "$(echo "$end - $start" | bc)"

step "2. ingest (kept for review, SQLite)"
start=$(date +%s.%N)
"$BIN" ingest --json "$REPORTS" > "$WORK/kept.jsonl"
end=$(date +%s.%N)
kept="$(grep -c '"needs review"' "$WORK/kept.jsonl" || true)"
printf '%s kept for review, %.1f s\n' "$kept" "$(echo "$end - $start" | bc)"

step "3. ingest again (every file kept before)"
start=$(date +%s.%N)
"$BIN" ingest --json "$REPORTS" > "$WORK/again.jsonl"
end=$(date +%s.%N)
again="$(grep -c 'kept before' "$WORK/again.jsonl" || true)"
printf '%s recognised as kept before, %.1f s\n' "$again" "$(echo "$end - $start" | bc)"
