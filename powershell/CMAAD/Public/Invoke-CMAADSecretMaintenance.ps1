function Invoke-CMAADSecretMaintenance {
    <#
    .SYNOPSIS
    Secret maintenance for a scheduled task: verifies every stored app, rotates the server app secrets that are due, and reports what needs a person.

    .DESCRIPTION
    One call to the native library, which:

    - verifies every stored app (of -TenantId, if given) against Microsoft Entra ID with its own
      credentials, at most 8 at a time;
    - rotates, through Microsoft Graph and with no downtime, each server app secret that expires
      within -RotateWithinDays (as Update-CMAADApplicationSecret does);
    - reports each app's Action: Verified, Rotated, RotationDue (due but not rotated, with
      -ReportOnly or -WhatIf) or NeedsAttention (verification or rotation failed, or the secret
      expired: the Detail says what a person must do).

    The result is one report whose NeedsAttention count a scheduled task turns into its exit
    code (see powershell/examples/Invoke-CmgSecretMaintenance.ps1). Apps failing are part of the
    report, not errors; only a bad request or an unreadable store is an error.

    .PARAMETER RotateWithinDays
    Rotate server app secrets that expire within this many days, 0 to 365 (default 30).

    .PARAMETER ValidityDays
    Validity of new secrets, 1 to 730 days (default 365).

    .PARAMETER RemoveOldSecret
    Removes each old password from its registration once the new one is stored.

    .PARAMETER TenantId
    Only this tenant's apps (GUID).

    .PARAMETER ReportOnly
    Verifies and reports, rotating nothing (due secrets show as RotationDue).

    .PARAMETER WhatIf
    Same as -ReportOnly: verifies and reports what would be rotated.

    .PARAMETER Confirm
    Asks for confirmation before rotating secrets.

    .EXAMPLE
    $report = Invoke-CMAADSecretMaintenance
    $report.Apps | Format-Table
    if ($report.NeedsAttention -gt 0) { exit 1 }

    The scheduled task's core: maintain, show each app's action, fail when a person must act.

    .EXAMPLE
    Invoke-CMAADSecretMaintenance -RotateWithinDays 45 -ValidityDays 730 -RemoveOldSecret -Verbose

    Rotates secrets expiring within 45 days to two-year secrets and removes the old ones.

    .EXAMPLE
    Invoke-CMAADSecretMaintenance -ReportOnly | Select-Object -ExpandProperty Apps | Where-Object Action -ne 'Verified'

    Lists what is due or broken without changing anything in Entra.

    .INPUTS
    None.

    .OUTPUTS
    CMAAD.MaintenanceReport: Total, Verified, Rotated, RotationDue, NeedsAttention, and Apps
    (CMAAD.MaintenanceEntry: ID, Name, AppType, TenantID, DaysUntilSecretExpiry, Action, Detail,
    Error, Rotation).

    .LINK
    Test-CMAADApplication

    .LINK
    Update-CMAADApplicationSecret
    #>
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'Low', PositionalBinding = $false)]
    [OutputType('CMAAD.MaintenanceReport')]
    param(
        [Parameter()]
        [ValidateRange(0, 365)]
        [int]$RotateWithinDays,

        [Parameter()]
        [ValidateRange(1, 730)]
        [int]$ValidityDays,

        [Parameter()]
        [switch]$RemoveOldSecret,

        [Parameter()]
        [ValidatePattern('^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')]
        [string]$TenantId,

        [Parameter()]
        [switch]$ReportOnly
    )

    process {
        $request = [ordered]@{}
        foreach ($name in @('RotateWithinDays', 'ValidityDays')) {
            if ($PSBoundParameters.ContainsKey($name)) {
                $request[$name] = [int]$PSBoundParameters[$name]
            }
        }
        if ($PSBoundParameters.ContainsKey('TenantId')) {
            $request['TenantId'] = $TenantId
        }
        $request['RemoveOldSecret'] = [bool]$RemoveOldSecret

        $scope = 'every stored server app'
        if ($TenantId) {
            $scope = "the server apps of tenant $TenantId"
        }
        $rotate = $false
        if (-not $ReportOnly) {
            # -WhatIf (or answering No to -Confirm) still verifies and reports, rotating nothing.
            $rotate = $PSCmdlet.ShouldProcess($scope, 'Rotate the client secrets that are due through Microsoft Graph')
        }
        $request['Rotate'] = $rotate

        $null = Get-CmaadSession -Cmdlet $PSCmdlet
        $what = 'Verifying'
        if ($rotate) {
            $what = 'Verifying and rotating due secrets of'
        }
        Write-CmaadContact -Action "$what $scope" -Entra
        $json = ConvertTo-CmaadJson -Request $request
        $document = Invoke-CmaadNative -Cmdlet $PSCmdlet -Method 'MaintainSecrets' -ArgumentList @($json) -TargetObject $json
        if ($null -eq $document) {
            return
        }
        $parsed = ConvertFrom-Json -InputObject $document
        $apps = @()
        foreach ($entry in @($parsed.value)) {
            if ($null -ne $entry) {
                $apps += ConvertTo-CmaadObject -InputObject $entry -TypeName 'CMAAD.MaintenanceEntry'
            }
        }
        $report = New-Object -TypeName psobject -Property ([ordered]@{
            Total          = [int]$parsed.Summary.Total
            Verified       = [int]$parsed.Summary.Verified
            Rotated        = [int]$parsed.Summary.Rotated
            RotationDue    = [int]$parsed.Summary.RotationDue
            NeedsAttention = [int]$parsed.Summary.NeedsAttention
            Apps           = $apps
        })
        Write-Verbose ("Maintenance: $($report.Total) app(s); $($report.Verified) verified, $($report.Rotated) rotated, " +
            "$($report.RotationDue) due, $($report.NeedsAttention) need attention.")
        ConvertTo-CmaadObject -InputObject $report -TypeName 'CMAAD.MaintenanceReport'
    }
}
