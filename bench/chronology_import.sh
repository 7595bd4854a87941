#!/usr/bin/env bash
# The chronology-import bar: importing 100,000 CSV rows with mixed UK dates (parse, validate and
# store, one transaction, SQLite) against pandas read_csv + dateutil parsing alone of the same
# file, in the same run; plus the same rows as XLSX. Release build.
# Usage: bench/chronology_import.sh [ROWS]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
ROWS="${1:-100000}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cargo build --quiet --release -p casewindow-cli
RELEASE="$CARGO_TARGET_DIR/release/casewindow"

VENV="$HOME/.cache/casewindow/bench-venv"
if ! "$VENV/bin/python" -c 'import pandas, dateutil, openpyxl' 2>/dev/null; then
    step "installing pandas, python-dateutil and openpyxl from PyPI for the comparison"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet pandas python-dateutil openpyxl
fi

python3 bench/make_chronology.py "$ROWS" "$WORK/chronology.csv"
"$VENV/bin/python" - "$WORK/chronology.csv" "$WORK/chronology.xlsx" <<'PY'
import sys, pandas as pd
pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False).to_excel(sys.argv[2], index=False)
PY

export CASEWINDOW_LOG=warn
DATABASE_URL="sqlite:$WORK/base.db" "$RELEASE" migrate --create >/dev/null
DATABASE_URL="sqlite:$WORK/base.db" "$RELEASE" demo >/dev/null 2>&1
REVIEW=$(DATABASE_URL="sqlite:$WORK/base.db" "$RELEASE" reviews | awk -F'\t' '$2=="Child W" {print $1}')

# Each timed import starts from a fresh copy of the demo database (the first submission).
import_once() {
    cp "$WORK/base.db" "$WORK/run.db"
    rm -f "$WORK/run.db-wal" "$WORK/run.db-shm"
    if [ -f "$WORK/base.db-wal" ]; then cp "$WORK/base.db-wal" "$WORK/run.db-wal"; fi
    local start end
    start=$(date +%s.%N)
    DATABASE_URL="sqlite:$WORK/run.db" "$RELEASE" chronology import --review "$REVIEW" --agency "$1" "$2" >/dev/null 2>&1
    end=$(date +%s.%N)
    echo "$end - $start" | bc
}
best() { local best=999 t; for _ in 1 2 3; do t=$(import_once "$@"); if (( $(echo "$t < $best" | bc) )); then best=$t; fi; done; echo "$best"; }

PANDAS=$(for _ in 1 2 3; do "$VENV/bin/python" bench/pandas_chronology.py "$WORK/chronology.csv" | cut -d' ' -f1; done | sort -n | head -1)
CSV=$(best "Little Wrens" "$WORK/chronology.csv")
XLSX=$(best "Thornbank" "$WORK/chronology.xlsx")
# A re-import of the same agency replaces 100,000 entries, keeping each as a revision.
start=$(date +%s.%N)
DATABASE_URL="sqlite:$WORK/run.db" "$RELEASE" chronology import --review "$REVIEW" --agency "Thornbank" "$WORK/chronology.xlsx" >/dev/null 2>&1
REIMPORT=$(echo "$(date +%s.%N) - $start" | bc)
printf 'rows: %s (best of 3, each into a fresh copy of the demo database)\n' "$ROWS"
printf 'pandas read_csv + dateutil (parse only):         %6.2f s\n' "$PANDAS"
printf 'casewindow CSV import (parse, validate, store):  %6.2f s   (%.1fx faster)\n' "$CSV" "$(echo "$PANDAS / $CSV" | bc -l)"
printf 'casewindow XLSX import (parse, validate, store): %6.2f s\n' "$XLSX"
printf 'casewindow XLSX re-import (replacing the above): %6.2f s\n' "$REIMPORT"
