function Set-CMAADApplication {
    <#
    .SYNOPSIS
    Stores a server app's renewed secret, or renames an app or changes its App ID URI, in the site.

    .DESCRIPTION
    The PowerShell counterparts of the console's Renew Secret Key and Update Application Settings
    for apps whose registration is managed in the Azure portal:

    - -SecretKey with -SecretKeyExpiry stores a secret created on the app's Certificates & secrets
      page (server apps). With -Verify the new secret must first obtain a token from Microsoft
      Entra ID; if it does not, nothing changes. The secret goes to the native library as a
      SecureString's unmanaged buffer, zeroed straight after the call, and is stored sealed.
    - -NewName and -AppIdUri change what the site records; Microsoft Entra ID is not changed.

    Both kinds of change can be made in one call (the secret first). To let CMAAD create the new
    secret itself through Microsoft Graph, use Update-CMAADApplicationSecret.

    .PARAMETER InputObject
    The app, from Get-CMAADApplication. It can come from the pipeline.

    .PARAMETER Id
    The app's ID in the site.

    .PARAMETER SecretKey
    The renewed client secret's value (server apps). A plain string is accepted with a warning,
    because plain text ends up in command history.

    .PARAMETER SecretKeyExpiry
    When the renewed secret expires; must be in the future. Required with -SecretKey.

    .PARAMETER Verify
    With -SecretKey: checks the new secret with Microsoft Entra ID before storing it.

    .PARAMETER NewName
    The app's new name in the site.

    .PARAMETER AppIdUri
    The server app's new Application ID URI in the site (api://{tenantId}/{string} recommended).

    .PARAMETER PassThru
    Returns the changed app.

    .PARAMETER WhatIf
    Shows what would change without changing it.

    .PARAMETER Confirm
    Asks for confirmation before changing the app.

    .EXAMPLE
    $app = Get-CMAADApplication -AppName "CmgServerApp" -AppType ServerApplication
    $app | Set-CMAADApplication -SecretKey (Read-Host -AsSecureString "New secret") -SecretKeyExpiry (Get-Date).AddYears(1) -Verify -PassThru

    Stores a secret renewed in the portal after checking it with Microsoft Entra ID.

    .EXAMPLE
    Set-CMAADApplication -Id 3 -NewName "Contoso CMG Server App" -AppIdUri "api://05a349fa-0d5c-4a1c-9f3e-1c2d3e4f5a6b/ConfigMgrService"

    Renames app 3 in the site and records its App ID URI.

    .INPUTS
    CMAAD.Application through the pipeline.

    .OUTPUTS
    CMAAD.Application with -PassThru; otherwise none.

    .LINK
    Update-CMAADApplicationSecret
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
        [CMAAD.SecureStringTransformation()]
        [System.Security.SecureString]$SecretKey,

        [Parameter()]
        [datetime]$SecretKeyExpiry,

        [Parameter()]
        [switch]$Verify,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string]$NewName,

        [Parameter()]
        [uri]$AppIdUri,

        [Parameter()]
        [switch]$PassThru
    )

    process {
        if ([CMAAD.SecureStringTransformationAttribute]::TakePlainTextConversion()) {
            Write-Warning -Message ([CMAAD.SecureStringTransformationAttribute]::PlainTextWarning)
        }
        $withSecret = $PSBoundParameters.ContainsKey('SecretKey')
        if ($withSecret -ne $PSBoundParameters.ContainsKey('SecretKeyExpiry')) {
            $PSCmdlet.ThrowTerminatingError((New-CmaadArgumentError -ErrorId 'SecretNeedsExpiry' -TargetObject 'SecretKeyExpiry' -Message (
                'Give -SecretKey and -SecretKeyExpiry together: the expiry shown next to the new secret on the Certificates & secrets page.')))
        }
        $withSettings = $PSBoundParameters.ContainsKey('NewName') -or $PSBoundParameters.ContainsKey('AppIdUri')
        if (-not $withSecret -and -not $withSettings) {
            $PSCmdlet.ThrowTerminatingError((New-CmaadArgumentError -ErrorId 'NothingToChange' -TargetObject 'SecretKey' -Message (
                'Nothing to change: give -SecretKey with -SecretKeyExpiry, -NewName, -AppIdUri, or several of them.')))
        }
        $appId = $Id
        if ($PSCmdlet.ParameterSetName -eq 'ByInputObject') {
            $appId = Get-CmaadAppId -Cmdlet $PSCmdlet -InputObject $InputObject -ParameterName 'InputObject'
        }

        $changes = @()
        if ($withSecret) {
            $changes += "secret (expires $($SecretKeyExpiry.ToString('u')))"
        }
        if ($withSettings) {
            $changes += 'name/App ID URI'
        }
        if (-not $PSCmdlet.ShouldProcess("App $appId", "Set $($changes -join ' and ')")) {
            return
        }
        $null = Get-CmaadSession -Cmdlet $PSCmdlet
        $document = $null

        if ($withSecret) {
            $request = [ordered]@{
                ID              = $appId
                SecretKeyExpiry = (ConvertTo-CmaadTimestamp -Value $SecretKeyExpiry)
            }
            if ($Verify) {
                $request['Verify'] = $true
            }
            Write-CmaadContact -Action "Storing the renewed secret of app $appId" -Entra:$Verify
            $json = ConvertTo-CmaadJson -Request $request
            $document = Invoke-CmaadNative -Cmdlet $PSCmdlet -Method 'SetAppSecret' -ArgumentList @($json, $SecretKey) -TargetObject $appId
            if ($null -eq $document) {
                return
            }
        }
        if ($withSettings) {
            $request = [ordered]@{
                ID = $appId
            }
            if ($PSBoundParameters.ContainsKey('NewName')) {
                $request['NewName'] = $NewName
            }
            if ($PSBoundParameters.ContainsKey('AppIdUri') -and $null -ne $AppIdUri) {
                $request['AppIdUri'] = $AppIdUri.OriginalString
            }
            Write-CmaadContact -Action "Changing the settings of app $appId"
            $json = ConvertTo-CmaadJson -Request $request
            $document = Invoke-CmaadNative -Cmdlet $PSCmdlet -Method 'SetApp' -ArgumentList @($json) -TargetObject $appId
        }
        if ($null -ne $document) {
            $app = ConvertFrom-CmaadDocument -Json $document -TypeName 'CMAAD.Application'
            if ($PassThru) {
                $app
            }
        }
    }
}
