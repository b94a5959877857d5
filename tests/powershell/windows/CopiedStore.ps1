# Pester 5: a site store whose key was sealed with DPAPI on one machine, copied to another, cannot
# be opened there, and the error says why. tests/powershell/run-pester-windows.sh runs this file
# alone in a second wine prefix under another account name, after Windows.Tests.ps1 sealed the
# store in the first prefix and copied it (site.db, site.db.key) into $env:CMAAD_COPIED_STORE.
# Not named *.Tests.ps1: a run of the whole folder must not pick it up without that store.
#
# Under wine, "another machine" is another prefix with another account: wine's DPAPI derives the
# key of a blob from the account name alone (not from a per-machine, per-user master key as
# Windows does), so a second prefix under the same account name would open the copy.

BeforeAll {
    $script:ModulePath = $env:CMAAD_TEST_MODULE
    if (-not $script:ModulePath -or -not (Test-Path -LiteralPath $script:ModulePath -PathType Leaf)) {
        throw 'Set $env:CMAAD_TEST_MODULE to a staged CMAAD.psd1 (tests/powershell/run-pester-windows.sh stages one).'
    }
    $script:Source = $env:CMAAD_COPIED_STORE
    if (-not $script:Source -or -not (Test-Path -LiteralPath (Join-Path -Path $script:Source -ChildPath 'site.db') -PathType Leaf)) {
        throw 'Set $env:CMAAD_COPIED_STORE to the folder Windows.Tests.ps1 copied its DPAPI-sealed store into (run-pester-windows.sh does).'
    }
    Import-Module -Name $script:ModulePath -Force -ErrorAction Stop
}

AfterAll {
    Remove-Module -Name CMAAD -ErrorAction SilentlyContinue
}

Describe 'A DPAPI-sealed store copied to another machine' {
    BeforeAll {
        $script:Store = Join-Path -Path $TestDrive -ChildPath 'Copied CMAAD\site.db'
        New-Item -ItemType Directory -Path (Split-Path -Parent $script:Store) | Out-Null
        Get-ChildItem -LiteralPath $script:Source -File | Copy-Item -Destination (Split-Path -Parent $script:Store)
        # The fake's endpoints are never reached: nothing may be sent before the key opens.
        $null = Connect-CMAADSite -StorePath $script:Store -AuthorityHost 'http://127.0.0.1:9' -GraphHost 'http://127.0.0.1:9' -TimeoutSeconds 2
    }

    It 'lists its apps (names and IDs are not secret)' {
        (Get-CMAADApplication -AppType ServerApplication).Name | Should -Be 'CmgServerApp'
    }

    It 'cannot open the secret: CMAAD.SiteKeyUnreadable names the key file and says where it opens' {
        $caught = $null
        try {
            Test-CMAADApplication -Stored -ErrorAction Stop | Out-Null
        }
        catch {
            $caught = $_
        }
        $caught | Should -Not -BeNullOrEmpty -Because 'the copied key must not open under another account'
        $caught.FullyQualifiedErrorId | Should -BeLike 'CMAAD.SiteKeyUnreadable,*'
        $caught.Exception.Message | Should -BeLike "*$($script:Store).key*"
        $caught.Exception.Message | Should -BeLike '*DPAPI*'
        $caught.Exception.Message | Should -BeLike '*account that created it*'
    }

    It 'stores no new secret under a key it cannot open' {
        $secret = ConvertTo-SecureString -String 'another-secret' -AsPlainText -Force
        { Import-CMAADServerApplication -TenantName 'Fabrikam' -TenantId '11111111-2222-4333-8444-555555555555' -AppName 'FabrikamServerApp' -ClientId '66666666-7777-4888-9999-000000000000' -SecretKey $secret -SecretKeyExpiry (Get-Date).AddDays(100) -ErrorAction Stop } |
            Should -Throw -ErrorId 'CMAAD.SiteKeyUnreadable,*'
        @(Get-CMAADApplication -AppName 'FabrikamServerApp') | Should -HaveCount 0
    }
}
