#!/usr/bin/env bash
# Builds heroform's executables as they ship, and prints the folder they are in:
#   Scripts/build-release.sh [PRODUCT ...]      (default: heroform; the build's own output goes to stderr)
# The Dockerfile, the systemd guide (docs/deployment.md) and the benchmark scripts all build through here.
#
# - Release, with the Swift runtime and FoundationEssentials linked in (--static-swift-stdlib), so the host needs
#   only the C libraries (libssl, libcrypto, libsqlite3, zlib, libstdc++).
# - Relative relocations packed (DT_RELR, linked with the toolchain's lld) where glibc is 2.36 or newer: the
#   binary's 42,000 relative relocations take 8 kB instead of 1 MB, and the dynamic loader no longer maps that
#   megabyte for the life of the process (BENCHMARKS.md, "Idle memory"). Such a binary starts only on glibc 2.36 or
#   newer (Debian 12, Ubuntu 24.04), so on an older build host it is linked the usual way.
set -euo pipefail
cd "$(dirname "$0")/.."

flags=(-c release --static-swift-stdlib)
glibc=$(getconf GNU_LIBC_VERSION 2>/dev/null | awk '{print $2}' || true)
toolchain=$(dirname "$(readlink -f "$(command -v swift)")")
# `sort -V -C` succeeds when its input is already in order, that is when 2.36 <= glibc.
if [ -n "$glibc" ] && printf '2.36\n%s\n' "$glibc" | sort -V -C && [ -x "$toolchain/ld.lld" ]; then
  flags+=(-Xswiftc -use-ld=lld -Xlinker -z -Xlinker pack-relative-relocs)
else
  echo "build-release: glibc ${glibc:-unknown} or no ld.lld next to swift; relocations are not packed" >&2
fi

for product in "${@:-heroform}"; do
  swift build "${flags[@]}" --product "$product" >&2
done
swift build "${flags[@]}" --show-bin-path
