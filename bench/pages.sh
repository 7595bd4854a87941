#!/usr/bin/env bash
# Load test of the review workspace pages (issue 3's bar), reproducible on this machine:
#   bench/pages.sh            # release build, 1,000+ reviews, wrk at 64 connections
# It loads the demo, scales it to more than 1,000 reviews (one with a 500-entry chronology),
# signs in, and measures the review overview, the 500-entry chronology, the findings page and a
# static file served by the same server. Prints a Markdown table for BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

PROFILE="${PROFILE:-release}"
REVIEWS="${REVIEWS:-1000}"
DURATION="${DURATION:-20s}"
CONNECTIONS="${CONNECTIONS:-64}"
PORT="${PORT:-8282}"
PASSWORD="benchmark demo password"

if ! command -v wrk >/dev/null; then
    step "installing wrk from Debian"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
step "building ($PROFILE)"
if [ "$PROFILE" = release ]; then
    cargo build --quiet --release -p casewindow-cli
    BIN="$CARGO_TARGET_DIR/release/casewindow"
else
    cargo build --quiet -p casewindow-cli
fi

WORK="$(mktemp -d)"
trap 'kill "${SERVER:-0}" 2>/dev/null || true; rm -rf "$WORK"' EXIT
export DATABASE_URL="sqlite:$WORK/casewindow.db" CASEWINDOW_LOG=warn
"$BIN" migrate --create
CASEWINDOW_DEMO_PASSWORD="$PASSWORD" "$BIN" demo
SOURCE=$("$BIN" reviews | awk -F'\t' '$2 == "Child W" { print $1 }')
"$BIN" export review "$SOURCE" -o "$WORK/source.json"
EXISTING=$("$BIN" reviews | wc -l)
step "scaling the demo to $REVIEWS reviews"
python3 bench/scale_demo.py "$WORK/source.json" "$WORK/copies" $((REVIEWS - EXISTING)) --chronology 500
"$BIN" import review "$WORK"/copies/*.json
TOTAL=$("$BIN" reviews | wc -l)
TARGET=$("$BIN" reviews | awk -F'\t' '$2 == "Child W (load copy 1)" { print $1 }')

"$BIN" serve --addr "127.0.0.1:$PORT" &
SERVER=$!
for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.2; done

# Sign in as the demo lead reviewer, as a browser would: pre-session cookie, CSRF token, form.
JAR="$WORK/cookies"
TOKEN=$(curl -fs -c "$JAR" "http://127.0.0.1:$PORT/sign-in" | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -n 1)
curl -fs -b "$JAR" -c "$JAR" -o /dev/null --data-urlencode "csrf_token=$TOKEN" \
    --data-urlencode "email=helen.marchbank@example.org" --data-urlencode "password=$PASSWORD" "http://127.0.0.1:$PORT/sign-in"
SESSION=$(awk '$6 == "cw_session" { print $7 }' "$JAR")
[ -n "$SESSION" ] || die "could not sign in"
ENTRIES=$(curl -fs -H "Cookie: cw_session=$SESSION" "http://127.0.0.1:$PORT/reviews/$TARGET/chronology" | grep -o '<td class="pre">' | wc -l)
# The server builds its search index in the background at start; one search waits for it, so
# the measurements below do not share the machine with it.
curl -fs -o /dev/null -H "Cookie: cw_session=$SESSION" "http://127.0.0.1:$PORT/search?q=home+visit"
sleep 2

measure() {
    local name="$1" path="$2" out
    out=$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -H "Cookie: cw_session=$SESSION" "http://127.0.0.1:$PORT$path")
    local p50 p99 rps errors non2xx
    p50=$(echo "$out" | awk '$1 == "50%" { print $2 }')
    p99=$(echo "$out" | awk '$1 == "99%" { print $2 }')
    rps=$(echo "$out" | awk '/Requests\/sec/ { print $2 }')
    errors=$(echo "$out" | awk '/Socket errors/ { gsub(",", ""); print $4 + $6 + $8 + $10 }')
    non2xx=$(echo "$out" | awk '/Non-2xx/ { print $5 }')
    printf '| %s | %s | %s | %s | %s |\n' "$name" "$p50" "$p99" "$rps" "$(( ${errors:-0} + ${non2xx:-0} ))"
}

step "measuring: $TOTAL reviews, $ENTRIES chronology entries on the long review, $CONNECTIONS connections, $DURATION each"
echo "| page | p50 | p99 | requests/s | errors |"
echo "| --- | --- | --- | --- | --- |"
measure "static file (/assets/app.css)" "/assets/app.css"
measure "review overview" "/reviews/$TARGET"
measure "chronology, $ENTRIES entries" "/reviews/$TARGET/chronology"
measure "findings" "/reviews/$TARGET/findings"
measure "search (\"home visit\", every review)" "/search?q=home+visit"
