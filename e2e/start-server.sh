#!/usr/bin/env bash
# Starts casewindow for the browser tests: a fresh SQLite database with the demo loaded, one
# demo password, and an empty account for the walkthrough. Playwright stops it afterwards.
set -euo pipefail
BIN="${CASEWINDOW_BIN:?set CASEWINDOW_BIN to the casewindow binary}"
DIR="$(mktemp -d)"
export DATABASE_URL="sqlite:$DIR/casewindow.db"
export CASEWINDOW_LOG=warn
# A fresh vault key for this run: identities, gazetteers and second-factor secrets are sealed.
export CASEWINDOW_VAULT_KEY="$(head -c 32 /dev/urandom | base64)"
"$BIN" migrate --create
CASEWINDOW_DEMO_PASSWORD="fictional demo password" "$BIN" demo
printf 'walkthrough password 2026\n' | "$BIN" user create --name "Wren Walker" --email walker@example.org
printf 'steady lighthouse keeper 51\n' | "$BIN" user create --admin --name "Ada Admin" --email admin@example.org
printf 'national patterns reader 7\n' | "$BIN" user create --national-analyst --name "Nora Analyst" --email analyst@example.org
printf 'two locks on the door 2026\n' | "$BIN" user create --name "Tess Twostep" --email twostep@example.org
# The people a new review's lead reviewer invites to test the analysis (together.spec.mjs).
printf 'practitioners around the table 3\n' | "$BIN" user create --name "Cara Casey" --email casegroup@example.org
printf 'kitchen table conversations 24\n' | "$BIN" user create --name "Fern Family" --email family@example.org
printf 'oak desk signatures nine 9\n' | "$BIN" user create --name "Pat Partner" --email partner@example.org
exec "$BIN" serve --addr 127.0.0.1:${E2E_PORT:-8181}
