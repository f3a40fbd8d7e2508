#!/usr/bin/env bash
# Durable accepts per second: POST /leads with a new lead each time, each stored with a synced SQLite commit
# before the answer. Dry-run mode (no HERO_API_KEY), so HERO's speed does not count; every lead is still
# stored, then marked delivered (two commits per lead).
#
#   Scripts/bench-outbox.sh [seconds] [connections]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
connections=${2:-16}

if ! command -v wrk >/dev/null; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq && $sudo apt-get install -y -qq wrk >/dev/null
fi

swift build -c release --product heroform >/dev/null
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
port=18300
cat > "$work/config.json" <<JSON
{"server": {"port": $port, "public_dir": "$PWD/Public", "max_connections_per_client": 0},
 "storage": {"data_dir": "$work/data"},
 "security": {"min_fill_seconds": 0, "single_use_tokens": false, "rate_limit": {"submissions": 100000, "per_seconds": 1}},
 "forms": {"default": {"measure": "DOG", "partner_source": "Benchmark"}}}
JSON
cat > "$work/post.lua" <<'LUA'
-- A different lead every time (thread id and counter), so duplicate detection never short-cuts the store.
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
counter = 0
request = function()
  counter = counter + 1
  local body = string.format('{"email":"bench%d.%d@example.org","last_name":"Bench","zipcode":"30449","consent":true,"_token":"%s"}',
                             tid, counter, os.getenv("HEROFORM_TOKEN"))
  return wrk.format("POST", "/leads", {["Content-Type"] = "application/json"}, body)
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d errors=%d p50_ms=%.2f p99_ms=%.2f\n", summary.requests,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
LUA
.build/release/heroform serve --config "$work/config.json" --log-level error &
server=$!
for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fs "http://127.0.0.1:$port/healthz" >/dev/null || { echo "heroform did not start" >&2; exit 1; }

# One signed form token serves the whole run (single_use_tokens is off for this; production keeps it on).
export HEROFORM_TOKEN=$(curl -fs "http://127.0.0.1:$port/token" | sed 's/.*"token":"\([^"]*\)".*/\1/')
result=$(wrk -t2 -c"$connections" -d"${duration}s" -s "$work/post.lua" "http://127.0.0.1:$port/leads" | tee "$work/wrk.txt" | grep '^RESULT')
rps=$(grep 'Requests/sec' "$work/wrk.txt" | awk '{print $2}')
stored=$(.build/release/heroform outbox list --config "$work/config.json" | tail -n 1)
echo "machine: $(nproc) cores, $(uname -sr)"
echo "durable accepts: $rps per second over ${duration}s with $connections connections (target: over 200/s)"
echo "wrk: $result"
echo "outbox afterwards: $stored"
