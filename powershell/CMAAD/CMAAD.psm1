# CMAAD root module: loads the compiled cmdlets built for this edition of PowerShell
# (bin/net462 for Windows PowerShell 5.1, bin/netstandard2.0 for PowerShell 7; powershell/build.ps1
# builds both from one source). Nothing is compiled at import, and no TEMP folder is needed.
# The native library (bin/<rid>/) is loaded by the first cmdlet that calls it.

$framework = 'net462'
if ($PSVersionTable.PSEdition -eq 'Core') {
    $framework = 'netstandard2.0'
}
$assembly = [System.IO.Path]::Combine($PSScriptRoot, 'bin', $framework, 'CMAAD.Commands.dll')
if (-not [System.IO.File]::Exists($assembly)) {
    throw ("CMAAD's cmdlets for this edition of PowerShell are missing: expected '$assembly'. Install a built CMAAD " +
        '(powershell/stage-module.sh builds and stages the module), not the source folder.')
}
Import-Module -Name $assembly -ErrorAction Stop

# Removing the module frees the Microsoft Graph sign-in (its token is wiped) and closes the site.
$ExecutionContext.SessionState.Module.OnRemove = {
    [CMAAD.Interop.ModuleState]::Reset()
}

Export-ModuleMember -Cmdlet @(
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
) -Alias @(
    'Get-CMAzureService',
    'Remove-CMAzureService'
)
