#!/usr/bin/env bash
# Builds cmaad.dll (x86_64-pc-windows-gnu, mingw) and tests it under wine64:
#   1. the library's unit tests built for Windows (DPAPI, key file DACLs on security descriptors
#      the tests build themselves, the DPAPI scope of a store's place);
#   2. tests/c/flow_test.c, the whole C-ABI flow, with a Windows store folder (backslashes, spaces);
#   3. tests/windows/windows_test.c, what only Windows has: DPAPI-sealed site keys reopened in a
#      second process that uses the stored secret against the local fake Entra, key file DACLs,
#      a planted key file refused, drive/UNC/verbatim/long/non-ASCII paths, the default store;
#   4. the staged module folder and release archive: both libraries, no test-only shim.
# Each run uses a throwaway WINEPREFIX. wine 8 lacks bcryptprimitives.dll (ProcessPrng, imported
# by Rust's standard library): a test-only shim DLL is built into that prefix's system32; it is
# never staged or shipped.
#
# Usage: tests/windows/run.sh [--release]
# Needs: rustup target x86_64-pc-windows-gnu, gcc-mingw-w64-x86-64, wine64 (.ci/run installs them).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
triple=x86_64-pc-windows-gnu
profile=debug
[ "${1:-}" = --release ] && profile=release
wine=${WINE64:-/usr/lib/wine/wine64}
[ -x "$wine" ] || wine=$(command -v wine64 || true)
[ -n "$wine" ] || { echo "wine64 is not installed (apt-get install -y wine64)" >&2; exit 1; }
cc=x86_64-w64-mingw32-gcc
command -v "$cc" >/dev/null || { echo "$cc is not installed (apt-get install -y gcc-mingw-w64-x86-64)" >&2; exit 1; }

cargo_args=(--target "$triple" --manifest-path "$root/Cargo.toml")
[ "$profile" = release ] && cargo_args+=(--release)
cargo build -q --lib "${cargo_args[@]}"
# The local fake Entra (a Linux program; wine's programs reach it on 127.0.0.1).
cargo build -q -p cmaad-fake-entra --bin fake-entra --manifest-path "$root/Cargo.toml"

bin="$root/target/windows-test"
rm -rf "$bin"
mkdir -p "$bin/shim"
cp "$root/target/$triple/$profile/cmaad.dll" "$bin/"
cflags=(-std=c11 -Wall -Wextra -Werror -pedantic -I"$root/include")
"$cc" -shared -O2 -Wall -Werror -o "$bin/shim/bcryptprimitives.dll" "$root/tests/windows/processprng_shim.c" -ladvapi32
"$cc" "${cflags[@]}" -o "$bin/flow_test.exe" "$root/tests/c/flow_test.c" -L"$bin" -lcmaad
"$cc" "${cflags[@]}" -municode -o "$bin/windows_test.exe" "$root/tests/windows/windows_test.c" \
  -L"$bin" -lcmaad -ladvapi32 -lcrypt32

prefix=$(mktemp -d /tmp/cmaad-wine.XXXXXX)
fake_pid=
cleanup() {
  [ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null
  WINEPREFIX="$prefix" "${wine%64}server" -k 2>/dev/null || true
  rm -rf "$prefix"
}
trap cleanup EXIT
export WINEPREFIX="$prefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
unset CMAAD_SITE_KEY CMAAD_STORE DISPLAY
"$wine" wineboot -i >/dev/null 2>&1
cp "$bin/shim/bcryptprimitives.dll" "$prefix/drive_c/windows/system32/"

echo "unit tests of the Windows build (cargo test --lib --target $triple, under wine)"
if ! CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER="$wine" cargo test --lib "${cargo_args[@]}" \
  >"$bin/unit-tests.log" 2>&1; then
  grep -A40 '^failures:' "$bin/unit-tests.log" >&2 || tail -40 "$bin/unit-tests.log" >&2
  echo "the library's unit tests failed under wine ($bin/unit-tests.log)" >&2
  exit 1
fi
grep '^test result' "$bin/unit-tests.log"

echo "flow_test.exe under wine (store folder C:\\cmaad flow\\store)"
"$wine" "$bin/flow_test.exe" 'C:\cmaad flow\store'
[ -f "$prefix/drive_c/cmaad flow/store/site.db" ] || { echo "flow_test: the store is not where its path says" >&2; exit 1; }

# \\cmaadhost\share: wine resolves UNC paths through dosdevices/unc/<server>/<share>.
mkdir -p "$prefix/share" "$prefix/dosdevices/unc/cmaadhost"
ln -s "$prefix/share" "$prefix/dosdevices/unc/cmaadhost/share"

# The fake Entra's directory: the tenant, server app and secret windows_test.c imports.
cat >"$prefix/fake-entra.json" <<'JSON'
{"tenants": [{"id": "05a349fa-0d5c-4a1c-9f3e-1c2d3e4f5a6b", "displayName": "Contoso",
  "applications": [{"appId": "7078946d-1a2b-4c3d-8e9f-0a1b2c3d4e5f", "displayName": "CmgServerApp",
    "secrets": [{"value": "1uXGR^!0@Cjas6qI*J02ZeS&&zY19^hC*9", "endDateTime": "2099-01-01T00:00:00Z"}]}]}]}
JSON
"$root/target/debug/fake-entra" "$prefix/fake-entra.json" >"$prefix/fake.out" &
fake_pid=$!
for _ in $(seq 100); do [ -s "$prefix/fake.out" ] && break; sleep 0.1; done
url=$(head -1 "$prefix/fake.out")
case "$url" in http://127.0.0.1:*) ;; *) echo "the fake Entra did not start ('$url')" >&2; exit 1 ;; esac

echo "windows_test.exe under wine (fake Entra at $url)"
"$wine" "$bin/windows_test.exe" "$url" '\\cmaadhost\share'
[ -f "$prefix/share/cmaad/site.db" ] || { echo "windows_test: the UNC store is not in the shared folder" >&2; exit 1; }
# The module folder and release archive carry both libraries, and never the test-only shim.
echo "staged module and release archive (powershell/stage-module.sh --debug --archive)"
bash "$root/powershell/stage-module.sh" --debug --archive --out "$bin/stage/CMAAD" >/dev/null
listing=$(unzip -Z1 "$bin/stage/CMAAD-"*.zip)
for f in CMAAD.psd1 bin/linux-x64/libcmaad.so bin/win-x64/cmaad.dll; do
  grep -qx "$f" <<<"$listing" || { echo "the release archive lacks $f" >&2; exit 1; }
done
if grep -qi bcryptprimitives <<<"$listing"; then echo "the test-only ProcessPrng shim is in the release archive" >&2; exit 1; fi
cmp -s "$bin/stage/CMAAD/bin/win-x64/cmaad.dll" "$bin/cmaad.dll" || { echo "the staged cmaad.dll is not the one tested here" >&2; exit 1; }
echo "Windows tests passed (cmaad.dll $profile, $("$wine" --version 2>/dev/null || echo wine))"
