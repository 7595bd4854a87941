#!/usr/bin/env bash
# Builds casewindow, creates ./data/casewindow.db (SQLite) on first run, loads the demo reviews
# once, and serves on http://127.0.0.1:8080. Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/env.sh

step "building (the first build takes a few minutes)"
# Same feature set as the test build, so both commands share one build.
cargo build --workspace --all-targets --quiet

ensure_model
export DATABASE_URL="${DATABASE_URL:-sqlite:./data/casewindow.db}"
mkdir -p data
"$BIN" migrate --create
"$BIN" demo
step "serving on http://${CASEWINDOW_ADDR:-127.0.0.1:8080}"
exec "$BIN" serve
