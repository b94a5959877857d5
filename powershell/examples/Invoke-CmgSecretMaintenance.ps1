<#
.SYNOPSIS
Nightly secret maintenance of the CMG's Entra apps, for a scheduled task.

.DESCRIPTION
Opens the site store, runs Invoke-CMAADSecretMaintenance (verify every stored app against
Microsoft Entra ID, rotate through Microsoft Graph each server app secret that expires within
-RotateWithinDays, report what needs a person), writes a readable summary to the output (and to
-LogPath if given) and exits with:

    0  every app is fine (verified or rotated);
    1  at least one app needs a person (NeedsAttention > 0): the summary says which and what to do;
    2  the maintenance itself could not run (module, library or store missing, bad arguments).

Rotation uses each server app's own stored credentials (the app needs the Graph application
permission Application.ReadWrite.OwnedBy on itself, or Application.ReadWrite.All), so the task
needs no administrator sign-in. An app without that permission shows up as NeedsAttention when
its secret is due: renew it in the portal and store it with Set-CMAADApplication -SecretKey
-SecretKeyExpiry -Verify.

Register it as a scheduled task (run once, elevated, on the site server; the account must be
the one whose store is used, or pass -StorePath; Windows PowerShell needs a TEMP folder):

    $action = New-ScheduledTaskAction -Execute 'powershell.exe' -Argument (
        '-NoProfile -NonInteractive -ExecutionPolicy AllSigned -File ' +
        '"C:\Program Files\CMAAD\examples\Invoke-CmgSecretMaintenance.ps1" ' +
        '-StorePath "D:\CMAAD\site.db" -LogPath "D:\CMAAD\Logs\maintenance.log"')
    $trigger = New-ScheduledTaskTrigger -Daily -At 3am
    $settings = New-ScheduledTaskSettingsSet -StartWhenAvailable -ExecutionTimeLimit (New-TimeSpan -Hours 1)
    $principal = New-ScheduledTaskPrincipal -UserId 'CONTOSO\svc-cmaad' -LogonType Password -RunLevel Limited
    Register-ScheduledTask -TaskName 'CMAAD secret maintenance' -Action $action -Trigger $trigger `
        -Settings $settings -Principal $principal -Password (Read-Host 'svc-cmaad password')

    # Alert on a non-zero result: Task Scheduler logs "Last Run Result" 0x1 (or 0x2); watch
    # event 201 in Microsoft-Windows-TaskScheduler/Operational, or mail the log from a second
    # action. Test it once by hand: Start-ScheduledTask -TaskName 'CMAAD secret maintenance'

.PARAMETER StorePath
The site store; the account's default store when not given.

.PARAMETER RotateWithinDays
Rotate secrets that expire within this many days (default 30).

.PARAMETER ValidityDays
Validity of new secrets in days (default 365; at most 730).

.PARAMETER RemoveOldSecret
Removes each old password from its registration once the new one is stored.

.PARAMETER ReportOnly
Verifies and reports, rotating nothing.

.PARAMETER LogPath
Also appends the summary to this file.

.EXAMPLE
./Invoke-CmgSecretMaintenance.ps1 -StorePath D:\CMAAD\site.db -RemoveOldSecret

Maintains the site's apps and removes replaced passwords.

.EXAMPLE
./Invoke-CmgSecretMaintenance.ps1 -ReportOnly; "exit code $LASTEXITCODE"

Reports without rotating, and shows the exit code a scheduled task would get.
#>
[CmdletBinding()]
param(
    [string]$StorePath,

    [ValidateRange(0, 365)]
    [int]$RotateWithinDays = 30,

    [ValidateRange(1, 730)]
    [int]$ValidityDays = 365,

    [switch]$RemoveOldSecret,

    [switch]$ReportOnly,

    [string]$LogPath
)

$ErrorActionPreference = 'Stop'

function Write-MaintenanceLine {
    param([string]$Line)
    Write-Output $Line
    if ($LogPath) {
        Add-Content -LiteralPath $LogPath -Value $Line -Encoding UTF8
    }
}

try {
    Import-Module CMAAD
    if ($StorePath) {
        $site = Connect-CMAADSite -StorePath $StorePath -ErrorAction Stop
    }
    else {
        $site = Connect-CMAADSite -ErrorAction Stop
    }
    # -ErrorAction Stop: the script's preference does not reach into the module's functions.
    $report = Invoke-CMAADSecretMaintenance -RotateWithinDays $RotateWithinDays -ValidityDays $ValidityDays -RemoveOldSecret:$RemoveOldSecret -ReportOnly:$ReportOnly -ErrorAction Stop
    if ($null -eq $report) {
        throw 'Invoke-CMAADSecretMaintenance returned no report.'
    }
}
catch {
    Write-MaintenanceLine ("{0:u} CMAAD secret maintenance could not run: {1}" -f (Get-Date), $_.Exception.Message)
    exit 2
}

$stamp = '{0:u}' -f (Get-Date)
Write-MaintenanceLine ("$stamp CMAAD secret maintenance of '$($site.StorePath)': $($report.Total) app(s); " +
    "$($report.Verified) verified, $($report.Rotated) rotated, $($report.RotationDue) due, $($report.NeedsAttention) need attention.")
foreach ($app in $report.Apps) {
    $days = 'n/a'
    if ($null -ne $app.DaysUntilSecretExpiry) {
        $days = "$($app.DaysUntilSecretExpiry) d"
    }
    Write-MaintenanceLine ("  [{0}] app {1} '{2}' ({3}, tenant {4}, secret {5}): {6}" -f $app.Action, $app.ID, $app.Name, $app.AppType, $app.TenantID, $days, $app.Detail)
}

if ($report.NeedsAttention -gt 0) {
    Write-MaintenanceLine "$stamp $($report.NeedsAttention) app(s) need a person: see the lines marked [NeedsAttention] above."
    exit 1
}
exit 0
