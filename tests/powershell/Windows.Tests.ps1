# Pester 5 tests of what the CMAAD module does only on Windows, through the module in PowerShell:
# the default store under %LOCALAPPDATA%, Windows store paths, the site key sealed with DPAPI and
# used from a second process, $env:CMAAD_STORE set inside a session, a broken cmaad.dll, and the
# examples' exit codes. tests/powershell/run-pester-windows.sh runs this file (with the rest of
# the suite) in PowerShell 7 for Windows under wine64 on the module staged with
# bin/win-x64/cmaad.dll; on Linux and macOS every block is skipped.
#
# Each test runs what it checks in a fresh PowerShell process (the running PowerShell's own
# executable, the staged module imported by path), as an administrator's script or scheduled task
# would, and keeps every file it makes under $TestDrive. $env:CMAAD_FAKE_ENTRA names the local
# fake Entra + Graph built for Windows (fake-entra.exe); $env:CMAAD_COPIED_STORE_HANDOFF, when
# set, is the folder that receives a DPAPI-sealed store for tests/powershell/windows/CopiedStore.ps1
# to open in another wine prefix under another account.

BeforeDiscovery {
    $script:OnWindows = ($PSVersionTable.PSEdition -eq 'Desktop') -or [bool]$IsWindows
    $script:HasFakeEntra = $script:OnWindows -and [bool]$env:CMAAD_FAKE_ENTRA -and (Test-Path -LiteralPath $env:CMAAD_FAKE_ENTRA -PathType Leaf)
}

