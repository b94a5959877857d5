function New-CmaadErrorRecord {
    <#
    .SYNOPSIS
    An ErrorRecord for a failed native call: FullyQualifiedErrorId CMAAD.<Code>, the category of
    its status, the request field as target.
    .DESCRIPTION
    Status to category: InvalidArgument -> InvalidArgument, NotFound -> ObjectNotFound,
    AlreadyExists -> ResourceExists, VerificationFailed -> AuthenticationError, Network ->
    ConnectionError, Store -> ReadError/WriteError, Internal -> NotSpecified.
    #>
    [CmdletBinding()]
    [OutputType([System.Management.Automation.ErrorRecord])]
    param(
        [Parameter(Mandatory = $true)]
        [System.Exception]$Exception,

        [object]$TargetObject
    )

    # Exceptions from .NET methods arrive wrapped (MethodInvocationException,
    # TargetInvocationException from reflection): find ours.
    $inner = $Exception
    while ($null -ne $inner -and -not ($inner -is [CMAAD.Interop.CmaadException])) {
        $inner = $inner.InnerException
    }

    if ($null -ne $inner) {
        $category = [System.Management.Automation.ErrorCategory]$inner.ErrorCategoryName
        $target = $TargetObject
        if ($null -eq $target) {
            $target = $inner.Target
        }
        $record = New-Object -TypeName System.Management.Automation.ErrorRecord -ArgumentList $inner, $inner.ErrorId, $category, $target
        $record.ErrorDetails = New-Object -TypeName System.Management.Automation.ErrorDetails -ArgumentList $inner.Message
        if ($inner.CorrelationId) {
            $record.ErrorDetails.RecommendedAction = "Quote correlation ID $($inner.CorrelationId) and Entra codes AADSTS$($inner.EntraErrorCodes -join ', AADSTS') in a support case."
        }
        return $record
    }

    $root = $Exception
    while (($root -is [System.Management.Automation.MethodInvocationException] -or $root -is [System.Reflection.TargetInvocationException]) -and $null -ne $root.InnerException) {
        $root = $root.InnerException
    }
    $id = 'CMAAD.Unexpected'
    $category = [System.Management.Automation.ErrorCategory]::NotSpecified
    if ($root -is [System.DllNotFoundException] -or $root -is [System.BadImageFormatException] -or $root -is [System.EntryPointNotFoundException]) {
        $id = 'CMAAD.LibraryNotLoaded'
        $category = [System.Management.Automation.ErrorCategory]::ResourceUnavailable
    }
    elseif ($root -is [System.ObjectDisposedException]) {
        $id = 'CMAAD.SessionClosed'
        $category = [System.Management.Automation.ErrorCategory]::ResourceUnavailable
    }
    elseif ($root -is [System.ArgumentException]) {
        $id = 'CMAAD.InvalidArgument'
        $category = [System.Management.Automation.ErrorCategory]::InvalidArgument
    }
    return (New-Object -TypeName System.Management.Automation.ErrorRecord -ArgumentList $root, $id, $category, $TargetObject)
}

function New-CmaadArgumentError {
    <#
    .SYNOPSIS
    An InvalidArgument ErrorRecord for input the module checks before calling the library.
    #>
    [CmdletBinding()]
    [OutputType([System.Management.Automation.ErrorRecord])]
    param(
        [Parameter(Mandatory = $true)]
        [string]$ErrorId,

        [Parameter(Mandatory = $true)]
        [string]$Message,

        [object]$TargetObject
    )

    $exception = New-Object -TypeName System.ArgumentException -ArgumentList $Message
    return (New-Object -TypeName System.Management.Automation.ErrorRecord -ArgumentList $exception, "CMAAD.$ErrorId", ([System.Management.Automation.ErrorCategory]::InvalidArgument), $TargetObject)
}
