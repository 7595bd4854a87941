#!/usr/bin/env bash
# A nation's reviews (issue 24): every page under load on a large library, with several instances.
#   bench/scale.sh                                        # PostgreSQL, 5,000 reviews, 2 instances
#   ENGINE=sqlite REVIEWS=1000 INSTANCES=1 bench/scale.sh # SQLite, 1,000 reviews, 1 instance
# Settings: ENGINE (postgres|sqlite), REVIEWS (5000), INSTANCES (2), CONNECTIONS (16, split
# evenly across the instances, one wrk per instance, run at once), DURATION (15s per page),
# PORT (8290: instances on PORT, PORT+1, ...), BIN (an already-built binary; else a release
# build), REBUILD (1: build the database afresh even if a kept one exists), SEARCH and SEARCH2
# (the two searches measured).
#
# The database is built once (the demo, its Child W copied to REVIEWS reviews by
# bench/scale_demo.py, one copy with a 500-entry chronology) and kept for later runs:
# PostgreSQL database cw_scale_REVIEWS on PG_SERVER, or ~/.cache/casewindow/scale/ for SQLite.
# A kept database is migrated to the binary's schema before use.
#
# Then it starts INSTANCES servers on the one database, times each from start until /health and
# every measured page answer (signed in as the demo lead reviewer, who takes part in every
# copy), measures each page with wrk split across the instances (p99 is the worse of the
# instances' p99), records each page's size, and each instance's resident memory after the load.
# After the load it adds one more instance and times it the same way (a server joining a
# deployment whose database is in use). Prints Markdown for BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN_OVERRIDE="${BIN:-}"
source scripts/env.sh

ENGINE="${ENGINE:-postgres}"
REVIEWS="${REVIEWS:-5000}"
INSTANCES="${INSTANCES:-2}"
CONNECTIONS="${CONNECTIONS:-16}"
DURATION="${DURATION:-15s}"
PORT="${PORT:-8290}"
SEARCH="${SEARCH:-supervision capacity}"
SEARCH2="${SEARCH2:-home visit}"
PG_SERVER="${PG_SERVER:-postgres://postgres@127.0.0.1:5432}"
PG_DB="cw_scale_$REVIEWS"
KEEP_DIR="$HOME/.cache/casewindow/scale"
PASSWORD="benchmark demo password"
EMAIL="helen.marchbank@example.org"
case "$ENGINE" in sqlite | postgres) ;; *) die "ENGINE must be sqlite or postgres, not $ENGINE" ;; esac

if ! command -v wrk >/dev/null; then
    step "installing wrk from Debian"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
if [ -n "$BIN_OVERRIDE" ]; then
    BIN="$BIN_OVERRIDE"
else
    step "building (release)"
    CARGO_TARGET_DIR="$HOME/.cache/casewindow/target-release" nice -n 19 cargo build --quiet --release -p casewindow-cli
    BIN="$HOME/.cache/casewindow/target-release/release/casewindow"
fi
[ -x "$BIN" ] || die "no binary at $BIN"

