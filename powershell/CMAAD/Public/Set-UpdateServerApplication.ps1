function Set-UpdateServerApplication {
    <#
    .SYNOPSIS
    Adds the http://localhost redirect URI that CMG server apps need since ConfigMgr 2309, in Microsoft Entra ID and in the site.

    .DESCRIPTION
    Server apps registered before ConfigMgr 2309 lack the public client redirect URI
    http://localhost, and creating a CMG with them fails with "Your server Application needs to
    be updated". For every server app of the tenant stored in the site, this cmdlet adds the URI
    to the registration through Microsoft Graph (as the identity of Connect-CMAADAzure) and
    records it in the site. Apps that have it already are left alone.

    With -WhatIf the registrations are read but nothing changes; the result says which apps
    would change (WouldChange).

    Keeps the syntax of the ConfigurationManager module's cmdlet of the same name.

    .PARAMETER TenantId
    The Directory (tenant) ID, a GUID, whose stored server apps are updated.

    .PARAMETER DisableWildcardHandling
    Accepted for compatibility with the ConfigurationManager module; CMAAD takes no wildcards.

    .PARAMETER ForceWildcardHandling
    Accepted for compatibility with the ConfigurationManager module; CMAAD takes no wildcards.

    .PARAMETER WhatIf
    Reads the registrations and reports which would change, changing nothing.

    .PARAMETER Confirm
    Asks for confirmation before changing the registrations.

    .EXAMPLE
    Set-UpdateServerApplication -TenantId "05a349fa-0d5c-4a1c-9f3e-1c2d3e4f5a6b"

    Adds http://localhost to the tenant's server apps (Microsoft's documented example).

    .EXAMPLE
    Set-UpdateServerApplication -TenantId "05a349fa-0d5c-4a1c-9f3e-1c2d3e4f5a6b" -WhatIf

    Lists which server apps lack the redirect URI, without changing them.

    .INPUTS
    None.

    .OUTPUTS
    CMAAD.ServerAppUpdate, one per server app: ID, Name, ClientID, Changed, WouldChange, RedirectUris.

    .LINK
    New-CMAADServerApplication
    #>
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'Medium', PositionalBinding = $false)]
    [OutputType('CMAAD.ServerAppUpdate')]
    param(
        [Parameter(Mandatory = $true)]
        [ValidatePattern('^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')]
        [string]$TenantId,

        [Parameter()]
        [switch]$DisableWildcardHandling,

        [Parameter()]
        [switch]$ForceWildcardHandling
    )

    process {
        $request = [ordered]@{
            TenantId = $TenantId
        }
        $target = "Server apps of tenant $TenantId (redirect URI http://localhost)"
        if (-not $PSCmdlet.ShouldProcess($target, 'Update in Microsoft Entra ID and the site')) {
            if (-not $WhatIfPreference) {
                return
            }
            $request['WhatIf'] = $true
        }
        $signIn = Get-CmaadGraphSignIn -Cmdlet $PSCmdlet
        $null = Get-CmaadSession -Cmdlet $PSCmdlet
        Write-CmaadGraphContact -Action "Updating $target"
        $json = ConvertTo-CmaadJson -Request $request
        $document = Invoke-CmaadNative -Cmdlet $PSCmdlet -Method 'UpdateServerApp' -ArgumentList @($signIn, $json) -TargetObject $TenantId
        if ($null -ne $document) {
            ConvertFrom-CmaadDocument -Json $document -TypeName 'CMAAD.ServerAppUpdate' -Collection
        }
    }
}
