# CMAAD root module: checks the host, compiles the interop once per session, then loads the
# private helpers and the public cmdlets (one file each). All logic lives in the native library;
# the cmdlets only bind parameters, build request JSON and shape the returned documents.

if ($ExecutionContext.SessionState.LanguageMode -ne 'FullLanguage') {
    throw ("CMAAD needs FullLanguage mode to compile its native interop (Add-Type), but this session runs in " +
        "$($ExecutionContext.SessionState.LanguageMode) mode (AppLocker/WDAC). Use a signed release of the module " +
        "or run it where unsigned code is allowed.")
}

$script:ModuleRoot = $PSScriptRoot
$script:CmaadSession = $null
$script:CmaadSite = $null
$script:CmaadSessionOptions = $null
# The Microsoft Graph sign-in of Connect-CMAADAzure (a CMAAD.Interop.CmaadGraphSignIn) and its
# description; freed on re-connect, Disconnect-CMAADAzure and module removal.
$script:CmaadGraphSignIn = $null
$script:CmaadGraphSignInInfo = $null

function Get-CmaadScriptFile {
    param([string]$Folder)
    return @(Get-ChildItem -Path (Join-Path -Path $PSScriptRoot -ChildPath $Folder) -Filter '*.ps1' -File)
}

foreach ($file in (Get-CmaadScriptFile -Folder 'Private')) {
    . $file.FullName
}

# The parameter types ([CMAAD.AzureEnvironment], [CMAAD.CloudApplicationType]) and the
# -SecretKey transformation come from the interop, so it is compiled at import, before the
# cmdlets are defined. The native library itself is loaded on the first call, which names the
# expected file if it is missing.
Import-CmaadInterop

foreach ($file in (Get-CmaadScriptFile -Folder 'Public')) {
    . $file.FullName
}

$ExecutionContext.SessionState.Module.OnRemove = {
    if ($null -ne $script:CmaadGraphSignIn) {
        $script:CmaadGraphSignIn.Dispose()
        $script:CmaadGraphSignIn = $null
        $script:CmaadGraphSignInInfo = $null
    }
    if ($null -ne $script:CmaadSession) {
        $script:CmaadSession.Dispose()
        $script:CmaadSession = $null
    }
}

Export-ModuleMember -Function @(
    'Connect-CMAADAzure',
    'Connect-CMAADSite',
    'Disconnect-CMAADAzure',
    'Get-CMAADApplication',
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
