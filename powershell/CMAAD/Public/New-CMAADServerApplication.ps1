function New-CMAADServerApplication {
    <#
    .SYNOPSIS
    Creates the CMG's server (web) app registration in Microsoft Entra ID and imports it into the site.

    .DESCRIPTION
    Creates, through Microsoft Graph as the identity of Connect-CMAADAzure, the web app
    registration the cloud management gateway needs, exactly as the documentation prescribes:
    this organization only; the App ID URI (default api://{TenantId}/{AppName}, checked unused in
    the tenant); the user_impersonation scope; ID token issuance; the http://localhost public
    client redirect URI; a client secret valid one or two years; optionally the Graph
    Directory.Read.All application permission for user discovery; its service principal; and
    admin consent when the signed-in identity may grant it (otherwise a warning says what an
    administrator must grant). The new app is imported with its secret, which goes from Graph
    straight into the site store and never reaches PowerShell.

    Graph's replication delay, throttling and server errors are retried. If a step still fails,
    everything created is deleted again and nothing is imported; the error's details list what
    was removed, or what remains if removing failed.

    With -WhatIf nothing is created: the cmdlet returns the registration it would make (the
    Graph request bodies). -WhatIf works without a sign-in when -TenantId is given.

    Keeps the syntax of the ConfigurationManager module's cmdlet (which signs in interactively
    itself); sign in first with Connect-CMAADAzure, which also works unattended.

    .PARAMETER AppName
    The registration's display name (and, by default, the last part of its App ID URI).

    .PARAMETER AzureEnvironmentOption
    The cloud. It must be the cloud of the Connect-CMAADAzure sign-in; pass
    -AzureEnvironmentOption to Connect-CMAADAzure to choose another.

    .PARAMETER SecretKeyExpiry
    How long the client secret is valid: OneYear (default) or TwoYears.

    .PARAMETER TenantId
    The tenant, a GUID: must be the tenant of the sign-in; with -WhatIf it can stand in for a sign-in.

    .PARAMETER TenantName
    The tenant's label in the site (default the stored label, else the tenant GUID).

    .PARAMETER AppIdUri
    The Application ID URI (default api://{TenantId}/{AppName}).

    .PARAMETER HomePageUrl
    The home page URL of the web app (optional).

    .PARAMETER EnableUserDiscovery
    Adds the Microsoft Graph application permission Directory.Read.All, which Entra user discovery needs.

    .PARAMETER GrantAdminConsent
    Grants admin consent for the app's permissions (default $true). With $false, the warnings say
    what an administrator must grant.

    .PARAMETER DisableWildcardHandling
    Accepted for compatibility with the ConfigurationManager module; CMAAD takes no wildcards.

    .PARAMETER ForceWildcardHandling
    Accepted for compatibility with the ConfigurationManager module; CMAAD takes no wildcards.

    .PARAMETER WhatIf
    Returns the registration that would be created (CMAAD.RegistrationPlan) and creates nothing.

    .PARAMETER Confirm
    Asks for confirmation before creating the registration.

    .EXAMPLE
    Connect-CMAADAzure -TenantId "05a349fa-0d5c-4a1c-9f3e-1c2d3e4f5a6b"
    $serverApp = New-CMAADServerApplication -AppName "CmgServerApp"

    Signs in with a device code, then creates and imports the server app with a one-year secret.

    .EXAMPLE
    New-CMAADServerApplication -AppName "CmgServerApp" -SecretKeyExpiry TwoYears -EnableUserDiscovery -Verbose

    Creates the app with a two-year secret and the permission user discovery needs, and says
    which Graph host it contacts.

    .EXAMPLE
    New-CMAADServerApplication -AppName "CmgServerApp" -TenantId "05a349fa-0d5c-4a1c-9f3e-1c2d3e4f5a6b" -WhatIf | Format-List *

    Shows the registration that would be made, without signing in and without creating anything.

    .INPUTS
    None.

    .OUTPUTS
    CMAAD.Application: the imported app, plus Registration (ObjectId, AppId, ServicePrincipalId,
    IdentifierUri, UserImpersonationScopeId, SecretKeyId, SecretKeyExpiry, AdminConsent).
    With -WhatIf: CMAAD.RegistrationPlan.

    .LINK
    Connect-CMAADAzure

    .LINK
    New-CMAADClientApplication
    #>
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'Medium', PositionalBinding = $false)]
    [OutputType('CMAAD.Application', 'CMAAD.RegistrationPlan')]
    param(
        [Parameter(Mandatory = $true)]
        [Alias('ApplicationName')]
        [ValidateNotNullOrEmpty()]
        [string]$AppName,

        [Parameter()]
        [CMAAD.AzureEnvironment]$AzureEnvironmentOption,

        [Parameter()]
        [ValidateSet('OneYear', 'TwoYears')]
        [string]$SecretKeyExpiry,

        [Parameter()]
        [ValidatePattern('^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')]
        [string]$TenantId,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string]$TenantName,

        [Parameter()]
        [uri]$AppIdUri,

        [Parameter()]
        [uri]$HomePageUrl,

        [Parameter()]
        [switch]$EnableUserDiscovery,

        [Parameter()]
        [bool]$GrantAdminConsent = $true,

        [Parameter()]
        [switch]$DisableWildcardHandling,

        [Parameter()]
        [switch]$ForceWildcardHandling
    )

    process {
        $request = [ordered]@{
            AppName = $AppName
        }
        foreach ($name in @('TenantId', 'TenantName', 'SecretKeyExpiry')) {
            if ($PSBoundParameters.ContainsKey($name)) {
                $request[$name] = [string]$PSBoundParameters[$name]
            }
        }
        foreach ($name in @('AppIdUri', 'HomePageUrl')) {
            if ($PSBoundParameters.ContainsKey($name) -and $null -ne $PSBoundParameters[$name]) {
                $request[$name] = ([uri]$PSBoundParameters[$name]).OriginalString
            }
        }
        if ($EnableUserDiscovery) {
            $request['EnableUserDiscovery'] = $true
        }
        $request['GrantAdminConsent'] = $GrantAdminConsent

        $signIn = Get-CmaadGraphSignIn -Cmdlet $PSCmdlet -Optional
        $info = $script:CmaadGraphSignInInfo
        if ($PSBoundParameters.ContainsKey('AzureEnvironmentOption') -and $null -ne $info -and $info.AzureEnvironment -ne $AzureEnvironmentOption.ToString()) {
            $PSCmdlet.ThrowTerminatingError((New-CmaadArgumentError -ErrorId 'CloudMismatch' -TargetObject 'AzureEnvironmentOption' -Message (
                "-AzureEnvironmentOption $AzureEnvironmentOption differs from the cloud of the Microsoft Graph sign-in ($($info.AzureEnvironment)): " +
                "run Connect-CMAADAzure -AzureEnvironmentOption $AzureEnvironmentOption first.")))
        }

        $tenant = $TenantId
        if (-not $tenant -and $null -ne $info) {
            $tenant = $info.TenantId
        }
        $target = "Server app registration '$AppName' in tenant $tenant"
        if (-not $PSCmdlet.ShouldProcess($target, 'Create in Microsoft Entra ID and import')) {
            if ($WhatIfPreference) {
                $request['WhatIf'] = $true
                $null = Get-CmaadSession -Cmdlet $PSCmdlet
                Write-CmaadGraphContact -Action "Planning $target (WhatIf)"
                $json = ConvertTo-CmaadJson -Request $request
                $document = Invoke-CmaadNative -Cmdlet $PSCmdlet -Method 'NewServerApp' -ArgumentList @($signIn, $json) -TargetObject $AppName
                if ($null -ne $document) {
                    ConvertFrom-CmaadDocument -Json $document -TypeName 'CMAAD.RegistrationPlan'
                }
            }
            return
        }

        $signIn = Get-CmaadGraphSignIn -Cmdlet $PSCmdlet
        $null = Get-CmaadSession -Cmdlet $PSCmdlet
        Write-CmaadGraphContact -Action "Creating $target"
        $json = ConvertTo-CmaadJson -Request $request
        $document = Invoke-CmaadNative -Cmdlet $PSCmdlet -Method 'NewServerApp' -ArgumentList @($signIn, $json) -TargetObject $AppName
        if ($null -ne $document) {
            ConvertFrom-CmaadDocument -Json $document -TypeName 'CMAAD.Application'
        }
    }
}
