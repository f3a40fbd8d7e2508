#!/usr/bin/env bash
# Benchmarks large uploads through the HTTP server's body spool (issue 15):
#   (1) CLIENTS (16) clients POST SIZE_MB (20) MB each at once: the server's peak RSS (VmHWM) and the loopback
#       throughput of all of them together (target: RSS < 80 MB, ≥ 200 MB/s)
#   (2) one client POSTs SINGLE_MB (200) MB: the throughput of one connection
# once with bodies past 1 MiB spooled to a temporary directory, and once, for comparison, with every body in memory.
#
# The server is `hero-stand-in --upload-sink` (the package's HTTP server with one route that reads each body back in
# 64 KiB pieces), built as the Docker image builds heroform; it measures the server's upload path until heroform has
# an upload route of its own. The clients are curl, streaming from a file (`-T`, which also sends
# `Expect: 100-continue`).
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

swift build -c release --static-swift-stdlib --product hero-stand-in >/dev/null
bin=.build/release
work=$(mktemp -d)
sink=""
cleanup() { [ -z "$sink" ] || kill "$sink" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

head -c $((size_mb * 1000000)) /dev/urandom > "$work/upload.bin"
head -c $((single_mb * 1000000)) /dev/urandom > "$work/single.bin"
port=18610

# start_sink SPOOL (a directory, or `memory`): sets $sink to the server's pid.
start_sink() {
  "$bin/hero-stand-in" --upload-sink $port "$1" > "$work/sink.log" 2>&1 & sink=$!
  for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && return; sleep 0.1; done
  echo "the upload sink did not start: $(cat "$work/sink.log")" >&2; exit 1
}
stop_sink() { kill "$sink" 2>/dev/null || true; wait "$sink" 2>/dev/null || true; sink=""; }
status_kb() { awk -v key="$1:" '$1 == key {print $2}' "/proc/$sink/status"; }
mb() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
now() { date +%s.%N; }
rate() { awk -v bytes="$1" -v start="$2" -v end="$3" 'BEGIN {printf "%.0f", bytes / 1e6 / (end - start)}'; }

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
  r_idle=$(status_kb VmRSS)
  start=$(now)
  for i in $(seq 1 "$clients"); do upload "$work/upload.bin" "c$i" & pids+=($!); names+=("c$i"); done
  wait "${pids[@]}"
  end=$(now)
  check $((size_mb * 1000000)) "$2" "${names[@]}"
  r_many=$(rate $((clients * size_mb * 1000000)) "$start" "$end")
  r_peak=$(status_kb VmHWM)
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

printf '\nmachine: %s cores, %s; curl %s\n' "$(nproc)" "$(uname -sr)" "$(curl --version | awk 'NR == 1 {print $2}')"
printf '%-44s %12s %14s %18s %16s\n' "bodies" "idle RSS MB" "peak RSS MB" \
  "${clients}×${size_mb} MB, MB/s" "1×${single_mb} MB, MB/s"
printf '%-44s %12s %14s %18s %16s\n' "spooled past 1 MiB (target < 80 MB, ≥ 200)" \
  "$(mb "$spool_idle")" "$(mb "$spool_peak")" "$spool_many" "$spool_single"
printf '%-44s %12s %14s %18s %16s\n' "in memory (no spool directory)" \
  "$(mb "$memory_idle")" "$(mb "$memory_peak")" "$memory_many" "$memory_single"
printf 'spool directory afterwards: %s entries\n' "$left"
