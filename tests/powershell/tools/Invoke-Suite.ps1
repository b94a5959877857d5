# Runs Pester on the paths in $env:CMAAD_PESTER_PATH (';'-separated; default tests/powershell),
# filtered by the full-name patterns in $env:CMAAD_PESTER_FILTER (';'-separated), and prints the
# counts. Exit code 0 only when every test passed or was skipped and no container failed.
# Used by run-pester.sh (pwsh) and run-pester-windows.sh (pwsh-windows) with -File, so no
# argument carries a newline: the pwsh-windows wrapper hands its command line to script(1), which
# runs it with $SHELL, and a POSIX sh cannot read bash's $'...\n...' quoting.
param([string] $Label = 'Pester')
$ErrorActionPreference = 'Stop'
Import-Module Pester -MinimumVersion 5.0
$config = New-PesterConfiguration
$paths = if ($env:CMAAD_PESTER_PATH) { $env:CMAAD_PESTER_PATH } else { 'tests/powershell' }
$config.Run.Path = @($paths -split ';')
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Normal'
if ($env:CMAAD_PESTER_FILTER) {
    $config.Filter.FullName = @($env:CMAAD_PESTER_FILTER -split ';' | ForEach-Object { "*$_*" })
}
$result = Invoke-Pester -Configuration $config
$errored = @($result.Containers | Where-Object { $_.ErrorRecord.Count -gt 0 }).Count
"${Label}: $($result.PassedCount) passed, $($result.FailedCount) failed, $($result.SkippedCount) skipped, $errored container(s) failed"
"$($result.PassedCount) passed, $($result.FailedCount + $errored) failed"
if ($result.FailedCount -gt 0 -or $errored -gt 0 -or $result.Result -ne 'Passed') { exit 1 }
exit 0
