# Pester 5 tests of the CMAAD module end to end, against the real native library. They run
# wherever pwsh (or Windows PowerShell with Pester 5) exists:
#   pwsh -NoProfile -Command "Invoke-Pester -Path tests/powershell -CI"
# or tests/powershell/run-pester.sh, which prints a one-line notice and skips when pwsh is
# missing. The library defaults to target/debug (cargo build); set $env:CMAAD_LIBRARY to test
# another build, or $env:CMAAD_TEST_MODULE to test a staged module (dist/CMAAD/CMAAD.psd1).

BeforeDiscovery {
    $contractFile = Join-Path -Path $PSScriptRoot -ChildPath 'contract.json'
    $discoveredContract = Get-Content -Raw -Path $contractFile | ConvertFrom-Json
    $script:ContractCases = @()
    foreach ($group in @('cmdlets', 'moduleCmdlets')) {
        foreach ($entry in $discoveredContract.$group.PSObject.Properties) {
            $script:ContractCases += @{ Name = $entry.Name; Group = $group }
        }
    }
}

BeforeAll {
    $script:Repo = (Resolve-Path -Path (Join-Path -Path $PSScriptRoot -ChildPath '../..')).Path
    $script:IsWindowsHost = ($PSVersionTable.PSEdition -eq 'Desktop') -or [bool](Get-Variable -Name IsWindows -ValueOnly -ErrorAction SilentlyContinue)
    $script:IsMacHost = [bool](Get-Variable -Name IsMacOS -ValueOnly -ErrorAction SilentlyContinue)
    if (-not $env:CMAAD_TEST_MODULE -and -not $env:CMAAD_LIBRARY) {
        $name = 'libcmaad.so'
        if ($script:IsWindowsHost) {
            $name = 'cmaad.dll'
        }
        elseif ($script:IsMacHost) {
            $name = 'libcmaad.dylib'
        }
        $env:CMAAD_LIBRARY = Join-Path -Path $script:Repo -ChildPath "target/debug/$name"
    }
    $script:ModulePath = $env:CMAAD_TEST_MODULE
    if (-not $script:ModulePath) {
        $script:ModulePath = Join-Path -Path $script:Repo -ChildPath 'powershell/CMAAD/CMAAD.psd1'
    }
    Import-Module -Name $script:ModulePath -Force -ErrorAction Stop

    $script:Contract = Get-Content -Raw -Path (Join-Path -Path $PSScriptRoot -ChildPath 'contract.json') | ConvertFrom-Json
    $script:TenantId = '05a349fa-0d5c-4a1c-9f3e-1c2d3e4f5a6b'
    $script:ServerClientId = '7078946d-1a2b-4c3d-8e9f-0a1b2c3d4e5f'
    $script:ClientClientId = 'cf114f48-2b3c-4d5e-9f0a-1b2c3d4e5f60'
    $script:PlainSecret = '1uXGR^!0@Cjas6qI*J02ZeS&&zY19^hC*9'
    $script:Expiry = (Get-Date).Date.AddYears(1)

    $script:TypeOf = @{
        'String'               = [string]
        'SecureString'         = [System.Security.SecureString]
        'DateTime'             = [datetime]
        'Uri'                  = [uri]
        'AzureEnvironment'     = [CMAAD.AzureEnvironment]
        'CloudApplicationType' = [CMAAD.CloudApplicationType]
        'AppObject'            = [object]
        'Schedule'             = [object]
        'Boolean'              = [bool]
        'Int32'                = [int]
        'Int64'                = [long]
        'String[]'             = [string[]]
        'Switch'               = [System.Management.Automation.SwitchParameter]
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
}

AfterAll {
    Remove-Module -Name CMAAD -ErrorAction SilentlyContinue
}

Describe 'Module surface' {
    It 'exports exactly the manifest functions and the ConfigMgr alias names' {
        $manifest = Import-PowerShellDataFile -Path $script:ModulePath
        $functions = @(Get-Command -Module CMAAD -CommandType Function | ForEach-Object { $_.Name } | Sort-Object)
        ($functions -join ',') | Should -Be (@($manifest.FunctionsToExport | Sort-Object) -join ',')
        $contractNames = @(@($script:Contract.cmdlets.PSObject.Properties.Name) + @($script:Contract.moduleCmdlets.PSObject.Properties.Name) | Sort-Object)
        ($functions -join ',') | Should -Be ($contractNames -join ',')
        (Get-Command -Name Get-CMAzureService).ResolvedCommandName | Should -Be 'Get-CMCloudManagementAzureService'
        (Get-Command -Name Remove-CMAzureService).ResolvedCommandName | Should -Be 'Remove-CMCloudManagementAzureService'
    }

    It '<Name> binds exactly the contract parameters' -TestCases $script:ContractCases {
        param($Name, $Group)
        $command = Get-Command -Name $Name -CommandType Function
        $spec = $script:Contract.$Group.$Name
        $common = @([System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters)
        $declared = @($command.Parameters.Keys | Where-Object { $common -notcontains $_ } | Sort-Object)
        $names = @($spec.parameters.PSObject.Properties.Name)
        if (-not $spec.noCommonParameters) {
            $names += @($script:Contract.commonParameters.PSObject.Properties.Name)
        }
        ($declared -join ',') | Should -Be (@($names | Sort-Object) -join ',')
        foreach ($property in $spec.parameters.PSObject.Properties) {
            $parameter = $command.Parameters[$property.Name]
            $want = $property.Value
            $parameter.ParameterType | Should -Be $script:TypeOf[$want.type] -Because "$Name -$($property.Name) is $($want.type)"
            (@($parameter.Aliases | Sort-Object) -join ',') | Should -Be (@($want.aliases | Sort-Object) -join ',') -Because "aliases of -$($property.Name)"
            $attributes = @($parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] })
            ($attributes | Where-Object { $_.Mandatory }).Count -gt 0 | Should -Be ([bool]$want.mandatory)
            $position = $null
            foreach ($attribute in $attributes) {
                if ($attribute.Position -ge 0) {
                    $position = $attribute.Position
                }
            }
            $position | Should -Be $want.position
        }
        $binding = $command.ScriptBlock.Attributes | Where-Object { $_ -is [System.Management.Automation.CmdletBindingAttribute] }
        [bool]$binding.SupportsShouldProcess | Should -Be ([bool]$spec.supportsShouldProcess)
        if ($spec.confirmImpact) {
            $binding.ConfirmImpact.ToString() | Should -Be $spec.confirmImpact
        }
    }

    It 'Import-CMAADClientApplication has the ByServerApp and ById sets' {
        $sets = @((Get-Command -Name Import-CMAADClientApplication).ParameterSets | ForEach-Object { $_.Name } | Sort-Object)
        ($sets -join ',') | Should -Be 'ById,ByServerApp'
    }

    It '<Name> has help with examples' -TestCases $script:ContractCases {
        param($Name, $Group)
        $help = Get-Help -Name $Name -Full
        $help.Synopsis | Should -Not -BeNullOrEmpty
        @($help.Examples.Example).Count | Should -BeGreaterOrEqual 2
    }
}

