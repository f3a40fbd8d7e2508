#!/usr/bin/env bash
# Benchmarks heroform side by side with nginx on this machine, in one run:
#   (1) GET / keep-alive, 64 connections — heroform vs nginx serving the same rendered page
#   (2) POST /leads refused by validation (422)
#   (3) POST /leads accepted, stored and relayed to a local HERO stand-in — no lead lost or doubled;
#       then again in front of a stand-in that takes HERO_DELAY_MS (100) per call, like a remote API
#       (hero.max_concurrent_calls is 16 here, one call per wrk connection, so the stand-in stays the limit)
#   (4) 10,000 idle keep-alive connections held while /healthz is probed
# and the server's resident memory idle and under each load.
#
#   Scripts/bench.sh            (DURATION=10 seconds per run by default)
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${DURATION:-10}
idle=${IDLE_CONNECTIONS:-10000}
hero_delay=${HERO_DELAY_MS:-100}
case "$hero_delay" in ''|*[!0-9]*) echo "HERO_DELAY_MS must be a whole number of milliseconds" >&2; exit 2 ;; esac

need=()
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || need+=(nginx)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq && $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi
ulimit -n 65536 2>/dev/null || true

# Built as the Docker image and the systemd guide build it.
bin=$(Scripts/build-release.sh heroform hero-stand-in)
work=$(mktemp -d)
# nginx's workers run as another user: they must be able to enter the folder with the page.
chmod 755 "$work"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; nginx -p "$work" -c "$work/nginx.conf" -s stop 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

hf=18600; standin=18601; ngx=18602; slow_hf=18603; slow_standin=18604
"$bin/hero-stand-in" $standin bench-key >/dev/null & pids+=($!)
"$bin/hero-stand-in" $slow_standin bench-key "$hero_delay" >/dev/null & pids+=($!)
# A heroform in front of a stand-in: start_heroform NAME PORT STAND-IN-PORT; sets $server to its pid.
start_heroform() {
  cat > "$work/$1.json" <<JSON
{"server": {"port": $2, "public_dir": "$PWD/Public", "keep_alive_timeout_seconds": 300, "max_connections": 20000,
            "max_connections_per_client": 0},
 "hero": {"endpoint": "http://127.0.0.1:$3/api/v1/Projects/create", "timeout_seconds": 5, "max_concurrent_calls": 16},
 "storage": {"data_dir": "$work/$1-data"},
 "security": {"min_fill_seconds": 0, "single_use_tokens": false, "rate_limit": {"submissions": 100000, "per_seconds": 1}},
 "forms": {"default": {"measure": "DOG", "partner_source": "Benchmark", "privacy_url": "/datenschutz"}}}
JSON
  HERO_API_KEY=bench-key "$bin/heroform" serve --config "$work/$1.json" --log-level error & server=$!; pids+=($server)
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$2/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
  curl -fs "http://127.0.0.1:$2/healthz" >/dev/null || { echo "heroform did not start" >&2; exit 1; }
}
start_heroform slow $slow_hf $slow_standin; slow_server=$server
start_heroform main $hf $standin

rss() { awk '/VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$server/status"; }
# The highest RSS seen while a command runs.
peak_rss() {
  local peak=0 value
  "$@" & local job=$!
  while kill -0 $job 2>/dev/null; do
    value=$(awk '/VmRSS/ {print $2}' "/proc/$server/status"); [ "$value" -gt "$peak" ] && peak=$value; sleep 0.2
  done
  wait $job
  awk -v k="$peak" 'BEGIN {printf "%.1f", k / 1024}' > "$work/peak"
}

# nginx serves the very page heroform renders.
mkdir -p "$work/site" "$work/logs"
curl -fs "http://127.0.0.1:$hf/" > "$work/site/index.html"
cp -r Public/assets "$work/site/assets"
cat > "$work/nginx.conf" <<CONF
worker_processes auto;
pid $work/nginx.pid;
error_log $work/logs/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  include /etc/nginx/mime.types;
  server { listen 127.0.0.1:$ngx; root $work/site; }
}
CONF
nginx -p "$work" -c "$work/nginx.conf"

