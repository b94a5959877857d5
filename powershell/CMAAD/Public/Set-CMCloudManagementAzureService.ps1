function Set-CMCloudManagementAzureService {
    <#
    .SYNOPSIS
    Changes an Azure service for Cloud Management: name, description, discovery settings, collection group sync.

    .DESCRIPTION
    Changes the settings of a cloud management service in the site store; parameters not given
    keep their value. The discovery rules of New-CMCloudManagementAzureService apply to the
    result: delta minutes (5 to 60) need delta discovery, group names need group discovery.
    -EnableAADGroupSync turns on synchronizing collection members to Entra groups, which ConfigMgr
    cannot enable at creation. Reads and writes only the local site store: nothing is sent to
    Microsoft Entra ID.

    Drop-in compatible with the ConfigurationManager module's cmdlet of the same name.

    .PARAMETER InputObject
    The service, from Get-CMCloudManagementAzureService. It can come from the pipeline.

    .PARAMETER Id
    The service's ID.

    .PARAMETER Name
    The service's name.

    .PARAMETER NewName
    The service's new name, unique in the site.

    .PARAMETER Description
    The new description; an empty string clears it.

    .PARAMETER EnableAADGroupSync
    Synchronizes collection membership to Microsoft Entra groups.

    .PARAMETER EnableUserDiscovery
    Enables or disables Entra user discovery.

    .PARAMETER EnableUserDeltaDiscovery
    Enables or disables delta user discovery.

    .PARAMETER UserDeltaDiscoveryMins
    Minutes between delta user discoveries, 5 to 60.

    .PARAMETER UserDiscoverySchedule
    How often full user discovery runs: @{ Kind = 'Days'; Interval = 7 }, a TimeSpan, or a
    recurring schedule from New-CMSchedule.

    .PARAMETER EnableGroupDiscovery
    Enables or disables Entra group discovery.

    .PARAMETER EnableGroupDeltaDiscovery
    Enables or disables delta group discovery.

    .PARAMETER GroupDeltaDiscoveryMins
    Minutes between delta group discoveries, 5 to 60.

    .PARAMETER GroupDiscoverySchedule
    How often full group discovery runs; same forms as UserDiscoverySchedule.

    .PARAMETER AddGroupName
    Entra groups to add to group discovery.

    .PARAMETER DeleteGroupName
    Entra groups to remove from group discovery.

    .PARAMETER PassThru
    Returns the changed service.

    .PARAMETER DisableWildcardHandling
    Accepted for compatibility with the ConfigurationManager module; CMAAD takes no wildcards.

    .PARAMETER ForceWildcardHandling
    Accepted for compatibility with the ConfigurationManager module; CMAAD takes no wildcards.

    .PARAMETER WhatIf
    Shows what would change without changing it.

    .PARAMETER Confirm
    Asks for confirmation before changing the service.

    .EXAMPLE
    Set-CMCloudManagementAzureService -Name "Contoso" -EnableAADGroupSync $true

    Turns on collection group sync (Microsoft's example sequence does this after creation).

    .EXAMPLE
    Get-CMAzureService -Name "Contoso" | Set-CMCloudManagementAzureService -EnableGroupDiscovery $true -AddGroupName "CMG Admins" -DeleteGroupName "CMG Pilot" -PassThru

    Changes the discovered groups and returns the service.

    .INPUTS
    CMAAD.CloudService through the pipeline.

    .OUTPUTS
    CMAAD.CloudService with -PassThru; otherwise none.

    .LINK
    New-CMCloudManagementAzureService
    #>
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'Medium', DefaultParameterSetName = 'SearchByValueMandatory', PositionalBinding = $false)]
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
        [ValidateNotNullOrEmpty()]
        [string]$NewName,

        [Parameter()]
        [AllowEmptyString()]
        [string]$Description,

        [Parameter()]
        [bool]$EnableAADGroupSync,

        [Parameter()]
        [bool]$EnableUserDiscovery,

        [Parameter()]
        [bool]$EnableUserDeltaDiscovery,

        [Parameter()]
        [int]$UserDeltaDiscoveryMins,

        [Parameter()]
        [object]$UserDiscoverySchedule,

        [Parameter()]
        [bool]$EnableGroupDiscovery,

        [Parameter()]
        [bool]$EnableGroupDeltaDiscovery,

        [Parameter()]
        [int]$GroupDeltaDiscoveryMins,

        [Parameter()]
        [object]$GroupDiscoverySchedule,

        [Parameter()]
        [Alias('AddGroupNames')]
        [string[]]$AddGroupName,

        [Parameter()]
        [Alias('DeleteGroupNames')]
        [string[]]$DeleteGroupName,

        [Parameter()]
        [switch]$PassThru,

        [Parameter()]
        [switch]$DisableWildcardHandling,

        [Parameter()]
        [switch]$ForceWildcardHandling
    )

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
        foreach ($text in @('NewName', 'Description')) {
            if ($PSBoundParameters.ContainsKey($text)) {
                $request[$text] = [string]$PSBoundParameters[$text]
            }
        }
        if ($PSBoundParameters.ContainsKey('EnableAADGroupSync')) {
            $request['EnableAADGroupSync'] = [bool]$EnableAADGroupSync
        }
        Add-CmaadDiscoverySetting -Cmdlet $PSCmdlet -Request $request -Bound $PSBoundParameters
        foreach ($groups in @('AddGroupName', 'DeleteGroupName')) {
            if ($PSBoundParameters.ContainsKey($groups)) {
                $request[$groups] = [string[]]@($PSBoundParameters[$groups])
            }
        }

        $changed = @($request.Keys | Where-Object { $_ -ne 'ID' -and $_ -ne 'Name' })
        if (-not $PSCmdlet.ShouldProcess($label, "Set $($changed -join ', ')")) {
            return
        }
        $null = Get-CmaadSession -Cmdlet $PSCmdlet
        Write-CmaadContact -Action "Changing $label"
        $json = ConvertTo-CmaadJson -Request $request
        $document = Invoke-CmaadNative -Cmdlet $PSCmdlet -Method 'SetCloudManagementService' -ArgumentList @($json) -TargetObject $label
        if ($null -ne $document) {
            $service = ConvertFrom-CmaadDocument -Json $document -TypeName 'CMAAD.CloudService'
            if ($PassThru) {
                $service
            }
        }
    }
}