BeforeAll {
    $script:ModulePath = $env:CMAAD_TEST_MODULE
    if (-not $script:ModulePath -or -not (Test-Path -LiteralPath $script:ModulePath -PathType Leaf)) {
        throw 'Set $env:CMAAD_TEST_MODULE to a staged CMAAD.psd1 (tests/powershell/run-pester-windows.sh stages one).'
    }
    $script:ModuleFolder = Split-Path -Parent $script:ModulePath
    $script:Examples = Join-Path -Path $PSScriptRoot -ChildPath '..\..\powershell\examples'
    $script:Pwsh = [System.Diagnostics.Process]::GetCurrentProcess().MainModule.FileName
    $script:TenantId = '05a349fa-0d5c-4a1c-9f3e-1c2d3e4f5a6b'
    $script:ServerClientId = '7078946d-1a2b-4c3d-8e9f-0a1b2c3d4e5f'
    $script:ClientClientId = 'cf114f48-2b3c-4d5e-9f0a-1b2c3d4e5f60'
    $script:Secret = '1uXGR^!0@Cjas6qI*J02ZeS&&zY19^hC*9'
    # "Jürgen", built from its code point so the file reads the same in every edition.
    $script:Juergen = 'J' + [char]0x00FC + 'rgen'

    # Runs $Script in a fresh PowerShell (the module at $Module imported, errors stopping it) with
    # the environment changes in $Environment ($null removes a variable); returns the output lines
    # (stdout and stderr) and the exit code. The script file is UTF-8 with a BOM, which both
    # editions read as UTF-8.
    function Invoke-CmaadProcess {
        param([string]$Script, [hashtable]$Environment = @{}, [string]$Module = $script:ModulePath)
        $file = Join-Path -Path $TestDrive -ChildPath ("child-{0}.ps1" -f [guid]::NewGuid().ToString('n'))
        $text = "`$ErrorActionPreference = 'Stop'`r`nImport-Module -Name '$Module'`r`n$Script`r`n"
        [System.IO.File]::WriteAllText($file, $text, (New-Object -TypeName System.Text.UTF8Encoding -ArgumentList $true))
        $saved = @{}
        foreach ($name in $Environment.Keys) {
            $saved[$name] = [Environment]::GetEnvironmentVariable($name)
            [Environment]::SetEnvironmentVariable($name, $Environment[$name])
        }
        try {
            $output = & $script:Pwsh -NoProfile -NonInteractive -File $file 2>&1
            $code = $LASTEXITCODE
        }
        finally {
            foreach ($name in $saved.Keys) {
                [Environment]::SetEnvironmentVariable($name, $saved[$name])
            }
        }
        return [pscustomobject]@{ Output = @($output | ForEach-Object { "$_" }); Text = (@($output | ForEach-Object { "$_" }) -join "`n"); ExitCode = $code }
    }

    # A line of PowerShell that imports the test server app with the test secret into the current site.
    function Get-ImportLine {
        param([string]$Secret = $script:Secret)
        return ("Import-CMAADServerApplication -TenantName Contoso -TenantId '$($script:TenantId)' -AppName CmgServerApp " +
            "-ClientId '$($script:ServerClientId)' -SecretKey (ConvertTo-SecureString -String '$Secret' -AsPlainText -Force) " +
            "-SecretKeyExpiry (Get-Date).AddDays(200) | Out-Null")
    }

    # Starts fake-entra.exe with one tenant whose server app accepts $Secret; returns the process and its URL.
    function Start-WindowsFakeEntra {
        param([string]$Secret = $script:Secret)
        $config = @{ tenants = @(@{ id = $script:TenantId; displayName = 'Contoso'; applications = @(
                        @{ appId = $script:ServerClientId; displayName = 'CmgServerApp'; identifierUris = @("api://$($script:TenantId)/ConfigMgrService"); secrets = @(@{ value = $Secret; endDateTime = '2099-01-01T00:00:00Z' }) },
                        @{ appId = $script:ClientClientId; displayName = 'CmgClientApp'; isFallbackPublicClient = $true }) })
        } | ConvertTo-Json -Depth 8
        $file = Join-Path -Path $TestDrive -ChildPath ("fake-entra-{0}.json" -f [guid]::NewGuid().ToString('n'))
        [System.IO.File]::WriteAllText($file, $config)
        $info = New-Object -TypeName System.Diagnostics.ProcessStartInfo -ArgumentList $env:CMAAD_FAKE_ENTRA, "`"$file`""
        $info.UseShellExecute = $false
        $info.RedirectStandardOutput = $true
        $process = [System.Diagnostics.Process]::Start($info)
        $url = "$($process.StandardOutput.ReadLine())".Trim()
        if (-not $url.StartsWith('http://127.0.0.1')) {
            $process.Kill()
            throw "fake-entra.exe did not start (first line: '$url')"
        }
        return [pscustomobject]@{ Process = $process; Url = $url }
    }

    function Stop-WindowsFakeEntra {
        param($Fake)
        if ($Fake -and -not $Fake.Process.HasExited) {
            $Fake.Process.Kill()
            $Fake.Process.WaitForExit(5000) | Out-Null
        }
    }

    # The Connect-CMAADSite line for a store whose cloud endpoints are the fake's.
    function Get-ConnectLine {
        param([string]$StorePath, [string]$Url)
        return "Connect-CMAADSite -StorePath '$StorePath' -AuthorityHost '$Url' -GraphHost '$Url' -TimeoutSeconds 20 | Out-Null"
    }
}

Describe 'Where the store is on Windows' -Skip:(-not $script:OnWindows) {
    It 'with neither -StorePath nor CMAAD_STORE, the store is %LOCALAPPDATA%\CMAAD\site.db' {
        $local = Join-Path -Path $TestDrive -ChildPath "AppData $($script:Juergen)\Local"
        $result = Invoke-CmaadProcess -Environment @{ LOCALAPPDATA = $local; CMAAD_STORE = $null } -Script (
            "(Connect-CMAADSite).StorePath`r`n" + (Get-ImportLine) + "`r`n(Get-CMAADApplication).Name")
        $result.ExitCode | Should -Be 0 -Because $result.Text
        $expected = Join-Path -Path $local -ChildPath 'CMAAD\site.db'
        $result.Output[0] | Should -Be $expected
        $result.Output[-1] | Should -Be 'CmgServerApp'
        Test-Path -LiteralPath $expected -PathType Leaf | Should -BeTrue
    }

    It 'a store path with backslashes, spaces and a non-ASCII folder is used as given, from one process to the next' {
        $users = Join-Path -Path $TestDrive -ChildPath 'Users'
        $store = Join-Path -Path $users -ChildPath "$($script:Juergen)\AppData\Local\CMAAD Site Store\site.db"
        $first = Invoke-CmaadProcess -Script ("(Connect-CMAADSite -StorePath '$store').StorePath`r`n" + (Get-ImportLine))
        $first.ExitCode | Should -Be 0 -Because $first.Text
        $first.Output[0] | Should -Be $store
        Test-Path -LiteralPath $store -PathType Leaf | Should -BeTrue
        # One folder, named exactly so (not a mis-decoded J-A-tilde-...rgen beside it).
        @(Get-ChildItem -LiteralPath $users -Name) | Should -Be @($script:Juergen)

        $second = Invoke-CmaadProcess -Script "Connect-CMAADSite -StorePath '$store' | Out-Null; (Get-CMAADApplication -ClientId '$($script:ServerClientId)').Name"
        $second.ExitCode | Should -Be 0 -Because $second.Text
        $second.Output[-1] | Should -Be 'CmgServerApp'
    }

    It 'a store path longer than 260 characters works' {
        $folder = $TestDrive
        while ($folder.Length -lt 280) {
            $folder = Join-Path -Path $folder -ChildPath 'CMAAD long path folder 0123456789'
        }
        $store = Join-Path -Path $folder -ChildPath 'site.db'
        $store.Length | Should -BeGreaterThan 260
        $result = Invoke-CmaadProcess -Script ("Connect-CMAADSite -StorePath '$store' | Out-Null`r`n" + (Get-ImportLine))
        $result.ExitCode | Should -Be 0 -Because $result.Text
        $again = Invoke-CmaadProcess -Script "Connect-CMAADSite -StorePath '$store' | Out-Null; @(Get-CMAADApplication).Count"
        $again.Output[-1] | Should -Be '1' -Because $again.Text
        [System.IO.File]::Exists($store) | Should -BeTrue
    }
}

Describe '$env:CMAAD_STORE set inside the session' -Skip:(-not $script:OnWindows) {
    It 'is the store of the first cmdlet after it, with no Connect-CMAADSite' {
        $local = Join-Path -Path $TestDrive -ChildPath 'env-local'
        $store = Join-Path -Path $TestDrive -ChildPath 'CMAAD_STORE set in session\site.db'
        $result = Invoke-CmaadProcess -Environment @{ LOCALAPPDATA = $local; CMAAD_STORE = $null } -Script (
            "`$env:CMAAD_STORE = '$store'`r`n" + (Get-ImportLine) + "`r`n" +
            "Get-CMAADApplication -Verbose 4>&1 | Where-Object { `$_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object { `$_.Message }")
        $result.ExitCode | Should -Be 0 -Because $result.Text
        Test-Path -LiteralPath $store -PathType Leaf | Should -BeTrue
        Test-Path -LiteralPath (Join-Path -Path $local -ChildPath 'CMAAD') | Should -BeFalse
        $result.Text | Should -BeLike "*site store '$store'*"
    }
}

