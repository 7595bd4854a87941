#!/usr/bin/env bash
# Runs every test: unit, storage conformance on SQLite and PostgreSQL, application, command
# line, the reports as LibreOffice and poppler read them, and the pages in a real browser (Debian chromium driven by Playwright, checked with
# axe-core), the JSON API against its own OpenAPI description (Schemathesis), and the exports as
# qualitative-analysis libraries and LibreOffice Calc read them. Starts (or installs)
# PostgreSQL, chromium, the npm packages and the Python checkers when missing.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/env.sh

ensure_postgres
ensure_model
ensure_report_tools
# Before the tests, not only the browser's: chromium brings fonts (Liberation) that LibreOffice
# then uses for the reports the importer's tests have it make, so every run lays them out alike.
ensure_chromium
# The model tests must run here, not skip.
export CASEWINDOW_REQUIRE_MODEL=1

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

step "browser tests: Playwright in Debian chromium, axe-core on every page"
ensure_e2e_packages
cargo build --quiet --workspace --all-targets
(cd e2e && CASEWINDOW_BIN="$BIN" npx playwright test)
echo "screenshots of every page: e2e/artifacts/screenshots/" >&2

step "API: Schemathesis against the served OpenAPI description, with a token made on the account page"
CASEWINDOW_BIN="$BIN" api-check/run.sh

step "exchange: REFI-QDA projects and codebooks read by xmlschema, pyrefiqda and portableQDA; CSV by LibreOffice Calc"
interop/run.sh
