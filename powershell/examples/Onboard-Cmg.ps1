<#
.SYNOPSIS
Onboards a site to Microsoft Entra ID for the cloud management gateway with CMAAD.

.DESCRIPTION
Microsoft's published sequence for the ConfigurationManager module (Import server app, Import
client app, Get-CMAADApplication, New-CMCloudManagementAzureService), built from the examples on
each cmdlet's reference page, running unchanged against CMAAD. Only the secret is read
differently: Microsoft's example passes it as a plain string (CMAAD accepts that with a warning);
this script prompts for it, or takes it from -SecretKey.

With -Verify, each app is checked with Microsoft Entra ID before it is stored.

.PARAMETER TenantName
The tenant's name (a label such as Contoso, or a verified domain).

.PARAMETER TenantId
The Directory (tenant) ID.

.PARAMETER ServerAppClientId
The server (web) app's Application (client) ID.

.PARAMETER ClientAppClientId
The client (native) app's Application (client) ID.

.PARAMETER SecretKey
The server app's client secret; prompted for when not given.

.PARAMETER SecretKeyExpiry
When the secret expires.

.PARAMETER StorePath
The site store to use; the default store when not given.

.PARAMETER Verify
Verifies both apps with Microsoft Entra ID before storing them.

.EXAMPLE
./Onboard-Cmg.ps1 -TenantName Contoso -TenantId 05a349fa-0d5c-4a1c-9f3e-1c2d3e4f5a6b -ServerAppClientId 7078946d-1a2b-4c3d-8e9f-0a1b2c3d4e5f -ClientAppClientId cf114f48-2b3c-4d5e-9f0a-1b2c3d4e5f60 -SecretKeyExpiry 2027-11-16 -Verify -Verbose
#>
[CmdletBinding(SupportsShouldProcess = $true)]
param(
    [Parameter(Mandatory = $true)]
    [string]$TenantName,

    [Parameter(Mandatory = $true)]
    [string]$TenantId,

    [Parameter(Mandatory = $true)]
    [string]$ServerAppClientId,

    [Parameter(Mandatory = $true)]
    [string]$ClientAppClientId,

    [System.Security.SecureString]$SecretKey,

    [Parameter(Mandatory = $true)]
    [datetime]$SecretKeyExpiry,

    [string]$StorePath,

    [switch]$Verify
)

$ErrorActionPreference = 'Stop'
Import-Module CMAAD

if ($StorePath) {
    Connect-CMAADSite -StorePath $StorePath | Out-Null
}
if (-not $SecretKey) {
    $SecretKey = Read-Host -AsSecureString -Prompt "Client secret of server app $ServerAppClientId"
}

# 1. Import the server app (Import-CMAADServerApplication, Microsoft's example 1).
$serverApp = Get-CMAADApplication -TenantId $TenantId -AppType ServerApplication -ClientId $ServerAppClientId
if (-not $serverApp) {
    $serverApp = Import-CMAADServerApplication -TenantName $TenantName -TenantId $TenantId -AppName "CmgServerApp" -ClientId $ServerAppClientId -SecretKey $SecretKey -SecretKeyExpiry $SecretKeyExpiry -AppIdUri "api://$TenantId/ConfigMgrService" -Verify:$Verify
}

# 2. Import the client app by server app (Import-CMAADClientApplication, Microsoft's example 2).
$serverApp = Get-CMAADApplication -TenantName $TenantName -AppType ServerApplication -AppName "CmgServerApp"
$clientApp = Get-CMAADApplication -TenantId $TenantId -AppType ClientApplication -ClientId $ClientAppClientId
if (-not $clientApp) {
    $clientApp = Import-CMAADClientApplication -ServerApp $serverApp -AppName "CmgClientApp" -ClientId $ClientAppClientId -Verify:$Verify
}

# 3. Get both apps and create the cloud management service (New-CMCloudManagementAzureService's example).
$serverApp = Get-CMAADApplication -TenantName $TenantName -AppType ServerApplication -AppName "CmgServerApp"
$clientApp = Get-CMAADApplication -TenantName $TenantName -AppType ClientApplication -AppName "CmgClientApp"
New-CMCloudManagementAzureService -Name $TenantName -Description "Azure Service" -ServerApp $serverApp -ClientApp $clientApp -AzureEnvironmentOption AzurePublicCloud

# The site is ready for New-CMCloudManagementGateway (ConfigurationManager module) with
# -ServerAppClientId $serverApp.ClientID.
Get-CMAADApplication -TenantId $TenantId