Describe 'The site key sealed with DPAPI' -Skip:(-not $script:HasFakeEntra) {
    BeforeAll {
        $script:Fake = Start-WindowsFakeEntra
    }
    AfterAll {
        Stop-WindowsFakeEntra $script:Fake
    }

    It 'a secret imported in one PowerShell process is read and verified against Entra in a second one' {
        $store = Join-Path -Path $TestDrive -ChildPath "dpapi $($script:Juergen)\site.db"
        $connect = Get-ConnectLine -StorePath $store -Url $script:Fake.Url
        $first = Invoke-CmaadProcess -Script ($connect + "`r`n" + (Get-ImportLine))
        $first.ExitCode | Should -Be 0 -Because $first.Text

        # The key file beside the store holds a DPAPI blob of a 32-byte key that opens only with
        # CMAAD's entropy (the blob's layout is DPAPI's own: wine writes a different one).
        $keyText = [System.IO.File]::ReadAllText("$store.key").Trim()
        $keyText | Should -BeLike 'dpapi:*'
        $blob = [Convert]::FromBase64String($keyText.Substring(6))
        Add-Type -AssemblyName System.Security
        $scope = [System.Security.Cryptography.DataProtectionScope]::CurrentUser
        $entropy = [System.Text.Encoding]::ASCII.GetBytes('CMAAD site key v1')
        $key = [System.Security.Cryptography.ProtectedData]::Unprotect($blob, $entropy, $scope)
        $key.Length | Should -Be 32
        { [System.Security.Cryptography.ProtectedData]::Unprotect($blob, $null, $scope) } | Should -Throw

        $second = Invoke-CmaadProcess -Script ($connect + "`r`n" +
            "`$result = Test-CMAADApplication -Stored`r`n" +
            "'Verified=' + `$result.Verified")
        $second.ExitCode | Should -Be 0 -Because $second.Text
        $second.Output[-1] | Should -Be 'Verified=True' -Because $second.Text

        # The store for tests/powershell/windows/CopiedStore.ps1 ("another machine").
        if ($env:CMAAD_COPIED_STORE_HANDOFF) {
            New-Item -ItemType Directory -Force -Path $env:CMAAD_COPIED_STORE_HANDOFF | Out-Null
            Get-ChildItem -LiteralPath (Split-Path -Parent $store) -File | Copy-Item -Destination $env:CMAAD_COPIED_STORE_HANDOFF
        }
    }

    It 'the same store with a damaged key file is refused with an error naming the key file' {
        $store = Join-Path -Path $TestDrive -ChildPath 'dpapi damaged\site.db'
        $connect = Get-ConnectLine -StorePath $store -Url $script:Fake.Url
        (Invoke-CmaadProcess -Script ($connect + "`r`n" + (Get-ImportLine))).ExitCode | Should -Be 0
        $keyText = [System.IO.File]::ReadAllText("$store.key").Trim()
        $blob = [Convert]::FromBase64String($keyText.Substring(6))
        $blob[$blob.Length - 1] = $blob[$blob.Length - 1] -bxor 0xFF
        [System.IO.File]::WriteAllText("$store.key", 'dpapi:' + [Convert]::ToBase64String($blob))
        $result = Invoke-CmaadProcess -Script (
            "try { $connect; Test-CMAADApplication -Stored -ErrorAction Stop | Out-Null; 'opened' } catch { `$_.FullyQualifiedErrorId; `$_.Exception.Message }")
        $result.Text | Should -Not -BeLike '*opened*'
        $result.Text | Should -BeLike '*CMAAD.SiteKeyUnreadable*'
        $result.Text | Should -BeLike "*$store.key*"
    }
}

