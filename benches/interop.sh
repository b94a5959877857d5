#!/usr/bin/env bash
# FFI overhead through the PowerShell module's C# interop on mono (mcs -langversion:5, the
# library path baked in as the module does). Prints two lines: nanoseconds per call.
#   benches/interop.sh [path of libcmaad.so]   (default: target/release/libcmaad.so)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
lib=${1:-$root/target/release/libcmaad.so}
[ -f "$lib" ] || (cd "$root" && cargo build --release -q)
build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
source_text=$(cat "$root/powershell/CMAAD/Interop/CmaadNative.cs")
printf '%s\n' "${source_text//__CMAAD_LIBRARY_PATH__/$lib}" >"$build/CmaadNative.cs"
mcs -langversion:5 -optimize+ -nologo -out:"$build/bench.exe" "$build/CmaadNative.cs" "$root/benches/interop_bench.cs"
unset CMAAD_SITE_KEY CMAAD_STORE
mono -O=all "$build/bench.exe"
