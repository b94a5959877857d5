function New-CMCloudManagementAzureService {
    <#
    .SYNOPSIS
    Creates the Azure service for Cloud Management in the site.

    .DESCRIPTION
    Creates the cloud management connection (Administration > Cloud Services > Azure Services)
    from a server app and a client app of the same tenant, with optional Entra user and group
    discovery settings. The service name is unique in the site. Delta discovery minutes need
    delta discovery enabled (5 to 60 minutes); group names need group discovery enabled.
    Reads and writes only the local site store: nothing is sent to Microsoft Entra ID.

    Drop-in compatible with the ConfigurationManager module's cmdlet of the same name.

    .PARAMETER Name
    The service's name, unique in the site.

    .PARAMETER ServerApp
    The server (web) app, from Get-CMAADApplication -AppType ServerApplication.

    .PARAMETER ClientApp
    The client (native) app of the same tenant, from Get-CMAADApplication -AppType ClientApplication.

    .PARAMETER Description
    A description of the service.

    .PARAMETER AzureEnvironmentOption
    The cloud: AzurePublicCloud, AzureUSGovernmentCloud or AzureChinaCloud; by default the apps' cloud.

    .PARAMETER EnableUserDiscovery
    Enables Entra user discovery.

    .PARAMETER EnableUserDeltaDiscovery
    Enables delta user discovery (with user discovery).

    .PARAMETER UserDeltaDiscoveryMins
    Minutes between delta user discoveries, 5 to 60.

    .PARAMETER UserDiscoverySchedule
    How often full user discovery runs: @{ Kind = 'Days'; Interval = 7 } (Minutes, Hours or
    Days), a TimeSpan, or a recurring schedule from New-CMSchedule.

    .PARAMETER EnableGroupDiscovery
    Enables Entra group discovery.

    .PARAMETER EnableGroupDeltaDiscovery
    Enables delta group discovery (with group discovery).

    .PARAMETER GroupDeltaDiscoveryMins
    Minutes between delta group discoveries, 5 to 60.

    .PARAMETER GroupDiscoverySchedule
    How often full group discovery runs; same forms as UserDiscoverySchedule.

    .PARAMETER AddGroupName
    Entra groups to discover (with group discovery).

    .PARAMETER DisableWildcardHandling
    Accepted for compatibility with the ConfigurationManager module; CMAAD takes no wildcards.

    .PARAMETER ForceWildcardHandling
    Accepted for compatibility with the ConfigurationManager module; CMAAD takes no wildcards.

    .PARAMETER WhatIf
    Shows what would be created without creating it.

    .PARAMETER Confirm
    Asks for confirmation before creating the service.

    .EXAMPLE
    $serverApp = Get-CMAADApplication -TenantName "Contoso" -AppType ServerApplication -AppName "CmgServerApp"
    $clientApp = Get-CMAADApplication -TenantName "Contoso" -AppType ClientApplication -AppName "CmgClientApp"
    New-CMCloudManagementAzureService -Name "Contoso" -Description "Azure Service" -ServerApp $serverApp -ClientApp $clientApp -AzureEnvironmentOption AzurePublicCloud

    Creates the cloud management service from the tenant's two apps.

    .EXAMPLE
    New-CMCloudManagementAzureService -Name "Contoso" -ServerApp $serverApp -ClientApp $clientApp -EnableUserDiscovery $true -EnableUserDeltaDiscovery $true -UserDeltaDiscoveryMins 5 -UserDiscoverySchedule @{ Kind = 'Days'; Interval = 7 }

    Also turns on user discovery: full weekly, delta every 5 minutes.

    .EXAMPLE
    New-CMCloudManagementAzureService -Name "Contoso Groups" -ServerApp $serverApp -ClientApp $clientApp -EnableGroupDiscovery $true -AddGroupName "CMG Users", "CMG Admins" -WhatIf

    Shows what would be created with group discovery of two groups.

    .INPUTS
    None.

    .OUTPUTS
    CMAAD.CloudService. ID, Name, Description, ServiceType, TenantID, ServerAppID, ClientAppID,
    AzureEnvironment, the discovery settings by parameter name, CreatedTime, LastUpdateTime.

    .LINK
    about_CMAAD
    #>
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'Medium', PositionalBinding = $false)]
    [OutputType('CMAAD.CloudService')]
    param(
        [Parameter(Mandatory = $true)]
        [ValidateNotNullOrEmpty()]
        [string]$Name,

        [Parameter(Mandatory = $true)]
        [Alias('WebApp', 'WebApplication', 'ServerApplication')]
        [ValidateNotNull()]
        [object]$ServerApp,

        [Parameter(Mandatory = $true)]
        [Alias('ClientApplication', 'NativeClientApplication')]
        [ValidateNotNull()]
        [object]$ClientApp,

        [Parameter()]
        [string]$Description,

        [Parameter()]
        [CMAAD.AzureEnvironment]$AzureEnvironmentOption,

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
        [switch]$DisableWildcardHandling,

        [Parameter()]
        [switch]$ForceWildcardHandling
    )

    process {
        $request = [ordered]@{
            Name        = $Name
            ServerAppId = (Get-CmaadAppId -Cmdlet $PSCmdlet -InputObject $ServerApp -ParameterName 'ServerApp')
            ClientAppId = (Get-CmaadAppId -Cmdlet $PSCmdlet -InputObject $ClientApp -ParameterName 'ClientApp')
        }
        if ($PSBoundParameters.ContainsKey('Description')) {
            $request['Description'] = $Description
        }
        if ($PSBoundParameters.ContainsKey('AzureEnvironmentOption')) {
            $request['AzureEnvironmentOption'] = $AzureEnvironmentOption.ToString()
        }
        Add-CmaadDiscoverySetting -Cmdlet $PSCmdlet -Request $request -Bound $PSBoundParameters
        if ($PSBoundParameters.ContainsKey('AddGroupName')) {
            $request['AddGroupName'] = [string[]]@($AddGroupName)
        }

        $target = "Cloud management service '$Name' (server app $($request['ServerAppId']), client app $($request['ClientAppId']))"
        if (-not $PSCmdlet.ShouldProcess($target, 'Create')) {
            return
        }
        $null = Get-CmaadSession -Cmdlet $PSCmdlet
        Write-CmaadContact -Action "Creating $target"
        $json = ConvertTo-CmaadJson -Request $request
        $document = Invoke-CmaadNative -Cmdlet $PSCmdlet -Method 'NewCloudManagementService' -ArgumentList @($json) -TargetObject $Name
        if ($null -ne $document) {
            ConvertFrom-CmaadDocument -Json $document -TypeName 'CMAAD.CloudService'
        }
    }
}
