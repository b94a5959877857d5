# Pester 5 tests of the compiled CMAAD module in real PowerShell, against the real native library.
# tests/powershell/run-pester.sh stages the module (powershell/stage-module.sh) and runs this file
# with the shared PowerShell; $env:CMAAD_TEST_MODULE names the staged CMAAD.psd1 and
# $env:CMAAD_FAKE_ENTRA the local fake Entra + Graph (tests/fake-entra) when it is built.
#
# Platform-neutral on purpose (Windows PowerShell under wine runs it too): paths through
# Join-Path, temporary files under [IO.Path]::GetTempPath() or $TestDrive, child processes
# through the running PowerShell's own executable. What cannot hold on Windows says why.

BeforeDiscovery {
    $contract = Get-Content -Raw -Path (Join-Path -Path $PSScriptRoot -ChildPath 'contract.json') | ConvertFrom-Json
    $script:ContractCases = @()
    foreach ($group in @('cmdlets', 'moduleCmdlets')) {
        foreach ($entry in $contract.$group.PSObject.Properties) {
            $script:ContractCases += @{ Name = $entry.Name; Group = $group }
        }
    }
    $script:HasFakeEntra = [bool]$env:CMAAD_FAKE_ENTRA -and (Test-Path -LiteralPath $env:CMAAD_FAKE_ENTRA -PathType Leaf)
    # Describe 'ConfigMgr site' needs the fake site (tests/fake-adminservice/src/bin/fake-site.rs),
    # which starts Debian's MIT KDC (krb5kdc, kdb5_util, kadmin.local): Linux programs. Under
    # PowerShell for Windows (wine) no KDC can be started, so the Describe is skipped there; on
    # Linux it is skipped only where the KDC is not installed, and never in CI, which installs it.
    $script:SiteSkipReason = if ($IsWindows) {
        'the fake site runs a real MIT KDC (Debian krb5-kdc), which PowerShell for Windows under wine cannot start'
    }
    elseif (-not $env:CMAAD_FAKE_SITE -or -not (Test-Path -LiteralPath $env:CMAAD_FAKE_SITE -PathType Leaf)) {
        '$env:CMAAD_FAKE_SITE does not name the fake-site program (tests/powershell/run-pester.sh builds it)'
    }
    elseif (-not (Test-Path -LiteralPath '/usr/sbin/krb5kdc') -or -not (Test-Path -LiteralPath '/usr/sbin/kadmin.local')) {
        'the MIT KDC is not installed (apt-get install krb5-kdc krb5-admin-server)'
    }
    if ($script:SiteSkipReason) {
        if ($env:CI -eq 'true' -and -not $IsWindows) {
            throw "Describe 'ConfigMgr site' must run in CI, but $($script:SiteSkipReason)."
        }
        Write-Host "Skipping Describe 'ConfigMgr site': $($script:SiteSkipReason)."
    }
}

