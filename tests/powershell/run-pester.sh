#!/usr/bin/env bash
# Runs the Pester tests (tests/powershell/*.Tests.ps1) where pwsh exists; elsewhere prints a
# one-line notice and succeeds. Needs the library built first (cargo build).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v pwsh >/dev/null 2>&1; then
  echo "Pester tests skipped: pwsh is not installed on this machine."
  exit 0
fi
cd "$here/../.."
pwsh -NoProfile -NonInteractive -Command '
  if (-not (Get-Module -ListAvailable -Name Pester | Where-Object { $_.Version -ge [version]"5.0" })) {
    Write-Error "Pester 5 is required: Install-Module Pester -MinimumVersion 5.0 -Scope CurrentUser"; exit 2
  }
  Import-Module Pester -MinimumVersion 5.0
  $result = Invoke-Pester -Path tests/powershell -CI -PassThru
  if ($result.FailedCount -gt 0) { exit 1 }'
