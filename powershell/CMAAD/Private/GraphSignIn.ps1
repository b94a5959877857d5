function Set-CmaadGraphSignIn {
    <#
    .SYNOPSIS
    Makes a Microsoft Graph sign-in the module's current one, freeing (wiping) the previous one.
    .DESCRIPTION
    With -SignIn $null the current sign-in is freed and none remains (Disconnect-CMAADAzure,
    module removal). The sign-in's description (TenantId, Kind, AzureEnvironment, ...) is kept
    beside it for the cmdlets' messages.
    #>
    [CmdletBinding()]
    param(
        [AllowNull()]
        [CMAAD.Interop.CmaadGraphSignIn]$SignIn,

        [AllowNull()]
        [psobject]$Description
    )

    $previous = $script:CmaadGraphSignIn
    $script:CmaadGraphSignIn = $SignIn
    $script:CmaadGraphSignInInfo = $Description
    if ($null -ne $previous -and -not [object]::ReferenceEquals($previous, $SignIn)) {
        $previous.Dispose()
    }
}

function Get-CmaadGraphSignIn {
    <#
    .SYNOPSIS
    The current Microsoft Graph sign-in; stops the calling cmdlet when there is none (unless -Optional).
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)]
        [System.Management.Automation.PSCmdlet]$Cmdlet,

        [switch]$Optional
    )

    if ($null -ne $script:CmaadGraphSignIn) {
        return $script:CmaadGraphSignIn
    }
    if ($Optional) {
        return $null
    }
    $message = ("$($Cmdlet.MyInvocation.MyCommand.Name) changes or reads app registrations through Microsoft Graph, " +
        'but nobody is signed in: run Connect-CMAADAzure -TenantId <tenant GUID> first (device code for a person, ' +
        'or -ClientId and -ClientSecret of an automation app for scheduled tasks).')
    $exception = New-Object -TypeName System.InvalidOperationException -ArgumentList $message
    $record = New-Object -TypeName System.Management.Automation.ErrorRecord -ArgumentList $exception, 'CMAAD.NotConnected', ([System.Management.Automation.ErrorCategory]::AuthenticationError), $null
    $Cmdlet.ThrowTerminatingError($record)
}

function Write-CmaadGraphContact {
    <#
    .SYNOPSIS
    Says on the verbose stream that a call goes to Microsoft Graph as the signed-in identity.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)]
        [string]$Action
    )

    $site = $script:CmaadSite
    $graph = 'Microsoft Graph'
    if ($null -ne $site) {
        $graph = "Microsoft Graph ($($site.GraphHost))"
    }
    $who = 'without a sign-in (WhatIf reads nothing)'
    $info = $script:CmaadGraphSignInInfo
    if ($null -ne $info) {
        $who = "as the $($info.Kind) sign-in of client $($info.ClientId) in tenant $($info.TenantId) ($($info.AzureEnvironment))"
    }
    $store = ''
    if ($null -ne $site) {
        $store = ", then the site store '$($site.StorePath)'"
    }
    Write-Verbose "$Action`: contacting $graph $who$store."
}