Describe 'Onboarding flow' {
    BeforeAll {
        $script:Site = Connect-CMAADSite -StorePath (Join-Path -Path $TestDrive -ChildPath 'site.db')
    }

    It 'Connect-CMAADSite chooses the store and reports the site' {
        $script:Site.PSObject.TypeNames | Should -Contain 'CMAAD.Site'
        $script:Site.StorePath | Should -BeLike '*site.db'
        $script:Site.AzureEnvironment | Should -Be 'AzurePublicCloud'
    }

    It "runs Microsoft's published example unchanged (plain-string secret, with a warning)" {
        $date = [datetime]::ParseExact($script:Expiry.ToString('MM/dd/yyyy', [System.Globalization.CultureInfo]::InvariantCulture), 'MM/dd/yyyy', $null)
        $app = Import-CMAADServerApplication -TenantName "Contoso" -TenantId $script:TenantId -AppName "CmgServerApp" -ClientId $script:ServerClientId -SecretKey $script:PlainSecret -SecretKeyExpiry $date -WarningVariable warnings 3>$null
        @($warnings | Where-Object { "$_" -like '*plain text*' }).Count | Should -Be 1
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

        $piped = Get-CMAADApplication -AppName 'FabrikamServerApp' | Import-CMAADClientApplication -AppName 'FabrikamClientApp' -ClientId (Get-TestGuid 5)
        $piped.TenantName | Should -Be 'Fabrikam'

        $byId = Import-CMAADClientApplication -TenantId (Get-TestGuid 1) -ApplicationName 'FabrikamClientApp2' -ClientId (Get-TestGuid 6)
        $byId.TenantID | Should -Be (Get-TestGuid 1)
    }

    It 'filters with AND; no match is empty and not an error' {
        @(Get-CMAADApplication -TenantName 'Contoso' -AppType ClientApplication) | Should -HaveCount 1
        @(Get-CMAADApplication -TenantName 'Contoso' -AppType ClientApplication)[0].PSObject.TypeNames[0] | Should -Be 'CMAAD.Application'
        @(Get-CMAADApplication -TenantId $script:TenantId -ApplicationType ServerApplication) | Should -HaveCount 1
        @(Get-CMAADApplication -ApplicationName 'CmgServerApp') | Should -HaveCount 1
        @(Get-CMAADApplication) | Should -HaveCount 5
        $none = Get-CMAADApplication -AppName 'Nope' -ErrorVariable err
        $none | Should -BeNullOrEmpty
        $err | Should -BeNullOrEmpty
    }

    It "creates the service with Microsoft's example and the parameter aliases" {
        $serverApp = Get-CMAADApplication -TenantName "Contoso" -AppType ServerApplication -AppName "CmgServerApp"
        $clientApp = Get-CMAADApplication -TenantName "Contoso" -AppType ClientApplication -AppName "CmgClientApp"
        $service = New-CMCloudManagementAzureService -Name "Contoso" -Description "Azure Service" -ServerApp $serverApp -ClientApp $clientApp -AzureEnvironmentOption AzurePublicCloud
        $service.PSObject.TypeNames[0] | Should -Be 'CMAAD.CloudService'
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
        $err[0].FullyQualifiedErrorId | Should -Be 'CMAAD.InvalidClientId,Import-CMAADServerApplication'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
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
        $caught.FullyQualifiedErrorId | Should -BeLike 'CMAAD.*,Import-CMAADClientApplication'
    }

    It 'refuses several server apps given to -ServerApp' {
        $all = Get-CMAADApplication -AppType ServerApplication
        { Import-CMAADClientApplication -ServerApp $all -AppName 'X' -ClientId (Get-TestGuid 97) } | Should -Throw -ErrorId 'CMAAD.AmbiguousApp,Import-CMAADClientApplication'
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
        $null = Connect-CMAADSite -StorePath (Join-Path -Path $TestDrive -ChildPath 'lifecycle.db')
        $script:SoonTenant = Get-TestGuid 201
        $script:LaterTenant = Get-TestGuid 202
        # DaysUntilSecretExpiry 10 and 40 (an hour past the whole days).
        $soonExpiry = (Get-Date).AddHours(241)
        $laterExpiry = (Get-Date).AddHours(961)
        $script:Soon = Import-CMAADServerApplication -TenantName 'Soon' -TenantId $script:SoonTenant -AppName 'SoonServer' -ClientId (Get-TestGuid 211) -SecretKey (New-TestSecret 'soon') -SecretKeyExpiry $soonExpiry
        $script:Later = Import-CMAADServerApplication -TenantName 'Later' -TenantId $script:LaterTenant -AppName 'LaterServer' -ClientId (Get-TestGuid 212) -SecretKey (New-TestSecret 'later') -SecretKeyExpiry $laterExpiry
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
        $expiry = (Get-Date).AddDays(300)
        $renewed = $script:Soon | Set-CMAADApplication -SecretKey (New-TestSecret 'renewed') -SecretKeyExpiry $expiry -PassThru
        $renewed.PSObject.TypeNames[0] | Should -Be 'CMAAD.Application'
        $renewed.DaysUntilSecretExpiry | Should -BeGreaterOrEqual 299
        $quiet = Set-CMAADApplication -Id $script:Soon.ID -NewName 'SoonServer2'
        $quiet | Should -BeNullOrEmpty
        (Get-CMAADApplication -AppName 'SoonServer2').ID | Should -Be $script:Soon.ID
        { Set-CMAADApplication -Id $script:Soon.ID -SecretKey (New-TestSecret 'x') } | Should -Throw -ErrorId 'CMAAD.SecretNeedsExpiry,Set-CMAADApplication'
        { Set-CMAADApplication -Id $script:Soon.ID } | Should -Throw -ErrorId 'CMAAD.NothingToChange,Set-CMAADApplication'
    }

    It 'Remove-CMAADApplication is refused while a service uses the app, honors -WhatIf and removes with -Force' {
        $null = $script:LaterClient | Remove-CMAADApplication -Force -ErrorAction SilentlyContinue -ErrorVariable inUse
        $inUse | Should -HaveCount 1
        $inUse[0].FullyQualifiedErrorId | Should -BeLike 'CMAAD.AppInUse,*'
        (Get-Command Remove-CMAADApplication).ScriptBlock.Attributes.Where({ $_ -is [System.Management.Automation.CmdletBindingAttribute] })[0].ConfirmImpact | Should -Be 'High'

        Get-CMAzureService -Name 'Lat*' | Should -HaveCount 1
        $service = Get-CMCloudManagementAzureService -Id $script:Service.ID
        $changed = $service | Set-CMCloudManagementAzureService -EnableAADGroupSync $true -Description 'CMG' -PassThru
        $changed.EnableAADGroupSync | Should -BeTrue
        $changed.Description | Should -Be 'CMG'
        Remove-CMAzureService -Name 'Later' -WhatIf
        @(Get-CMAzureService) | Should -HaveCount 1
        $removedService = Remove-CMAzureService -Name 'Later' -Force -PassThru
        $removedService.Removed | Should -BeTrue

        $script:LaterClient | Remove-CMAADApplication -WhatIf
        @(Get-CMAADApplication -AppName 'LaterClient') | Should -HaveCount 1
        $removed = $script:LaterClient, $script:Later | Remove-CMAADApplication -Force -PassThru
        @($removed) | Should -HaveCount 2
        @(Get-CMAADApplication -TenantId $script:LaterTenant) | Should -HaveCount 0
    }

    It 'Get-CMAADTenant and Set-CMAADTenant -DisableAADAuthentication' {
        $tenant = Get-CMAADTenant -Name 'Soon'
        $tenant.PSObject.TypeNames[0] | Should -Be 'CMAAD.Tenant'
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
        $null = Connect-CMAADSite -StorePath (Join-Path -Path $TestDrive -ChildPath 'graph.db') -AuthorityHost $script:Offline -GraphHost $script:Offline -TimeoutSeconds 2
    }

    It 'New-CMAADServerApplication -WhatIf shows the registration without a sign-in and creates nothing' {
        $plan = New-CMAADServerApplication -AppName 'CmgServerApp' -TenantId $script:TenantId -SecretKeyExpiry TwoYears -WhatIf
        $plan.PSObject.TypeNames[0] | Should -Be 'CMAAD.RegistrationPlan'
        $plan.WhatIf | Should -BeTrue
        $plan.Application.displayName | Should -Be 'CmgServerApp'
        ($plan | ConvertTo-Json -Depth 10) | Should -BeLike "*api://$($script:TenantId)/CmgServerApp*"
        @(Get-CMAADApplication) | Should -HaveCount 0
    }

    It 'refuses to create without a sign-in' {
        { New-CMAADServerApplication -AppName 'CmgServerApp' -Confirm:$false } | Should -Throw -ErrorId 'CMAAD.NotConnected,New-CMAADServerApplication'
        { Test-CMAADApplication -ClientId $script:ServerClientId } | Should -Throw -ErrorId 'CMAAD.NotConnected,Test-CMAADApplication'
    }

    It 'Connect-CMAADAzure reports an unreachable authority and keeps no sign-in' {
        { Connect-CMAADAzure -TenantId $script:TenantId -ClientId $script:ServerClientId -ClientSecret (New-TestSecret 'x') } | Should -Throw -ErrorId 'CMAAD.*'
        { New-CMAADServerApplication -AppName 'X' -Confirm:$false } | Should -Throw -ErrorId 'CMAAD.NotConnected,New-CMAADServerApplication'
        Disconnect-CMAADAzure -PassThru | Should -BeNullOrEmpty
    }

    It 'Invoke-CMAADSecretMaintenance reports every unreachable app as needing a person' {
        $null = Import-CMAADServerApplication -TenantName 'Contoso' -TenantId $script:TenantId -AppName 'CmgServerApp' -ClientId $script:ServerClientId -SecretKey (New-TestSecret 'x') -SecretKeyExpiry $script:Expiry
        $report = Invoke-CMAADSecretMaintenance -ReportOnly
        $report.PSObject.TypeNames[0] | Should -Be 'CMAAD.MaintenanceReport'
        $report.Total | Should -Be 1
        $report.NeedsAttention | Should -Be 1
        $report.Apps[0].PSObject.TypeNames[0] | Should -Be 'CMAAD.MaintenanceEntry'
        $report.Apps[0].Action | Should -Be 'NeedsAttention'
        $verified = @(Test-CMAADApplication -Stored)
        $verified | Should -HaveCount 1
        $verified[0].Verified | Should -BeFalse
    }

    It 'the scheduled-task example exits 0 on a clean store and prints the summary' {
        $pwsh = (Get-Process -Id $PID).Path
        $script = Join-Path -Path $script:Repo -ChildPath 'powershell/examples/Invoke-CmgSecretMaintenance.ps1'
        $store = Join-Path -Path $TestDrive -ChildPath 'empty.db'
        $modulesFolder = Split-Path -Parent (Split-Path -Parent $script:ModulePath)
        $command = "`$env:PSModulePath = '$modulesFolder' + [System.IO.Path]::PathSeparator + `$env:PSModulePath; & '$script' -StorePath '$store' -ReportOnly; exit `$LASTEXITCODE"
        $output = & $pwsh -NoProfile -NonInteractive -Command $command
        $LASTEXITCODE | Should -Be 0
        ($output -join "`n") | Should -BeLike '*0 app(s)*0 need attention*'
    }
}

Describe 'Native library missing' {
    It 'names the expected file' {
        $pwsh = (Get-Process -Id $PID).Path
        $missing = Join-Path -Path $TestDrive -ChildPath 'no-such-libcmaad.so'
        $command = "`$env:CMAAD_LIBRARY = '$missing'; Import-Module '$($script:ModulePath)'; try { Get-CMAADApplication -ErrorAction Stop } catch { `$_.FullyQualifiedErrorId; `$_.Exception.Message }"
        $output = & $pwsh -NoProfile -NonInteractive -Command $command
        ($output -join "`n") | Should -BeLike '*CMAAD.LibraryMissing*'
        ($output -join "`n") | Should -BeLike "*$missing*"
    }
}
