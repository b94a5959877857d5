function Update-CMAADApplicationSecret {
    <#
    .SYNOPSIS
    Rotates a server app's client secret through Microsoft Graph with no downtime.

    .DESCRIPTION
    Uses the app's own stored credentials (the app needs the Graph application permission
    Application.ReadWrite.OwnedBy on itself, or Application.ReadWrite.All) to: get a Graph token,
    read the registration, add a new password, wait until the new secret obtains a token from
    Microsoft Entra ID, store it in the site, and only then, with -RemoveOldSecret, remove the
    old password. A failure before the store step leaves the stored secret unchanged and working
    (the added password is removed again); the error's details name the failed step.

    No Connect-CMAADAzure sign-in is needed. For a secret renewed by hand in the portal, use
    Set-CMAADApplication -SecretKey -SecretKeyExpiry instead. For every app at once on a
    schedule, use Invoke-CMAADSecretMaintenance.

    .PARAMETER InputObject
    The server app, from Get-CMAADApplication. It can come from the pipeline.

    .PARAMETER Id
    The server app's ID in the site.

    .PARAMETER ValidityDays
    How long the new secret is valid, 1 to 730 days (default 365).

    .PARAMETER SecretKeyExpiry
    When the new secret expires (instead of -ValidityDays); at most 730 days away.

    .PARAMETER DisplayName
    The new password's description in Entra (default "CMAAD <date>").

    .PARAMETER RemoveOldSecret
    Removes the previous password from the registration once the new one is stored.

    .PARAMETER PropagationTimeoutSeconds
    How long to wait for the new secret to work at Entra, 1 to 600 seconds (default 60).

    .PARAMETER WhatIf
    Shows which app would get a new secret without changing anything.

    .PARAMETER Confirm
    Asks for confirmation before rotating.

    .EXAMPLE
    Get-CMAADApplication -AppName "CmgServerApp" -AppType ServerApplication | Update-CMAADApplicationSecret -RemoveOldSecret

    Rotates the secret, valid one year, and removes the old one once the new one is stored.

    .EXAMPLE
    Get-CMAADApplication -ExpiringWithinDays 30 | Update-CMAADApplicationSecret -ValidityDays 730 -Verbose

    Rotates every secret that expires within 30 days to a two-year secret, saying what it contacts.

    .INPUTS
    CMAAD.Application (a server app) through the pipeline.

    .OUTPUTS
    CMAAD.Application, with Rotation: NewKeyId, PropagationSeconds, OldKeyId, OldSecretRemoved.

    .LINK
    Invoke-CMAADSecretMaintenance

    .LINK
    Set-CMAADApplication
    #>
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'Medium', DefaultParameterSetName = 'ByInputObject', PositionalBinding = $false)]
    [OutputType('CMAAD.Application')]
    param(
        [Parameter(Mandatory = $true, ParameterSetName = 'ByInputObject', ValueFromPipeline = $true)]
        [Alias('Application')]
        [ValidateNotNull()]
        [object]$InputObject,

        [Parameter(Mandatory = $true, ParameterSetName = 'ById')]
        [Alias('ApplicationId')]
        [ValidateRange(1, [long]::MaxValue)]
        [long]$Id,

        [Parameter()]
        [ValidateRange(1, 730)]
        [int]$ValidityDays,

        [Parameter()]
        [datetime]$SecretKeyExpiry,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string]$DisplayName,

        [Parameter()]
        [switch]$RemoveOldSecret,

        [Parameter()]
        [ValidateRange(1, 600)]
        [int]$PropagationTimeoutSeconds
    )

    process {
        $appId = $Id
        if ($PSCmdlet.ParameterSetName -eq 'ByInputObject') {
            $appId = Get-CmaadAppId -Cmdlet $PSCmdlet -InputObject $InputObject -ParameterName 'InputObject'
        }
        $request = [ordered]@{
            ID = $appId
        }
        if ($PSBoundParameters.ContainsKey('ValidityDays')) {
            $request['ValidityDays'] = $ValidityDays
        }
        if ($PSBoundParameters.ContainsKey('SecretKeyExpiry')) {
            $request['SecretKeyExpiry'] = ConvertTo-CmaadTimestamp -Value $SecretKeyExpiry
        }
        if ($PSBoundParameters.ContainsKey('DisplayName')) {
            $request['DisplayName'] = $DisplayName
        }
        if ($PSBoundParameters.ContainsKey('PropagationTimeoutSeconds')) {
            $request['PropagationTimeoutSeconds'] = $PropagationTimeoutSeconds
        }
        $request['RemoveOldSecret'] = [bool]$RemoveOldSecret

        $action = 'Add a new client secret through Microsoft Graph and store it'
        if ($RemoveOldSecret) {
            $action += ', then remove the old one'
        }
        if (-not $PSCmdlet.ShouldProcess("Server app $appId", $action)) {
            return
        }
        $null = Get-CmaadSession -Cmdlet $PSCmdlet
        Write-CmaadContact -Action "Rotating the secret of app $appId with its own credentials" -Entra
        $json = ConvertTo-CmaadJson -Request $request
        $document = Invoke-CmaadNative -Cmdlet $PSCmdlet -Method 'RotateAppSecret' -ArgumentList @($json) -TargetObject $appId
        if ($null -ne $document) {
            ConvertFrom-CmaadDocument -Json $document -TypeName 'CMAAD.Application'
        }
    }
}
