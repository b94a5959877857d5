function Test-CMAADApplication {
    <#
    .SYNOPSIS
    Audits an app registration against the CMG's requirements, or re-verifies the apps stored in the site.

    .DESCRIPTION
    Two uses:

    - Audit (-ClientId): reads the registration through Microsoft Graph (as the identity of
      Connect-CMAADAzure) and checks every requirement for its kind (server or client app):
      audience, App ID URI, user_impersonation scope, ID token issuance, redirect URIs, public
      client flows, permissions, service principal and consent. Returns each check as Passed,
      Failed (with the fix) or NotChecked. A failed check is a result, not an error. Use it for
      apps made by hand in the portal.
    - Re-verification (-Stored): asks Microsoft Entra ID for a token with each stored app's own
      credentials (no sign-in needed) and records LastVerified for those that pass; for a nightly
      task. It works tenant by tenant, with Write-Progress, and the library verifies at most 8
      apps at a time. Apps failing are results with their error, not errors.

    .PARAMETER ClientId
    Audit: the Application (client) ID of the registration, a GUID. Binds from the ClientID
    property of piped app objects.

    .PARAMETER AppType
    Audit: ServerApplication or ClientApplication (default: a server app if it exposes
    user_impersonation). Re-verification: only apps of this type.

    .PARAMETER ServerClientId
    Audit of a client app: the server app it must have permission on (default the tenant's
    stored server app).

    .PARAMETER Stored
    Re-verifies the apps stored in the site instead of auditing one registration.

    .PARAMETER AppName
    Re-verification: only apps with this name.

    .PARAMETER TenantId
    Re-verification: only apps of this tenant (GUID).

    .PARAMETER ExpiringWithinDays
    Re-verification: only server apps whose secret expires within this many days (0 to 36500).

    .EXAMPLE
    Connect-CMAADAzure -TenantId "05a349fa-0d5c-4a1c-9f3e-1c2d3e4f5a6b"
    Test-CMAADApplication -ClientId "7078946d-1a2b-4c3d-8e9f-0a1b2c3d4e5f" | Select-Object -ExpandProperty Checks | Format-Table Name, Outcome, Fix

    Audits a server app made by hand and lists each requirement with its fix.

    .EXAMPLE
    Test-CMAADApplication -Stored | Where-Object { -not $_.Verified }

    Re-verifies every stored app and lists those that no longer sign in.

    .EXAMPLE
    Get-CMAADApplication -AppType ClientApplication | Test-CMAADApplication -AppType ClientApplication

    Audits each stored client app's registration.

    .INPUTS
    Objects with a ClientID property (CMAAD.Application) through the pipeline, for the audit.

    .OUTPUTS
    CMAAD.AuditResult (audit): ClientId, DisplayName, AppType, TenantId, Passed, Checks.
    CMAAD.VerificationResult (-Stored): ID, Name, AppType, ClientID, TenantID, Verified,
    LastVerified, Verification or Error, and for server apps SecretKeyExpiry,
    DaysUntilSecretExpiry, SecretExpired.

    .LINK
    Connect-CMAADAzure

    .LINK
    Invoke-CMAADSecretMaintenance
    #>
    [CmdletBinding(DefaultParameterSetName = 'Audit', PositionalBinding = $false)]
    [OutputType('CMAAD.AuditResult', 'CMAAD.VerificationResult')]
    param(
        [Parameter(Mandatory = $true, ParameterSetName = 'Audit', ValueFromPipelineByPropertyName = $true)]
        [ValidatePattern('^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')]
        [string]$ClientId,

        [Parameter(ParameterSetName = 'Audit')]
        [Parameter(ParameterSetName = 'Stored')]
        [Alias('ApplicationType')]
        [CMAAD.CloudApplicationType]$AppType,

        [Parameter(ParameterSetName = 'Audit')]
        [ValidatePattern('^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')]
        [string]$ServerClientId,

        [Parameter(Mandatory = $true, ParameterSetName = 'Stored')]
        [switch]$Stored,

        [Parameter(ParameterSetName = 'Stored')]
        [Alias('ApplicationName')]
        [ValidateNotNullOrEmpty()]
        [string]$AppName,

        [Parameter(ParameterSetName = 'Stored')]
        [ValidatePattern('^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')]
        [string]$TenantId,

        [Parameter(ParameterSetName = 'Stored')]
        [ValidateRange(0, 36500)]
        [int]$ExpiringWithinDays
    )

    process {
        if ($PSCmdlet.ParameterSetName -eq 'Audit') {
            $request = [ordered]@{
                ClientId = $ClientId
            }
            if ($PSBoundParameters.ContainsKey('AppType')) {
                $request['AppType'] = $AppType.ToString()
            }
            if ($PSBoundParameters.ContainsKey('ServerClientId')) {
                $request['ServerClientId'] = $ServerClientId
            }
            $signIn = Get-CmaadGraphSignIn -Cmdlet $PSCmdlet
            $null = Get-CmaadSession -Cmdlet $PSCmdlet
            Write-CmaadGraphContact -Action "Auditing registration $ClientId"
            $json = ConvertTo-CmaadJson -Request $request
            $document = Invoke-CmaadNative -Cmdlet $PSCmdlet -Method 'AuditApp' -ArgumentList @($signIn, $json) -TargetObject $ClientId
            if ($null -ne $document) {
                ConvertFrom-CmaadDocument -Json $document -TypeName 'CMAAD.AuditResult'
            }
            return
        }

        $filter = [ordered]@{}
        if ($PSBoundParameters.ContainsKey('AppName')) {
            $filter['AppName'] = $AppName
        }
        if ($PSBoundParameters.ContainsKey('AppType')) {
            $filter['AppType'] = $AppType.ToString()
        }
        if ($PSBoundParameters.ContainsKey('ExpiringWithinDays')) {
            $filter['ExpiringWithinDays'] = $ExpiringWithinDays
        }

        # One call per tenant: real progress between calls, and the library's bounded
        # parallelism (8 apps at a time) within each.
        $null = Get-CmaadSession -Cmdlet $PSCmdlet
        $tenants = @()
        if ($PSBoundParameters.ContainsKey('TenantId')) {
            $tenants = @($TenantId)
        }
        else {
            $listJson = $null
            if ($filter.Count -gt 0) {
                $listJson = ConvertTo-CmaadJson -Request $filter
            }
            $listed = Invoke-CmaadNative -Cmdlet $PSCmdlet -Method 'GetApps' -ArgumentList @($listJson) -TargetObject $listJson -Terminating
            $tenants = @((ConvertFrom-Json -InputObject $listed).value | ForEach-Object { [string]$_.TenantID } | Sort-Object -Unique)
        }

        $activity = 'Verifying stored apps against Microsoft Entra ID'
        $done = 0
        try {
            foreach ($tenant in $tenants) {
                Write-Progress -Activity $activity -Status "Tenant $tenant ($($done + 1) of $($tenants.Count))" -PercentComplete ([int](100 * $done / [math]::Max(1, $tenants.Count)))
                $filter['TenantId'] = $tenant
                Write-CmaadContact -Action "Verifying the stored apps of tenant $tenant" -Entra
                $json = ConvertTo-CmaadJson -Request $filter
                $document = Invoke-CmaadNative -Cmdlet $PSCmdlet -Method 'VerifyApps' -ArgumentList @($json) -TargetObject $tenant
                if ($null -ne $document) {
                    ConvertFrom-CmaadDocument -Json $document -TypeName 'CMAAD.VerificationResult' -Collection
                }
                $done++
            }
        }
        finally {
            Write-Progress -Activity $activity -Completed
        }
    }
}
