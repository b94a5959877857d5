@{
    RootModule           = 'CMAAD.psm1'
    ModuleVersion        = '0.1.0'
    GUID                 = 'd7c98afa-c058-4aaf-8ad9-6e21913ef3e1'
    Author               = 'The CMAAD authors'
    CompanyName          = 'CMAAD'
    Copyright            = '(c) The CMAAD authors. All rights reserved.'
    Description          = 'Onboards a Configuration Manager site to Microsoft Entra ID for the cloud management gateway. Drop-in Import-CMAADServerApplication, Import-CMAADClientApplication, Get-CMAADApplication and New-CMCloudManagementAzureService over a native library, with verification against Entra and sealed secrets.'
    PowerShellVersion    = '5.1'
    CompatiblePSEditions = @('Desktop', 'Core')
    FormatsToProcess     = @('CMAAD.Format.ps1xml')
    FunctionsToExport    = @(
        'Connect-CMAADSite',
        'Get-CMAADApplication',
        'Import-CMAADClientApplication',
        'Import-CMAADServerApplication',
        'New-CMCloudManagementAzureService'
    )
    CmdletsToExport      = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    FileList             = @(
        'CMAAD.psd1',
        'CMAAD.psm1',
        'CMAAD.Format.ps1xml',
        'Interop/CmaadNative.cs',
        'Interop/SecureStringTransformation.cs',
        'en-US/about_CMAAD.help.txt'
    )
    PrivateData          = @{
        PSData = @{
            Tags         = @('ConfigMgr', 'MECM', 'SCCM', 'EntraID', 'AzureAD', 'CMG', 'PSEdition_Desktop', 'PSEdition_Core', 'Windows', 'Linux', 'macOS')
            ReleaseNotes = 'First release: the four ConfigurationManager cmdlets for Entra apps and the cloud management service, plus Connect-CMAADSite.'
        }
    }
}
