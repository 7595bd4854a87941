#!/usr/bin/env bash
# Schemathesis (PyPI) against the served OpenAPI description, with an API token made through the
# account page: every operation, no server error, every response as described.
# Needs CASEWINDOW_BIN; uses its own virtual environment for Schemathesis.
set -euo pipefail
cd "$(dirname "$0")"
BIN="${CASEWINDOW_BIN:?set CASEWINDOW_BIN to the casewindow binary}"
VENV="$HOME/.cache/casewindow/schemathesis"
[ -x "$VENV/bin/st" ] || { python3 -m venv "$VENV" && "$VENV/bin/pip" install --quiet "schemathesis==4.32.5"; }
PORT="${API_CHECK_PORT:-8292}"
BASE="http://127.0.0.1:$PORT"
WORK="$(mktemp -d)"
# Schemathesis sends thousands of requests: the per-token limit is raised for this run only.
CASEWINDOW_API_RATE=1000000 CASEWINDOW_BIN="$BIN" E2E_PORT="$PORT" ../e2e/start-server.sh > "$WORK/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; pkill -P $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "$BASE/health" > /dev/null && break; sleep 0.3; done
curl -sf "$BASE/health" > /dev/null || { cat "$WORK/server.log"; echo "the server did not start"; exit 1; }
TOKEN="$(python3 make_token.py "$BASE" helen.marchbank@example.org "fictional demo password" write)"
# Real ids, so operations on one record reach records that exist, not only "not found".
python3 - "$BASE" "$TOKEN" > "$WORK/schemathesis.toml" <<'PY'
import json, sys, urllib.request
base, token = sys.argv[1], sys.argv[2]
def get(path):
    req = urllib.request.Request(base + "/api/v1" + path, headers={"Authorization": "Bearer " + token})
    return json.load(urllib.request.urlopen(req))
reviews = get("/reviews?q=Child%20W")["items"] or get("/reviews")["items"]
review = reviews[0]["record"]["id"]
print('[parameters]\n"path.review" = "%s"\n' % review)
for segment in ["chronology-entries", "conversations", "kpes", "findings", "responses", "actions"]:
    items = get(f"/reviews/{review}/{segment}?per_page=1")["items"]
    if items:
        print('[[operations]]\ninclude-path-regex = "/%s/"\nparameters = { "path.id" = "%s" }\n' % (segment, items[0]["record"]["id"]))
issues = get("/recurrent-issues?per_page=1")["items"]
if issues:
    print('[[operations]]\ninclude-path-regex = "^/recurrent-issues/"\nparameters = { "path.id" = "%s" }\n' % issues[0]["record"]["id"])
PY
"$VENV/bin/st" --config-file "$WORK/schemathesis.toml" run "$BASE/api/v1/openapi.json" \
  -H "Authorization: Bearer $TOKEN" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance \
  --phases examples,fuzzing --max-examples "${API_CHECK_EXAMPLES:-40}" --workers 2 \
  --seed 1 --no-color "$@"
