#!/usr/bin/env bash
# Runs every test: unit, storage conformance on SQLite and PostgreSQL, application and command
# line. Starts (or installs) PostgreSQL when it is not running.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/env.sh

ensure_postgres

step "architecture: the domain crate depends on no I/O framework"
if cargo tree -p casewindow-domain -e normal --prefix none | grep -E '^(sqlx|axum|tokio|hyper)[ -]'; then
    die "casewindow-domain must not depend on sqlx, axum, tokio or hyper"
fi

step "tests (every storage test runs as ::sqlite and ::postgres)"
if command -v cargo-nextest >/dev/null; then
    cargo nextest run --workspace --no-fail-fast --final-status-level pass --status-level pass
else
    cargo test --workspace --no-fail-fast
fi
