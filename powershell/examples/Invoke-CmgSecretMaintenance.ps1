<#
.SYNOPSIS
Nightly secret maintenance of the CMG's Entra apps, for a scheduled task.

.DESCRIPTION
Opens the ConfigMgr site (with -SiteCode and -ProviderMachineName: the apps the CMG uses, read
through the SMS Provider's AdminService) or the local site store, runs
Invoke-CMAADSecretMaintenance (verify every app against
Microsoft Entra ID, rotate through Microsoft Graph each server app secret that expires within
-RotateWithinDays, report what needs a person), writes a readable summary to the output (and to
-LogPath if given) and exits with:

    0  every app is fine (verified or rotated);
    1  at least one app needs a person (NeedsAttention > 0): the summary says which and what to do;
    2  the maintenance itself could not run (module, library, store or site missing or
       unreachable, no app found, bad arguments).

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
The local site store (with a site: the store that keeps the journal of site changes); the
account's default store when not given. Without a site, a -StorePath that does not exist is an
error (exit 2), so a mistyped path never reports a new, empty store as healthy.

.PARAMETER SiteCode
The ConfigMgr site code, with -ProviderMachineName.

.PARAMETER ProviderMachineName
The SMS Provider's FQDN, with -SiteCode. The task's account (on Windows the logged-on account,
or -Credential) needs read access to the site's Azure services in ConfigMgr.

.PARAMETER Credential
The account for the SMS Provider when not the task's own (Kerberos).

.PARAMETER KdcAddress
The KDC (host[:port]) when krb5.conf, the registry or DNS do not name it.

.PARAMETER TrustedCaPath
The site's exported "SMS Issuing" root (Base-64 .cer), when the provider's certificate is the
site's self-signed one.

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
./Invoke-CmgSecretMaintenance.ps1 -SiteCode XYZ -ProviderMachineName cm01.contoso.com -TrustedCaPath D:\CMAAD\sms-issuing.cer -ReportOnly

Reports on the apps the ConfigMgr site holds (the ones the CMG uses), through AdminService.

.EXAMPLE
./Invoke-CmgSecretMaintenance.ps1 -ReportOnly; "exit code $LASTEXITCODE"

Reports without rotating, and shows the exit code a scheduled task would get.
#>
[CmdletBinding()]
param(
    [string]$StorePath,

    [string]$SiteCode,

    [string]$ProviderMachineName,

    [System.Management.Automation.PSCredential]
    [System.Management.Automation.Credential()]
    $Credential,

    [string]$KdcAddress,

    [string]$TrustedCaPath,

    # Numbers are checked by the script, not by PowerShell's binder, so that a bad value exits
    # with 2 ("could not run") as documented, not with the binder's 1.
    [object]$RotateWithinDays = 30,

    [object]$ValidityDays = 365,

    [switch]$RemoveOldSecret,

    [switch]$ReportOnly,

    [string]$LogPath,

    # A misspelled parameter lands here and is refused with exit 2.
    [Parameter(ValueFromRemainingArguments = $true)]
    [object[]]$UnknownArgument
)

$ErrorActionPreference = 'Stop'

function Write-MaintenanceLine {
    param([string]$Line)
    Write-Output $Line
    if ($LogPath) {
        Add-Content -LiteralPath $LogPath -Value $Line -Encoding UTF8
    }
}

function ConvertTo-DayCount {
    param([string]$Name, [object]$Value, [int]$Minimum, [int]$Maximum)
    $days = 0
    if (-not [int]::TryParse([string]$Value, [ref]$days) -or $days -lt $Minimum -or $days -gt $Maximum) {
        throw "-$Name '$Value' is not a whole number of days from $Minimum to ${Maximum}: give one in that range."
    }
    $days
}

try {
    if ($UnknownArgument) {
        throw "Unknown argument(s): $($UnknownArgument -join ' '). Run Get-Help $PSCommandPath -Full for the parameters."
    }
    $RotateWithinDays = ConvertTo-DayCount -Name 'RotateWithinDays' -Value $RotateWithinDays -Minimum 0 -Maximum 365
    $ValidityDays = ConvertTo-DayCount -Name 'ValidityDays' -Value $ValidityDays -Minimum 1 -Maximum 730
    # Without a site the store holds the apps: one that does not exist is a mistake, not a new store.
    if ($StorePath -and -not $SiteCode -and -not (Test-Path -LiteralPath $StorePath -PathType Leaf)) {
        throw "-StorePath '$StorePath' does not exist: give the store the onboarding used (Connect-CMAADSite shows it)."
    }
    # Loaded already (Import-Module ./CMAAD/CMAAD.psd1 in this session) or from PSModulePath.
    if (-not (Get-Module -Name CMAAD)) {
        Import-Module CMAAD
    }
    $connect = @{}
    foreach ($name in 'StorePath', 'SiteCode', 'ProviderMachineName', 'Credential', 'KdcAddress', 'TrustedCaPath') {
        if ($PSBoundParameters.ContainsKey($name)) {
            $connect[$name] = $PSBoundParameters[$name]
        }
    }
    $site = Connect-CMAADSite @connect -ErrorAction Stop
    # -ErrorAction Stop: the script's preference does not reach into the module's functions.
    $report = Invoke-CMAADSecretMaintenance -RotateWithinDays $RotateWithinDays -ValidityDays $ValidityDays -RemoveOldSecret:$RemoveOldSecret -ReportOnly:$ReportOnly -ErrorAction Stop
    if ($null -eq $report) {
        throw 'Invoke-CMAADSecretMaintenance returned no report.'
    }
    if ($report.Total -eq 0) {
        throw "found no app to maintain in $(if ($SiteCode) { "site $SiteCode" } else { "'$($site.StorePath)'" }): check -StorePath or -SiteCode, or import the CMG's apps first."
    }
}
catch {
    Write-MaintenanceLine ("{0:u} CMAAD secret maintenance could not run: {1}" -f (Get-Date), $_.Exception.Message)
    exit 2
}

$stamp = '{0:u}' -f (Get-Date)
$where = if ($SiteCode) { "site $SiteCode ($ProviderMachineName)" } else { "'$($site.StorePath)'" }
Write-MaintenanceLine ("$stamp CMAAD secret maintenance of ${where}: $($report.Total) app(s); " +
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
