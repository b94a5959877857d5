function Open-CmaadSession {
    <#
    .SYNOPSIS
    Opens the module's site session with the given options (null: every default) and makes it current.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)]
        [System.Management.Automation.PSCmdlet]$Cmdlet,

        [System.Collections.IDictionary]$Options
    )

    Assert-CmaadLibrary -Cmdlet $Cmdlet
    $optionsJson = $null
    if ($null -ne $Options -and $Options.Count -gt 0) {
        $optionsJson = ConvertTo-CmaadJson -Request $Options
    }
    $session = $null
    try {
        $session = [CMAAD.Interop.CmaadSession]::Open($optionsJson)
    }
    catch {
        $Cmdlet.ThrowTerminatingError((New-CmaadErrorRecord -Exception $_.Exception -TargetObject $optionsJson))
    }
    if ($null -ne $script:CmaadSession) {
        $script:CmaadSession.Dispose()
    }
    $script:CmaadSession = $session
    $script:CmaadSessionOptions = $Options
    $script:CmaadSite = ConvertFrom-CmaadDocument -Json $session.Document -TypeName 'CMAAD.Site'
    Write-Verbose ("CMAAD $($script:CmaadSite.Version) ($([CMAAD.Interop.CmaadLibrary]::Path)): site store '$($script:CmaadSite.StorePath)'; " +
        "$($script:CmaadSite.AzureEnvironment) Entra authority $($script:CmaadSite.AuthorityHost), Graph $($script:CmaadSite.GraphHost).")
    return $session
}

function Get-CmaadSession {
    <#
    .SYNOPSIS
    The current site session, opened with the Connect-CMAADSite options (or the defaults) on first use.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)]
        [System.Management.Automation.PSCmdlet]$Cmdlet
    )

    if ($null -ne $script:CmaadSession -and -not $script:CmaadSession.IsClosed) {
        return $script:CmaadSession
    }
    return Open-CmaadSession -Cmdlet $Cmdlet -Options $script:CmaadSessionOptions
}

function Invoke-CmaadNative {
    <#
    .SYNOPSIS
    Calls one CmaadSession method; a native failure becomes the calling cmdlet's ErrorRecord.
    .DESCRIPTION
    Returns the result document (JSON text), or nothing after writing a non-terminating error
    (or a terminating one with -Terminating). -ErrorAction and try/catch on the public cmdlet
    behave as for any cmdlet.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)]
        [System.Management.Automation.PSCmdlet]$Cmdlet,

        [Parameter(Mandatory = $true)]
        [string]$Method,

        [object[]]$ArgumentList = @(),

        [object]$TargetObject,

        [switch]$Terminating
    )

    $cmaadSession = Get-CmaadSession -Cmdlet $Cmdlet
    $methodInfo = $cmaadSession.GetType().GetMethod($Method)
    if ($null -eq $methodInfo) {
        throw "CmaadSession has no method '$Method': the module's interop and cmdlets are out of step."
    }
    # Reflection passes the arguments as they are (a null filter stays one null argument), so
    # strip PowerShell's PSObject wrappers, which its own method binder would have removed.
    $arguments = New-Object -TypeName 'object[]' -ArgumentList $ArgumentList.Count
    for ($i = 0; $i -lt $ArgumentList.Count; $i++) {
        $argument = $ArgumentList[$i]
        if ($null -ne $argument) {
            $argument = $argument.PSObject.BaseObject
        }
        $arguments[$i] = $argument
    }
    try {
        return $methodInfo.Invoke($cmaadSession, $arguments)
    }
    catch {
        $record = New-CmaadErrorRecord -Exception $_.Exception -TargetObject $TargetObject
        if ($Terminating) {
            $Cmdlet.ThrowTerminatingError($record)
        }
        $Cmdlet.WriteError($record)
    }
}

function Write-CmaadContact {
    <#
    .SYNOPSIS
    Says on the verbose stream what a call is about to contact.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)]
        [string]$Action,

        [switch]$Entra,

        [string]$Environment
    )

    $site = $script:CmaadSite
    if ($null -eq $site) {
        return
    }
    if ($Entra) {
        $hosts = "authority $($site.AuthorityHost), Graph $($site.GraphHost)"
        $cloud = $site.AzureEnvironment
        if ($Environment -and $Environment -ne $site.AzureEnvironment) {
            $cloud = $Environment
            $hosts = "that cloud's authority and Graph hosts, unless Connect-CMAADSite overrides them"
        }
        Write-Verbose "$Action`: contacting Microsoft Entra ID ($cloud; $hosts), then the site store '$($site.StorePath)'."
    }
    else {
        Write-Verbose "$Action`: site store '$($site.StorePath)' only; nothing is sent to Microsoft Entra ID."
    }
}
