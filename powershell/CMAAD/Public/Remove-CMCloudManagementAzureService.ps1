function Remove-CMCloudManagementAzureService {
    <#
    .SYNOPSIS
    Removes an Azure service for Cloud Management from the site; its apps stay, Entra is not changed.

    .DESCRIPTION
    Deletes the cloud management connection and its discovery settings from the site store. The
    server and client apps stay in the site (remove them with Remove-CMAADApplication) and
    nothing changes in Microsoft Entra ID, as in ConfigMgr. Asks for confirmation
    (ConfirmImpact High) unless -Force or -Confirm:$false is given.

    Also available as Remove-CMAzureService, the ConfigurationManager module's name.

    .PARAMETER InputObject
    The service, from Get-CMCloudManagementAzureService. It can come from the pipeline.

    .PARAMETER Id
    The service's ID.

    .PARAMETER Name
    The service's name.

    .PARAMETER Force
    Removes without asking for confirmation.

    .PARAMETER PassThru
    Returns the removed service (Removed = $true).

    .PARAMETER DisableWildcardHandling
    Accepted for compatibility with the ConfigurationManager module.

    .PARAMETER ForceWildcardHandling
    Accepted for compatibility with the ConfigurationManager module.

    .PARAMETER WhatIf
    Shows which service would be removed without removing it.

    .PARAMETER Confirm
    Asks for confirmation before removing the service.

    .EXAMPLE
    Remove-CMAzureService -Name "Contoso" -Force

    Removes the Contoso service without asking.

    .EXAMPLE
    Get-CMCloudManagementAzureService -Name "Test*" | Remove-CMCloudManagementAzureService -WhatIf

    Shows which test services would be removed.

    .INPUTS
    CMAAD.CloudService through the pipeline.

    .OUTPUTS
    CMAAD.CloudService with -PassThru; otherwise none.

    .LINK
    Get-CMCloudManagementAzureService
    #>
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'High', DefaultParameterSetName = 'SearchByValueMandatory', PositionalBinding = $false)]
    [Alias('Remove-CMAzureService')]
    [OutputType('CMAAD.CloudService')]
    param(
        [Parameter(Mandatory = $true, ParameterSetName = 'SearchByValueMandatory', ValueFromPipeline = $true)]
        [Alias('AzureService')]
        [ValidateNotNull()]
        [object]$InputObject,

        [Parameter(Mandatory = $true, ParameterSetName = 'SearchByIdMandatory')]
        [Alias('AzureServiceId')]
        [ValidateRange(1, [long]::MaxValue)]
        [long]$Id,

        [Parameter(Mandatory = $true, ParameterSetName = 'SearchByNameMandatory')]
        [Alias('AzureServiceName')]
        [ValidateNotNullOrEmpty()]
        [string]$Name,

        [Parameter()]
        [switch]$Force,

        [Parameter()]
        [switch]$PassThru,

        [Parameter()]
        [switch]$DisableWildcardHandling,

        [Parameter()]
        [switch]$ForceWildcardHandling
    )

    begin {
        if ($Force -and -not $PSBoundParameters.ContainsKey('Confirm')) {
            $ConfirmPreference = 'None'
        }
    }

    process {
        $request = [ordered]@{}
        if ($PSCmdlet.ParameterSetName -eq 'SearchByNameMandatory') {
            $request['Name'] = $Name
            $label = "Cloud management service '$Name'"
        }
        else {
            $serviceId = $Id
            if ($PSCmdlet.ParameterSetName -eq 'SearchByValueMandatory') {
                $serviceId = Get-CmaadAppId -Cmdlet $PSCmdlet -InputObject $InputObject -ParameterName 'InputObject' -Noun 'service'
            }
            $request['ID'] = $serviceId
            $label = "Cloud management service $serviceId"
        }
        if (-not $PSCmdlet.ShouldProcess("$label (its apps stay; Entra is not changed)", 'Remove from the site')) {
            return
        }
        $null = Get-CmaadSession -Cmdlet $PSCmdlet
        Write-CmaadContact -Action "Removing $label"
        $json = ConvertTo-CmaadJson -Request $request
        $document = Invoke-CmaadNative -Cmdlet $PSCmdlet -Method 'RemoveService' -ArgumentList @($json) -TargetObject $label
        if ($null -ne $document) {
            $removed = ConvertFrom-CmaadDocument -Json $document -TypeName 'CMAAD.CloudService'
            if ($PassThru) {
                $removed
            }
        }
    }
}