Describe 'A present but broken cmaad.dll' -Skip:(-not $script:OnWindows) {
    BeforeAll {
        # A copy of the staged module without its library; each case puts a broken cmaad.dll in.
        $script:CopyRoot = Join-Path -Path $TestDrive -ChildPath 'Modules'
        $script:CopyFolder = Join-Path -Path $script:CopyRoot -ChildPath 'CMAAD'
        New-Item -ItemType Directory -Path $script:CopyFolder | Out-Null
        Get-ChildItem -LiteralPath $script:ModuleFolder | Where-Object { $_.Name -ne 'bin' } | Copy-Item -Destination $script:CopyFolder -Recurse
        foreach ($framework in @('net462', 'netstandard2.0')) {
            $target = Join-Path -Path $script:CopyFolder -ChildPath "bin\$framework"
            New-Item -ItemType Directory -Path $target | Out-Null
            Copy-Item -LiteralPath (Join-Path -Path $script:ModuleFolder -ChildPath "bin\$framework\CMAAD.Commands.dll") -Destination $target
        }
        $script:BrokenDll = Join-Path -Path $script:CopyFolder -ChildPath 'bin\win-x64\cmaad.dll'
        New-Item -ItemType Directory -Path (Split-Path -Parent $script:BrokenDll) | Out-Null
        $script:RealDll = Join-Path -Path $script:ModuleFolder -ChildPath 'bin\win-x64\cmaad.dll'
    }

    It '<Case>: the error names the file and the loader''s reason' -TestCases @(
        @{ Case = 'a file that is not a DLL'; Make = { [System.IO.File]::WriteAllText($script:BrokenDll, 'This is not a Windows DLL.') } }
        @{ Case = 'a truncated cmaad.dll'; Make = {
                $bytes = New-Object -TypeName byte[] -ArgumentList 65536
                $stream = [System.IO.File]::OpenRead($script:RealDll)
                try { $null = $stream.Read($bytes, 0, $bytes.Length) } finally { $stream.Dispose() }
                [System.IO.File]::WriteAllBytes($script:BrokenDll, $bytes) } }
    ) {
        param($Case, $Make)
        & $Make
        $result = Invoke-CmaadProcess -Module "$($script:CopyFolder)\CMAAD.psd1" -Environment @{ CMAAD_LIBRARY = $null } -Script (
            "try { Get-CMAADApplication -ErrorAction Stop } catch { `$_.FullyQualifiedErrorId; `$_.TargetObject; `$_.Exception.Message }")
        $result.Output[0] | Should -Be 'CMAAD.LibraryNotLoaded,CMAAD.Commands.GetCMAADApplicationCommand' -Because $result.Text
        $result.Output[1] | Should -Be $script:BrokenDll
        # The loader's reason with its HRESULT, e.g. "(Bad format. (0x8007000B))" or
        # "(... is not a valid Win32 application. (0x800700C1))".
        $result.Text | Should -Match ("'" + [regex]::Escape($script:BrokenDll) + "' could not be loaded \(\S.*\(0x8007[0-9A-F]{4}\)\)")
    }

    It 'a DLL without CMAAD''s functions: the error names the file and the missing function' {
        Copy-Item -LiteralPath (Join-Path -Path ([Environment]::SystemDirectory) -ChildPath 'bcryptprimitives.dll') -Destination $script:BrokenDll -Force
        $result = Invoke-CmaadProcess -Module "$($script:CopyFolder)\CMAAD.psd1" -Environment @{ CMAAD_LIBRARY = $null } -Script (
            "try { Get-CMAADApplication -ErrorAction Stop } catch { `$_.FullyQualifiedErrorId; `$_.TargetObject; `$_.Exception.Message }")
        $result.Output[0] | Should -BeLike 'CMAAD.Library*,CMAAD.Commands.GetCMAADApplicationCommand' -Because $result.Text
        $result.Output[1] | Should -Be $script:BrokenDll
        $result.Text | Should -BeLike '*cmaad_abi_version*'
        $result.Text | Should -BeLike "*$($script:BrokenDll)*"
    }
}

