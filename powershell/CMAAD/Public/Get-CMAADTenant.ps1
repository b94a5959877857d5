function Get-CMAADTenant {
    <#
    .SYNOPSIS
    Gets the Microsoft Entra tenants of the site.

    .DESCRIPTION
    Returns the tenants in the site store (a tenant is recorded when its first server app is
    imported or created), by tenant ID or by name; with neither, every tenant. No match is an
    empty result, not an error. Each tenant says whether Microsoft Entra authentication is
    disabled for it (Set-CMAADTenant -DisableAADAuthentication). Reads only the local site store:
    nothing is sent to Microsoft Entra ID.

    Drop-in compatible with the ConfigurationManager module's cmdlet of the same name.

    .PARAMETER Id
    The Directory (tenant) ID, a GUID.

    .PARAMETER Name
    The tenant's name in the site (case-insensitive).

    .PARAMETER DisableWildcardHandling
    Accepted for compatibility with the ConfigurationManager module; CMAAD takes no wildcards.

    .PARAMETER ForceWildcardHandling
    Accepted for compatibility with the ConfigurationManager module; CMAAD takes no wildcards.

    .EXAMPLE
    Get-CMAADTenant -Name "Contoso"

    Gets the Contoso tenant.

    .EXAMPLE
    Get-CMAADTenant -TenantId "05a349fa-0d5c-4a1c-9f3e-1c2d3e4f5a6b" | Format-List *

    Shows every property of the tenant.

    .INPUTS
    None.

    .OUTPUTS
    CMAAD.Tenant, zero or more.

    .LINK
    Set-CMAADTenant
    #>
    [CmdletBinding(DefaultParameterSetName = 'SetByName', PositionalBinding = $false)]
    [OutputType('CMAAD.Tenant')]
    param(
        [Parameter(Mandatory = $true, ParameterSetName = 'SetById')]
        [Alias('TenantId')]
        [ValidateNotNullOrEmpty()]
        [string]$Id,

        [Parameter(ParameterSetName = 'SetByName')]
        [Alias('TenantName')]
        [ValidateNotNullOrEmpty()]
        [string]$Name,

        [Parameter()]
        [switch]$DisableWildcardHandling,

        [Parameter()]
        [switch]$ForceWildcardHandling
    )

    process {
        $filter = [ordered]@{}
        if ($PSBoundParameters.ContainsKey('Id')) {
            $filter['TenantId'] = $Id
        }
        if ($PSBoundParameters.ContainsKey('Name')) {
            $filter['TenantName'] = $Name
        }
        $json = $null
        if ($filter.Count -gt 0) {
            $json = ConvertTo-CmaadJson -Request $filter
        }
        $null = Get-CmaadSession -Cmdlet $PSCmdlet
        Write-CmaadContact -Action 'Reading tenants'
        $document = Invoke-CmaadNative -Cmdlet $PSCmdlet -Method 'GetTenants' -ArgumentList @($json) -TargetObject $json
        if ($null -ne $document) {
            ConvertFrom-CmaadDocument -Json $document -TypeName 'CMAAD.Tenant' -Collection
        }
    }
}
