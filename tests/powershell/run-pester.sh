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

export CMAAD_TEST_MODULE="$staged/CMAAD.psd1"
export CMAAD_FAKE_ENTRA="$root/target/debug/fake-entra"
# The fake Entra listens on loopback; keep any configured proxy away from it, and start every
# run without the caller's store or site key.
export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}"
unset CMAAD_STORE CMAAD_SITE_KEY CMAAD_LIBRARY
filter=$(printf '%s\n' "$@" | paste -sd ';' -)
cd "$root"
CMAAD_PESTER_FILTER="$filter" "$pwsh_bin" -NoProfile -NonInteractive -Command '
  $ErrorActionPreference = "Stop"
  Import-Module Pester -MinimumVersion 5.0
  $config = New-PesterConfiguration
  $config.Run.Path = "tests/powershell"
  $config.Run.PassThru = $true
  $config.Output.Verbosity = "Normal"
  if ($env:CMAAD_PESTER_FILTER) { $config.Filter.FullName = @($env:CMAAD_PESTER_FILTER -split ";" | ForEach-Object { "*$_*" }) }
  $result = Invoke-Pester -Configuration $config
  $errored = @($result.Containers | Where-Object { $_.ErrorRecord.Count -gt 0 }).Count
  "Pester: $($result.PassedCount) passed, $($result.FailedCount) failed, $($result.SkippedCount) skipped, $errored container(s) failed"
  "$($result.PassedCount) passed, $($result.FailedCount + $errored) failed"
  if ($result.FailedCount -gt 0 -or $errored -gt 0 -or $result.Result -ne "Passed") { exit 1 }
  exit 0'