Describe 'The examples run and exit with their documented codes' -Skip:(-not $script:HasFakeEntra) {
    BeforeAll {
        $script:Fake = Start-WindowsFakeEntra
        $script:Maintenance = Join-Path -Path $script:Examples -ChildPath 'Invoke-CmgSecretMaintenance.ps1'
        $script:Onboard = Join-Path -Path $script:Examples -ChildPath 'Onboard-Cmg.ps1'
        $script:Registrations = Join-Path -Path $script:Examples -ChildPath 'New-CmgRegistrations.ps1'
        # The examples import CMAAD by name: the staged module's folder goes first on PSModulePath.
        $script:ExampleEnvironment = @{ PSModulePath = (Split-Path -Parent $script:ModuleFolder) + ';' + $env:PSModulePath }
    }
    AfterAll {
        Stop-WindowsFakeEntra $script:Fake
    }

    It 'Onboard-Cmg.ps1 -Verify imports and verifies both apps and creates the service (exit 0)' {
        $store = Join-Path -Path $TestDrive -ChildPath 'onboard\site.db'
        $run = (Get-ConnectLine -StorePath $store -Url $script:Fake.Url) + "`r`n" +
            "& '$($script:Onboard)' -TenantName Contoso -TenantId '$($script:TenantId)' -ServerAppClientId '$($script:ServerClientId)' " +
            "-ClientAppClientId '$($script:ClientClientId)' -SecretKey (ConvertTo-SecureString -String '$($script:Secret)' -AsPlainText -Force) " +
            "-SecretKeyExpiry (Get-Date).AddDays(300) -StorePath '$store' -Verify | Out-Null`r`n" +
            "@(Get-CMAADApplication | ForEach-Object { `$_.Name + '=' + (`$null -ne `$_.LastVerified) }) -join ','; @(Get-CMAzureService).Count"
        $first = Invoke-CmaadProcess -Environment $script:ExampleEnvironment -Script $run
        $first.ExitCode | Should -Be 0 -Because $first.Text
        $first.Output[-2] | Should -Be 'CmgServerApp=True,CmgClientApp=True'
        $first.Output[-1] | Should -Be '1'
    }

    It 'Onboard-Cmg.ps1 with a secret Entra refuses stops with exit 1 and stores nothing' {
        $store = Join-Path -Path $TestDrive -ChildPath 'onboard refused\site.db'
        $result = Invoke-CmaadProcess -Environment $script:ExampleEnvironment -Script (
            (Get-ConnectLine -StorePath $store -Url $script:Fake.Url) + "`r`n" +
            "& '$($script:Onboard)' -TenantName Contoso -TenantId '$($script:TenantId)' -ServerAppClientId '$($script:ServerClientId)' " +
            "-ClientAppClientId '$($script:ClientClientId)' -SecretKey (ConvertTo-SecureString -String 'not-the-secret' -AsPlainText -Force) " +
            "-SecretKeyExpiry (Get-Date).AddDays(300) -StorePath '$store' -Verify")
        $result.ExitCode | Should -Be 1 -Because $result.Text
        $check = Invoke-CmaadProcess -Script "Connect-CMAADSite -StorePath '$store' | Out-Null; @(Get-CMAADApplication).Count"
        $check.Output[-1] | Should -Be '0'
    }

    It 'New-CmgRegistrations.ps1 -WhatIf shows the server registration, creates nothing (exit 0)' {
        $store = Join-Path -Path $TestDrive -ChildPath 'registrations\site.db'
        $result = Invoke-CmaadProcess -Environment $script:ExampleEnvironment -Script (
            "& '$($script:Registrations)' -TenantId '$($script:TenantId)' -ServiceName Contoso -StorePath '$store' -WhatIf | Out-String -Width 200`r`n" +
            "'apps=' + @(Get-CMAADApplication).Count")
        $result.ExitCode | Should -Be 0 -Because $result.Text
        $result.Text | Should -BeLike '*WhatIf *: True*'
        $result.Text | Should -BeLike '*displayName=CmgServerApp*'
        $result.Output[-1] | Should -Be 'apps=0'
    }

    It 'Invoke-CmgSecretMaintenance.ps1 as a scheduled task runs it: exit <Code> when <When>' -TestCases @(
        @{ Code = 0; When = 'every app verifies'; Secret = '1uXGR^!0@Cjas6qI*J02ZeS&&zY19^hC*9'; Summary = '*1 app(s); 1 verified, 0 rotated, 0 due, 0 need attention*' }
        @{ Code = 1; When = 'Entra refuses a stored secret'; Secret = 'a-revoked-secret'; Summary = '*1 need attention*[NeedsAttention]*CmgServerApp*' }
    ) {
        param($Code, $When, $Secret, $Summary)
        $store = Join-Path -Path $TestDrive -ChildPath ("maintenance {0}\site.db" -f $Code)
        $log = Join-Path -Path $TestDrive -ChildPath ("maintenance {0}.log" -f $Code)
        $connect = Get-ConnectLine -StorePath $store -Url $script:Fake.Url
        (Invoke-CmaadProcess -Script ($connect + "`r`n" + (Get-ImportLine -Secret $Secret))).ExitCode | Should -Be 0
        $result = Invoke-CmaadProcess -Environment $script:ExampleEnvironment -Script (
            $connect + "`r`n& '$($script:Maintenance)' -StorePath '$store' -ReportOnly -LogPath '$log'`r`nexit `$LASTEXITCODE")
        $result.ExitCode | Should -Be $Code -Because $result.Text
        $result.Text | Should -BeLike $Summary
        (Get-Content -Raw -LiteralPath $log) | Should -BeLike $Summary
    }

    It 'Invoke-CmgSecretMaintenance.ps1 started by powershell -File exits 2 when the store cannot be opened' {
        $notAStore = Join-Path -Path $TestDrive -ChildPath 'not a store.db'
        [System.IO.File]::WriteAllText($notAStore, 'This file is not a CMAAD site store.')
        $saved = $env:PSModulePath
        $env:PSModulePath = $script:ExampleEnvironment.PSModulePath
        try {
            $output = & $script:Pwsh -NoProfile -NonInteractive -File $script:Maintenance -StorePath $notAStore -ReportOnly 2>&1
            $code = $LASTEXITCODE
        }
        finally {
            $env:PSModulePath = $saved
        }
        $code | Should -Be 2 -Because ($output -join "`n")
        ($output -join "`n") | Should -BeLike '*CMAAD secret maintenance could not run:*'
    }
}

