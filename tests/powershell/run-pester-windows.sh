#!/usr/bin/env bash
# Runs the Pester suite in PowerShell 7 for Windows under wine64
# (../shared/tools/powershell/bin/pwsh-windows, or $CMAAD_PWSH_WINDOWS) on the module staged with
# bin/win-x64/cmaad.dll: the same tests/powershell/*.Tests.ps1 that run-pester.sh runs in pwsh on
# Linux, including the Windows-only Windows.Tests.ps1. Then, in a second wine prefix under another
# account name ("another machine"), tests/powershell/windows/CopiedStore.ps1 opens the store that
# the first run sealed with DPAPI. Fails on any failed or errored test and prints the counts.
#
# Each run uses throwaway wine prefixes. wine 8 lacks bcryptprimitives.dll (ProcessPrng, which
# Rust's standard library imports): the test-only shim (tests/windows/processprng_shim.c) is built
# into each prefix's system32, never into the module. The fake Entra + Graph is built for Windows
# (fake-entra.exe) so the tests start it from PowerShell as they do on Linux.
#
# Usage: tests/powershell/run-pester-windows.sh [Pester full-name filter...]
# Needs: wine64, gcc-mingw-w64-x86-64, rustup target x86_64-pc-windows-gnu (.ci/run installs them).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
triple=x86_64-pc-windows-gnu
pwsh_windows=${CMAAD_PWSH_WINDOWS:-$root/../shared/tools/powershell/bin/pwsh-windows}
[ -x "$pwsh_windows" ] || { echo "run-pester-windows: PowerShell for Windows not found at $pwsh_windows (set CMAAD_PWSH_WINDOWS)" >&2; exit 3; }
wine=${PWSH_WINE:-/usr/lib/wine/wine64}
[ -x "$wine" ] || wine=$(command -v wine64 || true)
[ -n "$wine" ] || { echo "run-pester-windows: wine64 is not installed (apt-get install -y wine64)" >&2; exit 3; }
cc=x86_64-w64-mingw32-gcc
command -v "$cc" >/dev/null || { echo "run-pester-windows: $cc is not installed (apt-get install -y gcc-mingw-w64-x86-64)" >&2; exit 3; }

out="$root/target/pester-windows"
staged="$out/CMAAD"
bash "$root/powershell/stage-module.sh" --debug --target "$triple" --out "$staged" >/dev/null
(cd "$root" && cargo build -q -p cmaad-fake-entra --bin fake-entra --target "$triple")
mkdir -p "$out/shim"
"$cc" -shared -O2 -Wall -Werror -o "$out/shim/bcryptprimitives.dll" "$root/tests/windows/processprng_shim.c" -ladvapi32

work=$(mktemp -d /tmp/cmaad-pester-windows.XXXXXX)
cleanup() {
  for prefix in "$work"/prefix-*; do
    [ -d "$prefix" ] && WINEPREFIX="$prefix" "${wine%64}server" -k 2>/dev/null
  done
  rm -rf "$work"
}
trap cleanup EXIT

# A throwaway prefix for the account $1 (wine names the Windows account after $USER), with the shim.
new_prefix() {
  local prefix="$work/prefix-$1"
  USER=$1 LOGNAME=$1 WINEPREFIX="$prefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" \
    timeout 300 "$wine" wineboot -i >"$work/wineboot-$1.log" 2>&1 || true
  # wine writes the registry files when its server ends: wait for that.
  WINEPREFIX="$prefix" timeout 120 "${wine%64}server" -w || true
  if [ ! -f "$prefix/system.reg" ] || [ ! -e "$prefix/dosdevices/z:" ]; then
    echo "run-pester-windows: wineboot did not create $prefix:" >&2
    cat "$work/wineboot-$1.log" >&2
    exit 1
  fi
  cp "$out/shim/bcryptprimitives.dll" "$prefix/drive_c/windows/system32/"
  printf '%s' "$prefix"
}

winpath() { printf 'Z:%s' "${1//\//\\}"; }

# Runs Pester on $2 in PowerShell for Windows in prefix $1 and prints the counts line; its exit
# code is 0 only when every test passed or was skipped and no container failed.
run_pester() {
  local account=$1 path=$2 prefix status=0
  prefix=$(new_prefix "$account") || return 1
  # The sealed store the first run left in $work/handoff, copied onto this "machine".
  if [ "$account" != cmaad ] && [ -f "$work/handoff/site.db" ]; then
    mkdir -p "$prefix/drive_c/CMAAD copied"
    install -m 0600 "$work/handoff"/site.db* "$prefix/drive_c/CMAAD copied/"
  fi
  USER=$account LOGNAME=$account PWSH_WINEPREFIX="$prefix" \
  CMAAD_TEST_MODULE="$(winpath "$staged/CMAAD.psd1")" \
  CMAAD_FAKE_ENTRA="$(winpath "$root/target/$triple/debug/fake-entra.exe")" \
  CMAAD_COPIED_STORE_HANDOFF="$(winpath "$work/handoff")" CMAAD_COPIED_STORE='C:\CMAAD copied' \
  CMAAD_PESTER_PATH="$path" CMAAD_PESTER_FILTER="$filter" \
    "$pwsh_windows" -NoProfile -NonInteractive -File "$(winpath "$here/tools/Invoke-Suite.ps1")" \
      -Label "Pester (pwsh-windows, account $account)" || status=$?
  # A prefix takes about 700 MB: the next one starts after this one is gone.
  WINEPREFIX="$prefix" "${wine%64}server" -k 2>/dev/null || true
  rm -rf "$prefix"
  return "$status"
}

unset CMAAD_STORE CMAAD_SITE_KEY CMAAD_LIBRARY
export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}"
filter=$(printf '%s\n' "$@" | paste -sd ';' -)
mkdir -p "$work/handoff"
cd "$root"
status=0
run_pester cmaad "tests/powershell" || status=1
if [ -z "$filter" ] || [ -f "$work/handoff/site.db" ]; then
  # "Another machine": a second prefix under another account opens the store sealed above.
  run_pester cmaad-other "tests/powershell/windows/CopiedStore.ps1" || status=1
fi
[ "$status" = 0 ] || { echo "run-pester-windows: Pester failed under wine (see above)" >&2; exit 1; }
echo "run-pester-windows: passed in ${SECONDS}s (build, staging, two wine prefixes, Pester)"
