#!/usr/bin/env bash
# Memory under large bodies (issue 19): starts the release server on a fresh demo database and
# runs bench/body_memory.py, which prints a Markdown table for BENCHMARKS.md.
#   bench/body_memory.sh                  # builds the release binary
#   BIN=/path/to/casewindow bench/body_memory.sh
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
PORT="${PORT:-8290}"
WORK="$(mktemp -d)"
cleanup() { [ -n "${SERVER:-}" ] && kill "$SERVER" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
export DATABASE_URL="sqlite:$WORK/casewindow.db" CASEWINDOW_LOG=warn
"$BIN" migrate --create >/dev/null
CASEWINDOW_DEMO_PASSWORD="benchmark demo password" "$BIN" demo >/dev/null
printf 'quiet visitor from elsewhere 2031\n' | "$BIN" user create --name "Sam Stranger" --email stranger@example.org >/dev/null
REVIEW="$("$BIN" reviews | awk '/Child W/ {print $1; exit}')"
"$BIN" serve --addr "127.0.0.1:$PORT" &
SERVER=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.2; done
python3 bench/body_memory.py --base "http://127.0.0.1:$PORT" --pid "$SERVER" --review "$REVIEW" \
    --lead helen.marchbank@example.org --password "benchmark demo password" \
    --stranger stranger@example.org --stranger-password "quiet visitor from elsewhere 2031"