BeforeAll {
    $script:ModulePath = $env:CMAAD_TEST_MODULE
    if (-not $script:ModulePath -or -not (Test-Path -LiteralPath $script:ModulePath -PathType Leaf)) {
        throw 'Set $env:CMAAD_TEST_MODULE to a staged CMAAD.psd1 (tests/powershell/run-pester.sh stages one).'
    }
    $script:ModuleFolder = Split-Path -Parent $script:ModulePath
    $script:Repo = (Resolve-Path -Path (Join-Path -Path $PSScriptRoot -ChildPath '../..')).Path
    Import-Module -Name $script:ModulePath -Force -ErrorAction Stop

    $script:Contract = Get-Content -Raw -Path (Join-Path -Path $PSScriptRoot -ChildPath 'contract.json') | ConvertFrom-Json
    $script:TenantId = '05a349fa-0d5c-4a1c-9f3e-1c2d3e4f5a6b'
    $script:ServerClientId = '7078946d-1a2b-4c3d-8e9f-0a1b2c3d4e5f'
    $script:ClientClientId = 'cf114f48-2b3c-4d5e-9f0a-1b2c3d4e5f60'
    $script:PlainSecret = '1uXGR^!0@Cjas6qI*J02ZeS&&zY19^hC*9'
    $script:Expiry = (Get-Date).Date.AddYears(1)
    $script:Pwsh = [System.Diagnostics.Process]::GetCurrentProcess().MainModule.FileName

    # The contract's type names and the types that implement them in the compiled module.
    $script:TypeOf = @{
        'String'               = @([string])
        'SecureString'         = @([System.Security.SecureString])
        'DateTime'             = @([datetime])
        'Uri'                  = @([uri])
        'AzureEnvironment'     = @([CMAAD.AzureEnvironment])
        'CloudApplicationType' = @([CMAAD.CloudApplicationType])
        'AppObject'            = @([CMAAD.Application], [CMAAD.CloudService], [CMAAD.Tenant])
        'Schedule'             = @([object])
        'Boolean'              = @([bool])
        'Int32'                = @([int])
        'Int64'                = @([long])
        'String[]'             = @([string[]])
        'Switch'               = @([System.Management.Automation.SwitchParameter])
        'PSCredential'         = @([pscredential])
    }

    function New-TestSecret {
        param([string]$Text)
        $secure = New-Object -TypeName System.Security.SecureString
        foreach ($c in $Text.ToCharArray()) {
            $secure.AppendChar($c)
        }
        $secure.MakeReadOnly()
        return $secure
    }

    function Get-TestGuid {
        param([int]$Index)
        return ('{0:x8}-aaaa-4bbb-8ccc-{1:x12}' -f $Index, $Index)
    }

    function New-TestStore {
        param([string]$Name)
        return (Join-Path -Path $TestDrive -ChildPath "$Name-$([guid]::NewGuid().ToString('n')).db")
    }

    # Runs a command in a fresh PowerShell process with the module's folder on PSModulePath;
    # returns its output lines and exit code.
    function Invoke-ChildPowerShell {
        param([string]$Command)
        $modules = Split-Path -Parent $script:ModuleFolder
        $prefix = "`$env:PSModulePath = '$modules' + [System.IO.Path]::PathSeparator + `$env:PSModulePath; "
        $output = & $script:Pwsh -NoProfile -NonInteractive -Command ($prefix + $Command) 2>&1
        return [pscustomobject]@{ Output = @($output | ForEach-Object { "$_" }); ExitCode = $LASTEXITCODE }
    }

    # Starts the fake Entra + Graph (tests/fake-entra) with a directory config; returns the process and its URL.
    function Start-FakeEntra {
        param([string]$Config)
        $file = Join-Path -Path $TestDrive -ChildPath "fake-entra-$([guid]::NewGuid().ToString('n')).json"
        Set-Content -LiteralPath $file -Value $Config -Encoding UTF8
        $info = New-Object -TypeName System.Diagnostics.ProcessStartInfo -ArgumentList $env:CMAAD_FAKE_ENTRA, "`"$file`""
        $info.UseShellExecute = $false
        $info.RedirectStandardOutput = $true
        $process = [System.Diagnostics.Process]::Start($info)
        $url = $process.StandardOutput.ReadLine()
        if (-not $url -or -not $url.StartsWith('http://127.0.0.1')) {
            $process.Kill()
            throw "fake-entra did not start (first line: $url)"
        }
        return [pscustomobject]@{ Process = $process; Url = $url.Trim() }
    }
}

AfterAll {
    Remove-Module -Name CMAAD -ErrorAction SilentlyContinue
}

Describe 'The compiled module' {
    It 'exports the contract cmdlets as compiled cmdlets, and the ConfigMgr alias names' {
        $names = @(Get-Command -Module CMAAD -CommandType Cmdlet | ForEach-Object { $_.Name } | Sort-Object)
        $contractNames = @(@($script:Contract.cmdlets.PSObject.Properties.Name) + @($script:Contract.moduleCmdlets.PSObject.Properties.Name) | Sort-Object)
        ($names -join ',') | Should -Be ($contractNames -join ',')
        @(Get-Command -Module CMAAD -CommandType Function) | Should -HaveCount 0
        (Get-Command -Name Get-CMAzureService).ResolvedCommandName | Should -Be 'Get-CMCloudManagementAzureService'
        (Get-Command -Name Remove-CMAzureService).ResolvedCommandName | Should -Be 'Remove-CMCloudManagementAzureService'
    }

    It 'loads the build for this edition of PowerShell' {
        $framework = if ($PSVersionTable.PSEdition -eq 'Core') { 'netstandard2.0' } else { 'net462' }
        $location = (Get-Command -Name Get-CMAADApplication).ImplementingType.Assembly.Location
        $location | Should -Be ([System.IO.Path]::Combine($script:ModuleFolder, 'bin', $framework, 'CMAAD.Commands.dll'))
    }

    It 'names no managed assembly after the native library, so the Windows loader cannot take one for the other' {
        # Windows resolves [DllImport("cmaad")] to an already-loaded module named cmaad.dll, whatever its
        # folder; under .NET Framework (Windows PowerShell 5.1) managed assemblies are such modules too.
        foreach ($framework in 'net462', 'netstandard2.0') {
            $assemblies = @(Get-ChildItem -LiteralPath ([System.IO.Path]::Combine($script:ModuleFolder, 'bin', $framework)) -Filter *.dll)
            $assemblies.Count | Should -BeGreaterThan 0
            foreach ($file in $assemblies) {
                $file.BaseName | Should -Not -Be 'cmaad' -Because "bin/$framework/$($file.Name) would share the native library's module name"
            }
        }
    }

    It 'declares every function of include/cmaad.h once, with its parameter count, and nothing else' {
        $header = Get-Content -Raw -LiteralPath (Join-Path -Path $script:Repo -ChildPath 'include/cmaad.h')
        $declared = @{}
        foreach ($match in [regex]::Matches($header, '(?m)^\S[^;{}#/]*?\b(cmaad_[a-z_]+)\(([^)]*)\);')) {
            $parameters = $match.Groups[2].Value.Trim()
            $declared[$match.Groups[1].Value] = if ($parameters -eq '' -or $parameters -eq 'void') { 0 } else { @($parameters -split ',').Count }
        }
        $declared.Count | Should -BeGreaterThan 20
        $native = (Get-Command -Name Get-CMAADApplication).ImplementingType.Assembly.GetType('CMAAD.Interop.NativeMethods')
        $imports = @{}
        foreach ($method in $native.GetMethods([System.Reflection.BindingFlags]'Static,NonPublic,Public')) {
            $import = $method.GetCustomAttributes([System.Runtime.InteropServices.DllImportAttribute], $false)
            if ($import.Count -gt 0) {
                $imports[$method.Name] = $method.GetParameters().Count
            }
        }
        (@($imports.Keys | Sort-Object) -join ',') | Should -Be (@($declared.Keys | Sort-Object) -join ',')
        foreach ($name in $declared.Keys) {
            $imports[$name] | Should -Be $declared[$name] -Because "$name has $($declared[$name]) parameter(s) in the header"
        }
    }

    It 'compiles no C# at import and needs no TEMP folder' {
        # Windows PowerShell's Add-Type would need TEMP; the module uses none, so an unusable TEMP must not matter.
        $bad = Join-Path -Path $TestDrive -ChildPath 'no-such-temp'
        $result = Invoke-ChildPowerShell -Command ("`$env:TEMP = '$bad'; `$env:TMP = '$bad'; `$env:TMPDIR = '$bad'; Import-Module CMAAD -ErrorAction Stop; " +
            "@([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -like 'Microsoft.CodeAnalysis*' -or `$_.IsDynamic -and `$_.GetName().Name -like '*CMAAD*' }).Count")
        $result.ExitCode | Should -Be 0
        $result.Output[-1] | Should -Be '0'
    }

    It 'Test-ModuleManifest is clean; licence, project and a FileList of exactly the staged files' {
        $manifest = Test-ModuleManifest -Path $script:ModulePath -ErrorAction Stop
        $manifest.LicenseUri | Should -Not -BeNullOrEmpty
        $manifest.ProjectUri | Should -Not -BeNullOrEmpty
        $data = Import-PowerShellDataFile -Path $script:ModulePath
        $staged = @(Get-ChildItem -LiteralPath $script:ModuleFolder -Recurse -File | ForEach-Object {
                $_.FullName.Substring($script:ModuleFolder.Length + 1).Replace('\', '/') } | Sort-Object)
        (@($data.FileList | Sort-Object) -join ',') | Should -Be ($staged -join ',')
        $staged | Should -Contain 'LICENSE'
        $staged | Should -Contain 'en-US/CMAAD.Commands.dll-Help.xml'
        $staged | Should -Contain 'en-US/about_CMAAD.help.txt'
        (Get-Content -Raw -LiteralPath (Join-Path -Path $script:ModuleFolder -ChildPath 'LICENSE')) | Should -BeLike 'MIT License*'
    }

    It '<Name> has the contract parameters, types, aliases, positions, sets and output types' -TestCases $script:ContractCases {
        param($Name, $Group)
        $command = Get-Command -Name $Name -CommandType Cmdlet
        $spec = $script:Contract.$Group.$Name
        $common = @([System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters)
        $declared = @($command.Parameters.Keys | Where-Object { $common -notcontains $_ } | Sort-Object)
        $names = @($spec.parameters.PSObject.Properties.Name)
        if (-not $spec.noCommonParameters) {
            $names += @($script:Contract.commonParameters.PSObject.Properties.Name)
        }
        ($declared -join ',') | Should -Be (@($names | Sort-Object) -join ',')
        $allSets = @($command.ParameterSets | ForEach-Object { $_.Name })
        foreach ($property in $spec.parameters.PSObject.Properties) {
            $parameter = $command.Parameters[$property.Name]
            $want = $property.Value
            $script:TypeOf[$want.type] | Should -Contain $parameter.ParameterType -Because "$Name -$($property.Name) is $($want.type)"
            (@($parameter.Aliases | Sort-Object) -join ',') | Should -Be (@($want.aliases | Sort-Object) -join ',') -Because "aliases of -$($property.Name)"
            $sets = @($parameter.ParameterSets.Keys)
            if (@($want.sets) -contains '*') {
                $sets | Should -Be '__AllParameterSets' -Because "-$($property.Name) is in every set"
            }
            else {
                (@($sets | Sort-Object) -join ',') | Should -Be (@($want.sets | Sort-Object) -join ',') -Because "sets of -$($property.Name)"
            }
            foreach ($set in $sets) {
                $attribute = $parameter.ParameterSets[$set]
                $mandatory = [bool]$want.mandatory
                if ($want.mandatoryIn) {
                    $mandatory = @($want.mandatoryIn) -contains $set
                }
                $attribute.IsMandatory | Should -Be $mandatory -Because "-$($property.Name) mandatory in $set"
                $position = if ($attribute.Position -ge 0) { $attribute.Position } else { $null }
                $position | Should -Be $want.position -Because "position of -$($property.Name)"
                $attribute.ValueFromPipeline | Should -Be ([bool]$want.pipeline) -Because "-$($property.Name) by value"
                $attribute.ValueFromPipelineByPropertyName | Should -Be ([bool]$want.pipelineByPropertyName) -Because "-$($property.Name) by property name"
            }
        }
        if ($spec.defaultParameterSet) {
            $command.DefaultParameterSet | Should -Be $spec.defaultParameterSet
            $allSets | Should -Contain $spec.defaultParameterSet
        }
        $binding = $command.ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0]
        $binding.SupportsShouldProcess | Should -Be ([bool]$spec.supportsShouldProcess)
        if ($spec.confirmImpact) {
            $binding.ConfirmImpact.ToString() | Should -Be $spec.confirmImpact
        }
        $outputs = @($command.OutputType | ForEach-Object { $_.Name })
        (@($outputs | Sort-Object) -join ',') | Should -Be (@(@($spec.outputType) | Sort-Object) -join ',')
        foreach ($alias in @($spec.commandAliases | Where-Object { $_ })) {
            (Get-Command -Name $alias).ResolvedCommandName | Should -Be $Name
        }
    }

    It '<Name> has MAML help with a synopsis, every parameter described and two examples' -TestCases $script:ContractCases {
        param($Name, $Group)
        $help = Get-Help -Name $Name -Full
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Not -BeLike "*$Name *[<]*"
        @($help.Examples.Example).Count | Should -BeGreaterOrEqual 2
        $command = Get-Command -Name $Name
        $common = @([System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters)
        foreach ($parameter in @($command.Parameters.Keys | Where-Object { $common -notcontains $_ })) {
            $text = (Get-Help -Name $Name -Parameter $parameter).description | Out-String
            $text.Trim() | Should -Not -BeNullOrEmpty -Because "-$parameter is described"
        }
        (Get-Help -Name about_CMAAD | Out-String) | Should -BeLike '*about_CMAAD*'
    }

    It 'every table view fits 120 columns' {
        [xml]$format = Get-Content -Raw -LiteralPath (Join-Path -Path $script:ModuleFolder -ChildPath 'CMAAD.Format.ps1xml')
        foreach ($view in $format.Configuration.ViewDefinitions.View) {
            if ($null -ne $view.TableControl) {
                $widths = @($view.TableControl.TableHeaders.TableColumnHeader | ForEach-Object { [int]$_.Width })
                ($widths | Measure-Object -Sum).Sum + $widths.Count - 1 | Should -BeLessOrEqual 120 -Because "$($view.Name) fits 120 columns"
            }
        }
    }
}

Describe 'Onboarding flow' {
    BeforeAll {
        $script:Site = Connect-CMAADSite -StorePath (New-TestStore 'site')
    }

    It 'Connect-CMAADSite chooses the store and reports the site' {
        $script:Site | Should -BeOfType [CMAAD.Site]
        $script:Site.StorePath | Should -BeLike '*site-*.db'
        $script:Site.AzureEnvironment | Should -Be 'AzurePublicCloud'
    }

    It "runs Microsoft's published example unchanged (plain-string secret, with a warning)" {
        $date = [datetime]::ParseExact($script:Expiry.ToString('MM/dd/yyyy', [System.Globalization.CultureInfo]::InvariantCulture), 'MM/dd/yyyy', $null)
        $app = Import-CMAADServerApplication -TenantName "Contoso" -TenantId $script:TenantId -AppName "CmgServerApp" -ClientId $script:ServerClientId -SecretKey $script:PlainSecret -SecretKeyExpiry $date -WarningVariable warnings 3>$null
        @($warnings | Where-Object { "$_" -like 'SecretKey was given as plain text*' }).Count | Should -Be 1
        $app | Should -BeOfType [CMAAD.Application]
        $app.PSObject.TypeNames[0] | Should -Be 'CMAAD.Application'
        $app.AppType | Should -Be 'ServerApplication'
        $app.TenantID | Should -Be $script:TenantId
        $app.SecretKeyExpiry | Should -BeOfType [datetime]
        $app.SecretKeyExpiry.Date | Should -Be $date.Date
        ($app | ConvertTo-Json -Depth 5) | Should -Not -BeLike "*$($script:PlainSecret)*"
    }

    It 'binds the contract positions (TenantName TenantId AppName ClientId SecretKey SecretKeyExpiry)' {
        $tenant = Get-TestGuid 1
        $app = Import-CMAADServerApplication 'Fabrikam' $tenant 'FabrikamServerApp' (Get-TestGuid 2) (New-TestSecret 'fabrikam-secret') $script:Expiry
        $app.TenantName | Should -Be 'Fabrikam'
        $app.Name | Should -Be 'FabrikamServerApp'
    }

    It '-WhatIf imports nothing' {
        Import-CMAADServerApplication -TenantName 'WhatIf' -TenantId (Get-TestGuid 3) -AppName 'WhatIfApp' -ClientId (Get-TestGuid 4) -SecretKey (New-TestSecret 'x') -SecretKeyExpiry $script:Expiry -WhatIf
        Get-CMAADApplication -TenantName 'WhatIf' | Should -BeNullOrEmpty
    }

    It 'imports the client app by server app, by pipeline and by tenant ID' {
        $serverApp = Get-CMAADApplication -TenantName "Contoso" -AppType ServerApplication -AppName "CmgServerApp"
        $client = Import-CMAADClientApplication -ServerApp $serverApp -AppName "CmgClientApp" -ClientId $script:ClientClientId
        $client.IsClientApp | Should -BeTrue
        $client.TenantName | Should -Be 'Contoso'
        $client.ServerAppID | Should -Be $serverApp.ID

        $piped = Get-CMAADApplication -AppName 'FabrikamServerApp' | Import-CMAADClientApplication -AppName 'FabrikamClientApp' -ClientId (Get-TestGuid 5)
        $piped.TenantName | Should -Be 'Fabrikam'

        $byId = Import-CMAADClientApplication -TenantId (Get-TestGuid 1) -ApplicationName 'FabrikamClientApp2' -ClientId (Get-TestGuid 6)
        $byId.TenantID | Should -Be (Get-TestGuid 1)
    }

    It 'filters with AND; no match is empty and not an error' {
        @(Get-CMAADApplication -TenantName 'Contoso' -AppType ClientApplication) | Should -HaveCount 1
        @(Get-CMAADApplication -TenantId $script:TenantId -ApplicationType ServerApplication) | Should -HaveCount 1
        @(Get-CMAADApplication -ApplicationName 'CmgServerApp') | Should -HaveCount 1
        @(Get-CMAADApplication -ClientId $script:ServerClientId) | Should -HaveCount 1
        @(Get-CMAADApplication) | Should -HaveCount 5
        $none = Get-CMAADApplication -AppName 'Nope' -ErrorVariable err
        $none | Should -BeNullOrEmpty
        $err | Should -BeNullOrEmpty
    }

    It "creates the service with Microsoft's example and the parameter aliases" {
        $serverApp = Get-CMAADApplication -TenantName "Contoso" -AppType ServerApplication -AppName "CmgServerApp"
        $clientApp = Get-CMAADApplication -TenantName "Contoso" -AppType ClientApplication -AppName "CmgClientApp"
        $service = New-CMCloudManagementAzureService -Name "Contoso" -Description "Azure Service" -ServerApp $serverApp -ClientApp $clientApp -AzureEnvironmentOption AzurePublicCloud
        $service | Should -BeOfType [CMAAD.CloudService]
        $service.ServiceType | Should -Be 'CloudManagement'
        $service.ServerAppID | Should -Be $serverApp.ID
        $service.CreatedTime | Should -BeOfType [datetime]

        $fabServer = Get-CMAADApplication -AppName 'FabrikamServerApp'
        $fabClient = Get-CMAADApplication -AppName 'FabrikamClientApp'
        $groups = New-CMCloudManagementAzureService -Name 'Fabrikam' -WebApplication $fabServer -NativeClientApplication $fabClient -EnableUserDiscovery $true -EnableUserDeltaDiscovery $true -UserDeltaDiscoveryMins 5 -UserDiscoverySchedule @{ Kind = 'Days'; Interval = 7 } -EnableGroupDiscovery $true -AddGroupNames 'CMG Users'
        $groups.UserDiscoverySchedule.Kind | Should -Be 'Days'
        (@($groups.AddGroupName) -join ',') | Should -Be 'CMG Users'
    }

    It 'reports failures as ErrorRecords with a CMAAD id and the right category' {
        $result = Import-CMAADServerApplication -TenantName 'Contoso' -TenantId $script:TenantId -AppName 'Bad' -ClientId 'abc' -SecretKey (New-TestSecret 'x') -SecretKeyExpiry $script:Expiry -ErrorAction SilentlyContinue -ErrorVariable err
        $result | Should -BeNullOrEmpty
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -Be 'CMAAD.InvalidClientId,CMAAD.Commands.ImportCMAADServerApplicationCommand'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err[0].TargetObject | Should -Be 'ClientId'
        $err[0].Exception | Should -BeOfType [CMAAD.Interop.CmaadInvalidArgumentException]

        $null = Import-CMAADServerApplication -TenantName 'Contoso' -TenantId $script:TenantId -AppName 'CmgServerApp' -ClientId $script:ServerClientId -SecretKey (New-TestSecret 'x') -SecretKeyExpiry $script:Expiry -ErrorAction SilentlyContinue -ErrorVariable dup
        $dup[0].CategoryInfo.Category | Should -Be 'ResourceExists'
        $dup[0].Exception.ExistingId | Should -Be (Get-CMAADApplication -AppName 'CmgServerApp').ID

        $null = Import-CMAADClientApplication -TenantId (Get-TestGuid 99) -AppName 'Orphan' -ClientId (Get-TestGuid 98) -ErrorAction SilentlyContinue -ErrorVariable missing
        $missing[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It 'lets try/catch with -ErrorAction Stop catch the typed exception' {
        $caught = $null
        try {
            Import-CMAADClientApplication -TenantId (Get-TestGuid 99) -AppName 'Orphan' -ClientId (Get-TestGuid 98) -ErrorAction Stop
        }
        catch [CMAAD.Interop.CmaadNotFoundException] {
            $caught = $_
        }
        $caught | Should -Not -BeNullOrEmpty
        $caught.FullyQualifiedErrorId | Should -BeLike 'CMAAD.*,CMAAD.Commands.ImportCMAADClientApplicationCommand'
    }

    It 'refuses several server apps given to -ServerApp, naming the count' {
        $all = Get-CMAADApplication -AppType ServerApplication
        { Import-CMAADClientApplication -ServerApp $all -AppName 'X' -ClientId (Get-TestGuid 97) } | Should -Throw -ExpectedMessage '*2 objects were given where one is expected*'
    }

    It 'refuses the retired German cloud with a clear message, by name or by ConfigMgr''s enum value' {
        foreach ($value in @('AzureGermanCloud', 3)) {
            $caught = $null
            try {
                Import-CMAADServerApplication -TenantName 'Old' -TenantId (Get-TestGuid 7) -AppName 'Old' -ClientId (Get-TestGuid 8) -SecretKey (New-TestSecret 'x') -SecretKeyExpiry $script:Expiry -AzureEnvironmentOption $value
            }
            catch {
                $caught = $_
            }
            $caught.FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentTransformationError,*'
            $caught.Exception.Message | Should -BeLike '*AzureGermanCloud*retired*AzurePublicCloud*'
        }
        @(Get-CMAADApplication -AppName 'Old') | Should -HaveCount 0
    }

    It '-Verbose says what is contacted' {
        $verbose = Get-CMAADApplication -AppName 'CmgServerApp' -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        ($verbose | ForEach-Object { $_.Message }) -join "`n" | Should -BeLike '*site store*'
    }
}

Describe 'Secret lifecycle and the cmdlet family (site store only)' {
    BeforeAll {
        $null = Connect-CMAADSite -StorePath (New-TestStore 'lifecycle')
        $script:SoonTenant = Get-TestGuid 201
        $script:LaterTenant = Get-TestGuid 202
        # DaysUntilSecretExpiry 10 and 40 (an hour past the whole days).
        $script:Soon = Import-CMAADServerApplication -TenantName 'Soon' -TenantId $script:SoonTenant -AppName 'SoonServer' -ClientId (Get-TestGuid 211) -SecretKey (New-TestSecret 'soon') -SecretKeyExpiry (Get-Date).AddHours(241)
        $script:Later = Import-CMAADServerApplication -TenantName 'Later' -TenantId $script:LaterTenant -AppName 'LaterServer' -ClientId (Get-TestGuid 212) -SecretKey (New-TestSecret 'later') -SecretKeyExpiry (Get-Date).AddHours(961)
        $script:LaterClient = $script:Later | Import-CMAADClientApplication -AppName 'LaterClient' -ClientId (Get-TestGuid 213)
        $script:Service = New-CMCloudManagementAzureService -Name 'Later' -ServerApp $script:Later -ClientApp $script:LaterClient
    }

    It 'Get-CMAADApplication -ExpiringWithinDays filters at the boundary' {
        @(Get-CMAADApplication -ExpiringWithinDays 10) | Should -HaveCount 1
        @(Get-CMAADApplication -ExpiringWithinDays 9) | Should -HaveCount 0
        @(Get-CMAADApplication -ExpiringWithinDays 40) | Should -HaveCount 2
        (Get-CMAADApplication -ExpiringWithinDays 30).Name | Should -Be 'SoonServer'
        { Get-CMAADApplication -ExpiringWithinDays -1 } | Should -Throw
    }

    It 'Set-CMAADApplication stores a renewed secret and renames' {
        $renewed = $script:Soon | Set-CMAADApplication -SecretKey (New-TestSecret 'renewed') -SecretKeyExpiry (Get-Date).AddDays(300) -PassThru
        $renewed | Should -BeOfType [CMAAD.Application]
        $renewed.DaysUntilSecretExpiry | Should -BeGreaterOrEqual 299
        Set-CMAADApplication -Id $script:Soon.ID -NewName 'SoonServer2' | Should -BeNullOrEmpty
        (Get-CMAADApplication -AppName 'SoonServer2').ID | Should -Be $script:Soon.ID
        { Set-CMAADApplication -Id $script:Soon.ID -SecretKey (New-TestSecret 'x') } | Should -Throw -ErrorId 'CMAAD.SecretNeedsExpiry,*'
        { Set-CMAADApplication -Id $script:Soon.ID } | Should -Throw -ErrorId 'CMAAD.NothingToChange,*'
    }

    It '-WhatIf runs the checks of the real call: a missing app or an app in use fails as it would, and nothing is changed' {
        Set-CMAADApplication -Id 4242 -NewName 'X' -WhatIf -ErrorAction SilentlyContinue -ErrorVariable missing
        $missing | Should -HaveCount 1
        $missing[0].FullyQualifiedErrorId | Should -BeLike 'CMAAD.AppNotFound,*'
        $byPreference = & {
            $WhatIfPreference = $true
            Set-CMAADApplication -Id 4242 -NewName 'X' -ErrorAction SilentlyContinue -ErrorVariable preferred
            $preferred
        }
        @($byPreference) | Should -HaveCount 1 -Because '$WhatIfPreference counts as -WhatIf'
        $byPreference[0].FullyQualifiedErrorId | Should -BeLike 'CMAAD.AppNotFound,*'

        $script:LaterClient | Remove-CMAADApplication -WhatIf -ErrorAction SilentlyContinue -ErrorVariable inUse
        $inUse | Should -HaveCount 1
        $inUse[0].FullyQualifiedErrorId | Should -BeLike 'CMAAD.AppInUse,*'
        @(Get-CMAADApplication -AppName 'LaterClient') | Should -HaveCount 1

        # A change that would succeed only reports, and nothing is kept.
        Set-CMAADApplication -Id $script:Later.ID -NewName 'WhatIfName' -WhatIf -ErrorVariable none
        $none | Should -HaveCount 0
        (Get-CMAADApplication -ClientId $script:Later.ClientID).Name | Should -Be 'LaterServer'
        Set-CMCloudManagementAzureService -Id $script:Service.ID -Description 'WhatIf' -WhatIf
        (Get-CMCloudManagementAzureService -Id $script:Service.ID).Description | Should -Not -Be 'WhatIf'
    }

    It 'Remove-CMAADApplication is refused while a service uses the app, honors -WhatIf and removes with -Force' {
        $null = $script:LaterClient | Remove-CMAADApplication -Force -ErrorAction SilentlyContinue -ErrorVariable inUse
        $inUse | Should -HaveCount 1
        $inUse[0].FullyQualifiedErrorId | Should -BeLike 'CMAAD.AppInUse,*'

        Get-CMAzureService -Name 'Lat*' | Should -HaveCount 1
        $service = Get-CMCloudManagementAzureService -Id $script:Service.ID
        $changed = $service | Set-CMCloudManagementAzureService -EnableAADGroupSync $true -Description 'CMG' -PassThru
        $changed.EnableAADGroupSync | Should -BeTrue
        $changed.Description | Should -Be 'CMG'
        Remove-CMAzureService -Name 'Later' -Force -WhatIf
        @(Get-CMAzureService) | Should -HaveCount 1
        $removedService = Remove-CMAzureService -Name 'Later' -Force -PassThru
        $removedService.Removed | Should -BeTrue

        $script:LaterClient | Remove-CMAADApplication -Force -WhatIf
        @(Get-CMAADApplication -AppName 'LaterClient') | Should -HaveCount 1
        $removed = $script:LaterClient, $script:Later | Remove-CMAADApplication -Force -PassThru
        @($removed) | Should -HaveCount 2
        @(Get-CMAADApplication -TenantId $script:LaterTenant) | Should -HaveCount 0
    }

    It 'Get-CMAADTenant and Set-CMAADTenant -DisableAADAuthentication' {
        $tenant = Get-CMAADTenant -Name 'Soon'
        $tenant | Should -BeOfType [CMAAD.Tenant]
        $tenant.TenantID | Should -Be $script:SoonTenant
        (Get-CMAADTenant -TenantId $script:SoonTenant).Name | Should -Be 'Soon'
        $disabled = $tenant | Set-CMAADTenant -DisableAADAuthentication $true -PassThru
        $disabled.DisableAADAuthentication | Should -BeTrue
        Set-CMAADTenant -TenantId $script:SoonTenant -DisableAADAuthentication $false
        (Get-CMAADTenant -Id $script:SoonTenant).DisableAADAuthentication | Should -BeFalse
    }
}

Describe 'Graph cmdlets without Microsoft Entra ID' {
    BeforeAll {
        $listener = New-Object -TypeName System.Net.Sockets.TcpListener -ArgumentList ([System.Net.IPAddress]::Loopback), 0
        $listener.Start()
        $port = $listener.LocalEndpoint.Port
        $listener.Stop()
        $script:Offline = "http://127.0.0.1:$port"
        $null = Connect-CMAADSite -StorePath (New-TestStore 'graph') -AuthorityHost $script:Offline -GraphHost $script:Offline -TimeoutSeconds 2
    }

    It 'New-CMAADServerApplication -WhatIf shows the registration without a sign-in and creates nothing' {
        $plan = New-CMAADServerApplication -AppName 'CmgServerApp' -TenantId $script:TenantId -SecretKeyExpiry TwoYears -WhatIf
        $plan | Should -BeOfType [CMAAD.RegistrationPlan]
        $plan.WhatIf | Should -BeTrue
        $plan.Application.displayName | Should -Be 'CmgServerApp'
        ($plan | ConvertTo-Json -Depth 10) | Should -BeLike "*api://$($script:TenantId)/CmgServerApp*"
        @(Get-CMAADApplication) | Should -HaveCount 0
    }

    It 'refuses to create without a sign-in' {
        { New-CMAADServerApplication -AppName 'CmgServerApp' -Confirm:$false } | Should -Throw -ErrorId 'CMAAD.NotConnected,*'
        { Test-CMAADApplication -ClientId $script:ServerClientId } | Should -Throw -ErrorId 'CMAAD.NotConnected,*'
    }

    It 'Connect-CMAADAzure reports an unreachable authority, keeps no sign-in, and its warning names -ClientSecret' {
        { Connect-CMAADAzure -TenantId $script:TenantId -ClientId $script:ServerClientId -ClientSecret 'plain' -WarningVariable w 3>$null } | Should -Throw -ErrorId 'CMAAD.*'
        $warnings = @()
        try {
            Connect-CMAADAzure -TenantId $script:TenantId -ClientId $script:ServerClientId -ClientSecret 'plain' -WarningVariable warnings -WarningAction SilentlyContinue -ErrorAction Stop
        }
        catch {
            $_.FullyQualifiedErrorId | Should -BeLike 'CMAAD.*'
        }
        @($warnings | Where-Object { "$_" -like 'ClientSecret was given as plain text*' }) | Should -HaveCount 1
        @($warnings | Where-Object { "$_" -like '*SecretKey*' }) | Should -HaveCount 0
        { New-CMAADServerApplication -AppName 'X' -Confirm:$false } | Should -Throw -ErrorId 'CMAAD.NotConnected,*'
        Disconnect-CMAADAzure -PassThru | Should -BeNullOrEmpty
    }

    It 'Invoke-CMAADSecretMaintenance reports every unreachable app as needing a person, with typed entries' {
        $server = Import-CMAADServerApplication -TenantName 'Contoso' -TenantId $script:TenantId -AppName 'CmgServerApp' -ClientId $script:ServerClientId -SecretKey (New-TestSecret 'x') -SecretKeyExpiry $script:Expiry
        $report = Invoke-CMAADSecretMaintenance -ReportOnly
        $report | Should -BeOfType [CMAAD.MaintenanceReport]
        $report.Total | Should -Be 1
        $report.NeedsAttention | Should -Be 1
        $report.Apps[0] | Should -BeOfType [CMAAD.MaintenanceEntry]
        $report.Apps[0].Action | Should -Be 'NeedsAttention'
        # The report's list view shows each app as "ID Name: Action", not as @{...}.
        $text = $report | Format-List | Out-String -Width 200
        $text | Should -BeLike '*1 CmgServerApp: NeedsAttention*'
        $text | Should -Not -BeLike '*@{*'
        $verified = @(Test-CMAADApplication -Stored)
        $verified | Should -HaveCount 1
        $verified[0] | Should -BeOfType [CMAAD.VerificationResult]
        $verified[0].Verified | Should -BeFalse
        $verified[0].Error.Code | Should -Not -BeNullOrEmpty
        # A verification result is the app as Get-CMAADApplication shows it, plus the outcome.
        $client = Import-CMAADClientApplication -ServerApp $server -AppName 'CmgClientApp' -ClientId $script:ClientClientId
        $checked = Test-CMAADApplication -Stored -AppType ClientApplication
        foreach ($name in 'IsClientApp', 'AppType', 'TenantName', 'ServerAppID', 'ApplicationCreationTime') {
            $checked.$name | Should -Be $client.$name -Because "$name is the app's"
        }
        $checked.IsClientApp | Should -BeTrue
    }

    It 'the scheduled-task example exits 2 (could not run) for a mistyped store, an empty store, an unknown argument or a bad number, creating nothing' {
        $script = Join-Path -Path $script:Repo -ChildPath 'powershell/examples/Invoke-CmgSecretMaintenance.ps1'
        $missing = New-TestStore 'typo'
        $empty = New-TestStore 'empty'
        $created = Invoke-ChildPowerShell -Command "Import-Module CMAAD; Connect-CMAADSite -StorePath '$empty' | Out-Null; exit 0"
        $created.ExitCode | Should -Be 0 -Because ($created.Output -join "`n")
        $cases = @(
            @{ Arguments = "-StorePath '$missing' -ReportOnly"; Message = "*could not run: -StorePath '$missing' does not exist*" }
            @{ Arguments = "-StorePath '$empty' -ReportOnly"; Message = '*could not run: found no app to maintain in*check -StorePath*' }
            @{ Arguments = "-StorePath '$empty' -ReportOnyl"; Message = '*could not run: Unknown argument(s): -ReportOnyl*' }
            @{ Arguments = "-StorePath '$empty' -RotateWithinDays 400"; Message = "*could not run: -RotateWithinDays '400' is not a whole number of days from 0 to 365*" }
            @{ Arguments = "-StorePath '$empty' -ValidityDays many"; Message = "*could not run: -ValidityDays 'many' is not a whole number*" }
        )
        foreach ($case in $cases) {
            $result = Invoke-ChildPowerShell -Command "& '$script' $($case.Arguments); exit `$LASTEXITCODE"
            $result.ExitCode | Should -Be 2 -Because ($result.Output -join "`n")
            ($result.Output -join "`n") | Should -BeLike $case.Message
        }
        Test-Path -LiteralPath $missing | Should -BeFalse
    }
}

Describe 'Native library missing' {
    It 'names the expected file' {
        $missing = Join-Path -Path $TestDrive -ChildPath 'no-such-libcmaad.so'
        $result = Invoke-ChildPowerShell -Command "`$env:CMAAD_LIBRARY = '$missing'; Import-Module CMAAD; try { Get-CMAADApplication -ErrorAction Stop } catch { `$_.FullyQualifiedErrorId; `$_.Exception.Message }"
        ($result.Output -join "`n") | Should -BeLike '*CMAAD.LibraryMissing*'
        ($result.Output -join "`n") | Should -BeLike "*$missing*"
    }
}

Describe 'What admins hit with the script module, fixed in kind' {
    BeforeAll {
        $script:CaseStore = New-TestStore 'cases'
        $null = Connect-CMAADSite -StorePath $script:CaseStore
        $script:CaseServer = Import-CMAADServerApplication -TenantName 'Contoso' -TenantId $script:TenantId -AppName 'CmgServerApp' -ClientId $script:ServerClientId -SecretKey (New-TestSecret 'case-secret') -SecretKeyExpiry $script:Expiry
        $script:CaseClient = Import-CMAADClientApplication -ServerApp $script:CaseServer -AppName 'CmgClientApp' -ClientId $script:ClientClientId
        $script:FabrikamServer = Import-CMAADServerApplication -TenantName 'Fabrikam' -TenantId (Get-TestGuid 301) -AppName 'FabrikamServerApp' -ClientId (Get-TestGuid 302) -SecretKey (New-TestSecret 'fab') -SecretKeyExpiry $script:Expiry
    }

    It "1. Microsoft's New-CMCloudManagementAzureService example with discovery settings writes no error and stores every setting" {
        $service = New-CMCloudManagementAzureService -Name 'Contoso' -Description 'Azure Service' -ServerApp $script:CaseServer -ClientApp $script:CaseClient -AzureEnvironmentOption AzurePublicCloud `
            -EnableUserDiscovery $true -EnableUserDeltaDiscovery $true -UserDeltaDiscoveryMins 10 -UserDiscoverySchedule @{ Kind = 'Days'; Interval = 7 } `
            -EnableGroupDiscovery $true -EnableGroupDeltaDiscovery $true -GroupDeltaDiscoveryMins 15 -GroupDiscoverySchedule (New-TimeSpan -Hours 12) -AddGroupName 'CMG Users' `
            -ErrorAction Stop -ErrorVariable created
        $created | Should -HaveCount 0
        $stored = Get-CMCloudManagementAzureService -Id $service.ID
        $stored.EnableUserDiscovery | Should -BeTrue
        $stored.EnableUserDeltaDiscovery | Should -BeTrue
        $stored.UserDeltaDiscoveryMins | Should -Be 10
        $stored.UserDiscoverySchedule.Kind | Should -Be 'Days'
        $stored.UserDiscoverySchedule.Interval | Should -Be 7
        $stored.EnableGroupDiscovery | Should -BeTrue
        $stored.GroupDeltaDiscoveryMins | Should -Be 15
        $stored.GroupDiscoverySchedule.Kind | Should -Be 'Hours'
        $stored.GroupDiscoverySchedule.Interval | Should -Be 12
        (@($stored.AddGroupName) -join ',') | Should -Be 'CMG Users'

        $changed = Set-CMCloudManagementAzureService -Id $service.ID -UserDeltaDiscoveryMins 20 -AddGroupName 'CMG Admins' -DeleteGroupName 'CMG Users' -EnableAADGroupSync $true -PassThru -ErrorAction Stop -ErrorVariable set
        $set | Should -HaveCount 0
        $changed.UserDeltaDiscoveryMins | Should -Be 20
        (@($changed.AddGroupName) -join ',') | Should -Be 'CMG Admins'
        $changed.EnableAADGroupSync | Should -BeTrue
    }

    It '2. one ErrorRecord per failure, the CMAAD one, and the pipeline goes on after a failed item' {
        $Error.Clear()
        Remove-CMAADApplication -Id 999 -Force -ErrorVariable ev -ErrorAction SilentlyContinue
        $ev.Count | Should -Be 1
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'CMAAD.AppNotFound,*'
        $ev[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $ev[0].Exception | Should -BeOfType [CMAAD.Interop.CmaadNotFoundException]
        $Error[0].FullyQualifiedErrorId | Should -BeLike 'CMAAD.AppNotFound,*'

        $a = Import-CMAADServerApplication -TenantName 'Pipe' -TenantId (Get-TestGuid 311) -AppName 'PipeA' -ClientId (Get-TestGuid 312) -SecretKey (New-TestSecret 'a') -SecretKeyExpiry $script:Expiry
        $b = Import-CMAADServerApplication -TenantName 'Pipe' -TenantId (Get-TestGuid 311) -AppName 'PipeB' -ClientId (Get-TestGuid 313) -SecretKey (New-TestSecret 'b') -SecretKeyExpiry $script:Expiry
        # The client app makes the middle one's removal fail (AppHasClientApps); the others go.
        $null = $b | Import-CMAADClientApplication -AppName 'PipeClient' -ClientId (Get-TestGuid 314)
        $removed = $a, $b, (Get-CMAADApplication -AppName 'PipeClient') | Remove-CMAADApplication -Force -PassThru -ErrorVariable pipeErrors -ErrorAction SilentlyContinue
        @($removed).Count | Should -Be 2
        $pipeErrors.Count | Should -Be 1
        $pipeErrors[0].FullyQualifiedErrorId | Should -BeLike 'CMAAD.AppHasClientApps,*'
    }

    It '3. an object of another kind on the pipeline is refused, not used by its ID' {
        $before = @(Get-CMAADApplication | ForEach-Object { "$($_.ID):$($_.Name)" }) -join ','
        $tenant = Get-CMAADTenant -Name 'Fabrikam'
        { $tenant | Remove-CMAADApplication -Force -ErrorAction Stop } | Should -Throw -ErrorId 'InputObjectNotBound,*'
        { Remove-CMAADApplication -InputObject $tenant -Force -ErrorAction Stop } | Should -Throw -ErrorId 'CannotConvertArgumentNoMessage,*'
        $service = Get-CMCloudManagementAzureService -Name 'Contoso'
        { $service | Set-CMAADApplication -NewName 'X' -ErrorAction Stop } | Should -Throw -ErrorId 'InputObjectNotBound,*'
        { Get-Process -Id $PID | Remove-CMAADApplication -Force -ErrorAction Stop } | Should -Throw -ErrorId 'InputObjectNotBound,*'
        { New-CMCloudManagementAzureService -Name 'Wrong' -ServerApp $tenant -ClientApp $script:CaseClient -ErrorAction Stop } | Should -Throw -ErrorId 'CannotConvertArgumentNoMessage,*'
        (@(Get-CMAADApplication | ForEach-Object { "$($_.ID):$($_.Name)" }) -join ',') | Should -Be $before
    }

    It '4. $env:CMAAD_STORE set inside PowerShell chooses the store' {
        $store = New-TestStore 'from-env'
        $saved = $env:CMAAD_STORE
        try {
            Remove-Module -Name CMAAD
            Import-Module -Name $script:ModulePath
            $env:CMAAD_STORE = $store
            @(Get-CMAADApplication) | Should -HaveCount 0
            Test-Path -LiteralPath $store -PathType Leaf | Should -BeTrue
            (Connect-CMAADSite).StorePath | Should -Be $store
            $second = New-TestStore 'from-env-2'
            $env:CMAAD_STORE = $second
            $null = Import-CMAADServerApplication -TenantName 'Second' -TenantId (Get-TestGuid 331) -AppName 'Second' -ClientId (Get-TestGuid 332) -SecretKey (New-TestSecret 's') -SecretKeyExpiry $script:Expiry
            Test-Path -LiteralPath $second -PathType Leaf | Should -BeTrue
            @(Get-CMAADApplication -AppName 'Second') | Should -HaveCount 1
            $env:CMAAD_STORE = $store
            @(Get-CMAADApplication) | Should -HaveCount 0
        }
        finally {
            $env:CMAAD_STORE = $saved
        }
    }

    It '4. $env:CMAAD_SITE_KEY set inside PowerShell seals the store (no key file), and another key is refused' {
        $store = New-TestStore 'site-key'
        $saved = $env:CMAAD_SITE_KEY
        try {
            $env:CMAAD_SITE_KEY = [Convert]::ToBase64String([byte[]](1..32))
            $null = Connect-CMAADSite -StorePath $store
            $null = Import-CMAADServerApplication -TenantName 'Keyed' -TenantId (Get-TestGuid 321) -AppName 'Keyed' -ClientId (Get-TestGuid 322) -SecretKey (New-TestSecret 'k') -SecretKeyExpiry $script:Expiry
            Test-Path -LiteralPath "$store.key" | Should -BeFalse
            $env:CMAAD_SITE_KEY = [Convert]::ToBase64String([byte[]](2..33))
            { Connect-CMAADSite -StorePath $store } | Should -Throw -ErrorId 'CMAAD.SiteKeyMismatch,*'
        }
        finally {
            $env:CMAAD_SITE_KEY = $saved
            $null = Connect-CMAADSite -StorePath $script:CaseStore
        }
    }

    It 'Connect-CMAADSite -TrustedCaPath hands the bundle to the library, which checks what the file is' {
        $folder = Split-Path -Parent (New-TestStore 'ca-folder')
        $null = New-Item -ItemType Directory -Path $folder -Force
        $err = $null
        try { Connect-CMAADSite -StorePath (New-TestStore 'ca') -TrustedCaPath $folder -ErrorAction Stop } catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty
        $err.Exception.Target | Should -Be 'TrustedCaPath'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $null = Connect-CMAADSite -StorePath $script:CaseStore
    }

    It 'a site code without the SMS Provider (or the other way round) is refused and the connection stays as it was' {
        $before = (Connect-CMAADSite -StorePath $script:CaseStore).StorePath
        { Connect-CMAADSite -SiteCode 'XYZ' } | Should -Throw -ErrorId 'CMAAD.IncompleteSite,*'
        { Connect-CMAADSite -ProviderMachineName 'cm01.contoso.com' } | Should -Throw -ErrorId 'CMAAD.IncompleteSite,*'
        $err = $null
        try { Connect-CMAADSite -SiteCode 'XYZ' -ErrorAction Stop } catch { $err = $_ }
        $err.Exception.Message | Should -BeLike '*-ProviderMachineName*'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        @(Get-CMAADApplication) | Out-Null
        (Connect-CMAADSite).StorePath | Should -Be $before
        (Connect-CMAADSite).ConfigMgrSite | Should -BeNullOrEmpty
    }

    It 'Connect-CMAADSite''s parameters are exactly the one table of session settings' {
        $common = @([System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters)
        $parameters = @((Get-Command -Name Connect-CMAADSite).Parameters.Keys | Where-Object { $common -notcontains $_ } | Sort-Object)
        $settings = @([CMAAD.Interop.SiteOptions]::Settings | ForEach-Object { $_.Name } | Sort-Object)
        ($parameters -join ',') | Should -Be ($settings -join ',')
    }

    It 'site settings are kept, taken back with :$false, and Disconnect-CMAADSite returns to the local store' {
        # A provider at a closed loopback port: opening a site session contacts nothing, and
        # nothing here runs a site operation.
        $store = New-TestStore 'leave-site'
        $credential = New-Object -TypeName System.Management.Automation.PSCredential -ArgumentList 'cmadmin@CONTOSO.COM', (New-TestSecret 'Never-Sent-1')
        $site = Connect-CMAADSite -StorePath $store -SiteCode 'xyz' -ProviderMachineName 'localhost:9' -Credential $credential -Authentication Ntlm -KdcAddress '127.0.0.1:9' -SkipCertificateCheck -WarningVariable skipWarnings -WarningAction SilentlyContinue
        $site.ConfigMgrSite.SiteCode | Should -Be 'XYZ'
        $site.ConfigMgrSite.Authentication | Should -Be 'Ntlm'
        $site.ConfigMgrSite.UserName | Should -Be 'cmadmin@CONTOSO.COM'
        $site.ConfigMgrSite.CertificateCheck | Should -Be 'SkipCertificateCheck'
        @($skipWarnings).Count | Should -BeGreaterThan 0

        # A later call changes only what it names; a switch is taken back with :$false (a pin with
        # the skip still on would be refused as ConflictingTrust). The pin, not the system roots:
        # wine has no certificate store to read.
        $pin = '00' * 32
        { Connect-CMAADSite -CertificateThumbprint $pin -ErrorAction Stop } | Should -Throw -ExpectedMessage '*SkipCertificateCheck and CertificateThumbprint exclude each other*'
        $site = Connect-CMAADSite -Authentication Negotiate -AllowNtlm -SkipCertificateCheck:$false -CertificateThumbprint $pin -WarningVariable none
        $site.ConfigMgrSite.SiteCode | Should -Be 'XYZ'
        $site.ConfigMgrSite.UserName | Should -Be 'cmadmin@CONTOSO.COM' -Because 'the credential is kept'
        $site.ConfigMgrSite.Authentication | Should -Be 'Negotiate'
        $site.ConfigMgrSite.CertificateCheck | Should -Be 'CertificateThumbprint'
        $site.StorePath | Should -Be $store
        @($none) | Should -HaveCount 0
        (Connect-CMAADSite -AllowNtlm:$false).ConfigMgrSite.Authentication | Should -Be 'Kerberos' -Because 'Negotiate without NTLM is Kerberos only'

        $local = Disconnect-CMAADSite -PassThru
        $local.ConfigMgrSite | Should -BeNullOrEmpty
        $local.StorePath | Should -Be $store
        (Connect-CMAADSite).ConfigMgrSite | Should -BeNullOrEmpty -Because 'the site settings and the credential are forgotten'
        Disconnect-CMAADSite | Should -BeNullOrEmpty
        $null = Connect-CMAADSite -StorePath $script:CaseStore
    }

    It 'Disconnect-CMAADSite ends the refusal a failed Connect-CMAADSite leaves' {
        $null = Connect-CMAADSite -StorePath $script:CaseStore
        { Connect-CMAADSite -SiteCode 'XYZ' -ProviderMachineName 'not a host' -ErrorAction Stop } | Should -Throw
        { Get-CMAADApplication -ErrorAction Stop } | Should -Throw -ErrorId 'CMAAD.SiteNotConnected,*'
        Disconnect-CMAADSite
        { Get-CMAADApplication -ErrorAction Stop } | Should -Not -Throw
        (Connect-CMAADSite).StorePath | Should -Be $script:CaseStore
    }

    It '4. HTTPS_PROXY set inside PowerShell is the session''s proxy, shown without its password' {
        $saved = $env:HTTPS_PROXY
        try {
            $env:HTTPS_PROXY = 'http://svc-cmaad:Pr0xy!Pass@127.0.0.1:3128'
            $site = Connect-CMAADSite -StorePath $script:CaseStore
            $site.Proxy | Should -BeLike 'http://*127.0.0.1:3128*'
            ($site | Format-List | Out-String) | Should -Not -BeLike '*Pr0xy!Pass*'
        }
        finally {
            $env:HTTPS_PROXY = $saved
            $null = Connect-CMAADSite -StorePath $script:CaseStore
        }
    }

    It '4. the store choice holds in ForEach-Object -Parallel runspaces' -Skip:($PSVersionTable.PSEdition -ne 'Core') {
        # ForEach-Object -Parallel exists in PowerShell 7 only.
        $here = @(Get-CMAADApplication).Count
        $module = $script:ModulePath
        $counts = 1..2 | ForEach-Object -Parallel { Import-Module -Name $using:module; @(Get-CMAADApplication).Count }
        @($counts) | Should -Be @($here, $here)
    }

    It '5. a failed Connect-CMAADSite leaves no site connected; a successful one keeps earlier settings' {
        $null = Connect-CMAADSite -StorePath $script:CaseStore -TimeoutSeconds 30
        $count = @(Get-CMAADApplication).Count
        { Connect-CMAADSite -Proxy 'ftp://proxy.contoso.com' } | Should -Throw -ErrorId 'CMAAD.InvalidProxy,*'
        { Get-CMAADApplication -ErrorAction Stop } | Should -Throw -ErrorId 'CMAAD.SiteNotConnected,*'
        # What a script would go on to do: nothing reaches the site that was connected before.
        try {
            Get-CMAADApplication | Remove-CMAADApplication -Force
        }
        catch {
            $_.FullyQualifiedErrorId | Should -BeLike 'CMAAD.SiteNotConnected,*'
        }
        $site = Connect-CMAADSite -TimeoutSeconds 10
        $site.StorePath | Should -Be $script:CaseStore
        $site.TimeoutSeconds | Should -Be 10
        @(Get-CMAADApplication).Count | Should -Be $count
        $site = Connect-CMAADSite -AzureEnvironment AzureUSGovernmentCloud
        $site.StorePath | Should -Be $script:CaseStore
        $site.TimeoutSeconds | Should -Be 10
        $site.AzureEnvironment | Should -Be 'AzureUSGovernmentCloud'
        $null = Connect-CMAADSite -AzureEnvironment AzurePublicCloud -TimeoutSeconds 30
    }

    It '6. a date typed as text binds with the current culture, as ConfigMgr''s cmdlets and Get-Date do' -Skip:([cultureinfo]::new('en-GB').DateTimeFormat.ShortDatePattern -ne 'dd/MM/yyyy') {
        # Skipped where .NET runs culture-invariant (no ICU): en-GB then has no day-first pattern.
        $app = & {
            $previous = [System.Threading.Thread]::CurrentThread.CurrentCulture
            try {
                [System.Threading.Thread]::CurrentThread.CurrentCulture = [cultureinfo]::new('en-GB')
                Import-CMAADServerApplication -TenantName 'Culture' -TenantId (Get-TestGuid 331) -AppName 'Culture' -ClientId (Get-TestGuid 332) -SecretKey (New-TestSecret 'c') -SecretKeyExpiry '01/02/2028'
            }
            finally {
                [System.Threading.Thread]::CurrentThread.CurrentCulture = $previous
            }
        }
        $app.SecretKeyExpiry.Year | Should -Be 2028
        $app.SecretKeyExpiry.Month | Should -Be 2
        $app.SecretKeyExpiry.Day | Should -Be 1
    }

    It '7. $ErrorActionPreference = ''Stop'' in a script run with & stops at a CMAAD error' {
        $script = Join-Path -Path $TestDrive -ChildPath 'stop.ps1'
        Set-Content -LiteralPath $script -Value @(
            '$ErrorActionPreference = ''Stop'''
            'Remove-CMAADApplication -Id 424242 -Force'
            '''went past the error'''
        )
        $output = $null
        { $script:StopOutput = & $script } | Should -Throw -ErrorId 'CMAAD.AppNotFound,*'
        $script:StopOutput | Should -BeNullOrEmpty
    }

    It '7. Onboard-Cmg.ps1 runs again without importing twice, and stops when the service holds other apps' {
        $onboard = Join-Path -Path $script:Repo -ChildPath 'powershell/examples/Onboard-Cmg.ps1'
        $store = New-TestStore 'onboard'
        $savedPath = $env:PSModulePath
        try {
            $env:PSModulePath = (Split-Path -Parent $script:ModuleFolder) + [System.IO.Path]::PathSeparator + $env:PSModulePath
            $arguments = @{
                TenantName = 'Onboard'; TenantId = (Get-TestGuid 341); ServerAppClientId = (Get-TestGuid 342); ClientAppClientId = (Get-TestGuid 343)
                SecretKey = (New-TestSecret 'onboard'); SecretKeyExpiry = $script:Expiry; StorePath = $store
            }
            $first = & $onboard @arguments 3>$null
            @(Get-CMCloudManagementAzureService -Name 'Onboard') | Should -HaveCount 1
            # Again, without the secret (nothing needs it) and without a prompt: the same service, nothing new.
            $arguments.Remove('SecretKey')
            $again = @(& $onboard @arguments 3>$null)
            @($again | Where-Object { $_ -is [CMAAD.CloudService] })[0].ID | Should -Be @($first | Where-Object { $_ -is [CMAAD.CloudService] })[0].ID
            @(Get-CMCloudManagementAzureService -Name 'Onboard') | Should -HaveCount 1
            @(Get-CMAADApplication -TenantName 'Onboard') | Should -HaveCount 2
            # Apps renamed since (or imported in the console under other names) are found by client ID.
            Get-CMAADApplication -TenantName 'Onboard' -AppType ServerApplication | Set-CMAADApplication -NewName 'ServerFromConsole'
            Get-CMAADApplication -TenantName 'Onboard' -AppType ClientApplication | Set-CMAADApplication -NewName 'ClientFromConsole'
            $renamed = @(& $onboard @arguments 3>$null)
            @($renamed | Where-Object { $_ -is [CMAAD.CloudService] })[0].ID | Should -Be @($first | Where-Object { $_ -is [CMAAD.CloudService] })[0].ID
            @(Get-CMAADApplication -TenantName 'Onboard') | Should -HaveCount 2
            # A server app to import and no -SecretKey under -NonInteractive: a clear stop, not a prompt that dies.
            $child = Invoke-ChildPowerShell -Command ("& '$onboard' -TenantName Prompt -TenantId '$(Get-TestGuid 347)' -ServerAppClientId '$(Get-TestGuid 348)' " +
                "-ClientAppClientId '$(Get-TestGuid 349)' -SecretKeyExpiry '$($script:Expiry.ToString('yyyy-MM-dd', [System.Globalization.CultureInfo]::InvariantCulture))' -StorePath '$(New-TestStore 'onboard-prompt')'")
            $child.ExitCode | Should -Be 1
            ($child.Output -join ' ') | Should -BeLike '*cannot prompt (-NonInteractive)*'
            ($child.Output -join ' ') | Should -BeLike '*pass -SecretKey*'
            # A service of that name with other apps: the script stops instead of going on.
            $other = Import-CMAADServerApplication -TenantName 'Onboard2' -TenantId (Get-TestGuid 344) -AppName 'CmgServerApp' -ClientId (Get-TestGuid 345) -SecretKey (New-TestSecret 'o2') -SecretKeyExpiry $script:Expiry
            $otherClient = $other | Import-CMAADClientApplication -AppName 'CmgClientApp' -ClientId (Get-TestGuid 346)
            Remove-CMCloudManagementAzureService -Name 'Onboard' -Force
            $null = New-CMCloudManagementAzureService -Name 'Onboard' -ServerApp $other -ClientApp $otherClient
            { $null = & $onboard @arguments 3>$null } | Should -Throw -ExpectedMessage "*Cloud management service 'Onboard' exists with other apps*"
        }
        finally {
            $env:PSModulePath = $savedPath
            $null = Connect-CMAADSite -StorePath $script:CaseStore
        }
    }

    It 'objects kept with Export-Clixml work as parameters and through the pipeline; other objects are refused by their type' {
        $null = Connect-CMAADSite -StorePath (New-TestStore 'clixml')
        try {
            $server = Import-CMAADServerApplication -TenantName 'Kept' -TenantId (Get-TestGuid 361) -AppName 'KeptServer' -ClientId (Get-TestGuid 362) -SecretKey (New-TestSecret 'k') -SecretKeyExpiry $script:Expiry
            $file = Join-Path -Path $TestDrive -ChildPath 'server.xml'
            $server | Export-Clixml -LiteralPath $file
            $kept = Import-Clixml -LiteralPath $file
            $kept.PSObject.TypeNames[0] | Should -Be 'Deserialized.CMAAD.Application'
            $client = Import-CMAADClientApplication -ServerApp $kept -AppName 'KeptClient' -ClientId (Get-TestGuid 363)
            $client.ServerAppID | Should -Be $server.ID
            $client | Export-Clixml -LiteralPath (Join-Path -Path $TestDrive -ChildPath 'client.xml')
            $keptClient = Import-Clixml -LiteralPath (Join-Path -Path $TestDrive -ChildPath 'client.xml')
            $service = New-CMCloudManagementAzureService -Name 'Kept' -ServerApp $kept -ClientApp $keptClient
            $service.ClientAppID | Should -Be $client.ID
            $service | Export-Clixml -LiteralPath (Join-Path -Path $TestDrive -ChildPath 'service.xml')
            $renamed = Import-Clixml -LiteralPath (Join-Path -Path $TestDrive -ChildPath 'service.xml') | Set-CMCloudManagementAzureService -Description 'from a file' -PassThru -Confirm:$false
            $renamed.ID | Should -Be $service.ID
            $renamed.Description | Should -Be 'from a file'
            $err = $null
            try { Import-CMAADClientApplication -ServerApp ([pscustomobject]@{ ID = $server.ID }) -AppName 'X' -ClientId (Get-TestGuid 364) -ErrorAction Stop } catch { $err = $_ }
            $err | Should -Not -BeNullOrEmpty
            $err.FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentTransformationError,*'
            $err.Exception.Message | Should -BeLike '*takes an object a CMAAD cmdlet returned (CMAAD.Application from Get-CMAADApplication*PSCustomObject built by hand is not one*'
            { New-CMCloudManagementAzureService -Name 'Wrong' -ServerApp (Import-Clixml -LiteralPath (Join-Path -Path $TestDrive -ChildPath 'service.xml')) -ClientApp $keptClient -ErrorAction Stop } | Should -Throw -ExpectedMessage '*CMAAD.CloudService*CMAAD.Application*'
        }
        finally {
            $null = Connect-CMAADSite -StorePath $script:CaseStore
        }
    }

    It 'an object from another store acts on its own registration or service there, never on whatever has its ID' {
        $storeA = New-TestStore 'origin-a'
        $storeB = New-TestStore 'origin-b'
        try {
            $null = Connect-CMAADSite -StorePath $storeA
            $fromA = Import-CMAADServerApplication -TenantName 'Origin' -TenantId (Get-TestGuid 371) -AppName 'AppOfA' -ClientId (Get-TestGuid 372) -SecretKey (New-TestSecret 'a') -SecretKeyExpiry $script:Expiry
            $null = Connect-CMAADSite -StorePath $storeB
            $ofB = Import-CMAADServerApplication -TenantName 'Origin' -TenantId (Get-TestGuid 371) -AppName 'AppOfB' -ClientId (Get-TestGuid 373) -SecretKey (New-TestSecret 'b') -SecretKeyExpiry $script:Expiry
            $ofB.ID | Should -Be $fromA.ID
            $clientOfB = Import-CMAADClientApplication -ServerApp $ofB -AppName 'ClientOfB' -ClientId (Get-TestGuid 374)
            $serviceOfB = New-CMCloudManagementAzureService -Name 'ServiceOfB' -ServerApp $ofB -ClientApp $clientOfB
            $null = Connect-CMAADSite -StorePath $storeA
            $clientOfA = Import-CMAADClientApplication -ServerApp $fromA -AppName 'ClientOfA' -ClientId (Get-TestGuid 375)
            $serviceOfA = New-CMCloudManagementAzureService -Name 'ServiceOfA' -ServerApp $fromA -ClientApp $clientOfA
            $serviceOfA.ID | Should -Be $serviceOfB.ID
            $null = Connect-CMAADSite -StorePath $storeB
            $serviceOfA | Remove-CMCloudManagementAzureService -Force -ErrorVariable ev -ErrorAction SilentlyContinue
            $ev.Count | Should -Be 1
            $ev[0].FullyQualifiedErrorId | Should -BeLike 'CMAAD.ServiceNotFound,*'
            (Get-CMCloudManagementAzureService -Name 'ServiceOfB').ID | Should -Be $serviceOfB.ID
            $fromA | Set-CMAADApplication -NewName 'Renamed' -ErrorVariable ev -ErrorAction SilentlyContinue
            $ev.Count | Should -Be 1
            $ev[0].FullyQualifiedErrorId | Should -BeLike 'CMAAD.AppNotFound,*'
            $fromA | Remove-CMAADApplication -Confirm:$false -ErrorVariable ev -ErrorAction SilentlyContinue
            $ev[0].FullyQualifiedErrorId | Should -BeLike 'CMAAD.AppNotFound,*'
            (Get-CMAADApplication -ClientId (Get-TestGuid 373)).Name | Should -Be 'AppOfB'
            $null = Connect-CMAADSite -StorePath $storeA
            $fromA | Set-CMAADApplication -NewName 'Renamed' -Confirm:$false
            (Get-CMAADApplication -ClientId (Get-TestGuid 372)).Name | Should -Be 'Renamed'
        }
        finally {
            $null = Connect-CMAADSite -StorePath $script:CaseStore
        }
    }

    It '9. argument completers offer the site''s names and IDs, and only the supported clouds' {
        function Get-Completion([string]$Line) {
            @((TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches | ForEach-Object { $_.ListItemText })
        }
        Get-Completion 'Get-CMAADApplication -AppName ' | Should -Contain 'CmgServerApp'
        Get-Completion 'Get-CMAADApplication -AppName Fab' | Should -Be @('FabrikamServerApp')
        Get-Completion 'Get-CMAADApplication -TenantName ' | Should -Contain 'Fabrikam'
        Get-Completion 'Get-CMAADApplication -TenantId ' | Should -Contain $script:TenantId
        Get-Completion 'Get-CMAADApplication -ClientId ' | Should -Contain $script:ServerClientId
        Get-Completion 'Get-CMCloudManagementAzureService -Name ' | Should -Contain 'Contoso'
        (Get-Completion 'Import-CMAADServerApplication -AzureEnvironmentOption ' | Sort-Object) -join ',' | Should -Be 'AzureChinaCloud,AzurePublicCloud,AzureUSGovernmentCloud'
    }

    It '9. default tables fit 120 columns, even with long names' {
        $null = Import-CMAADServerApplication -TenantName ('A very long tenant name ' * 3) -TenantId (Get-TestGuid 351) -AppName ('A very long app name ' * 4) -ClientId (Get-TestGuid 352) -SecretKey (New-TestSecret 'w') -SecretKeyExpiry $script:Expiry
        foreach ($output in @((Get-CMAADApplication), (Get-CMAADTenant), (Get-CMCloudManagementAzureService))) {
            $lines = ($output | Format-Table | Out-String -Width 400) -split "`r?`n"
            ($lines | Measure-Object -Property Length -Maximum).Maximum | Should -BeLessOrEqual 120
        }
    }

    It '9. Get-* errors name the request field, not the request JSON' {
        Get-CMAADApplication -ClientId 'not-a-guid' -ErrorAction SilentlyContinue -ErrorVariable bad
        if ($bad.Count -gt 0) {
            $bad[0].TargetObject | Should -Not -BeLike '{*'
        }
        Get-CMAADTenant -Id 'not-a-guid' -ErrorAction SilentlyContinue -ErrorVariable badTenant
        foreach ($record in @($bad) + @($badTenant)) {
            "$($record.TargetObject)" | Should -Not -BeLike '{*'
        }
    }

    It '9. Get-CMAADTenant | Get-CMAADApplication binds TenantId by property name' {
        $apps = @(Get-CMAADTenant -Name 'Fabrikam' | Get-CMAADApplication)
        $apps | Should -HaveCount 1
        $apps[0].Name | Should -Be 'FabrikamServerApp'
    }
}

Describe '8. Long Graph waits show progress and honour the stated bound' -Skip:(-not $script:HasFakeEntra) {
    BeforeAll {
        $script:GraphTenant = '11111111-aaaa-4aaa-8aaa-000000000008'
        $script:Automation = '22222222-aaaa-4aaa-8aaa-000000000008'
        $config = '{"deviceCodeIntervalSecs":1,"tenants":[{"id":"' + $script:GraphTenant + '","displayName":"Contoso","domains":["contoso.onmicrosoft.com"],"applications":[' +
            '{"appId":"' + $script:Automation + '","displayName":"CMAAD automation","secrets":[{"value":"automation-secret","endDateTime":"2099-01-01T00:00:00Z"}],' +
            '"graphRoles":["Application.ReadWrite.All","AppRoleAssignment.ReadWrite.All","DelegatedPermissionGrant.ReadWrite.All"]}]}]}'
        $script:Fake = Start-FakeEntra -Config $config
        $null = Connect-CMAADSite -StorePath (New-TestStore 'graph-wait') -AuthorityHost $script:Fake.Url -GraphHost $script:Fake.Url -TimeoutSeconds 3
        $null = Connect-CMAADAzure -TenantId $script:GraphTenant -ClientId $script:Automation -ClientSecret (New-TestSecret 'automation-secret')
        # A server app that is in the site but not in the tenant: Graph answers 404 for it, which
        # CMAAD takes for replication lag and waits out.
        $script:Missing = Import-CMAADServerApplication -TenantName 'Contoso' -TenantId $script:GraphTenant -AppName 'NotInGraph' -ClientId (Get-TestGuid 361) -SecretKey (New-TestSecret 'm') -SecretKeyExpiry $script:Expiry
    }

    AfterAll {
        Disconnect-CMAADAzure
        if ($script:Fake) { $script:Fake.Process.Kill() }
    }

    It 'creates both registrations through Graph, imports them, and audits them as typed objects' {
        $server = New-CMAADServerApplication -AppName 'CmgServerApp' -Confirm:$false -WarningAction SilentlyContinue
        $server | Should -BeOfType [CMAAD.Application]
        $server.AppType | Should -Be 'ServerApplication'
        $server.Registration.AppId | Should -Be $server.ClientID
        $server.SecretKeyExpiry | Should -BeOfType [datetime]
        $client = $server | New-CMAADClientApplication -AppName 'CmgClientApp' -Confirm:$false -WarningAction SilentlyContinue
        $client | Should -BeOfType [CMAAD.Application]
        $client.ServerAppID | Should -Be $server.ID
        $audit = Test-CMAADApplication -ClientId $server.ClientID
        $audit | Should -BeOfType [CMAAD.AuditResult]
        $audit.Checks.Count | Should -BeGreaterThan 3
        $audit.Checks[0] | Should -BeOfType [CMAAD.AuditCheck]
        @($audit.Checks | Where-Object { $_.Outcome -eq 'Failed' } | ForEach-Object { "$($_.Name): $($_.Detail)" }) | Should -BeNullOrEmpty
        $audit.Passed | Should -BeTrue
        $script:CreatedServer = $server
    }

    It 'New-CMAADClientApplication gives up within the session''s TimeoutSeconds, with Write-Progress while it waits' {
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddCommand('Import-Module').AddParameter('Name', $script:ModulePath).AddStatement().
                AddCommand('New-CMAADClientApplication').AddParameter('AppName', 'CmgClientApp').AddParameter('InputObject', $script:Missing).AddParameter('Confirm', $false)
            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            $null = $ps.Invoke()
            $watch.Stop()
            @($ps.Streams.Error) | Should -HaveCount 1
            $ps.Streams.Error[0].Exception | Should -BeOfType [CMAAD.Interop.CmaadNotFoundException]
            $ps.Streams.Error[0].FullyQualifiedErrorId | Should -BeLike 'CMAAD.GraphResourceNotFound,*'
            @($ps.Streams.Progress | Where-Object { $_.RecordType -eq 'Processing' }).Count | Should -BeGreaterThan 0
            @($ps.Streams.Progress)[-1].RecordType | Should -Be 'Completed'
            # The bound is TimeoutSeconds (3 s) of waiting plus the last request; before, 120 s.
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 20
        }
        finally {
            $ps.Dispose()
        }
    }

    It 'Set-UpdateServerApplication -WhatIf reports each stored server app as a typed object' {
        $script:Missing | Remove-CMAADApplication -Force
        $updates = @(Set-UpdateServerApplication -TenantId $script:GraphTenant -WhatIf)
        $updates | Should -HaveCount 1
        $updates[0] | Should -BeOfType [CMAAD.ServerAppUpdate]
        $updates[0].ClientID | Should -Be $script:CreatedServer.ClientID
        $updates[0].WouldChange | Should -BeFalse
    }
}

Describe 'Every cmdlet range is one the library accepts' {
    BeforeAll {
        # Entra and Graph at a closed loopback port: no probe can reach a network.
        $listener = New-Object -TypeName System.Net.Sockets.TcpListener -ArgumentList ([System.Net.IPAddress]::Loopback), 0
        $listener.Start()
        $offline = "http://127.0.0.1:$($listener.LocalEndpoint.Port)"
        $listener.Stop()
        $script:RangeStore = New-TestStore 'ranges'
        $script:EmptyStore = New-TestStore 'ranges-empty'
        $null = Connect-CMAADSite -StorePath $script:RangeStore -AuthorityHost $offline -GraphHost $offline
        $server = Import-CMAADServerApplication -TenantName 'Ranges' -TenantId (Get-TestGuid 401) -AppName 'RangesServer' -ClientId (Get-TestGuid 402) -SecretKey (New-TestSecret 'r') -SecretKeyExpiry $script:Expiry
        $client = $server | Import-CMAADClientApplication -AppName 'RangesClient' -ClientId (Get-TestGuid 403)
        $script:RangeServer = $server
        $script:RangeClient = $client
        $script:RangeService = New-CMCloudManagementAzureService -Name 'Ranges' -ServerApp $server -ClientApp $client -EnableUserDiscovery $true -EnableUserDeltaDiscovery $true -EnableGroupDiscovery $true -EnableGroupDeltaDiscovery $true
        $script:NoSuchTenant = Get-TestGuid 499
        # Calls by ID run on an empty store (the ID is accepted or not found, nothing is changed).
        function Invoke-OnEmptyStore([scriptblock]$Call) {
            $null = Connect-CMAADSite -StorePath $script:EmptyStore
            try { & $Call } finally { $null = Connect-CMAADSite -StorePath $script:RangeStore }
        }
        # Each probe calls the library with the value through the cmdlet, in a way that needs no
        # network: a value the library refuses comes back as an InvalidArgument ErrorRecord.
        $script:Probes = @{
            'Connect-CMAADSite -TimeoutSeconds'                          = { param($v) Connect-CMAADSite -TimeoutSeconds $v }
            'Get-CMAADApplication -ExpiringWithinDays'                   = { param($v) Get-CMAADApplication -ExpiringWithinDays $v }
            'Test-CMAADApplication -ExpiringWithinDays'                  = { param($v) Test-CMAADApplication -Stored -TenantId $script:NoSuchTenant -ExpiringWithinDays $v }
            'Invoke-CMAADSecretMaintenance -RotateWithinDays'            = { param($v) Invoke-CMAADSecretMaintenance -ReportOnly -TenantId $script:NoSuchTenant -RotateWithinDays $v }
            'Invoke-CMAADSecretMaintenance -ValidityDays'                = { param($v) Invoke-CMAADSecretMaintenance -ReportOnly -TenantId $script:NoSuchTenant -ValidityDays $v }
            'Update-CMAADApplicationSecret -ValidityDays'                = { param($v) Invoke-OnEmptyStore { Update-CMAADApplicationSecret -Id 987654 -ValidityDays $v -Confirm:$false } }
            'Update-CMAADApplicationSecret -PropagationTimeoutSeconds'   = { param($v) Invoke-OnEmptyStore { Update-CMAADApplicationSecret -Id 987654 -PropagationTimeoutSeconds $v -Confirm:$false } }
            'Update-CMAADApplicationSecret -Id'                          = { param($v) Invoke-OnEmptyStore { Update-CMAADApplicationSecret -Id $v -Confirm:$false } }
            'Set-CMAADApplication -Id'                                   = { param($v) Invoke-OnEmptyStore { Set-CMAADApplication -Id $v -NewName 'Renamed' -Confirm:$false } }
            'Remove-CMAADApplication -Id'                                = { param($v) Invoke-OnEmptyStore { Remove-CMAADApplication -Id $v -Force } }
            'Get-CMCloudManagementAzureService -Id'                      = { param($v) Get-CMCloudManagementAzureService -Id $v }
            'Set-CMCloudManagementAzureService -Id'                      = { param($v) Invoke-OnEmptyStore { Set-CMCloudManagementAzureService -Id $v -Description 'x' -Confirm:$false } }
            'Remove-CMCloudManagementAzureService -Id'                   = { param($v) Invoke-OnEmptyStore { Remove-CMCloudManagementAzureService -Id $v -Force } }
            'Set-CMCloudManagementAzureService -UserDeltaDiscoveryMins'  = { param($v) Set-CMCloudManagementAzureService -Id $script:RangeService.ID -UserDeltaDiscoveryMins $v -Confirm:$false }
            'Set-CMCloudManagementAzureService -GroupDeltaDiscoveryMins' = { param($v) Set-CMCloudManagementAzureService -Id $script:RangeService.ID -GroupDeltaDiscoveryMins $v -Confirm:$false }
            'New-CMCloudManagementAzureService -UserDeltaDiscoveryMins'  = { param($v) $s = New-CMCloudManagementAzureService -Name "U$v" -ServerApp $script:RangeServer -ClientApp $script:RangeClient -EnableUserDiscovery $true -EnableUserDeltaDiscovery $true -UserDeltaDiscoveryMins $v; if ($s) { Remove-CMCloudManagementAzureService -Id $s.ID -Force } }
            'New-CMCloudManagementAzureService -GroupDeltaDiscoveryMins' = { param($v) $s = New-CMCloudManagementAzureService -Name "G$v" -ServerApp $script:RangeServer -ClientApp $script:RangeClient -EnableGroupDiscovery $true -EnableGroupDeltaDiscovery $true -GroupDeltaDiscoveryMins $v; if ($s) { Remove-CMCloudManagementAzureService -Id $s.ID -Force } }
            'Connect-CMAADAzure -TimeoutSeconds'                         = 'device code: needs the fake Entra (the next test)'
        }
    }

    It 'each range end reaches the library without being refused' {
        $ranged = @()
        $common = @([System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters)
        foreach ($command in (Get-Command -Module CMAAD -CommandType Cmdlet)) {
            foreach ($parameter in @($command.Parameters.Values | Where-Object { $common -notcontains $_.Name })) {
                foreach ($range in @($parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateRangeAttribute] })) {
                    $ranged += [pscustomobject]@{ Key = "$($command.Name) -$($parameter.Name)"; Min = $range.MinRange; Max = $range.MaxRange }
                }
            }
        }
        $ranged.Count | Should -BeGreaterThan 10
        foreach ($entry in $ranged) {
            $script:Probes.ContainsKey($entry.Key) | Should -BeTrue -Because "$($entry.Key) has a range, so it needs a probe here"
            $probe = $script:Probes[$entry.Key]
            if ($probe -is [string]) {
                continue
            }
            foreach ($value in @($entry.Min, $entry.Max)) {
                $errors = @()
                try {
                    & $probe $value 2>&1 | ForEach-Object { if ($_ -is [System.Management.Automation.ErrorRecord]) { $errors += $_ } }
                }
                catch {
                    $errors += $_
                }
                $refused = @($errors | Where-Object { $_.CategoryInfo.Category -eq 'InvalidArgument' })
                $refused | Should -HaveCount 0 -Because "$($entry.Key) $value is accepted by the cmdlet, so the library must accept it ($(@($refused | ForEach-Object { $_.Exception.Message }) -join '; '))"
            }
        }
        $null = Connect-CMAADSite -TimeoutSeconds 30
    }

    It 'Connect-CMAADAzure -TimeoutSeconds: both ends reach the device code wait' -Skip:(-not $script:HasFakeEntra) {
        $tenant = '33333333-aaaa-4aaa-8aaa-000000000009'
        $publicClient = '14d82eec-204b-4c2f-b7e8-296a70dab67e'
        $config = '{"deviceCodeIntervalSecs":1,"deviceCodeLifetimeSecs":2,"tenants":[{"id":"' + $tenant + '","displayName":"Contoso","applications":[' +
            '{"appId":"' + $publicClient + '","displayName":"Microsoft Graph Command Line Tools","isFallbackPublicClient":true}]}]}'
        $fake = Start-FakeEntra -Config $config
        try {
            $null = Connect-CMAADSite -AuthorityHost $fake.Url -GraphHost $fake.Url -TimeoutSeconds 5
            $range = (Get-Command Connect-CMAADAzure).Parameters['TimeoutSeconds'].Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateRangeAttribute] }
            foreach ($value in @($range.MinRange, $range.MaxRange)) {
                $errors = $null
                try {
                    $null = Connect-CMAADAzure -TenantId $tenant -TimeoutSeconds $value -ErrorAction Stop -WarningAction SilentlyContinue
                }
                catch {
                    $errors = $_
                }
                # The code expires after 2 s (or the 1 s bound passes): a sign-in failure, never a refused value.
                $errors | Should -Not -BeNullOrEmpty
                $errors.CategoryInfo.Category | Should -Not -Be 'InvalidArgument' -Because "TimeoutSeconds $value ($($errors.Exception.Message))"
            }
        }
        finally {
            $fake.Process.Kill()
            $null = Connect-CMAADSite -TimeoutSeconds 30
        }
    }
}

Describe 'ConfigMgr site' -Skip:([bool]$script:SiteSkipReason) {
    # Microsoft's published onboarding example through the cmdlets against the fake SMS Provider,
    # authenticated by Kerberos tickets from a real MIT KDC (tests/fake-adminservice, fake-site):
    # the objects must land in the provider's classes. The provider is localhost:<port>, so the
    # SPN is HTTP/localhost and nothing leaves the loopback interface.
    BeforeAll {
        $info = New-Object -TypeName System.Diagnostics.ProcessStartInfo -ArgumentList $env:CMAAD_FAKE_SITE, '--sites 3 --deadline-seconds 900'
        $info.UseShellExecute = $false
        $info.RedirectStandardInput = $true
        $info.RedirectStandardOutput = $true
        $script:SiteProcess = [System.Diagnostics.Process]::Start($info)
        $script:SiteProcess.StandardInput.AutoFlush = $true
        $first = $script:SiteProcess.StandardOutput.ReadLine()
        if (-not $first -or -not $first.StartsWith('{')) {
            $script:SiteProcess.Kill()
            throw "fake-site did not start (first line: $first)"
        }
        $script:Fake = $first | ConvertFrom-Json
        $script:SitePassword = $script:Fake.Password
        $script:SiteCredential = New-Object -TypeName System.Management.Automation.PSCredential -ArgumentList $script:Fake.UserName, (New-TestSecret $script:SitePassword)
        $script:SiteStore = New-TestStore 'configmgr-site'

        # Asks the fake site (one command, one JSON line back).
        function Get-FakeSite {
            param([string]$Command)
            $script:SiteProcess.StandardInput.WriteLine($Command)
            $answer = $script:SiteProcess.StandardOutput.ReadLine() | ConvertFrom-Json
            if ($answer.PSObject.Properties['error']) {
                throw "fake-site: $($answer.error)"
            }
            return $answer
        }

        function Get-Sha256 {
            param([string]$Text)
            $sha = [System.Security.Cryptography.SHA256]::Create()
            try {
                return (($sha.ComputeHash([System.Text.Encoding]::UTF8.GetBytes($Text)) | ForEach-Object { $_.ToString('x2') }) -join '')
            }
            finally {
                $sha.Dispose()
            }
        }
    }

    AfterAll {
        Disconnect-CMAADSite
        if ($script:SiteProcess) {
            # Closing stdin stops the fake site, which stops its KDC and removes its folders.
            $script:SiteProcess.StandardInput.Close()
            if (-not $script:SiteProcess.WaitForExit(20000)) {
                $script:SiteProcess.Kill()
            }
        }
    }

    It "runs Microsoft's onboarding example through the SMS Provider, authenticated by Kerberos; the objects land in the site's classes" {
        $Error.Clear()
        $fake = $script:Fake
        $script:Transcript = & {
            $VerbosePreference = 'Continue'
            Connect-CMAADSite -SiteCode $fake.SiteCode -ProviderMachineName $fake.ProviderMachineName -Credential $script:SiteCredential -KdcAddress $fake.KdcAddress -TrustedCaPath $fake.TrustedCaPath -StorePath $script:SiteStore
            # Microsoft's published example (the ConfigurationManager module's reference pages), unchanged.
            $date = [datetime]::ParseExact($script:Expiry.ToString('MM/dd/yyyy', [System.Globalization.CultureInfo]::InvariantCulture), 'MM/dd/yyyy', $null)
            Import-CMAADServerApplication -TenantName "Contoso" -TenantId $script:TenantId -AppName "CmgServerApp" -ClientId $script:ServerClientId -SecretKey $script:PlainSecret -SecretKeyExpiry $date
            $serverApp = Get-CMAADApplication -TenantName "Contoso" -AppType ServerApplication -AppName "CmgServerApp"
            Import-CMAADClientApplication -ServerApp $serverApp -AppName "CmgClientApp" -ClientId $script:ClientClientId
            $serverApp = Get-CMAADApplication -TenantName "Contoso" -AppType ServerApplication -AppName "CmgServerApp"
            $clientApp = Get-CMAADApplication -TenantName "Contoso" -AppType ClientApplication -AppName "CmgClientApp"
            New-CMCloudManagementAzureService -Name "Contoso" -Description "Azure Service" -ServerApp $serverApp -ClientApp $clientApp -AzureEnvironmentOption AzurePublicCloud
        } *>&1
        @($Error) | Should -HaveCount 0 -Because "the example runs without an error ($(@($Error | ForEach-Object { $_.Exception.Message }) -join '; '))"
        $connected = @($script:Transcript | Where-Object { $_ -is [CMAAD.Site] })
        $connected | Should -HaveCount 1
        $connected[0].ConfigMgrSite.SiteCode | Should -Be $fake.SiteCode
        $connected[0].ConfigMgrSite.Authentication | Should -Be 'Kerberos'
        $connected[0].ConfigMgrSite.CertificateCheck | Should -Be 'TrustedCaPath'
        $apps = @($script:Transcript | Where-Object { $_ -is [CMAAD.Application] })
        $server = $apps | Where-Object { $_.AppType -eq 'ServerApplication' } | Select-Object -First 1
        $client = $apps | Where-Object { $_.AppType -eq 'ClientApplication' } | Select-Object -First 1
        $service = @($script:Transcript | Where-Object { $_ -is [CMAAD.CloudService] })
        $service | Should -HaveCount 1

        # The objects are in the provider's classes.
        $tenants = @((Get-FakeSite 'objects SMS_AAD_Tenant_Ex').value)
        $tenants | Should -HaveCount 1
        $tenants[0].TenantID | Should -Be $script:TenantId
        $tenants[0].Name | Should -Be 'Contoso'
        $rows = @((Get-FakeSite 'objects SMS_AAD_Application_Ex').value)
        $rows | Should -HaveCount 2
        $serverRow = $rows | Where-Object { -not $_.IsClientApp }
        $clientRow = $rows | Where-Object { $_.IsClientApp }
        $serverRow.ID | Should -Be $server.ID
        $serverRow.ClientID | Should -Be $script:ServerClientId
        $serverRow.Name | Should -Be 'CmgServerApp'
        $serverRow.TenantID | Should -Be $tenants[0].ID -Because "the site's TenantID is the tenant's row key"
        $serverRow.SecretKey | Should -Not -Be $script:PlainSecret -Because 'the provider keeps the secret sealed'
        (Get-FakeSite "secret-sha256 $($serverRow.ID)").Sha256 | Should -Be (Get-Sha256 $script:PlainSecret) -Because 'the CMG gets the secret given'
        $clientRow.ID | Should -Be $client.ID
        $clientRow.ClientID | Should -Be $script:ClientClientId
        @($clientRow.AssociatedAADApplications) | Should -Be @($serverRow.ID)
        $services = @((Get-FakeSite 'objects SMS_Azure_CloudService').value)
        $services | Should -HaveCount 1
        $services[0].ID | Should -Be $service[0].ID
        $services[0].Name | Should -Be 'Contoso'
        $services[0].Description | Should -Be 'Azure Service'
        (@($services[0].AssociatedAADWebApplications) -join ',') | Should -Be "$($serverRow.ID),$($clientRow.ID)"

        # Every request was the Kerberos-authenticated account, with one handshake for the session.
        $requests = @((Get-FakeSite 'requests').value)
        $requests.Count | Should -BeGreaterThan 5
        foreach ($request in $requests | Where-Object { $_.Status -ne 401 }) {
            $request.Principal | Should -Be $fake.UserName
            $request.Scheme | Should -Be 'Kerberos'
        }
        @($requests | Where-Object { $_.Method -eq 'POST' }).Count | Should -BeGreaterOrEqual 4
        (Get-FakeSite 'auth').Kerberos | Should -Be 1 -Because 'one Kerberos handshake per session, not per call'
    }

    It 'Get returns the objects the site holds' {
        $rows = @((Get-FakeSite 'objects SMS_AAD_Application_Ex').value)
        $apps = @(Get-CMAADApplication -TenantName 'Contoso')
        $apps | Should -HaveCount 2
        (@($apps | ForEach-Object { "$($_.ID)=$($_.ClientID)" } | Sort-Object) -join ',') | Should -Be (@($rows | ForEach-Object { "$($_.ID)=$($_.ClientID)" } | Sort-Object) -join ',')
        $server = Get-CMAADApplication -AppType ServerApplication -ClientId $script:ServerClientId
        $server.TenantID | Should -Be $script:TenantId -Because 'the row key is joined to the tenant GUID'
        $server.TenantName | Should -Be 'Contoso'
        $server.SecretKeyExpiry.Date | Should -Be $script:Expiry.Date
        (Get-CMAADApplication -AppType ClientApplication).ServerAppID | Should -Be $server.ID
    }

    It '-WhatIf on the site names each request (PUT/POST, class URL, SecretKey <redacted>), runs its checks and writes nothing' {
        $whatIfSecret = 'WhatIf-' + [guid]::NewGuid().ToString('n')
        $server = Get-CMAADApplication -AppType ServerApplication -ClientId $script:ServerClientId
        $held = (Get-FakeSite "secret-sha256 $($server.ID)").Sha256
        $before = @((Get-FakeSite 'requests').value).Count
        $transcript = Join-Path -Path $TestDrive -ChildPath "whatif-$([guid]::NewGuid().ToString('n')).txt"
        $null = Start-Transcript -LiteralPath $transcript
        try {
            $server | Set-CMAADApplication -SecretKey (New-TestSecret $whatIfSecret) -SecretKeyExpiry $script:Expiry.AddDays(30) -NewName 'WhatIfName' -WhatIf
            Import-CMAADServerApplication -TenantName 'Contoso' -TenantId $script:TenantId -AppName 'WhatIfServer' -ClientId (Get-TestGuid 77) -SecretKey (New-TestSecret $whatIfSecret) -SecretKeyExpiry $script:Expiry -WhatIf
            Set-CMAADApplication -Id 4242 -NewName 'X' -WhatIf -ErrorAction SilentlyContinue -ErrorVariable missing
        }
        finally {
            $null = Stop-Transcript
        }
        # The transcript wraps long lines at the host's width: compare without line breaks.
        $text = (Get-Content -Raw -LiteralPath $transcript) -replace '\r?\n', ''
        $appUrl = "https://$($script:Fake.ProviderMachineName)/AdminService/wmi/SMS_AAD_Application_Ex"
        $text | Should -BeLike "*What if: *PUT $appUrl($($server.ID)) {*""SecretKey"":""<redacted>""*"
        $text | Should -BeLike "*PUT $appUrl($($server.ID)) {*""Name"":""WhatIfName""*"
        $text | Should -BeLike "*What if: *POST $appUrl {*""Name"":""WhatIfServer""*""SecretKey"":""<redacted>""*"
        $text.Contains($whatIfSecret) | Should -BeFalse -Because 'the secret never shows'
        $missing | Should -HaveCount 1
        $missing[0].FullyQualifiedErrorId | Should -BeLike 'CMAAD.AppNotFound,*'

        # The site's request log: reads only, and the site holds what it held.
        $new = @((Get-FakeSite 'requests').value) | Select-Object -Skip $before
        @($new).Count | Should -BeGreaterThan 0 -Because 'the checks read the site'
        @($new | Where-Object { $_.Method -in 'POST', 'PUT', 'PATCH', 'DELETE' }) | Should -HaveCount 0
        ($new | ConvertTo-Json -Depth 6).Contains($whatIfSecret) | Should -BeFalse
        (Get-FakeSite "secret-sha256 $($server.ID)").Sha256 | Should -Be $held
        @((Get-FakeSite 'objects SMS_AAD_Application_Ex').value | Where-Object { $_.Name -in 'WhatIfName', 'WhatIfServer' }) | Should -HaveCount 0
    }

    It 'the default tables show a site''s IDs in full at 120 columns' {
        $server = Get-CMAADApplication -AppType ServerApplication -ClientId $script:ServerClientId
        $server.ID | Should -BeGreaterThan 9999 -Because 'a site numbers its objects from 16777217'
        (Get-CMAADApplication | Out-String -Width 120) | Should -Match "(?m)^\s*$($server.ID) CmgServerApp"
        $service = Get-CMCloudManagementAzureService -Name 'Contoso'
        ($service | Out-String -Width 120) | Should -Match "(?m)^\s*$($service.ID) Contoso"
    }

    It '-SkipCertificateCheck warns with every answer of the session, lists included' {
        $null = Connect-CMAADSite -SkipCertificateCheck -WarningAction SilentlyContinue
        try {
            foreach ($call in 1..2) {
                $apps = @(Get-CMAADApplication -WarningVariable listWarnings -WarningAction SilentlyContinue)
                $apps.Count | Should -BeGreaterThan 0
                @($listWarnings | Where-Object { "$_" -like '*certificate*' }) | Should -Not -BeNullOrEmpty -Because "call $call warns"
            }
        }
        finally {
            $null = Connect-CMAADSite -SkipCertificateCheck:$false -WarningAction SilentlyContinue
        }
        $null = @(Get-CMAADApplication -WarningVariable checkedWarnings)
        $checkedWarnings | Should -BeNullOrEmpty
    }

    It 'Get-CMCloudManagementAzureService and Get-CMAADTenant return the objects the site holds' {
        $service = Get-CMCloudManagementAzureService -Name 'Contoso'
        $server = Get-CMAADApplication -AppType ServerApplication -ClientId $script:ServerClientId
        $service.ID | Should -Be @((Get-FakeSite 'objects SMS_Azure_CloudService').value)[0].ID
        $service.ServerAppID | Should -Be $server.ID
        (Get-CMAADTenant -Id $script:TenantId).Name | Should -Be 'Contoso'
    }

    It 'Get-CMAADSiteChange lists each change: when, site, class, object, operation, request ID' {
        $changes = @(Get-CMAADSiteChange)
        (@($changes | ForEach-Object { "$($_.Class):$($_.Operation)" }) -join ',') | Should -Be 'SMS_AAD_Tenant_Ex:Create,SMS_AAD_Application_Ex:Create,SMS_AAD_Application_Ex:Create,SMS_Azure_CloudService:Create'
        foreach ($change in $changes) {
            $change | Should -BeOfType [CMAAD.SiteChange]
            $change.SiteCode | Should -Be $script:Fake.SiteCode
            $change.Provider | Should -Not -BeNullOrEmpty
            $change.At | Should -BeOfType [datetime]
            ((Get-Date) - $change.At).TotalMinutes | Should -BeLessThan 30
            $change.RequestId | Should -Match '^[0-9a-f-]{36}$'
            $change.ObjectId | Should -BeGreaterThan 0
        }
        $changes[1].ObjectId | Should -Be (Get-CMAADApplication -AppName 'CmgServerApp').ID
        ($changes | Format-Table | Out-String -Width 400) -split "`r?`n" | ForEach-Object { $_.Length | Should -BeLessOrEqual 120 }
    }

    It 'no password or secret in the output, $Error, the verbose stream, the journal or the store' {
        $verbose = @($script:Transcript | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })
        $verbose.Count | Should -BeGreaterThan 3
        @($verbose | Where-Object { "$_" -like "*SMS Provider $($script:Fake.ProviderMachineName)*" }).Count | Should -BeGreaterThan 0 -Because 'the verbose stream says the calls go to the site'
        $texts = @(
            ($script:Transcript | Out-String -Width 400),
            (($script:Transcript | ForEach-Object { "$_" }) -join "`n"),
            ($script:Transcript | Where-Object { $_ -is [CMAAD.Site] -or $_ -is [CMAAD.Application] -or $_ -is [CMAAD.CloudService] } | ConvertTo-Json -Depth 6),
            ($Error | Out-String -Width 400),
            (Get-CMAADSiteChange | ConvertTo-Json -Depth 4),
            (Get-CMAADApplication | Format-List -Property * | Out-String -Width 400),
            [System.Text.Encoding]::UTF8.GetString([System.IO.File]::ReadAllBytes($script:SiteStore))
        )
        $texts | Should -HaveCount 7
        foreach ($text in $texts) {
            $text.Contains($script:SitePassword) | Should -BeFalse -Because 'the site password never leaves the native library'
            $text.Contains($script:PlainSecret) | Should -BeFalse -Because 'the client secret never comes back'
        }
        # The provider saw the secret once, in the server app's POST, and never the password.
        $requests = @((Get-FakeSite 'requests').value)
        @($requests | Where-Object { $_.CarriedSecret }) | Should -HaveCount 1
        ($requests | ConvertTo-Json -Depth 6).Contains($script:SitePassword) | Should -BeFalse
    }

    It 'Onboard-Cmg.ps1 runs again against the site under -NonInteractive: nothing is imported twice, no prompt (exit 0)' {
        $onboard = Join-Path -Path $script:Repo -ChildPath 'powershell/examples/Onboard-Cmg.ps1'
        $fake = $script:Fake
        $before = @((Get-FakeSite 'requests').value).Count
        # The child PowerShell (-NonInteractive) gets the password through its environment, never its command line.
        $env:CMAAD_TEST_SITE_PASSWORD = $script:SitePassword
        try {
            $expiry = $script:Expiry.ToString('yyyy-MM-dd', [System.Globalization.CultureInfo]::InvariantCulture)
            $result = Invoke-ChildPowerShell -Command ("`$credential = New-Object -TypeName System.Management.Automation.PSCredential -ArgumentList '$($fake.UserName)', " +
                "(ConvertTo-SecureString -String `$env:CMAAD_TEST_SITE_PASSWORD -AsPlainText -Force); " +
                "& '$onboard' -TenantName Contoso -TenantId '$($script:TenantId)' -ServerAppClientId '$($script:ServerClientId)' -ClientAppClientId '$($script:ClientClientId)' " +
                "-SecretKeyExpiry '$expiry' -SiteCode $($fake.SiteCode) -ProviderMachineName '$($fake.ProviderMachineName)' -Credential `$credential " +
                "-KdcAddress '$($fake.KdcAddress)' -TrustedCaPath '$($fake.TrustedCaPath)' -StorePath '$(New-TestStore 'onboard-site')' -Verbose 4>&1 | ForEach-Object { `"`$_`" }")
        }
        finally {
            Remove-Item -Path Env:CMAAD_TEST_SITE_PASSWORD
        }
        $text = $result.Output -join "`n"
        $result.ExitCode | Should -Be 0 -Because $text
        $text | Should -BeLike '*Server app * is there already*'
        $text | Should -BeLike "*Cloud management service 'Contoso' is there already with these apps*"
        $text.Contains($script:SitePassword) | Should -BeFalse
        @((Get-FakeSite 'objects SMS_AAD_Application_Ex').value) | Should -HaveCount 2
        @((Get-FakeSite 'objects SMS_Azure_CloudService').value) | Should -HaveCount 1
        $new = @((Get-FakeSite 'requests').value) | Select-Object -Skip $before
        $new.Count | Should -BeGreaterThan 0 -Because 'the script read the site'
        @($new | Where-Object { $_.Method -ne 'GET' }) | Should -HaveCount 0 -Because 'nothing was written again'
        @($new | Where-Object { $_.Status -ne 401 } | Where-Object { $_.Principal -ne $fake.UserName }) | Should -HaveCount 0
    }

    It 'Invoke-CmgSecretMaintenance.ps1 -SiteCode -ProviderMachineName reports on the site''s apps for a scheduled task, writing nothing' {
        $maintenance = Join-Path -Path $script:Repo -ChildPath 'powershell/examples/Invoke-CmgSecretMaintenance.ps1'
        $fake = $script:Fake
        $before = @((Get-FakeSite 'requests').value).Count
        $env:CMAAD_TEST_SITE_PASSWORD = $script:SitePassword
        try {
            $result = Invoke-ChildPowerShell -Command ("`$credential = New-Object -TypeName System.Management.Automation.PSCredential -ArgumentList '$($fake.UserName)', " +
                "(ConvertTo-SecureString -String `$env:CMAAD_TEST_SITE_PASSWORD -AsPlainText -Force); " +
                "& '$maintenance' -SiteCode $($fake.SiteCode) -ProviderMachineName '$($fake.ProviderMachineName)' -Credential `$credential " +
                "-KdcAddress '$($fake.KdcAddress)' -TrustedCaPath '$($fake.TrustedCaPath)' -StorePath '$(New-TestStore 'maintenance-site')' -ReportOnly; exit `$LASTEXITCODE")
        }
        finally {
            Remove-Item -Path Env:CMAAD_TEST_SITE_PASSWORD
        }
        $text = $result.Output -join "`n"
        $result.ExitCode | Should -BeIn @(0, 1) -Because $text
        $text | Should -BeLike "*CMAAD secret maintenance of site $($fake.SiteCode) ($($fake.ProviderMachineName)): 2 app(s)*"
        $text.Contains($script:SitePassword) | Should -BeFalse
        $new = @((Get-FakeSite 'requests').value) | Select-Object -Skip $before
        $new.Count | Should -BeGreaterThan 0 -Because 'the script read the site'
        @($new | Where-Object { $_.Method -ne 'GET' }) | Should -HaveCount 0 -Because 'a report writes nothing'
    }

    It 'Update-CMAADApplicationSecret on the site rotates with the site''s current secret and writes the new one to the site' -Skip:(-not $script:HasFakeEntra) {
        $server = Get-CMAADApplication -AppType ServerApplication -ClientId $script:ServerClientId
        { $server | Update-CMAADApplicationSecret -ValidityDays 180 -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'CMAAD.CurrentSecretKeyRequired,*'
        $config = '{"tenants":[{"id":"' + $script:TenantId + '","displayName":"Contoso","applications":[' +
            '{"appId":"' + $script:ServerClientId + '","displayName":"CmgServerApp","secrets":[{"value":"' + $script:PlainSecret + '","endDateTime":"2099-01-01T00:00:00Z"}],' +
            '"graphRoles":["Application.ReadWrite.OwnedBy","Directory.Read.All"]},' +
            '{"appId":"' + (Get-TestGuid 371) + '","displayName":"CMAAD automation","secrets":[{"value":"automation-secret","endDateTime":"2099-01-01T00:00:00Z"}],' +
            '"graphRoles":["Application.ReadWrite.All","AppRoleAssignment.ReadWrite.All","DelegatedPermissionGrant.ReadWrite.All"]}]}]}'
        $entra = Start-FakeEntra -Config $config
        try {
            # Only the cloud hosts change; the site's settings and credential are kept.
            $site = Connect-CMAADSite -AuthorityHost $entra.Url -GraphHost $entra.Url -TimeoutSeconds 5
            $site.ConfigMgrSite.SiteCode | Should -Be $script:Fake.SiteCode
            $before = (Get-FakeSite "secret-sha256 $($server.ID)").Sha256
            $rotated = $server | Update-CMAADApplicationSecret -CurrentSecretKey (New-TestSecret $script:PlainSecret) -ValidityDays 180 -RemoveOldSecret -Confirm:$false -ErrorAction Stop
            $rotated.ID | Should -Be $server.ID
            ($rotated.SecretKeyExpiry - (Get-Date)).TotalDays | Should -BeGreaterThan 178
            $after = (Get-FakeSite "secret-sha256 $($server.ID)").Sha256
            $after | Should -Not -BeNullOrEmpty
            $after | Should -Not -Be $before -Because 'the site holds the new secret'
            $row = @((Get-FakeSite 'objects SMS_AAD_Application_Ex').value) | Where-Object { $_.ID -eq $server.ID }
            ([datetime]$row.SecretKeyExpiry - (Get-Date)).TotalDays | Should -BeGreaterThan 178 -Because "the site's SecretKeyExpiry changed"
            (Get-CMAADSiteChange)[-1].Operation | Should -Be 'UpdateSecret'
            (Get-CMAADApplication -AppType ServerApplication -ClientId $script:ServerClientId).DaysUntilSecretExpiry | Should -BeGreaterThan 178

            # With an administrator's Graph sign-in, -Stored audits the site's registrations too:
            # the new password, whose end the site's SecretKeyExpiry names, is on the registration.
            $null = Connect-CMAADAzure -TenantId $script:TenantId -ClientId (Get-TestGuid 371) -ClientSecret (New-TestSecret 'automation-secret')
            $audited = @(Test-CMAADApplication -Stored -AppType ServerApplication)
            $audited | Should -HaveCount 1
            $audited[0].ClientID | Should -Be $script:ServerClientId
            # The bare fake registration fails the audit's settings checks; the site's secret check passes.
            $checks = @($audited[0].Error.Details.Checks)
            $checks.Count | Should -BeGreaterThan 3
            @($checks | Where-Object { $_.Name -eq 'SiteSecretOnRegistration' }).Outcome | Should -Be 'Passed' -Because ($checks | ConvertTo-Json -Depth 4)

            # With that sign-in the site rotation needs no -CurrentSecretKey.
            $held = (Get-FakeSite "secret-sha256 $($server.ID)").Sha256
            $again = $server | Update-CMAADApplicationSecret -ValidityDays 90 -RemoveOldSecret -Confirm:$false -ErrorAction Stop
            ($again.SecretKeyExpiry - (Get-Date)).TotalDays | Should -BeLessThan 91
            (Get-FakeSite "secret-sha256 $($server.ID)").Sha256 | Should -Not -Be $held
            @(Get-CMAADSiteChange | Where-Object { $_.Operation -eq 'UpdateSecret' }) | Should -HaveCount 2

            # Scheduled maintenance with that sign-in rotates the site's due secret (the site never returns it).
            $held = (Get-FakeSite "secret-sha256 $($server.ID)").Sha256
            $maintenance = Invoke-CMAADSecretMaintenance -TenantId $script:TenantId -RotateWithinDays 365 -ValidityDays 200 -RemoveOldSecret -Confirm:$false
            $maintenance | Should -BeOfType [CMAAD.MaintenanceReport]
            $maintenance.Rotated | Should -Be 1 -Because ($maintenance.Apps | Format-List * | Out-String)
            (Get-FakeSite "secret-sha256 $($server.ID)").Sha256 | Should -Not -Be $held
            @(Get-CMAADSiteChange | Where-Object { $_.Operation -eq 'UpdateSecret' }) | Should -HaveCount 3
        }
        finally {
            Disconnect-CMAADAzure
            $entra.Process.Kill()
        }
    }

    It 'Invoke-CMAADSecretMaintenance -ProviderMachineName reports over several sites at once; a site that cannot be read is reported, not fatal' {
        $sites = @($script:Fake.Sites)
        $sites | Should -HaveCount 3
        # Apps in the two other sites, imported through the cmdlets (each connect changes only the site).
        $null = Connect-CMAADSite -SiteCode $sites[1].SiteCode -ProviderMachineName $sites[1].ProviderMachineName
        $null = Import-CMAADServerApplication -TenantName 'Contoso' -TenantId $script:TenantId -AppName 'DueServerApp' -ClientId (Get-TestGuid 381) -SecretKey (New-TestSecret 'due') -SecretKeyExpiry (Get-Date).AddDays(10)
        $null = Connect-CMAADSite -SiteCode $sites[2].SiteCode -ProviderMachineName $sites[2].ProviderMachineName
        $null = Import-CMAADServerApplication -TenantName 'Contoso' -TenantId $script:TenantId -AppName 'LaterServerApp' -ClientId (Get-TestGuid 382) -SecretKey (New-TestSecret 'later') -SecretKeyExpiry (Get-Date).AddDays(300)
        $null = Connect-CMAADSite -SiteCode $sites[0].SiteCode -ProviderMachineName $sites[0].ProviderMachineName
        # A fourth provider at a closed loopback port cannot be read.
        $listener = New-Object -TypeName System.Net.Sockets.TcpListener -ArgumentList ([System.Net.IPAddress]::Loopback), 0
        $listener.Start()
        $closed = "localhost:$($listener.LocalEndpoint.Port)"
        $listener.Stop()

        $report = Invoke-CMAADSecretMaintenance -ProviderMachineName (@($sites.ProviderMachineName) + $closed) -SiteCode (@($sites.SiteCode) + 'S09') -ReportOnly
        $report | Should -BeOfType [CMAAD.SitesMaintenanceReport]
        $report.Sites | Should -Be 4
        $report.SitesFailed | Should -Be 1
        (@($report.SiteResults | ForEach-Object { "$($_.SiteCode)=$($_.Succeeded)" }) -join ',') | Should -Be "$($sites[0].SiteCode)=True,S02=True,S03=True,S09=False"
        $report.SiteResults[3].Error.Code | Should -Not -BeNullOrEmpty
        $due = @($report.Apps | Where-Object { $_.Action -eq 'RotationDue' })
        $due | Should -HaveCount 1
        $due[0].Name | Should -Be 'DueServerApp'
        $due[0].SiteCode | Should -Be 'S02'
        $due[0].DaysUntilSecretExpiry | Should -BeLessOrEqual 10
        @($report.Apps | Where-Object { $_.Name -eq 'LaterServerApp' })[0].Action | Should -Be 'NothingDue'
        @($report.Apps | Where-Object { $_.SiteCode -eq $sites[0].SiteCode -and $_.AppType -eq 'ServerApplication' }) | Should -HaveCount 1
        $report.NeedsAttention | Should -BeGreaterOrEqual 1 -Because 'the site that could not be read needs a person'
        { Invoke-CMAADSecretMaintenance -ProviderMachineName $sites[0].ProviderMachineName -ReportOnly -ErrorAction Stop } | Should -Throw -ErrorId 'CMAAD.SitesMismatch,*'

        # The same sites as one app list: each app with its site, the unreadable site as one error.
        $expiring = @(Get-CMAADApplication -ProviderMachineName (@($sites.ProviderMachineName) + $closed) -SiteCode (@($sites.SiteCode) + 'S09') -ExpiringWithinDays 30 -ErrorVariable unreadable -ErrorAction SilentlyContinue)
        $expiring | Should -HaveCount 1
        $expiring[0] | Should -BeOfType [CMAAD.Application]
        $expiring[0].Name | Should -Be 'DueServerApp'
        $expiring[0].SiteCode | Should -Be 'S02'
        $expiring[0].ProviderMachineName | Should -Be $sites[1].ProviderMachineName
        @($unreadable) | Should -HaveCount 1
        $unreadable[0].FullyQualifiedErrorId | Should -BeLike 'CMAAD.SiteUnreadable,*'
        $unreadable[0].TargetObject | Should -Be $closed
        @(Get-CMAADApplication -ProviderMachineName @($sites.ProviderMachineName) -SiteCode @($sites.SiteCode)) | Should -HaveCount 4
    }

    It 'Authentication Bearer: Connect-CMAADAzure -Resource AdminService signs in with a device code, and its token reads the site on AdminService_TokenAuth' {
        $fake = $script:Fake
        $bearer = $fake.Bearer
        # The Kerberos account, KDC and pin belong to Negotiate: leave them with the site, then connect anew.
        Disconnect-CMAADSite
        $site = Connect-CMAADSite -SiteCode $fake.SiteCode -ProviderMachineName $fake.ProviderMachineName -Authentication Bearer -TenantId $bearer.TenantId -ClientId $bearer.ClientId -AppIdUri $bearer.AppIdUri -AuthorityHost $bearer.AuthorityHost -GraphHost $bearer.AuthorityHost -TimeoutSeconds 10
        $site.ConfigMgrSite.Authentication | Should -Be 'Bearer'
        $before = @((Get-FakeSite 'requests').value).Count
        { Get-CMAADApplication -ErrorAction Stop } | Should -Throw -Because 'no token is sent before the sign-in'
        @((Get-FakeSite 'requests').value).Count | Should -Be $before -Because 'nothing reaches the provider without a token'

        $ps = [powershell]::Create()
        try {
            $null = $ps.AddCommand('Import-Module').AddParameter('Name', $script:ModulePath).AddStatement().
                AddCommand('Connect-CMAADAzure').AddParameter('TenantId', $bearer.TenantId).AddParameter('Resource', 'AdminService').AddParameter('TimeoutSeconds', 60)
            $async = $ps.BeginInvoke()
            $code = $null
            $deadline = (Get-Date).AddSeconds(30)
            while (-not $code -and -not $async.IsCompleted -and (Get-Date) -lt $deadline) {
                foreach ($warning in @($ps.Streams.Warning)) {
                    if ("$warning" -match 'enter the code (\S+) ') { $code = $Matches[1] }
                }
                Start-Sleep -Milliseconds 100
            }
            $code | Should -Not -BeNullOrEmpty -Because 'the device code is shown as a warning'
            (Get-FakeSite "approve $code").Approved | Should -BeTrue
            $signIn = @($ps.EndInvoke($async))
            @($ps.Streams.Error) | Should -HaveCount 0 -Because "$(@($ps.Streams.Error | ForEach-Object { $_.Exception.Message }) -join '; ')"
            $signIn[-1].SignedIn | Should -BeTrue
        }
        finally {
            $ps.Dispose()
        }
        [CMAAD.Interop.ModuleState]::SignInInfo | Should -BeNullOrEmpty -Because 'a sign-in for the site is not the Graph sign-in'
        $apps = @(Get-CMAADApplication -TenantName 'Contoso')
        (@($apps | ForEach-Object { $_.Name } | Sort-Object) -join ',') | Should -Be 'CmgClientApp,CmgServerApp'
        $new = @((Get-FakeSite 'requests').value | Select-Object -Skip $before)
        $new.Count | Should -BeGreaterThan 0
        foreach ($request in $new) {
            $request.Path | Should -BeLike '/AdminService_TokenAuth/*'
            $request.Scheme | Should -Be 'Bearer'
        }
        Disconnect-CMAADSite
    }
}
