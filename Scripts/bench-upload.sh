#!/usr/bin/env bash
# Benchmarks large uploads (issue 15), first through the HTTP layer alone, then through heroform itself:
#   (1) the HTTP layer: CLIENTS (16) clients POST SIZE_MB (20) MB each at once, then one client SINGLE_MB (200) MB,
#       to `hero-stand-in --upload-sink` (the package's HTTP server with one route that reads each body back in
#       64 KiB pieces); once with bodies past 1 MiB spooled to a temporary directory, once with every body in memory.
#       The clients stream from a file with curl (`-T`, which also sends `Expect: 100-continue`).
#   (2) heroform: the release `heroform serve` with a form that takes one PNG (up to 25 MB, or SIZE_MB + 5).
#       CLIENTS clients at once each GET /token?form=default and POST /leads as multipart/form-data (the form's
#       fields and one PNG of SIZE_MB, curl `-F`); every answer must be 200 or 202 with `"attachments":1`. Twice: in
#       dry-run (no HERO_API_KEY: the files are stored, marked attached and deleted) and live in front of the
#       release `hero-stand-in` (each file uploaded and attached through HERO's file API). Afterwards no file may be
#       pending or failed, and no file may be left in data/tmp or data/attachments, named or still open.
# Printed: the servers' idle and peak RSS (VmHWM), the loopback throughput (bytes sent over wall time, curl included;
# target for 16 × 20 MB: RSS < 80 MB, ≥ 200 MB/s), and for heroform the time from the first request until every
# file was marked attached. The machine's load average is printed with the figures: take them on a quiet machine.
#
#   Scripts/bench-upload.sh            (CLIENTS=16 SIZE_MB=20 SINGLE_MB=200; MB = 1,000,000 bytes)
set -euo pipefail
cd "$(dirname "$0")/.."
clients=${CLIENTS:-16}
size_mb=${SIZE_MB:-20}
single_mb=${SINGLE_MB:-200}
for value in "$clients" "$size_mb" "$single_mb"; do
  case "$value" in
    ''|*[!0-9]*|0) echo "CLIENTS, SIZE_MB and SINGLE_MB must be whole numbers above 0" >&2; exit 2 ;;
  esac
done
if ! command -v curl >/dev/null; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq && $sudo apt-get install -y -qq curl >/dev/null
fi

# Built as the Docker image and the systemd guide build heroform.
bin=$(Scripts/build-release.sh heroform hero-stand-in)
work=$(mktemp -d)
sink="" server="" standin=""
cleanup() {
  local pid
  for pid in "$sink" "$server" "$standin"; do [ -z "$pid" ] || kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

head -c $((size_mb * 1000000)) /dev/urandom > "$work/upload.bin"
head -c $((single_mb * 1000000)) /dev/urandom > "$work/single.bin"
# be32 N: N as four bytes, big-endian (a PNG chunk's length).
be32() { printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 >> 24 & 255)) $(($1 >> 16 & 255)) $(($1 >> 8 & 255)) $(($1 & 255)))"; }
# A PNG of the same size that heroform reads through (it checks the chunks' structure, not the pixels or CRCs): the
# signature, an IHDR, one IDAT holding the random bytes, an IEND. 57 bytes are structure.
idat=$((size_mb * 1000000 - 57))
{
  printf '\x89PNG\r\n\x1a\n'
  be32 13; printf 'IHDR'; be32 1000; be32 1000; printf '\x08\x02\x00\x00\x00'; be32 0
  be32 "$idat"; printf 'IDAT'; head -c "$idat" "$work/upload.bin"; be32 0
  be32 0; printf 'IEND'; be32 0
} > "$work/upload.png"
port=18610 hf_port=18611 standin_port=18612
load() { awk '{print $1, $2, $3}' /proc/loadavg; }
load_before=$(load)

# start_sink SPOOL (a directory, or `memory`): sets $sink to the server's pid.
start_sink() {
  "$bin/hero-stand-in" --upload-sink $port "$1" > "$work/sink.log" 2>&1 & sink=$!
  for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && return; sleep 0.1; done
  echo "the upload sink did not start: $(cat "$work/sink.log")" >&2; exit 1
}
stop_sink() { kill "$sink" 2>/dev/null || true; wait "$sink" 2>/dev/null || true; sink=""; }
# status_kb PID KEY: a value of /proc/PID/status in kB (VmRSS now, VmHWM the peak so far).
status_kb() { awk -v key="$2:" '$1 == key {print $2}' "/proc/$1/status"; }
mb() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
now() { date +%s.%N; }
rate() { awk -v bytes="$1" -v start="$2" -v end="$3" 'BEGIN {printf "%.0f", bytes / 1e6 / (end - start)}'; }
seconds() { awk -v start="$1" -v end="$2" 'BEGIN {printf "%.2f", end - start}'; }

