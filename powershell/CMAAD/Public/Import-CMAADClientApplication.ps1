function Import-CMAADClientApplication {
    <#
    .SYNOPSIS
    Imports the Microsoft Entra client (native) app definition into the site.

    .DESCRIPTION
    Records a client app that an Entra administrator already registered. Its tenant comes from
    the server app (-ServerApp, as the console's Import dialog does) or from the tenant ID
    (-TenantId); either way the tenant must already have a server app in the site.

    With -Verify, CMAAD checks with Microsoft Entra ID that the app exists in the tenant and
    allows public client flows; nothing is stored if the check fails.

    Drop-in compatible with the ConfigurationManager module's cmdlet of the same name.

    .PARAMETER AppName
    The app registration's display name.

    .PARAMETER ClientId
    The Application (client) ID from the app's Overview page, a GUID.

    .PARAMETER ServerApp
    The tenant's server app, as returned by Get-CMAADApplication or Import-CMAADServerApplication.
    It can also come from the pipeline.

    .PARAMETER TenantId
    The Directory (tenant) ID, a GUID. The tenant must already have a server app in the site.

    .PARAMETER Verify
    Checks the app against Microsoft Entra ID before storing it.

    .PARAMETER DisableWildcardHandling
    Accepted for compatibility with the ConfigurationManager module; CMAAD takes no wildcards.

    .PARAMETER ForceWildcardHandling
    Accepted for compatibility with the ConfigurationManager module; CMAAD takes no wildcards.

    .PARAMETER WhatIf
    Shows what would be imported without importing it.

    .PARAMETER Confirm
    Asks for confirmation before importing.

    .EXAMPLE
    Import-CMAADClientApplication -TenantId "05a349fa-0d5c-4a1c-9f3e-1c2d3e4f5a6b" -AppName "CmgClientApp" -ClientId "cf114f48-2b3c-4d5e-9f0a-1b2c3d4e5f60"

    Imports the client app of the tenant whose server app is already in the site.

    .EXAMPLE
    $serverApp = Get-CMAADApplication -TenantName "Contoso" -AppType ServerApplication -AppName "CmgServerApp"
    Import-CMAADClientApplication -ServerApp $serverApp -AppName "CmgClientApp" -ClientId "cf114f48-2b3c-4d5e-9f0a-1b2c3d4e5f60"

    Imports the client app for the given server app's tenant.

    .EXAMPLE
    Get-CMAADApplication -AppName "CmgServerApp" | Import-CMAADClientApplication -AppName "CmgClientApp" -ClientId "cf114f48-2b3c-4d5e-9f0a-1b2c3d4e5f60" -Verify

    Pipes the server app in and verifies the client app with Microsoft Entra ID first.

    .INPUTS
    CMAAD.Application (the server app) through the pipeline.

    .OUTPUTS
    CMAAD.Application. ID, Name, ClientID, TenantID (the tenant GUID), TenantName, IsClientApp,
    AppType, AzureEnvironment, LastVerified, ApplicationCreationTime, LastUpdateTime, and
    Verification when -Verify was used.

    .LINK
    about_CMAAD
    #>
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'Medium', DefaultParameterSetName = 'ByServerApp', PositionalBinding = $false)]
    [OutputType('CMAAD.Application')]
    param(
        [Parameter(Mandatory = $true)]
        [Alias('ApplicationName')]
        [ValidateNotNullOrEmpty()]
        [string]$AppName,

        [Parameter(Mandatory = $true)]
        [ValidateNotNullOrEmpty()]
        [string]$ClientId,

        [Parameter(Mandatory = $true, ParameterSetName = 'ByServerApp', ValueFromPipeline = $true)]
        [Alias('ServerApplication')]
        [ValidateNotNull()]
        [object]$ServerApp,

        [Parameter(Mandatory = $true, ParameterSetName = 'ById')]
        [ValidateNotNullOrEmpty()]
        [string]$TenantId,

        [Parameter()]
        [switch]$Verify,

        [Parameter()]
        [switch]$DisableWildcardHandling,

        [Parameter()]
        [switch]$ForceWildcardHandling
    )

    process {
        $request = [ordered]@{
            AppName  = $AppName
            ClientId = $ClientId
        }
        if ($PSCmdlet.ParameterSetName -eq 'ById') {
            $request['TenantId'] = $TenantId
            $tenant = "tenant $TenantId"
        }
        else {
            $serverAppId = Get-CmaadAppId -Cmdlet $PSCmdlet -InputObject $ServerApp -ParameterName 'ServerApp'
            $request['ServerAppId'] = $serverAppId
            $tenant = "the tenant of server app $serverAppId"
        }
        if ($Verify) {
            $request['Verify'] = $true
        }

        $target = "Client app '$AppName' ($ClientId) of $tenant"
        if (-not $PSCmdlet.ShouldProcess($target, 'Import')) {
            return
        }
        $null = Get-CmaadSession -Cmdlet $PSCmdlet
        Write-CmaadContact -Action "Importing $target" -Entra:$Verify
        $json = ConvertTo-CmaadJson -Request $request
        $document = Invoke-CmaadNative -Cmdlet $PSCmdlet -Method 'ImportClientApp' -ArgumentList @($json) -TargetObject $AppName
        if ($null -ne $document) {
            ConvertFrom-CmaadDocument -Json $document -TypeName 'CMAAD.Application'
        }
    }
}