WORK="$(mktemp -d)"
SERVERS=()
cleanup() {
    for pid in "${SERVERS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${SERVERS[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT
export CASEWINDOW_LOG="${CASEWINDOW_LOG:-warn}"
mkdir -p "$KEEP_DIR"

if [ "$ENGINE" = postgres ]; then
    pg_isready -q -h 127.0.0.1 -p 5432 || ensure_postgres
    export DATABASE_URL="$PG_SERVER/$PG_DB"
    export CASEWINDOW_VAULT_KEY_FILE="$KEEP_DIR/$PG_DB.key"
    EXISTS=$(psql -tA "$PG_SERVER/postgres" -c "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'")
    if [ "${REBUILD:-0}" = 1 ] || [ "$EXISTS" != 1 ] || [ ! -f "$KEEP_DIR/$PG_DB.done" ]; then
        rm -f "$KEEP_DIR/$PG_DB.done"
        psql -q -v ON_ERROR_STOP=1 "$PG_SERVER/postgres" -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null
        psql -q -v ON_ERROR_STOP=1 "$PG_SERVER/postgres" -c "CREATE DATABASE $PG_DB" >/dev/null
        head -c 32 /dev/urandom | base64 >"$CASEWINDOW_VAULT_KEY_FILE"
        chmod 600 "$CASEWINDOW_VAULT_KEY_FILE"
        BUILD=1
    fi
else
    DB="$KEEP_DIR/sqlite-$REVIEWS.db"
    export DATABASE_URL="sqlite:$DB"
    if [ "${REBUILD:-0}" = 1 ] || [ ! -f "$DB.done" ]; then
        rm -f "$DB" "$DB".* "$DB-wal" "$DB-shm"
        BUILD=1
    fi
fi

if [ "${BUILD:-0}" = 1 ]; then
    step "building the library: the demo scaled to $REVIEWS reviews ($ENGINE)"
    if [ "$ENGINE" = postgres ]; then "$BIN" migrate; else "$BIN" migrate --create; fi
    CASEWINDOW_DEMO_PASSWORD="$PASSWORD" "$BIN" demo
    SOURCE=$("$BIN" reviews | awk -F'\t' '$2 == "Child W" { print $1 }')
    [ -n "$SOURCE" ] || die "the demo has no review called Child W"
    "$BIN" export review "$SOURCE" -o "$WORK/source.json"
    EXISTING=$("$BIN" reviews | wc -l)
    python3 bench/scale_demo.py "$WORK/source.json" "$WORK/copies" $((REVIEWS - EXISTING)) --chronology 500
    IMPORT_START=$(date +%s)
    "$BIN" import review "$WORK"/copies/*.json >/dev/null
    step "imported $((REVIEWS - EXISTING)) reviews in $(( $(date +%s) - IMPORT_START )) s"
    rm -rf "$WORK/copies"
    if [ "$ENGINE" = postgres ]; then touch "$KEEP_DIR/$PG_DB.done"; else touch "$DB.done"; fi
else
    step "using the kept library ($ENGINE, $REVIEWS reviews); migrating it to this binary's schema"
    "$BIN" migrate
fi
"$BIN" reviews >"$WORK/reviews"
TOTAL=$(wc -l <"$WORK/reviews")
TARGET=$(awk -F'\t' '$2 == "Child W (load copy 1)" { print $1 }' "$WORK/reviews")
[ -n "$TARGET" ] || die "the library has no load copy 1"

QUERY=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote_plus(sys.argv[1]))' "$SEARCH")
QUERY2=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote_plus(sys.argv[1]))' "$SEARCH2")
PAGES=(
    "static file (/assets/app.css)|/assets/app.css"
    "portfolio (/)|/"
    "review overview|/reviews/$TARGET"
    "chronology, 500 entries|/reviews/$TARGET/chronology"
    "findings|/reviews/$TARGET/findings"
    "library|/library"
    "codebook|/library/issues"
    "action tracker|/actions"
    "search \"$SEARCH\"|/search?q=$QUERY"
    "search \"$SEARCH2\" (matches in every review)|/search?q=$QUERY2"
)

sign_in() {
    local base="$1" jar="$WORK/cookies-$2" token
    token=$(curl -fs -c "$jar" "$base/sign-in" | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -n 1)
    curl -fs -b "$jar" -c "$jar" -o /dev/null --data-urlencode "csrf_token=$token" \
        --data-urlencode "email=$EMAIL" --data-urlencode "password=$PASSWORD" "$base/sign-in"
    awk '$6 == "cw_session" { print $7 }' "$jar"
}

now_ms() { date +%s%3N; }

# Starts instance $1 (port PORT+$1) and times it from start until /health answers and until every
# measured page has answered once; records its first answers and resident memory.
start_instance() {
    local i="$1" port=$((PORT + $1)) start healthy firsts ready bar_ready rss code took page path
    start=$(now_ms)
    "$BIN" serve --addr "127.0.0.1:$port" &
    SERVERS+=($!)
    for _ in $(seq 1 600); do curl -fs -o /dev/null "http://127.0.0.1:$port/health" && break; sleep 0.05; done
    healthy=$(( $(now_ms) - start ))
    [ -n "$SESSION" ] || SESSION=$(sign_in "http://127.0.0.1:$port" "$i")
    [ -n "$SESSION" ] || die "could not sign in"
    firsts=""
    for page in "${PAGES[@]}"; do
        path="${page#*|}"
        read -r code took < <(curl -s -o /dev/null -w '%{http_code} %{time_total}\n' -m 120 -H "Cookie: cw_session=$SESSION" "http://127.0.0.1:$port$path")
        [ "$code" = 200 ] || die "instance $i answered $code for $path"
        firsts="$firsts ${page%%|*}: $(awk -v t="$took" 'BEGIN { printf "%d ms", t * 1000 }');"
        # Every page the bar names answered (the search matching every review is not one).
        [ "$path" = "/search?q=$QUERY" ] && bar_ready=$(( $(now_ms) - start ))
    done
    FIRSTS+=("instance $((i + 1)) first answers:$firsts")
    ready=$(( $(now_ms) - start ))
    rss=$(awk '/VmRSS/ { printf "%d", $2 / 1024 }' "/proc/${SERVERS[$i]}/status")
    READY_ROWS+=("| instance $((i + 1))${2:-} | ${healthy} ms | ${bar_ready} ms | ${ready} ms | ${rss} MB |")
}

step "starting $INSTANCES instance(s) on one $ENGINE database of $TOTAL reviews"
SESSION=""
READY_ROWS=()
FIRSTS=()
for i in $(seq 0 $((INSTANCES - 1))); do
    start_instance "$i"
done

# Figures from wrk's --latency output, to milliseconds.
ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.1f", n }'; }

measure() {
    local name="$1" path="$2" per=$((CONNECTIONS / INSTANCES)) outs=() i
    for i in $(seq 0 $((INSTANCES - 1))); do
        wrk -t1 -c"$per" -d"$DURATION" --timeout 10s --latency -H "Cookie: cw_session=$SESSION" \
            "http://127.0.0.1:$((PORT + i))$path" >"$WORK/wrk-$i" &
        outs+=($!)
    done
    wait "${outs[@]}"
    local p50=0 p99=0 rps=0 errors=0 out v
    for i in $(seq 0 $((INSTANCES - 1))); do
        out="$WORK/wrk-$i"
        v=$(ms "$(awk '$1 == "50%" { print $2 }' "$out")"); p50=$(awk -v a="$p50" -v b="$v" 'BEGIN { print (b > a) ? b : a }')
        v=$(ms "$(awk '$1 == "99%" { print $2 }' "$out")"); p99=$(awk -v a="$p99" -v b="$v" 'BEGIN { print (b > a) ? b : a }')
        rps=$(awk -v a="$rps" -v b="$(awk '/Requests\/sec/ { print $2 }' "$out")" 'BEGIN { printf "%.0f", a + b }')
        v=$(awk '/Socket errors/ { gsub(",", ""); print $4 + $6 + $8 + $10 }' "$out" | head -n 1)
        errors=$(( errors + ${v:-0} ))
        v=$(awk '/Non-2xx/ { print $5 }' "$out" | head -n 1)
        errors=$(( errors + ${v:-0} ))
    done
    local size
    size=$(curl -s -o /dev/null -w '%{size_download}' -H "Cookie: cw_session=$SESSION" "http://127.0.0.1:$PORT$path")
    printf '| %s | %s ms | %s ms | %s | %s | %s KB |\n' "$name" "$p50" "$p99" "$rps" "$errors" "$((size / 1024))"
}

step "measuring: $ENGINE, $TOTAL reviews, $INSTANCES instance(s), $CONNECTIONS connections, $DURATION per page"
echo "| page | p50 | p99 | requests/s | errors | HTML |"
echo "| --- | --- | --- | --- | --- | --- |"
for page in "${PAGES[@]}"; do
    measure "${page%%|*}" "${page#*|}"
done
# One more instance added once the others have served the load: a server joining (or
# restarting in) a deployment whose database is in use.
step "adding instance $((INSTANCES + 1)) after the load"
start_instance "$INSTANCES" " (added after the load)"
echo
echo "| instance | /health answers | every page of the bar answered once | and the search matching every review | resident memory after start |"
echo "| --- | --- | --- | --- | --- |"
printf '%s\n' "${READY_ROWS[@]}"
echo
printf '%s\n' "${FIRSTS[@]}"
echo
for i in $(seq 0 $((INSTANCES - 1))); do
    printf 'instance %d resident memory after the load: %s MB\n' $((i + 1)) \
        "$(awk '/VmRSS/ { printf "%d", $2 / 1024 }' "/proc/${SERVERS[$i]}/status")"
done