Describe 'The Windows PowerShell 5.1 build (compiled here, not run)' -Skip:($PSVersionTable.PSEdition -eq 'Desktop') {
    It 'bin/net462/CMAAD.Commands.dll references the .NET Framework (mscorlib 4.0) and PowerShell 5.1 (System.Management.Automation 3.0), not .NET Standard' {
        $stream = [System.IO.File]::OpenRead((Join-Path -Path $script:ModuleFolder -ChildPath 'bin/net462/CMAAD.Commands.dll'))
        try {
            $pe = New-Object -TypeName System.Reflection.PortableExecutable.PEReader -ArgumentList $stream
            $metadata = [System.Reflection.Metadata.PEReaderExtensions]::GetMetadataReader($pe)
            $references = @{}
            foreach ($handle in $metadata.AssemblyReferences) {
                $reference = $metadata.GetAssemblyReference($handle)
                $references[$metadata.GetString($reference.Name)] = $reference.Version
            }
        }
        finally {
            $stream.Dispose()
        }
        $references['mscorlib'] | Should -Be ([version]'4.0.0.0')
        $references['System.Management.Automation'] | Should -Be ([version]'3.0.0.0')
        $references.Keys | Should -Not -Contain 'netstandard'
        $references.Keys | Should -Not -Contain 'System.Runtime'
    }
}
