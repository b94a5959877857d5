#!/usr/bin/env bash
# Stages the module from the current sources (powershell/stage-module.sh, debug library by
# default) and runs the Pester suite (tests/powershell/*.Tests.ps1) in the shared PowerShell
# (../shared/tools/powershell/bin/pwsh, or $CMAAD_PWSH). Fails on any failed or errored test and
# prints the counts. Pester runs through New-PesterConfiguration: its -CI switch would end the
# process and write testResults.xml into the tree.
#
# Usage: tests/powershell/run-pester.sh [--release] [Pester full-name filter...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
profile=--debug
if [ "${1:-}" = --release ]; then profile=; shift; fi
pwsh_bin=${CMAAD_PWSH:-$root/../shared/tools/powershell/bin/pwsh}
[ -x "$pwsh_bin" ] || { echo "run-pester: PowerShell not found at $pwsh_bin (set CMAAD_PWSH)" >&2; exit 3; }

staged="$root/target/pester/CMAAD"
CMAAD_PWSH="$pwsh_bin" bash "$root/powershell/stage-module.sh" $profile --out "$staged" >/dev/null
(cd "$root" && cargo build -q -p cmaad-fake-entra --bin fake-entra)
# The fake ConfigMgr site (a throwaway MIT realm + the fake SMS Provider) for Describe 'ConfigMgr site'.
(cd "$root" && cargo build -q -p cmaad-fake-adminservice --bin fake-site)

export CMAAD_TEST_MODULE="$staged/CMAAD.psd1"
export CMAAD_FAKE_ENTRA="$root/target/debug/fake-entra"
export CMAAD_FAKE_SITE="$root/target/debug/fake-site"
# The fakes listen on loopback; keep any configured proxy away from them, and start every
# run without the caller's store or site key.
export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}"
unset CMAAD_STORE CMAAD_SITE_KEY CMAAD_LIBRARY
filter=$(printf '%s\n' "$@" | paste -sd ';' -)
cd "$root"
CMAAD_PESTER_FILTER="$filter" "$pwsh_bin" -NoProfile -NonInteractive -File "$here/tools/Invoke-Suite.ps1"
