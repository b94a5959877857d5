function Import-CMAADServerApplication {
    <#
    .SYNOPSIS
    Imports the Microsoft Entra server (web) app definition into the site.

    .DESCRIPTION
    Records a server app that an Entra administrator already registered: its tenant, name,
    Application (client) ID, client secret and the secret's expiry. The secret is handed to the
    native library as a SecureString's unmanaged UTF-16 buffer, zeroed straight after the call,
    and stored sealed; it never appears in any output, log or error.

    With -Verify, CMAAD first asks Microsoft Entra ID for a token with the app's credentials and
    checks the tenant; nothing is stored if the check fails. Without it, nothing leaves the
    machine.

    Drop-in compatible with the ConfigurationManager module's cmdlet of the same name.

    .PARAMETER TenantName
    The tenant's name: a friendly label (Contoso) or a verified domain (contoso.onmicrosoft.com).

    .PARAMETER TenantId
    The Directory (tenant) ID, a GUID.

    .PARAMETER AppName
    The app registration's display name.

    .PARAMETER ClientId
    The Application (client) ID from the app's Overview page, a GUID.

    .PARAMETER SecretKey
    The client secret's value. A plain string is accepted (Microsoft's published example passes
    one) with a warning, because plain text ends up in command history.

    .PARAMETER SecretKeyExpiry
    When the secret expires; must be in the future.

    .PARAMETER AppIdUri
    The Application ID URI (api://{tenantId}/ConfigMgrService recommended).

    .PARAMETER AzureEnvironmentOption
    The cloud: AzurePublicCloud (default), AzureUSGovernmentCloud or AzureChinaCloud.

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
    $date = [datetime]::ParseExact("11/16/2027", 'MM/dd/yyyy', $null)
    Import-CMAADServerApplication -TenantName "Contoso" -TenantId "05a349fa-0d5c-4a1c-9f3e-1c2d3e4f5a6b" -AppName "CmgServerApp" -ClientId "7078946d-1a2b-4c3d-8e9f-0a1b2c3d4e5f" -SecretKey (Read-Host -AsSecureString "Secret") -SecretKeyExpiry $date

    Imports the server app, prompting for the secret so it never appears on screen.

    .EXAMPLE
    Import-CMAADServerApplication Contoso 05a349fa-0d5c-4a1c-9f3e-1c2d3e4f5a6b CmgServerApp 7078946d-1a2b-4c3d-8e9f-0a1b2c3d4e5f $secret (Get-Date).AddYears(1) -AppIdUri "api://05a349fa-0d5c-4a1c-9f3e-1c2d3e4f5a6b/ConfigMgrService" -Verify -Verbose

    Positional form; verifies the credentials with Microsoft Entra ID first, and says what it contacts.

    .INPUTS
    None.

    .OUTPUTS
    CMAAD.Application. ID, Name, ClientID, TenantID (the tenant GUID), TenantName, IsClientApp,
    AppType, IdentifierUri, SecretKeyExpiry, SecretKeyCreationTime, DaysUntilSecretExpiry,
    AzureEnvironment, LastVerified, ApplicationCreationTime, LastUpdateTime, and Verification when
    -Verify was used.

    .LINK
    about_CMAAD
    #>
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'Medium', PositionalBinding = $false)]
    [OutputType('CMAAD.Application')]
    param(
        [Parameter(Mandatory = $true, Position = 0)]
        [ValidateNotNullOrEmpty()]
        [string]$TenantName,

        [Parameter(Mandatory = $true, Position = 1)]
        [ValidateNotNullOrEmpty()]
        [string]$TenantId,

        [Parameter(Mandatory = $true, Position = 2)]
        [Alias('ApplicationName')]
        [ValidateNotNullOrEmpty()]
        [string]$AppName,

        [Parameter(Mandatory = $true, Position = 3)]
        [ValidateNotNullOrEmpty()]
        [string]$ClientId,

        [Parameter(Mandatory = $true, Position = 4)]
        [CMAAD.SecureStringTransformation()]
        [System.Security.SecureString]$SecretKey,

        [Parameter(Mandatory = $true, Position = 5)]
        [datetime]$SecretKeyExpiry,

        [Parameter()]
        [uri]$AppIdUri,

        [Parameter()]
        [CMAAD.AzureEnvironment]$AzureEnvironmentOption,

        [Parameter()]
        [switch]$Verify,

        [Parameter()]
        [switch]$DisableWildcardHandling,

        [Parameter()]
        [switch]$ForceWildcardHandling
    )

    process {
        if ([CMAAD.SecureStringTransformationAttribute]::TakePlainTextConversion()) {
            Write-Warning -Message ([CMAAD.SecureStringTransformationAttribute]::PlainTextWarning)
        }
        $request = [ordered]@{
            TenantName      = $TenantName
            TenantId        = $TenantId
            AppName         = $AppName
            ClientId        = $ClientId
            SecretKeyExpiry = (ConvertTo-CmaadTimestamp -Value $SecretKeyExpiry)
        }
        $environment = $null
        if ($PSBoundParameters.ContainsKey('AppIdUri') -and $null -ne $AppIdUri) {
            $request['AppIdUri'] = $AppIdUri.OriginalString
        }
        if ($PSBoundParameters.ContainsKey('AzureEnvironmentOption')) {
            $environment = $AzureEnvironmentOption.ToString()
            $request['AzureEnvironmentOption'] = $environment
        }
        if ($Verify) {
            $request['Verify'] = $true
        }

        $target = "Server app '$AppName' ($ClientId) of tenant '$TenantName' ($TenantId)"
        if (-not $PSCmdlet.ShouldProcess($target, 'Import')) {
            return
        }
        $null = Get-CmaadSession -Cmdlet $PSCmdlet
        Write-CmaadContact -Action "Importing $target" -Entra:$Verify -Environment $environment
        $json = ConvertTo-CmaadJson -Request $request
        $document = Invoke-CmaadNative -Cmdlet $PSCmdlet -Method 'ImportServerApp' -ArgumentList @($json, $SecretKey) -TargetObject $AppName
        if ($null -ne $document) {
            ConvertFrom-CmaadDocument -Json $document -TypeName 'CMAAD.Application'
        }
    }
}
