#!/usr/bin/env bash
# Write load: concurrent editors saving findings, each in a different review, reproducible here:
#   bench/write_load.sh                       # release build, 1,000 reviews, SQLite, 16 editors
#   ENGINE=postgres bench/write_load.sh       # the same on a fresh PostgreSQL database
#   BIN=/path/to/casewindow bench/write_load.sh   # an already-built binary (no build)
# Settings: PROFILE (release), REVIEWS (1000), ENGINE (sqlite|postgres), EDITORS (16), DURATION
# (seconds, 20), BIN, PORT (8283), LABEL (the table row's name), REOPEN_EVERY (1: each editor
# opens the edit form before every save; 0: opens it once and saves it again and again, so the
# load is the saves alone), INTERVAL (seconds an editor waits after each save; 0: none, so the
# server is saturated); PostgreSQL runs on a database
# PG_DB (cw_bench_write) created afresh on PG_SERVER (postgres://postgres@127.0.0.1:5432) and
# dropped at the end.
# It loads the demo, scales it to REVIEWS reviews as bench/pages.sh does, starts the server and
# runs bench/write_load.py: EDITORS editors, each signed in separately and working in its own
# review, open a finding's edit form and save it with a changed statement, for DURATION seconds.
# Only the save (the POST) is timed; a save is a 303 redirect, anything else is an error.
# Prints the saves, the errors by status, p50/p95/p99/max and a Markdown row for BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN_OVERRIDE="${BIN:-}"
source scripts/env.sh

PROFILE="${PROFILE:-release}"
REVIEWS="${REVIEWS:-1000}"
ENGINE="${ENGINE:-sqlite}"
EDITORS="${EDITORS:-16}"
DURATION="${DURATION:-20}"
DURATION="${DURATION%s}"
PORT="${PORT:-8283}"
PG_SERVER="${PG_SERVER:-postgres://postgres@127.0.0.1:5432}"
PG_DB="${PG_DB:-cw_bench_write}"
PASSWORD="benchmark demo password"
EMAIL="helen.marchbank@example.org"

case "$ENGINE" in sqlite | postgres) ;; *) die "ENGINE must be sqlite or postgres, not $ENGINE" ;; esac

if [ -n "$BIN_OVERRIDE" ]; then
    BIN="$BIN_OVERRIDE"
    [ -x "$BIN" ] || die "BIN=$BIN is not an executable"
    step "using $BIN (no build)"
    BUILT="$BIN"
else
    step "building ($PROFILE)"
    BUILT="$PROFILE"
    if [ "$PROFILE" = release ]; then
        cargo build --quiet --release -p casewindow-cli
        BIN="$CARGO_TARGET_DIR/release/casewindow"
    else
        cargo build --quiet -p casewindow-cli
    fi
fi

WORK="$(mktemp -d)"
cleanup() {
    if [ -n "${SERVER:-}" ]; then
        kill "$SERVER" 2>/dev/null || true
        wait "$SERVER" 2>/dev/null || true
    fi
    if [ "$ENGINE" = postgres ] && [ "${PG_CREATED:-0}" = 1 ]; then
        psql -q "$PG_SERVER/postgres" -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1 || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT
export CASEWINDOW_LOG="${CASEWINDOW_LOG:-warn}"

SETUP_START=$(date +%s)
if [ "$ENGINE" = postgres ]; then
    command -v psql >/dev/null || die "psql is needed for ENGINE=postgres"
    pg_isready -q -h 127.0.0.1 -p 5432 || ensure_postgres
    step "fresh PostgreSQL database $PG_DB"
    psql -q -v ON_ERROR_STOP=1 "$PG_SERVER/postgres" -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null
    psql -q -v ON_ERROR_STOP=1 "$PG_SERVER/postgres" -c "CREATE DATABASE $PG_DB" >/dev/null
    PG_CREATED=1
    export DATABASE_URL="$PG_SERVER/$PG_DB"
    "$BIN" migrate
else
    export DATABASE_URL="sqlite:$WORK/casewindow.db"
    "$BIN" migrate --create
fi
CASEWINDOW_DEMO_PASSWORD="$PASSWORD" "$BIN" demo
SOURCE=$("$BIN" reviews | awk -F'\t' '$2 == "Child W" { print $1 }')
[ -n "$SOURCE" ] || die "the demo has no review called Child W"
"$BIN" export review "$SOURCE" -o "$WORK/source.json"
EXISTING=$("$BIN" reviews | wc -l)
step "scaling the demo to $REVIEWS reviews"
python3 bench/scale_demo.py "$WORK/source.json" "$WORK/copies" $((REVIEWS - EXISTING)) --chronology 500
IMPORT_START=$(date +%s)
"$BIN" import review "$WORK"/copies/*.json >/dev/null
IMPORT_SECONDS=$(( $(date +%s) - IMPORT_START ))
"$BIN" reviews >"$WORK/reviews"
TOTAL=$(wc -l <"$WORK/reviews")
# Each editor's own review: load copies 2, 3, ... (copy 1 carries the 500-entry chronology).
awk -F'\t' -v n="$EDITORS" '$2 ~ /^Child W \(load copy [0-9]+\)$/ && $2 != "Child W (load copy 1)" && k < n { print $1; k++ }' \
    "$WORK/reviews" >"$WORK/review_ids"
[ "$(wc -l <"$WORK/review_ids")" -ge "$EDITORS" ] || die "fewer than $EDITORS load copies to edit; raise REVIEWS"
SETUP_SECONDS=$(( $(date +%s) - SETUP_START ))
step "set-up took ${SETUP_SECONDS}s (import of $((REVIEWS - EXISTING)) reviews: ${IMPORT_SECONDS}s)"

"$BIN" serve --addr "127.0.0.1:$PORT" &
SERVER=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.2; done
curl -fs "http://127.0.0.1:$PORT/health" >/dev/null || die "the server did not start on port $PORT"

# The server builds its search index in the background at start; one signed-in search waits for
# it, so the measurement does not share the machine with it.
JAR="$WORK/cookies"
TOKEN=$(curl -fs -c "$JAR" "http://127.0.0.1:$PORT/sign-in" | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -n 1)
curl -fs -b "$JAR" -c "$JAR" -o /dev/null --data-urlencode "csrf_token=$TOKEN" \
    --data-urlencode "email=$EMAIL" --data-urlencode "password=$PASSWORD" "http://127.0.0.1:$PORT/sign-in"
SESSION=$(awk '$6 == "cw_session" { print $7 }' "$JAR")
[ -n "$SESSION" ] || die "could not sign in"
curl -fs -o /dev/null -H "Cookie: cw_session=$SESSION" "http://127.0.0.1:$PORT/search?q=home+visit"
sleep 2

step "measuring: $ENGINE, $TOTAL reviews, $EDITORS editors in different reviews, ${DURATION}s"
python3 bench/write_load.py --base "http://127.0.0.1:$PORT" --email "$EMAIL" --password "$PASSWORD" \
    --editors "$EDITORS" --duration "$DURATION" --reviews-file "$WORK/review_ids" \
    --reopen-every "${REOPEN_EVERY:-1}" --interval "${INTERVAL:-0}" \
    --label "${LABEL:-$ENGINE, $TOTAL reviews, $EDITORS editors ($BUILT)}"