cat > "$work/report.lua" <<'LUA'
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT rps=%.0f p50=%.2f p99=%.2f errors=%d non2xx=%d requests=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    errors, summary.errors.status, summary.requests))
end
LUA
token_of() { curl -fs "http://127.0.0.1:$1/token" | sed 's/.*"token":"\([^"]*\)".*/\1/'; }
token=$(token_of $hf)
cat "$work/report.lua" > "$work/invalid.lua"
cat >> "$work/invalid.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"email":"not-an-email","zipcode":"1","consent":false,"_token":"$token"}'
LUA
# Every lead differs (the outbox would take a repeat for the same submission); the token is the server's own, sent
# with every lead (single_use_tokens is off for the benchmark; production keeps it on).
leads_script() {
  cat "$work/report.lua" > "$1"
  cat >> "$1" <<LUA
local threads = 0
function setup(thread) threads = threads + 1; thread:set("tid", threads) end
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("POST", "/leads", {["Content-Type"] = "application/json"},
    string.format('{"email":"b%d.%d@example.org","last_name":"Bench","zipcode":"30449","consent":true,"_token":"$2"}', tid, counter))
end
LUA
}
leads_script "$work/leads.lua" "$token"
slow_token=$(token_of $slow_hf)
leads_script "$work/slow-leads.lua" "$slow_token"
cat "$work/report.lua" > "$work/hero.lua"
cat >> "$work/hero.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"
wrk.headers["Authorization"] = "Bearer bench-key"
wrk.body = '{"measure":"DOG","customer":{"email":"a@b.de"},"address":{"zipcode":"30449"}}'
LUA

result() { grep '^RESULT' "$1" | sed 's/^RESULT //'; }
field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

idle_rss=$(rss)
run() { wrk -t2 -c"$1" -d"${duration}s" -s "$3" "$2" > "$work/out" 2>&1; result "$work/out"; }

# (1)
r_nginx=$(run 64 "http://127.0.0.1:$ngx/" "$work/report.lua")
peak_rss run 64 "http://127.0.0.1:$hf/" "$work/report.lua"; r_page=$(result "$work/out"); rss_page=$(cat "$work/peak")
# (2)
peak_rss run 64 "http://127.0.0.1:$hf/leads" "$work/invalid.lua"; r_invalid=$(result "$work/out"); rss_invalid=$(cat "$work/peak")
# (3): the stand-in alone first, then heroform in front of it.
created_in() { curl -fs "http://127.0.0.1:$1/stats" | sed 's/.*"created":\([0-9]*\).*/\1/'; }
# Waits until the outbox of heroform NAME has nothing pending, then prints its counts.
settled_outbox() {
  for _ in $(seq 1 100); do
    pending=$("$bin/heroform" outbox list --config "$work/$1.json" --status pending | tail -n 1 | awk '{print $1}')
    [ "$pending" = 0 ] && break; sleep 0.2
  done
  "$bin/heroform" outbox list --config "$work/$1.json" | tail -n 1
}
# wrk stops with calls still in flight; they land before the count is taken.
r_hero=$(run 16 "http://127.0.0.1:$standin/api/v1/Projects/create" "$work/hero.lua"); sleep 1
before=$(created_in $standin)
peak_rss run 16 "http://127.0.0.1:$hf/leads" "$work/leads.lua"; r_leads=$(result "$work/out"); rss_leads=$(cat "$work/peak")
counts=$(settled_outbox main)
accepted=$(field "$r_leads" requests)
created=$(($(created_in $standin) - before))
# (3) again, in front of the stand-in with a delay: the other heroform, so the first one's figures stay apart.
r_slow_hero=$(run 16 "http://127.0.0.1:$slow_standin/api/v1/Projects/create" "$work/hero.lua"); sleep 1
before=$(created_in $slow_standin)
r_slow=$(run 16 "http://127.0.0.1:$slow_hf/leads" "$work/slow-leads.lua")
slow_counts=$(settled_outbox slow)
slow_created=$(($(created_in $slow_standin) - before))
kill "$slow_server" 2>/dev/null || true
wait "$slow_server" 2>/dev/null || true
# Gone now: the clean-up must not signal its number, which may be another process's by then.
remaining=(); for pid in "${pids[@]}"; do [ "$pid" = "$slow_server" ] || remaining+=("$pid"); done; pids=("${remaining[@]}")
# (4)
python3 Scripts/idle-connections.py $hf "$idle" 200 3 > "$work/idle" &
idle_job=$!
for _ in $(seq 1 600); do grep -q HOLDING "$work/idle" 2>/dev/null && break; sleep 0.2; done
rss_idle_conns=$(rss)
wait $idle_job
r_idle=$(result "$work/idle")