# upload FILE NAME: one client; its answer goes to $work/NAME.answer, its HTTP status to $work/NAME.status.
upload() {
  curl -sS -X POST -T "$1" -H 'Content-Type: application/octet-stream' -o "$work/$2.answer" -w '%{http_code}' \
    "http://127.0.0.1:$port/upload" > "$work/$2.status" || echo "curl failed" > "$work/$2.status"
}
# The answers of clients NAME...: every one 200 and the whole body read back, spooled or not as expected.
check() {
  local expected=$1 kind=$2 name; shift 2
  for name in "$@"; do
    if [ "$(cat "$work/$name.status")" != 200 ] || [ "$(cat "$work/$name.answer")" != "$expected $kind" ]; then
      echo "upload $name failed: status $(cat "$work/$name.status"), answer $(cat "$work/$name.answer" 2>/dev/null)" >&2
      exit 1
    fi
  done
}

# run SPOOL KIND: both scenarios against one fresh server; sets r_idle and r_peak (kB), r_many and r_single (MB/s).
run() {
  start_sink "$1"
  local names=() pids=() start end
  r_idle=$(status_kb "$sink" VmRSS)
  start=$(now)
  for i in $(seq 1 "$clients"); do upload "$work/upload.bin" "c$i" & pids+=($!); names+=("c$i"); done
  wait "${pids[@]}"
  end=$(now)
  check $((size_mb * 1000000)) "$2" "${names[@]}"
  r_many=$(rate $((clients * size_mb * 1000000)) "$start" "$end")
  r_peak=$(status_kb "$sink" VmHWM)
  start=$(now)
  upload "$work/single.bin" single
  end=$(now)
  check $((single_mb * 1000000)) "$2" single
  r_single=$(rate $((single_mb * 1000000)) "$start" "$end")
  stop_sink
}

mkdir "$work/spool"
run "$work/spool" spooled
spool_idle=$r_idle spool_peak=$r_peak spool_many=$r_many spool_single=$r_single
left=$(find "$work/spool" -mindepth 1 | wc -l)
run memory memory
memory_idle=$r_idle memory_peak=$r_peak memory_many=$r_many memory_single=$r_single

