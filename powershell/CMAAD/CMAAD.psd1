@{
    RootModule           = 'CMAAD.psm1'
    ModuleVersion        = '0.1.0'
    GUID                 = 'd7c98afa-c058-4aaf-8ad9-6e21913ef3e1'
    Author               = 'The CMAAD authors'
    CompanyName          = 'CMAAD'
    Copyright            = '(c) The CMAAD authors. All rights reserved.'
    Description          = 'Onboards a Configuration Manager site to Microsoft Entra ID for the cloud management gateway. Drop-in ConfigurationManager cmdlets for Entra apps, tenants and the cloud management service (Import-, New-, Get-CMAAD*Application, New-, Get-, Set-, Remove-CMCloudManagementAzureService, Get-CMAADTenant, Set-UpdateServerApplication) over a native library: app registrations created through Microsoft Graph, attended or unattended, verification against Entra, sealed secrets, and secret rotation for scheduled tasks.'
    PowerShellVersion    = '5.1'
    CompatiblePSEditions = @('Desktop', 'Core')
    FormatsToProcess     = @('CMAAD.Format.ps1xml')
    FunctionsToExport    = @()
    CmdletsToExport      = @(
        'Connect-CMAADAzure',
        'Connect-CMAADSite',
        'Disconnect-CMAADAzure',
        'Disconnect-CMAADSite',
        'Get-CMAADApplication',
        'Get-CMAADSiteChange',
        'Get-CMAADTenant',
        'Get-CMCloudManagementAzureService',
        'Import-CMAADClientApplication',
        'Import-CMAADServerApplication',
        'Invoke-CMAADSecretMaintenance',
        'New-CMAADClientApplication',
        'New-CMAADServerApplication',
        'New-CMCloudManagementAzureService',
        'Remove-CMAADApplication',
        'Remove-CMCloudManagementAzureService',
        'Set-CMAADApplication',
        'Set-CMAADTenant',
        'Set-CMCloudManagementAzureService',
        'Set-UpdateServerApplication',
        'Test-CMAADApplication',
        'Update-CMAADApplicationSecret'
    )
    VariablesToExport    = @()
    AliasesToExport      = @(
        'Get-CMAzureService',
        'Remove-CMAzureService'
    )
    FileList             = @(
        'CMAAD.psd1',
        'CMAAD.psm1',
        'CMAAD.Format.ps1xml',
        'LICENSE',
        'bin/net462/CMAAD.Commands.dll',
        'bin/netstandard2.0/CMAAD.Commands.dll',
        'en-US/CMAAD.Commands.dll-Help.xml',
        'en-US/about_CMAAD.help.txt'
    )
    PrivateData          = @{
        PSData = @{
            LicenseUri   = 'https://github.com/cmaad/cmaad/blob/main/LICENSE'
            ProjectUri   = 'https://github.com/cmaad/cmaad'
            Tags         = @('ConfigMgr', 'MECM', 'SCCM', 'EntraID', 'AzureAD', 'CMG', 'PSEdition_Desktop', 'PSEdition_Core', 'Windows', 'Linux', 'macOS')
            ReleaseNotes = 'Creates the two CMG app registrations through Microsoft Graph (Connect-CMAADAzure, New-CMAADServerApplication, New-CMAADClientApplication, Set-UpdateServerApplication, Test-CMAADApplication) and manages the secret lifecycle (Get-CMAADApplication -ExpiringWithinDays, Set-CMAADApplication, Update-CMAADApplicationSecret, Invoke-CMAADSecretMaintenance) and the rest of the family (Remove-CMAADApplication, Get-/Set-/Remove-CMCloudManagementAzureService, Get-/Set-CMAADTenant).'
        }
    }
}
