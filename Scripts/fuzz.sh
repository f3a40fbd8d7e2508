#!/usr/bin/env bash
# Builds the libFuzzer targets (swiftc -sanitize=fuzzer,address) and runs each for a bounded time.
# New crashes land in Fuzz/findings/; once fixed, copy the input to Fuzz/regressions/<folder>/ (the target's corpus
# folder, listed below) where the unit tests replay it on every run.
#
#   Scripts/fuzz.sh [seconds per target] [target...]   (default: every target)
#
# Targets and their corpus folders (Fuzz/corpus/<folder>, Fuzz/regressions/<folder>): http-parser (http),
# form-decoders (forms), multipart-stream (multipart-stream), jpeg-stripper (jpeg-stripper), png-stripper
# (png-stripper), webp-stripper (webp-stripper), heic-blanker (heic-blanker).
set -euo pipefail
shopt -s nullglob
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift $(( $# > 0 ? 1 : 0 ))
wanted=("$@")
out=.build/fuzz
mkdir -p "$out" Fuzz/findings

# As Package.swift builds them: one package, and the upcoming features for the targets that take them.
swiftc_flags=(-sanitize=fuzzer,address -parse-as-library -O -g -package-name heroform)
upcoming=(-enable-upcoming-feature ExistentialAny -enable-upcoming-feature MemberImportVisibility
  -enable-upcoming-feature InternalImportsByDefault)

build() {
  local name=$1; shift
  if ! swiftc "${swiftc_flags[@]}" -module-name "Fuzz${name//-/_}" "$@" -o "$out/$name" \
       >"$out/$name.build.log" 2>&1; then
    grep -v 'ld.gold: warning' "$out/$name.build.log" >&2
    echo "cannot build $name" >&2
    exit 1
  fi
}

# The modules the fuzzed sources import: built first, instrumented the same way, and linked in.
library() {
  local name=$1
  if ! swiftc "${swiftc_flags[@]}" "${upcoming[@]}" -module-name "$name" -emit-module \
       -emit-module-path "$out/$name.swiftmodule" -emit-library -static Sources/"$name"/*.swift -o "$out/lib$name.a" \
       >"$out/$name.build.log" 2>&1; then
    cat "$out/$name.build.log" >&2
    echo "cannot build the $name module" >&2
    exit 1
  fi
}
library WebText
library JSON

http_sources=(Fuzz/HTTPParser/*.swift Sources/HTTPServer/Parser/*.swift Sources/HTTPServer/HTTP/HTTPHeaders.swift
  Sources/HTTPServer/HTTP/HTTPMethod.swift Sources/HTTPServer/HTTP/HTTPStatus.swift
  Sources/HTTPServer/HTTP/HTTPRequest.swift Sources/HTTPServer/HTTP/FormURLEncoding.swift
  Sources/HTTPServer/Routing/PathPattern.swift)

# Whether a target was asked for (all are when none is named).
want() { (( ${#wanted[@]} == 0 )) || [[ " ${wanted[*]} " == *" $1 "* ]]; }

want http-parser && build http-parser "${http_sources[@]}" -I "$out" -L "$out" -lWebText
want form-decoders && build form-decoders "${upcoming[@]}" Fuzz/FormDecoders/*.swift Sources/FormCore/*.swift \
  -I "$out" -L "$out" -lJSON -lWebText
want multipart-stream && build multipart-stream "${upcoming[@]}" Fuzz/MultipartStream/*.swift \
  Sources/FormCore/*.swift -I "$out" -L "$out" -lJSON -lWebText
want jpeg-stripper && build jpeg-stripper "${upcoming[@]}" Fuzz/JPEGStripper/*.swift Sources/FormCore/*.swift \
  -I "$out" -L "$out" -lJSON -lWebText
# The PNG, WebP and HEIC strippers, each through PhotoMetadataStripper with the checks they share.
for photo in png-stripper:PNGStripper webp-stripper:WebPStripper heic-blanker:HEICBlanker; do
  want "${photo%%:*}" && build "${photo%%:*}" "${upcoming[@]}" Fuzz/"${photo##*:}"/*.swift Fuzz/PhotoStrippers/*.swift \
    Sources/FormCore/*.swift -I "$out" -L "$out" -lJSON -lWebText
done

status=0
for target in http-parser:http form-decoders:forms multipart-stream:multipart-stream jpeg-stripper:jpeg-stripper \
  png-stripper:png-stripper webp-stripper:webp-stripper heic-blanker:heic-blanker; do
  name=${target%%:*}; corpus=${target##*:}
  want "$name" || continue
  work=$(mktemp -d)
  cp Fuzz/corpus/"$corpus"/* Fuzz/regressions/"$corpus"/* "$work"/ 2>/dev/null || true
  echo "== $name for ${seconds}s (corpus: Fuzz/corpus/$corpus)"
  if ! "$out/$name" -max_total_time="$seconds" -max_len=20000 -timeout=10 -rss_limit_mb=2048 \
       -artifact_prefix="Fuzz/findings/$name-" "$work" 2>"$out/$name.log"; then
    echo "!! $name found a problem; input saved in Fuzz/findings/ (log: $out/$name.log)"
    status=1
  fi
  grep -E '^(Done|#[0-9]+ +DONE)' "$out/$name.log" | tail -n 1 || true
  rm -rf "$work"
done
exit $status