# A baseline that answered with errors is no baseline.
if [ "$(field "$r_nginx" non2xx)" != 0 ] || [ "$(field "$r_nginx" errors)" != 0 ]; then
  echo "nginx answered with errors ($r_nginx); see $work/logs/error.log" >&2
  exit 1
fi

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
nginx_rps=$(field "$r_nginx" rps)
printf '\nmachine: %s cores, %s, %s\n' "$(nproc)" "$(uname -sr)" "$(nginx -v 2>&1 | sed 's/.*: //')"
printf 'heroform idle RSS: %s MB (target < 20 MB)\n\n' "$idle_rss"
printf '%-52s %9s %8s %8s %7s %9s %8s\n' "scenario" "req/s" "p50 ms" "p99 ms" "errors" "RSS MB" "× nginx"
# Errors are socket errors plus unexpected statuses (for the refused submissions, 422 is the expected status).
line() {
  local errors=$(($(field "$2" errors)))
  [ "${5:-}" = "refusals" ] || errors=$((errors + $(field "$2" non2xx)))
  printf '%-52s %9s %8s %8s %7s %9s %8s\n' "$1" "$(field "$2" rps)" "$(field "$2" p50)" "$(field "$2" p99)" "$errors" "$3" "$4"
}
line "nginx: GET / (same page), 64 connections" "$r_nginx" "-" "1.00"
line "(1) heroform: GET /, 64 connections" "$r_page" "$rss_page" "$(ratio "$(field "$r_page" rps)" "$nginx_rps")"
line "(2) heroform: POST /leads refused (422), 64 conn." "$r_invalid" "$rss_invalid" "$(ratio "$(field "$r_invalid" rps)" "$nginx_rps")" refusals
line "    HERO stand-in alone, 16 connections" "$r_hero" "-" "-"
line "(3) heroform: POST /leads accepted + relayed, 16 c." "$r_leads" "$rss_leads" "$(ratio "$(field "$r_leads" rps)" "$(field "$r_hero" rps)") of stand-in"
printf '    leads answered %s, created in HERO %s, outbox: %s\n' "$accepted" "$created" "$counts"
line "    HERO stand-in alone, ${hero_delay} ms per call, 16 conn." "$r_slow_hero" "-" "-"
line "(3) the same in front of that stand-in, 16 conn." "$r_slow" "-" "$(ratio "$(field "$r_slow" rps)" "$(field "$r_slow_hero" rps)") of stand-in"
printf '    leads answered %s, created in HERO %s, outbox: %s\n' "$(field "$r_slow" requests)" "$slow_created" "$slow_counts"
printf '(4) %s idle keep-alive connections: /healthz p50 %s ms, p99 %s ms, max %s ms, failures %s, %s; RSS %s MB\n' \
  "$(field "$r_idle" held)" "$(field "$r_idle" p50)" "$(field "$r_idle" p99)" "$(field "$r_idle" max)" "$(field "$r_idle" failures)" \
  "idle ones still served $(field "$r_idle" sampled_alive)" "$rss_idle_conns"
