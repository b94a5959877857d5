function Remove-CMAADApplication {
    <#
    .SYNOPSIS
    Removes an app from the site; the registration in Microsoft Entra ID is never touched.

    .DESCRIPTION
    Deletes the app (and its sealed secret) from the site store. Refused while a cloud
    management service uses the app (AppInUse: remove the service first with
    Remove-CMCloudManagementAzureService), and for a server app whose client apps are still
    stored (AppHasClientApps: remove those first). When it was the tenant's last app, the tenant
    goes too. Delete the registration itself in the Azure portal if it is no longer needed.

    Asks for confirmation (ConfirmImpact High) unless -Force or -Confirm:$false is given.
    Several apps can be piped in; each failure is a non-terminating error.

    .PARAMETER InputObject
    The app, from Get-CMAADApplication. It can come from the pipeline.

    .PARAMETER Id
    The app's ID in the site.

    .PARAMETER Force
    Removes without asking for confirmation.

    .PARAMETER PassThru
    Returns each removed app (Removed, TenantRemoved).

    .PARAMETER WhatIf
    Shows which apps would be removed without removing them.

    .PARAMETER Confirm
    Asks for confirmation before removing each app.

    .EXAMPLE
    Get-CMAADApplication -TenantName "Fabrikam" -AppType ClientApplication | Remove-CMAADApplication

    Removes the Fabrikam tenant's client apps from the site, asking for each.

    .EXAMPLE
    Remove-CMAADApplication -Id 7 -Force -PassThru

    Removes app 7 without asking and returns it with Removed and TenantRemoved.

    .INPUTS
    CMAAD.Application through the pipeline.

    .OUTPUTS
    CMAAD.Application with -PassThru; otherwise none.

    .LINK
    Get-CMAADApplication
    #>
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'High', DefaultParameterSetName = 'ByInputObject', PositionalBinding = $false)]
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
        [switch]$Force,

        [Parameter()]
        [switch]$PassThru
    )

    begin {
        if ($Force -and -not $PSBoundParameters.ContainsKey('Confirm')) {
            $ConfirmPreference = 'None'
        }
    }

    process {
        $appId = $Id
        $label = "App $Id"
        if ($PSCmdlet.ParameterSetName -eq 'ByInputObject') {
            $appId = Get-CmaadAppId -Cmdlet $PSCmdlet -InputObject $InputObject -ParameterName 'InputObject'
            $label = "App $appId"
            $nameProperty = $InputObject.PSObject.Properties['Name']
            if ($null -ne $nameProperty -and $nameProperty.Value) {
                $label = "App $appId '$($nameProperty.Value)'"
            }
        }
        $request = [ordered]@{
            ID = $appId
        }
        if (-not $PSCmdlet.ShouldProcess("$label (the Entra registration stays)", 'Remove from the site')) {
            return
        }
        $null = Get-CmaadSession -Cmdlet $PSCmdlet
        Write-CmaadContact -Action "Removing $label"
        $json = ConvertTo-CmaadJson -Request $request
        $document = Invoke-CmaadNative -Cmdlet $PSCmdlet -Method 'RemoveApp' -ArgumentList @($json) -TargetObject $appId
        if ($null -ne $document) {
            $removed = ConvertFrom-CmaadDocument -Json $document -TypeName 'CMAAD.Application'
            if ($PassThru) {
                $removed
            }
        }
    }
}
