#!/usr/bin/env bash
# Compiles the module's C# interop exactly as the module does (library path baked into the
# DllImport declarations) with mono's mcs at C# 5 (Windows PowerShell 5.1's Add-Type level),
# then runs tests/interop/InteropTest.cs on mono against the real native library.
#
# Usage: tests/interop/run.sh [path of libcmaad.so]   (default: target/debug/libcmaad.so)
# The fake Entra binary comes from $CMAAD_FAKE_ENTRA, else cargo builds tests/fake-entra.
# Installs nothing: CI (.ci/run) installs mono-mcs and mono-runtime.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
interop="$root/powershell/CMAAD/Interop"

for tool in mcs mono; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "tests/interop: '$tool' is not installed; install mono first (apt-get install -y mono-mcs mono-runtime)." >&2
    exit 3
  fi
done

lib=${1:-$root/target/debug/libcmaad.so}
if [ ! -f "$lib" ]; then
  echo "tests/interop: native library '$lib' is missing; build it first (cargo build)." >&2
  exit 3
fi
lib=$(cd "$(dirname "$lib")" && pwd)/$(basename "$lib")

# .NET Core-only APIs compile on mono but not in Windows PowerShell 5.1's Add-Type.
denied='PtrToStringUTF8|StringToCoTaskMemUTF8|StringToHGlobalUTF8|NativeLibrary|LibraryImport|LPUTF8Str|SetDllImportResolver|RuntimeInformation|Span<|stackalloc'
if grep -nE "$denied" "$interop"/*.cs | grep -vE '^[^:]+:[0-9]+:[[:space:]]*//'; then
  echo "tests/interop: the interop uses APIs that .NET Framework 4.x (Windows PowerShell 5.1) lacks (see above)." >&2
  exit 1
fi

# The local fake Entra + Graph (tests/fake-entra) for the maintenance, sign-in and creation tests.
if [ -z "${CMAAD_FAKE_ENTRA:-}" ]; then
  if ! command -v cargo >/dev/null 2>&1; then
    echo "tests/interop: cargo is needed to build the fake Entra (or set CMAAD_FAKE_ENTRA to a built fake-entra)." >&2
    exit 3
  fi
  (cd "$root" && cargo build -q -p cmaad-fake-entra --bin fake-entra)
  CMAAD_FAKE_ENTRA="$root/target/debug/fake-entra"
fi
export CMAAD_FAKE_ENTRA

build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
source_text=$(cat "$interop/CmaadNative.cs")
escaped=${lib//\"/\"\"}
printf '%s\n' "${source_text//__CMAAD_LIBRARY_PATH__/$escaped}" >"$build/CmaadNative.cs"
grep -q "__CMAAD_LIBRARY_PATH__" "$build/CmaadNative.cs" && { echo "tests/interop: path not baked in" >&2; exit 1; }

echo "mcs -langversion:5: interop alone, as Add-Type compiles it"
mcs -langversion:5 -warnaserror -nologo -target:library -out:"$build/CmaadNative.dll" "$build/CmaadNative.cs"
echo "mcs -langversion:5: interop + SecretKey transformation + test program"
mcs -langversion:5 -warnaserror -nologo -out:"$build/interop-test.exe" \
  "$build/CmaadNative.cs" "$interop/SecureStringTransformation.cs" "$here/SmaStub.cs" "$here/InteropTest.cs"

# The fake Entra listens on loopback; keep any configured proxy away from it.
export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}"
export no_proxy="$NO_PROXY"
export CMAAD_SITE_KEY=
unset CMAAD_SITE_KEY CMAAD_STORE
# CMAAD_INTEROP_WRAPPER runs mono under a tool (scripts/valgrind-interop.sh sets it to valgrind).
${CMAAD_INTEROP_WRAPPER:-} mono --debug "$build/interop-test.exe" "$lib"
