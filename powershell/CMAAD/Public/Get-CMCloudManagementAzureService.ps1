function Get-CMCloudManagementAzureService {
    <#
    .SYNOPSIS
    Gets the site's Azure services for Cloud Management.

    .DESCRIPTION
    Returns the cloud management services (Administration > Cloud Services > Azure Services) in
    the site store, by name (wildcards * and ?, case-insensitive) or by ID; with neither, every
    service. No match is an empty result, not an error. Reads only the local site store: nothing
    is sent to Microsoft Entra ID.

    Also available as Get-CMAzureService, the ConfigurationManager module's name (every CMAAD
    service is a cloud management service).

    .PARAMETER Name
    The service's name; * and ? are wildcards.

    .PARAMETER Id
    The service's ID.

    .PARAMETER DisableWildcardHandling
    Accepted for compatibility with the ConfigurationManager module.

    .PARAMETER ForceWildcardHandling
    Accepted for compatibility with the ConfigurationManager module.

    .EXAMPLE
    Get-CMAzureService -Name "Contoso*"

    Gets the services whose name starts with Contoso.

    .EXAMPLE
    Get-CMCloudManagementAzureService -Id 1 | Format-List *

    Shows every setting of service 1, discovery included.

    .INPUTS
    None.

    .OUTPUTS
    CMAAD.CloudService, zero or more.

    .LINK
    Set-CMCloudManagementAzureService
    #>
    [CmdletBinding(DefaultParameterSetName = 'SearchByName', PositionalBinding = $false)]
    [Alias('Get-CMAzureService')]
    [OutputType('CMAAD.CloudService')]
    param(
        [Parameter(ParameterSetName = 'SearchByName')]
        [Alias('AzureServiceName')]
        [ValidateNotNullOrEmpty()]
        [string]$Name,

        [Parameter(Mandatory = $true, ParameterSetName = 'SearchByIdMandatory')]
        [Alias('AzureServiceId')]
        [ValidateRange(1, [long]::MaxValue)]
        [long]$Id,

        [Parameter()]
        [switch]$DisableWildcardHandling,

        [Parameter()]
        [switch]$ForceWildcardHandling
    )

    process {
        $filter = [ordered]@{}
        if ($PSBoundParameters.ContainsKey('Name')) {
            $filter['Name'] = $Name
        }
        if ($PSBoundParameters.ContainsKey('Id')) {
            $filter['ID'] = $Id
        }
        $json = $null
        if ($filter.Count -gt 0) {
            $json = ConvertTo-CmaadJson -Request $filter
        }
        $null = Get-CmaadSession -Cmdlet $PSCmdlet
        Write-CmaadContact -Action 'Reading cloud management services'
        $document = Invoke-CmaadNative -Cmdlet $PSCmdlet -Method 'GetServices' -ArgumentList @($json) -TargetObject $json
        if ($null -ne $document) {
            ConvertFrom-CmaadDocument -Json $document -TypeName 'CMAAD.CloudService' -Collection
        }
    }
}
