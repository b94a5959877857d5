#!/usr/bin/env bash
# The PowerShell module's benchmark: stages the module with the release library (or uses
# $CMAAD_BENCH_MODULE, a staged CMAAD.psd1) and runs benches/powershell.ps1 in the shared
# PowerShell. Prints one line per figure: what | value | how.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
pwsh_bin=${CMAAD_PWSH:-$root/../shared/tools/powershell/bin/pwsh}
module=${CMAAD_BENCH_MODULE:-}
if [ -z "$module" ]; then
  CMAAD_PWSH="$pwsh_bin" bash "$root/powershell/stage-module.sh" --out "$root/target/bench/CMAAD" >/dev/null
  module="$root/target/bench/CMAAD/CMAAD.psd1"
fi
unset CMAAD_STORE CMAAD_SITE_KEY CMAAD_LIBRARY
"$pwsh_bin" -NoProfile -NonInteractive -File "$root/benches/powershell.ps1" -Module "$module" -Pwsh "$pwsh_bin"
echo "PowerShell: machine load while measured | $(cut -d' ' -f1-3 /proc/loadavg) | load average (1, 5, 15 min) on $(nproc) cores"
