#!/usr/bin/env bash
# Builds the library, stages the module (powershell/stage-module.sh) and runs Microsoft's
# onboarding sequence (powershell/examples/Onboard-Cmg.ps1) on a fresh site store in a temporary
# folder: imports a server app and a client app, creates the cloud management service, lists
# what the site holds. Nothing is sent to Microsoft Entra ID (no -Verify). The IDs are examples;
# the secret is a throwaway one, sealed in the store and never shown.
#   powershell/demo.sh [--debug]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
pwsh_bin=${CMAAD_PWSH:-$root/../shared/tools/powershell/bin/pwsh}
CMAAD_PWSH="$pwsh_bin" bash "$root/powershell/stage-module.sh" "$@" --out "$root/dist/CMAAD"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unset CMAAD_STORE CMAAD_SITE_KEY
"$pwsh_bin" -NoProfile -NonInteractive -Command "
  \$ErrorActionPreference = 'Stop'
  \$env:PSModulePath = '$root/dist' + [System.IO.Path]::PathSeparator + \$env:PSModulePath
  \$secret = ConvertTo-SecureString -String ([guid]::NewGuid().ToString()) -AsPlainText -Force
  \$null = & '$root/powershell/examples/Onboard-Cmg.ps1' -TenantName Contoso -TenantId 05a349fa-0d5c-4a1c-9f3e-1c2d3e4f5a6b \`
      -ServerAppClientId 7078946d-1a2b-4c3d-8e9f-0a1b2c3d4e5f -ClientAppClientId cf114f48-2b3c-4d5e-9f0a-1b2c3d4e5f60 \`
      -SecretKey \$secret -SecretKeyExpiry (Get-Date).AddYears(1) -StorePath '$work/site.db'
  Get-CMAADApplication | Format-Table | Out-String -Width 120
  Get-CMCloudManagementAzureService | Format-Table | Out-String -Width 120
  'Site store: $work/site.db (removed on exit). Import-Module $root/dist/CMAAD/CMAAD.psd1 to use the module.'"
