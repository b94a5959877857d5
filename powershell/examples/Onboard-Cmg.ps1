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

With -SiteCode and -ProviderMachineName the apps and the service go to the ConfigMgr site itself
through its SMS Provider (AdminService), authenticated as -Credential with Kerberos.

The script can run again: what exists already (same client IDs, a service of that name with
these two apps) is kept and reported, nothing is imported twice, and the secret is asked for
only when the server app still has to be imported. A service of that name with other apps stops
the script (exit 1) with what to do.

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

.PARAMETER SiteCode
The ConfigMgr site code; with -ProviderMachineName, the site itself is changed.

.PARAMETER ProviderMachineName
The SMS Provider's fully qualified name (as in the console's Connect to Site dialog).

.PARAMETER Credential
The ConfigMgr administrative account for the SMS Provider (user@CONTOSO.COM).

.PARAMETER KdcAddress
The Kerberos KDC (a domain controller) as host[:port], when krb5.conf or DNS does not name it.

.PARAMETER TrustedCaPath
The site's exported SMS Issuing root (PEM), to trust the SMS Provider's certificate.

.EXAMPLE
./Onboard-Cmg.ps1 -TenantName Contoso -TenantId 05a349fa-0d5c-4a1c-9f3e-1c2d3e4f5a6b -ServerAppClientId 7078946d-1a2b-4c3d-8e9f-0a1b2c3d4e5f -ClientAppClientId cf114f48-2b3c-4d5e-9f0a-1b2c3d4e5f60 -SecretKeyExpiry 2027-11-16 -Verify -Verbose

.EXAMPLE
./Onboard-Cmg.ps1 -TenantName Contoso -TenantId 05a349fa-0d5c-4a1c-9f3e-1c2d3e4f5a6b -ServerAppClientId 7078946d-1a2b-4c3d-8e9f-0a1b2c3d4e5f -ClientAppClientId cf114f48-2b3c-4d5e-9f0a-1b2c3d4e5f60 -SecretKeyExpiry 2027-11-16 -SiteCode XYZ -ProviderMachineName cm01.contoso.com -Credential cmadmin@CONTOSO.COM -TrustedCaPath C:\certs\sms-issuing.cer
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

    [switch]$Verify,

    [string]$SiteCode,

    [string]$ProviderMachineName,

    [System.Management.Automation.PSCredential]
    [System.Management.Automation.Credential()]
    $Credential,

    [string]$KdcAddress,

    [string]$TrustedCaPath
)

$ErrorActionPreference = 'Stop'
# Loaded already (Import-Module ./CMAAD/CMAAD.psd1 in this session) or from PSModulePath.
if (-not (Get-Module -Name CMAAD)) {
    Import-Module CMAAD
}

# The site (or only the local store) to work on: the parameters Connect-CMAADSite shares.
$connect = @{}
foreach ($name in 'StorePath', 'SiteCode', 'ProviderMachineName', 'Credential', 'KdcAddress', 'TrustedCaPath') {
    if ($PSBoundParameters.ContainsKey($name)) {
        $connect[$name] = $PSBoundParameters[$name]
    }
}
if ($connect.Count -gt 0) {
    Connect-CMAADSite @connect | Out-Null
}

# 1. Import the server app (Import-CMAADServerApplication, Microsoft's example 1).
$serverApp = Get-CMAADApplication -TenantId $TenantId -AppType ServerApplication -ClientId $ServerAppClientId
if ($serverApp) {
    Write-Verbose "Server app $ServerAppClientId is there already (ID $($serverApp.ID)): kept."
}
else {
    if (-not $SecretKey) {
        try {
            $SecretKey = Read-Host -AsSecureString -Prompt "Client secret of server app $ServerAppClientId"
        }
        catch [System.Management.Automation.PSInvalidOperationException] {
            throw "Server app $ServerAppClientId must be imported with its client secret, and this PowerShell cannot prompt (-NonInteractive): pass -SecretKey (a SecureString, e.g. from Get-Secret or Import-Clixml)."
        }
    }
    $serverApp = Import-CMAADServerApplication -TenantName $TenantName -TenantId $TenantId -AppName "CmgServerApp" -ClientId $ServerAppClientId -SecretKey $SecretKey -SecretKeyExpiry $SecretKeyExpiry -AppIdUri "api://$TenantId/ConfigMgrService" -Verify:$Verify
}

# 2. Import the client app by server app (Import-CMAADClientApplication, Microsoft's example 2).
# Apps are found by client ID, not by name: apps imported earlier (e.g. in the console) may
# carry other names.
$serverApp = Get-CMAADApplication -TenantId $TenantId -AppType ServerApplication -ClientId $ServerAppClientId
$clientApp = Get-CMAADApplication -TenantId $TenantId -AppType ClientApplication -ClientId $ClientAppClientId
if ($clientApp) {
    Write-Verbose "Client app $ClientAppClientId is there already (ID $($clientApp.ID)): kept."
}
else {
    $clientApp = Import-CMAADClientApplication -ServerApp $serverApp -AppName "CmgClientApp" -ClientId $ClientAppClientId -Verify:$Verify
}

# 3. Get both apps and create the cloud management service (New-CMCloudManagementAzureService's example).
$serverApp = Get-CMAADApplication -TenantId $TenantId -AppType ServerApplication -ClientId $ServerAppClientId
$clientApp = Get-CMAADApplication -TenantId $TenantId -AppType ClientApplication -ClientId $ClientAppClientId
$service = Get-CMCloudManagementAzureService -Name $TenantName
if (-not $service) {
    New-CMCloudManagementAzureService -Name $TenantName -Description "Azure Service" -ServerApp $serverApp -ClientApp $clientApp -AzureEnvironmentOption AzurePublicCloud
}
elseif ($service.ServerAppID -eq $serverApp.ID -and $service.ClientAppID -eq $clientApp.ID) {
    Write-Verbose "Cloud management service '$TenantName' is there already with these apps (ID $($service.ID)): kept."
    $service
}
else {
    throw "Cloud management service '$TenantName' exists with other apps (server app ID $($service.ServerAppID), client app ID $($service.ClientAppID)): " +
        "choose another -TenantName, or remove that service first (Remove-CMCloudManagementAzureService -Name '$TenantName') if it is no longer used."
}

# The site is ready for New-CMCloudManagementGateway (ConfigurationManager module) with
# -ServerAppClientId $serverApp.ClientID.
Get-CMAADApplication -TenantId $TenantId
