function Get-CMAADApplication {
    <#
    .SYNOPSIS
    Gets the Microsoft Entra app objects of the site.

    .DESCRIPTION
    Returns the server and client apps in the site store. Every filter given must match (AND);
    with none, every app is returned. No match is an empty result, not an error. Reads only the
    local site store: nothing is sent to Microsoft Entra ID.

    Drop-in compatible with the ConfigurationManager module's cmdlet of the same name; commonly
    used with Import-CMAADClientApplication and New-CMCloudManagementAzureService.

    .PARAMETER AppName
    The app's display name.

    .PARAMETER AppType
    ServerApplication (web app) or ClientApplication (native app).

    .PARAMETER ClientId
    The Application (client) ID, a GUID.

    .PARAMETER TenantId
    The Directory (tenant) ID, a GUID.

    .PARAMETER TenantName
    The tenant's name as it was imported.

    .PARAMETER ExpiringWithinDays
    Only server apps whose secret expires within this many days (0 to 36500), expired secrets
    included. CMAAD addition: ConfigMgr warns only for apps it created.

    .PARAMETER DisableWildcardHandling
    Accepted for compatibility with the ConfigurationManager module; CMAAD takes no wildcards.

    .PARAMETER ForceWildcardHandling
    Accepted for compatibility with the ConfigurationManager module; CMAAD takes no wildcards.

    .EXAMPLE
    Get-CMAADApplication -TenantName "Contoso" -AppType ClientApplication

    Gets every client app of the Contoso tenant.

    .EXAMPLE
    Get-CMAADApplication -TenantId "05a349fa-0d5c-4a1c-9f3e-1c2d3e4f5a6b" -AppType ServerApplication

    Gets the tenant's server apps.

    .EXAMPLE
    Get-CMAADApplication -AppName "CmgServerApp"

    Gets the app named CmgServerApp.

    .EXAMPLE
    Get-CMAADApplication -ExpiringWithinDays 30

    Lists server apps whose secret expires within 30 days or has expired (SecretExpired).

    .INPUTS
    None.

    .OUTPUTS
    CMAAD.Application, zero or more.

    .LINK
    about_CMAAD
    #>
    [CmdletBinding(PositionalBinding = $false)]
    [OutputType('CMAAD.Application')]
    param(
        [Parameter()]
        [Alias('ApplicationName')]
        [string]$AppName,

        [Parameter()]
        [Alias('ApplicationType')]
        [CMAAD.CloudApplicationType]$AppType,

        [Parameter()]
        [string]$ClientId,

        [Parameter()]
        [string]$TenantId,

        [Parameter()]
        [string]$TenantName,

        [Parameter()]
        [ValidateRange(0, 36500)]
        [int]$ExpiringWithinDays,

        [Parameter()]
        [switch]$DisableWildcardHandling,

        [Parameter()]
        [switch]$ForceWildcardHandling
    )

    process {
        $filter = [ordered]@{}
        foreach ($name in @('AppName', 'ClientId', 'TenantId', 'TenantName')) {
            if ($PSBoundParameters.ContainsKey($name)) {
                $filter[$name] = [string]$PSBoundParameters[$name]
            }
        }
        if ($PSBoundParameters.ContainsKey('AppType')) {
            $filter['AppType'] = $AppType.ToString()
        }
        if ($PSBoundParameters.ContainsKey('ExpiringWithinDays')) {
            $filter['ExpiringWithinDays'] = $ExpiringWithinDays
        }
        $json = $null
        if ($filter.Count -gt 0) {
            $json = ConvertTo-CmaadJson -Request $filter
        }

        $null = Get-CmaadSession -Cmdlet $PSCmdlet
        Write-CmaadContact -Action 'Reading apps'
        $document = Invoke-CmaadNative -Cmdlet $PSCmdlet -Method 'GetApps' -ArgumentList @($json) -TargetObject $json
        if ($null -ne $document) {
            ConvertFrom-CmaadDocument -Json $document -TypeName 'CMAAD.Application' -Collection
        }
    }
}
