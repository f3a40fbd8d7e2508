#!/usr/bin/env bash
# Builds the release binary as it ships (Scripts/build-release.sh) and checks it end to end exactly as README.md describes: the run command with
# config.example.json (dry-run), the form page, a lead, the outbox CLI, health, readiness and metrics, and a clean
# stop on SIGTERM.
set -euo pipefail
cd "$(dirname "$0")/.."

run_command=$(sed -n '/<!-- run-command -->/,/<!-- \/run-command -->/p' README.md | grep -v '^<!--' | grep -v '^```' | head -n 1)
[ "$run_command" = "swift run heroform serve --config config.example.json" ] || { echo "README's run command changed: $run_command" >&2; exit 1; }

binary="$(Scripts/build-release.sh heroform)/heroform"
port=$(sed -n 's/.*"port": *\([0-9]*\).*/\1/p' config.example.json | head -n 1)
base="http://127.0.0.1:$port"
data=$(sed -n 's/.*"data_dir": *"\([^"]*\)".*/\1/p' config.example.json | head -n 1); data=${data:-data}

# The README's command, with the release binary in place of `swift run` (same arguments, same working directory).
env -u HERO_API_KEY "$binary" serve --config config.example.json > /tmp/heroform-smoke.log 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do curl -fs "$base/healthz" >/dev/null 2>&1 && break; sleep 0.1; done

check() { if eval "$2"; then echo "ok   $1"; else echo "FAIL $1" >&2; cat /tmp/heroform-smoke.log >&2; exit 1; fi; }
check "start-up says dry-run" "grep -q 'mode: dry-run' /tmp/heroform-smoke.log"
check "GET /healthz" "[ \"\$(curl -fs $base/healthz)\" = ok ]"
check "GET / serves the form" "curl -fs $base/ | grep -q '<form class=\"hf-form\" method=\"post\" action=\"/leads\"'"
check "GET /readyz is ready" "curl -fs $base/readyz | grep -q '\"status\":\"ready\"'"
token=$(curl -fs "$base/token?form=default" | sed 's/.*"token":"\([^"]*\)".*/\1/')
sleep 3.2   # security.min_fill_seconds
answer=$(curl -s -H 'Accept: application/json' \
  --data-urlencode "_token=$token" --data-urlencode 'email=smoke@example.org' --data-urlencode 'last_name=Smoke' \
  --data-urlencode 'zipcode=30449' --data-urlencode 'consent=on' "$base/leads")
check "POST /leads is accepted" "echo '$answer' | grep -q '\"status\":\"success\"'"
reference=$(echo "$answer" | sed 's/.*"reference":"\([^"]*\)".*/\1/')
check "outbox list shows it delivered" "$binary outbox list --config config.example.json | grep -q \"$reference.*delivered\""
check "GET /metrics counts it" "curl -fs $base/metrics | grep -q 'heroform_leads_total{result=\"delivered\"} 1'"
check "gzip when asked" "curl -fs -H 'Accept-Encoding: gzip' -D - -o /dev/null $base/ | grep -qi '^content-encoding: gzip'"
kill -TERM "$server"
status=0; wait "$server" || status=$?
check "SIGTERM stops it with exit 0" "[ $status -eq 0 ]"
trap - EXIT
echo "smoke test passed (lead $reference; data in $data/)"
