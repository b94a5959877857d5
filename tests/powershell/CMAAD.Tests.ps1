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
        $location | Should -Be ([System.IO.Path]::Combine($script:ModuleFolder, 'bin', $framework, 'CMAAD.dll'))
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
        $staged | Should -Contain 'en-US/CMAAD.dll-Help.xml'
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

    It 'refuses the retired German cloud with a clear message' {
        $null = Import-CMAADServerApplication -TenantName 'Old' -TenantId (Get-TestGuid 7) -AppName 'Old' -ClientId (Get-TestGuid 8) -SecretKey (New-TestSecret 'x') -SecretKeyExpiry $script:Expiry -AzureEnvironmentOption AzureGermanCloud -ErrorAction SilentlyContinue -ErrorVariable german
        $german[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $german[0].Exception.Message | Should -BeLike '*German*'
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
        $null = Import-CMAADServerApplication -TenantName 'Contoso' -TenantId $script:TenantId -AppName 'CmgServerApp' -ClientId $script:ServerClientId -SecretKey (New-TestSecret 'x') -SecretKeyExpiry $script:Expiry
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
    }

    It 'the scheduled-task example exits 0 on a clean store and prints the summary' {
        $script = Join-Path -Path $script:Repo -ChildPath 'powershell/examples/Invoke-CmgSecretMaintenance.ps1'
        $store = New-TestStore 'empty'
        $result = Invoke-ChildPowerShell -Command "& '$script' -StorePath '$store' -ReportOnly; exit `$LASTEXITCODE"
        $result.ExitCode | Should -Be 0
        ($result.Output -join "`n") | Should -BeLike '*0 app(s)*0 need attention*'
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
