<#
.SYNOPSIS
Compiles the CMAAD module's cmdlets (powershell/src/*.cs) into CMAAD.Commands.dll twice, with the Roslyn
compiler that PowerShell 7 carries (no .NET SDK needed).

.DESCRIPTION
One source, two builds, as Pester 5 ships:
- bin/net462/CMAAD.Commands.dll against the .NET Framework 4.6.2 reference assemblies and PowerShell
  Standard 5.1 (Windows PowerShell 5.1 on any .NET Framework 4.6.2 or later); NETFRAMEWORK is
  defined;
- bin/netstandard2.0/CMAAD.Commands.dll against netstandard 2.0 and PowerShell Standard 5.1 (PowerShell 7).
The reference folders come from the shared PowerShell toolkit (../shared/tools/powershell/ref).
The compiler holds the code to the APIs both runtimes have; warnings are errors.

.PARAMETER OutputPath
The module folder to write bin/<framework>/CMAAD.Commands.dll into (default dist/CMAAD).

.PARAMETER ReferencePath
The toolkit's ref folder (default ../shared/tools/powershell/ref beside the repository).

.EXAMPLE
../shared/tools/powershell/bin/pwsh -NoProfile -File powershell/build.ps1 -OutputPath dist/CMAAD
#>
[CmdletBinding()]
param(
    [string]$OutputPath,
    [string]$ReferencePath
)

$ErrorActionPreference = 'Stop'
$repo = Split-Path -Parent $PSScriptRoot
if (-not $OutputPath) {
    $OutputPath = Join-Path -Path $repo -ChildPath 'dist/CMAAD'
}
if (-not $ReferencePath) {
    $ReferencePath = Join-Path -Path (Split-Path -Parent $repo) -ChildPath 'shared/tools/powershell/ref'
}
if (-not (Test-Path -LiteralPath $ReferencePath -PathType Container)) {
    throw "build.ps1: the reference assemblies folder '$ReferencePath' is missing: pass -ReferencePath (the PowerShell toolkit's ref folder)."
}
$OutputPath = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($OutputPath)

# Add-Type loads PowerShell's own Roslyn assemblies; the compile below uses them directly.
Add-Type -TypeDefinition 'public static class CmaadBuildWarmUp { }'
$cs = [Microsoft.CodeAnalysis.CSharp.CSharpCompilation]
$version = (Import-PowerShellDataFile -Path (Join-Path -Path $PSScriptRoot -ChildPath 'CMAAD/CMAAD.psd1')).ModuleVersion

$sources = @(Get-ChildItem -Path (Join-Path -Path $PSScriptRoot -ChildPath 'src') -Filter '*.cs' -File | Sort-Object -Property Name)
$versionSource = "[assembly: System.Reflection.AssemblyVersion(`"$version.0`")]`n[assembly: System.Reflection.AssemblyFileVersion(`"$version.0`")]`n[assembly: System.Reflection.AssemblyTitle(`"CMAAD cmdlets`")]"

$targets = @(
    @{ Framework = 'net462'; Symbols = @('NETFRAMEWORK', 'NET462') },
    @{ Framework = 'netstandard2.0'; Symbols = @('NETSTANDARD', 'NETSTANDARD2_0') }
)
foreach ($target in $targets) {
    $refFolder = Join-Path -Path $ReferencePath -ChildPath $target.Framework
    $refFiles = @(Get-ChildItem -Path $refFolder -Filter '*.dll' -File -Recurse | Sort-Object -Property FullName)
    $references = [System.Collections.Generic.List[Microsoft.CodeAnalysis.MetadataReference]]::new()
    foreach ($file in $refFiles) {
        $references.Add([Microsoft.CodeAnalysis.MetadataReference]::CreateFromFile($file.FullName))
    }
    $parse = [Microsoft.CodeAnalysis.CSharp.CSharpParseOptions]::new([Microsoft.CodeAnalysis.CSharp.LanguageVersion]::CSharp7_3, [Microsoft.CodeAnalysis.DocumentationMode]::Parse, [Microsoft.CodeAnalysis.SourceCodeKind]::Regular, [string[]]$target.Symbols)
    $trees = [System.Collections.Generic.List[Microsoft.CodeAnalysis.SyntaxTree]]::new()
    foreach ($source in $sources) {
        $trees.Add([Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree]::ParseText([System.IO.File]::ReadAllText($source.FullName), $parse, $source.FullName, [System.Text.Encoding]::UTF8))
    }
    $trees.Add([Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree]::ParseText($versionSource, $parse, 'AssemblyInfo.cs', [System.Text.Encoding]::UTF8))
    $options = [Microsoft.CodeAnalysis.CSharp.CSharpCompilationOptions]::new([Microsoft.CodeAnalysis.OutputKind]::DynamicallyLinkedLibrary).
        WithOptimizationLevel([Microsoft.CodeAnalysis.OptimizationLevel]::Release).
        WithGeneralDiagnosticOption([Microsoft.CodeAnalysis.ReportDiagnostic]::Error).
        WithDeterministic($true).
        WithAllowUnsafe($true)
    $compilation = $cs::Create('CMAAD.Commands', $trees, $references, $options)

    $folder = Join-Path -Path (Join-Path -Path $OutputPath -ChildPath 'bin') -ChildPath $target.Framework
    $null = New-Item -ItemType Directory -Path $folder -Force
    $dll = Join-Path -Path $folder -ChildPath 'CMAAD.Commands.dll'
    $stream = [System.IO.File]::Create($dll)
    try {
        $result = $compilation.Emit($stream)
    }
    finally {
        $stream.Dispose()
    }
    $problems = @($result.Diagnostics | Where-Object { $_.Severity -ne [Microsoft.CodeAnalysis.DiagnosticSeverity]::Hidden })
    foreach ($problem in $problems) {
        [Console]::Error.WriteLine("$($target.Framework): $problem")
    }
    if (-not $result.Success) {
        Remove-Item -LiteralPath $dll -Force
        throw "build.ps1: CMAAD.Commands.dll for $($target.Framework) did not compile ($($problems.Count) diagnostic(s) above)."
    }
    Write-Host "build.ps1: $dll ($($target.Framework), $((Get-Item -LiteralPath $dll).Length) bytes)"
}