# (2) heroform. The form takes one PNG, large enough for SIZE_MB; the rate limit is off, so 16 leads from one address
# are not refused.
max_file_mb=$((size_mb + 5 > 25 ? size_mb + 5 : 25))
# start_heroform NAME [STAND-IN PORT]: a fresh heroform with its own config and data folder in $work/NAME; without a
# stand-in in dry-run (HERO_API_KEY unset even if the caller's environment has it). Sets $server to its pid.
start_heroform() {
  local dir="$work/$1" hero="" key=""
  mkdir "$dir"
  if [ -n "${2:-}" ]; then
    local base="http://127.0.0.1:$2"
    hero="\"hero\": {\"endpoint\": \"$base/api/v1/Projects/create\",
   \"graphql_endpoint\": \"$base/api/external/v7/graphql\", \"upload_endpoint\": \"$base/app/v8/FileUploads/upload\"},"
    key=bench-key
  fi
  cat > "$dir/config.json" <<JSON
{"server": {"port": $hf_port, "public_dir": "$PWD/Public"}, $hero
 "storage": {"data_dir": "$dir/data"},
 "security": {"min_fill_seconds": 0, "rate_limit": {"submissions": 100000, "per_seconds": 1}},
 "forms": {"default": {"measure": "DOG", "partner_source": "Benchmark", "privacy_url": "/datenschutz",
   "attachments": {"max_files": 1, "max_file_mb": $max_file_mb, "types": ["png"]}}}}
JSON
  if [ -n "$key" ]; then
    HERO_API_KEY=$key "$bin/heroform" serve --config "$dir/config.json" --log-level error > "$dir/log" 2>&1 & server=$!
  else
    env -u HERO_API_KEY "$bin/heroform" serve --config "$dir/config.json" --log-level error > "$dir/log" 2>&1 &
    server=$!
  fi
  for _ in $(seq 1 100); do curl -fs -o /dev/null "http://127.0.0.1:$hf_port/healthz" && break; sleep 0.1; done
  if ! curl -fs -o /dev/null "http://127.0.0.1:$hf_port/healthz"; then
    echo "heroform did not start: $(cat "$dir/log")" >&2; exit 1
  fi
  # Settled after start-up (the first token sets up OpenSSL), as a server waiting for visitors is.
  curl -fs -o /dev/null "http://127.0.0.1:$hf_port/token?form=default"
  sleep 1
}
stop_heroform() { kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; server=""; }
# post_lead DIR NAME: one visitor: a form token, then the form with the PNG. The answer goes to DIR/NAME.answer,
# "STATUS BYTES-SENT" to DIR/NAME.status.
post_lead() {
  local token
  token=$(curl -fsS "http://127.0.0.1:$hf_port/token?form=default" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p') || true
  if [ -z "$token" ]; then echo "no form token" > "$1/$2.status"; return; fi
  curl -sS -H 'Accept: application/json' -F "email=$2@example.org" -F last_name=Bench -F zipcode=30449 \
    -F consent=on -F "_token=$token" -F "attachments=@$work/upload.png;type=image/png" \
    -o "$1/$2.answer" -w '%{http_code} %{size_upload}' "http://127.0.0.1:$hf_port/leads" > "$1/$2.status" \
    || echo "curl failed" > "$1/$2.status"
}
# open_under DIR: how many of heroform's file descriptors are files in DIR (named, or deleted while still open).
open_under() { find "/proc/$server/fd" -mindepth 1 -printf '%l\n' 2>/dev/null | grep -c "^$1/" || true; }
metric() { curl -fs "http://127.0.0.1:$hf_port/metrics" | awk -v name="$1" '$1 == name {print $2}'; }

# run_heroform NAME [STAND-IN PORT]: CLIENTS leads at once against a fresh heroform; sets h_idle, h_peak (at the
# last answer) and h_peak_sent (once every file is attached) in kB, h_rate (MB/s), h_answered and h_attached
# (seconds from the first request), h_tmp and h_kept (entries left in data/tmp, files left in data/attachments).
run_heroform() {
  start_heroform "$@"
  local dir="$work/$1" pids=() start end i status bytes=0 pending=""
  h_idle=$(status_kb "$server" VmRSS)
  start=$(now)
  for i in $(seq 1 "$clients"); do post_lead "$dir" "lead$i" & pids+=($!); done
  wait "${pids[@]}"
  end=$(now)
  h_peak=$(status_kb "$server" VmHWM)
  for i in $(seq 1 "$clients"); do
    status=$(cat "$dir/lead$i.status")
    case "$status" in
      200\ *|202\ *)
        if grep -q '"attachments":1[,}]' "$dir/lead$i.answer"; then bytes=$((bytes + ${status#* })); continue; fi ;;
    esac
    echo "heroform ($1), lead $i failed: status $status, answer $(cat "$dir/lead$i.answer" 2>/dev/null)" >&2
    echo "heroform's log: $(cat "$dir/log")" >&2
    exit 1
  done
  h_rate=$(rate "$bytes" "$start" "$end")
  h_answered=$(seconds "$start" "$end")
  # Every lead is stored now; its file is pending until HERO (or dry-run) has it.
  for _ in $(seq 1 3000); do
    pending=$(metric 'heroform_outbox_files{state="pending"}')
    [ "$pending" = 0 ] && break; sleep 0.05
  done
  h_attached=$(seconds "$start" "$(now)")
  h_peak_sent=$(status_kb "$server" VmHWM)
  local failed attached
  failed=$(metric 'heroform_outbox_files{state="failed"}')
  attached=$("$bin/heroform" outbox list --config "$dir/config.json" | awk '$NF == "1/1"' | wc -l)
  if [ "$pending" != 0 ] || [ "$failed" != 0 ] || [ "$attached" != "$clients" ]; then
    echo "heroform ($1): files pending $pending, failed $failed; leads with their file attached: $attached of $clients" >&2
    "$bin/heroform" outbox list --config "$dir/config.json" >&2
    exit 1
  fi
  # Spooled bodies have no name (O_TMPFILE): one still open would show only among the process's descriptors.
  h_tmp=$(($(find "$dir/data/tmp" -mindepth 1 | wc -l) + $(open_under "$dir/data/tmp")))
  h_kept=$(($(find "$dir/data/attachments" -type f | wc -l) + $(open_under "$dir/data/attachments")))
  kill -0 "$server" || { echo "heroform ($1) is gone: $(cat "$dir/log")" >&2; exit 1; }
  stop_heroform
}

run_heroform dry-run
dry_idle=$h_idle dry_peak=$h_peak dry_peak_sent=$h_peak_sent dry_rate=$h_rate dry_answered=$h_answered
dry_attached=$h_attached dry_tmp=$h_tmp dry_kept=$h_kept

"$bin/hero-stand-in" $standin_port bench-key > "$work/standin.log" 2>&1 & standin=$!
for _ in $(seq 1 100); do grep -q '^uploads at' "$work/standin.log" && break; sleep 0.1; done
if ! grep -q '^uploads at' "$work/standin.log"; then
  echo "the HERO stand-in did not start: $(cat "$work/standin.log")" >&2; exit 1
fi
stats() { curl -fs "http://127.0.0.1:$standin_port/stats" | sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p"; }
run_heroform live $standin_port
live_idle=$h_idle live_peak=$h_peak live_peak_sent=$h_peak_sent live_rate=$h_rate live_answered=$h_answered
live_attached=$h_attached live_tmp=$h_tmp live_kept=$h_kept
hero_created=$(stats created) hero_uploads=$(stats uploads) hero_files=$(stats attached)
standin_peak=$(status_kb "$standin" VmHWM)
if [ "$hero_created" != "$clients" ] || [ "$hero_uploads" != "$clients" ] || [ "$hero_files" != "$clients" ]; then
  echo "the stand-in has $hero_created projects, $hero_uploads uploads, $hero_files files attached; expected $clients each" >&2
  exit 1
fi

printf '\nmachine: %s cores, %s; curl %s; load average %s before, %s after\n' "$(nproc)" "$(uname -sr)" \
  "$(curl --version | awk 'NR == 1 {print $2}')" "$load_before" "$(load)"
# The benchmark itself raises the 1-minute load to about 1.3 on two cores; what was there before it is other work.
if awk -v load="${load_before%% *}" 'BEGIN {exit !(load > 1.5)}'; then
  printf 'the machine was busy before the run (1-minute load above 1.5): expect lower figures than on a quiet one\n'
fi
printf '\n(1) the HTTP layer (hero-stand-in --upload-sink), curl -T\n'
printf '%-44s %12s %14s %18s %16s\n' "bodies" "idle RSS MB" "peak RSS MB" \
  "${clients}×${size_mb} MB, MB/s" "1×${single_mb} MB, MB/s"
printf '%-44s %12s %14s %18s %16s\n' "spooled past 1 MiB (target < 80 MB, ≥ 200)" \
  "$(mb "$spool_idle")" "$(mb "$spool_peak")" "$spool_many" "$spool_single"
printf '%-44s %12s %14s %18s %16s\n' "in memory (no spool directory)" \
  "$(mb "$memory_idle")" "$(mb "$memory_peak")" "$memory_many" "$memory_single"
printf 'spool directory afterwards: %s entries\n' "$left"
printf '\n(2) heroform: %s leads at once, each a form token, then POST /leads with one %s MB PNG (curl -F)\n' \
  "$clients" "$size_mb"
row() { printf '%-36s %11s %11s %14s %6s %14s %14s\n' "$@"; }
row "heroform" "idle RSS MB" "peak RSS MB" "delivered, MB" "MB/s" "all answered s" "all attached s"
row "dry-run (files marked attached)" "$(mb "$dry_idle")" "$(mb "$dry_peak")" "$(mb "$dry_peak_sent")" "$dry_rate" \
  "$dry_answered" "$dry_attached"
row "live, files sent to hero-stand-in" "$(mb "$live_idle")" "$(mb "$live_peak")" "$(mb "$live_peak_sent")" \
  "$live_rate" "$live_answered" "$live_attached"
printf 'peak RSS: VmHWM at the last answer, then once every file is attached (target < 80 MB); MB/s: all multipart\n'
printf 'bodies over the wall time (target ≥ 200); seconds from the first request until the last answer, until the last\n'
printf 'file is attached\n'
printf 'afterwards, named or still open: data/tmp %s and %s files, data/attachments %s and %s (dry-run and live)\n' \
  "$dry_tmp" "$live_tmp" "$dry_kept" "$live_kept"
printf 'stand-in: %s projects, %s uploads, %s files attached; its peak RSS %s MB\n' \
  "$hero_created" "$hero_uploads" "$hero_files" "$(mb "$standin_peak")"
if [ "$dry_tmp$live_tmp" != 00 ] || [ "$dry_kept$live_kept" != 00 ]; then
  echo "heroform left files behind (see above)" >&2
  exit 1
fi
