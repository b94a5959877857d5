function New-CMAADClientApplication {
    <#
    .SYNOPSIS
    Creates the CMG's client (native) app registration in Microsoft Entra ID for a server app and imports it.

    .DESCRIPTION
    Creates, through Microsoft Graph as the identity of Connect-CMAADAzure, the native app
    registration for a server app already in the site: the redirect URI
    ms-appx-web://Microsoft.AAD.BrokerPlugin/{clientId}, public client flows allowed, ID token
    issuance, the delegated user_impersonation permission on the server app, its service
    principal, and admin consent when the signed-in identity may grant it. The app is imported
    linked to the server app's tenant. A failed step deletes what was created; nothing is imported.

    With -WhatIf nothing is created: the cmdlet returns the registration it would make, and
    needs no sign-in.

    Keeps the syntax of the ConfigurationManager module's cmdlet; sign in first with
    Connect-CMAADAzure.

    .PARAMETER AppName
    The registration's display name.

    .PARAMETER InputObject
    The server app, from New-CMAADServerApplication or Get-CMAADApplication -AppType
    ServerApplication. It can come from the pipeline.

    .PARAMETER GrantAdminConsent
    Grants admin consent for the delegated permission (default $true).

    .PARAMETER DisableWildcardHandling
    Accepted for compatibility with the ConfigurationManager module; CMAAD takes no wildcards.

    .PARAMETER ForceWildcardHandling
    Accepted for compatibility with the ConfigurationManager module; CMAAD takes no wildcards.

    .PARAMETER WhatIf
    Returns the registration that would be created (CMAAD.RegistrationPlan) and creates nothing.

    .PARAMETER Confirm
    Asks for confirmation before creating the registration.

    .EXAMPLE
    $serverApp = New-CMAADServerApplication -AppName "CmgServerApp"
    $clientApp = New-CMAADClientApplication -AppName "CmgClientApp" -InputObject $serverApp

    Creates both registrations of the tenant signed in with Connect-CMAADAzure.

    .EXAMPLE
    Get-CMAADApplication -AppName "CmgServerApp" -AppType ServerApplication | New-CMAADClientApplication -AppName "CmgClientApp" -WhatIf

    Shows the client registration that would be made for a stored server app.

    .INPUTS
    CMAAD.Application (the server app) through the pipeline.

    .OUTPUTS
    CMAAD.Application: the imported app, plus Registration (ObjectId, AppId, ServicePrincipalId,
    RedirectUri, UserImpersonationScopeId, AdminConsent). With -WhatIf: CMAAD.RegistrationPlan.

    .LINK
    New-CMAADServerApplication
    #>
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'Medium', PositionalBinding = $false)]
    [OutputType('CMAAD.Application', 'CMAAD.RegistrationPlan')]
    param(
        [Parameter(Mandatory = $true)]
        [Alias('ApplicationName')]
        [ValidateNotNullOrEmpty()]
        [string]$AppName,

        [Parameter(Mandatory = $true, ValueFromPipeline = $true)]
        [Alias('ServerApplication')]
        [ValidateNotNull()]
        [object]$InputObject,

        [Parameter()]
        [bool]$GrantAdminConsent = $true,

        [Parameter()]
        [switch]$DisableWildcardHandling,

        [Parameter()]
        [switch]$ForceWildcardHandling
    )

    process {
        $serverAppId = Get-CmaadAppId -Cmdlet $PSCmdlet -InputObject $InputObject -ParameterName 'InputObject'
        $request = [ordered]@{
            AppName           = $AppName
            ServerAppId       = $serverAppId
            GrantAdminConsent = $GrantAdminConsent
        }

        $target = "Client app registration '$AppName' for server app $serverAppId"
        if (-not $PSCmdlet.ShouldProcess($target, 'Create in Microsoft Entra ID and import')) {
            if ($WhatIfPreference) {
                $request['WhatIf'] = $true
                $signIn = Get-CmaadGraphSignIn -Cmdlet $PSCmdlet -Optional
                $null = Get-CmaadSession -Cmdlet $PSCmdlet
                Write-CmaadGraphContact -Action "Planning $target (WhatIf)"
                $json = ConvertTo-CmaadJson -Request $request
                $document = Invoke-CmaadNative -Cmdlet $PSCmdlet -Method 'NewClientApp' -ArgumentList @($signIn, $json) -TargetObject $AppName
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
        $document = Invoke-CmaadNative -Cmdlet $PSCmdlet -Method 'NewClientApp' -ArgumentList @($signIn, $json) -TargetObject $AppName
        if ($null -ne $document) {
            ConvertFrom-CmaadDocument -Json $document -TypeName 'CMAAD.Application'
        }
    }
}
