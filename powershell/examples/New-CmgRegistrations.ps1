<#
.SYNOPSIS
Creates the CMG's two Entra app registrations with CMAAD and the site's cloud management service.

.DESCRIPTION
The sequence of ConfigMgr's New-CMAADServerApplication / New-CMAADClientApplication examples,
without their interactive-only sign-in and without the retry loops public scripts wrap around
them: sign in to Microsoft Graph (a device code for a person, or an automation app's secret for
unattended runs), create the server app and the client app registrations exactly as the
documentation prescribes (both are imported into the site), create the cloud management
service, and turn on collection group sync.

Run with -WhatIf first: it shows both registrations that would be made and creates nothing.

.PARAMETER TenantId
The Directory (tenant) ID.

.PARAMETER ServiceName
The cloud management service's name (default CMG).

.PARAMETER ServerAppName
The server app registration's name.

.PARAMETER ClientAppName
The client app registration's name.

.PARAMETER SecretKeyExpiry
OneYear (default) or TwoYears.

.PARAMETER EnableUserDiscovery
Adds the Graph permission for Entra user discovery and turns user discovery on.

.PARAMETER AutomationClientId
Signs in as this automation app (client credentials) instead of a device code.

.PARAMETER AutomationSecret
The automation app's secret (SecureString), e.g. from Import-Clixml.

.PARAMETER StorePath
The site store; the default store when not given.

.EXAMPLE
./New-CmgRegistrations.ps1 -TenantId 05a349fa-0d5c-4a1c-9f3e-1c2d3e4f5a6b -ServiceName Contoso -WhatIf

Shows the registrations that would be made.

.EXAMPLE
./New-CmgRegistrations.ps1 -TenantId 05a349fa-0d5c-4a1c-9f3e-1c2d3e4f5a6b -ServiceName Contoso -EnableUserDiscovery -Verbose

Signs in with a device code, creates both registrations and the service with user discovery.
#>
[CmdletBinding(SupportsShouldProcess = $true)]
param(
    [Parameter(Mandatory = $true)]
    [string]$TenantId,

    [string]$ServiceName = 'CMG',

    [string]$ServerAppName = 'CmgServerApp',

    [string]$ClientAppName = 'CmgClientApp',

    [ValidateSet('OneYear', 'TwoYears')]
    [string]$SecretKeyExpiry = 'OneYear',

    [switch]$EnableUserDiscovery,

    [string]$AutomationClientId,

    [System.Security.SecureString]$AutomationSecret,

    [string]$StorePath
)

$ErrorActionPreference = 'Stop'
# Loaded already (Import-Module ./CMAAD/CMAAD.psd1 in this session) or from PSModulePath.
if (-not (Get-Module -Name CMAAD)) {
    Import-Module CMAAD
}

if ($StorePath) {
    Connect-CMAADSite -StorePath $StorePath | Out-Null
}

if ($WhatIfPreference) {
    # No sign-in needed: -TenantId stands in for it. The client plan needs a stored server app,
    # so only the server registration can be shown before anything exists.
    New-CMAADServerApplication -AppName $ServerAppName -TenantId $TenantId -SecretKeyExpiry $SecretKeyExpiry -EnableUserDiscovery:$EnableUserDiscovery -WhatIf | Format-List *
    return
}

# 1. Sign in to Microsoft Graph: a device code (shown as a warning), or the automation app.
if ($AutomationClientId) {
    Connect-CMAADAzure -TenantId $TenantId -ClientId $AutomationClientId -ClientSecret $AutomationSecret -ErrorAction Stop | Out-Null
}
else {
    Connect-CMAADAzure -TenantId $TenantId -ErrorAction Stop | Out-Null
}

try {
    # 2. The server (web) app: created in Entra and imported with its secret.
    $serverApp = Get-CMAADApplication -TenantId $TenantId -AppType ServerApplication -AppName $ServerAppName
    if (-not $serverApp) {
        $serverApp = New-CMAADServerApplication -AppName $ServerAppName -TenantId $TenantId -SecretKeyExpiry $SecretKeyExpiry -EnableUserDiscovery:$EnableUserDiscovery -ErrorAction Stop
    }

    # 3. The client (native) app for it (ConfigMgr's syntax: -InputObject <server app>).
    $clientApp = Get-CMAADApplication -TenantId $TenantId -AppType ClientApplication -AppName $ClientAppName
    if (-not $clientApp) {
        $clientApp = New-CMAADClientApplication -AppName $ClientAppName -InputObject $serverApp -ErrorAction Stop
    }

    # 4. Check both registrations against every requirement (made just now, so they should pass).
    foreach ($app in @($serverApp, $clientApp)) {
        $audit = Test-CMAADApplication -ClientId $app.ClientID -AppType $app.AppType
        if (-not $audit.Passed) {
            $audit.Checks | Where-Object { $_.Outcome -eq 'Failed' } | Format-Table -Property 'Name', 'Detail', 'Fix' -Wrap
        }
    }
}
finally {
    # The sign-in is no longer needed: wipe its token.
    Disconnect-CMAADAzure
}

# 5. The cloud management service, then collection group sync (which cannot be set at creation).
$service = Get-CMAzureService -Name $ServiceName
if (-not $service) {
    $service = New-CMCloudManagementAzureService -Name $ServiceName -Description 'Azure Service' -ServerApp $serverApp -ClientApp $clientApp -EnableUserDiscovery ([bool]$EnableUserDiscovery) -ErrorAction Stop
}
Set-CMCloudManagementAzureService -InputObject $service -EnableAADGroupSync $true -ErrorAction Stop

# The site is ready for New-CMCloudManagementGateway (ConfigurationManager module) with
# -ServerAppClientId $serverApp.ClientID.
Get-CMAADApplication -TenantId $TenantId
