function Get-CmaadRuntimeId {
    <#
    .SYNOPSIS
    The runtime identifier (win-x64, linux-arm64, osx-arm64, ...) of the running process.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param()

    $os = 'win'
    if ($PSVersionTable.PSEdition -eq 'Core') {
        if (Get-Variable -Name IsLinux -ValueOnly -ErrorAction SilentlyContinue) {
            $os = 'linux'
        }
        elseif (Get-Variable -Name IsMacOS -ValueOnly -ErrorAction SilentlyContinue) {
            $os = 'osx'
        }
    }

    $arch = $null
    try {
        $arch = [System.Runtime.InteropServices.RuntimeInformation]::ProcessArchitecture.ToString().ToLowerInvariant()
    }
    catch {
        $arch = $null
    }
    if (-not $arch) {
        if ([Environment]::Is64BitProcess) {
            $arch = 'x64'
        }
        else {
            $arch = 'x86'
        }
    }
    return "$os-$arch"
}

function Get-CmaadLibraryPath {
    <#
    .SYNOPSIS
    The absolute path of the native library for this OS and architecture.
    .DESCRIPTION
    bin/<rid>/cmaad.dll (Windows), bin/<rid>/libcmaad.so (Linux) or bin/<rid>/libcmaad.dylib
    (macOS) under the module folder. $env:CMAAD_LIBRARY overrides it (development builds).
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param()

    if ($env:CMAAD_LIBRARY) {
        return [System.IO.Path]::GetFullPath($env:CMAAD_LIBRARY)
    }
    $rid = Get-CmaadRuntimeId
    $file = 'cmaad.dll'
    if ($rid.StartsWith('linux-')) {
        $file = 'libcmaad.so'
    }
    elseif ($rid.StartsWith('osx-')) {
        $file = 'libcmaad.dylib'
    }
    $path = Join-Path -Path (Join-Path -Path (Join-Path -Path $script:ModuleRoot -ChildPath 'bin') -ChildPath $rid) -ChildPath $file
    return [System.IO.Path]::GetFullPath($path)
}

function Import-CmaadInterop {
    <#
    .SYNOPSIS
    Compiles the interop once per PowerShell process, with the library path baked in.
    #>
    [CmdletBinding()]
    param()

    $libraryPath = Get-CmaadLibraryPath
    $interopType = 'CMAAD.Interop.CmaadSession' -as [type]
    if ($null -ne $interopType) {
        $loadedPath = [CMAAD.Interop.CmaadLibrary]::Path
        if ($loadedPath -ne $libraryPath) {
            Write-Warning ("CMAAD's interop was already compiled in this PowerShell process for '$loadedPath'; it keeps using " +
                "that library. Start a new PowerShell session to use '$libraryPath'.")
        }
    }
    else {
        if ($PSVersionTable.PSEdition -eq 'Desktop') {
            $temp = $env:TEMP
            if (-not $temp -or -not (Test-Path -LiteralPath $temp -PathType Container)) {
                throw ("CMAAD compiles its interop with Add-Type, which needs a writable TEMP folder, but TEMP is '$temp'. " +
                    'Scheduled tasks and services without a user profile lack it: set $env:TEMP to an existing folder first.')
            }
        }
        $interopFile = Join-Path -Path (Join-Path -Path $script:ModuleRoot -ChildPath 'Interop') -ChildPath 'CmaadNative.cs'
        $source = [System.IO.File]::ReadAllText($interopFile)
        $source = $source.Replace('__CMAAD_LIBRARY_PATH__', $libraryPath.Replace('"', '""'))
        Add-Type -TypeDefinition $source -Language CSharp -IgnoreWarnings -ErrorAction Stop
    }

    if ($null -eq ('CMAAD.SecureStringTransformationAttribute' -as [type])) {
        $glueFile = Join-Path -Path (Join-Path -Path $script:ModuleRoot -ChildPath 'Interop') -ChildPath 'SecureStringTransformation.cs'
        Add-Type -TypeDefinition ([System.IO.File]::ReadAllText($glueFile)) -Language CSharp -IgnoreWarnings -ErrorAction Stop
    }
}

function Assert-CmaadLibrary {
    <#
    .SYNOPSIS
    Stops the calling cmdlet with a clear error when the native library file is missing.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)]
        [System.Management.Automation.PSCmdlet]$Cmdlet
    )

    $path = [CMAAD.Interop.CmaadLibrary]::Path
    if (-not (Test-Path -LiteralPath $path -PathType Leaf)) {
        $rid = Get-CmaadRuntimeId
        $message = ("The CMAAD native library for this platform ($rid) is missing: expected '$path'. " +
            'Install a CMAAD build that includes it (see the README: powershell/stage-module.sh stages the module with the library), ' +
            'or point $env:CMAAD_LIBRARY at a built library before importing the module.')
        $exception = New-Object -TypeName System.IO.FileNotFoundException -ArgumentList $message, $path
        $record = New-Object -TypeName System.Management.Automation.ErrorRecord -ArgumentList $exception, 'CMAAD.LibraryMissing', ([System.Management.Automation.ErrorCategory]::ResourceUnavailable), $path
        $Cmdlet.ThrowTerminatingError($record)
    }
}
