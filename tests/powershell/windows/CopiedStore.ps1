# Pester 5: a site store whose key was sealed with DPAPI on one machine, copied to another, cannot
# be opened there, and the error says why. tests/powershell/run-pester-windows.sh runs this file
# alone in a second wine prefix under another account name, after Windows.Tests.ps1 sealed the
# store in the first prefix; the script copies it into this prefix (the key file owner-only, as a
# restore with its permissions leaves it) and names the copy's folder in $env:CMAAD_COPIED_STORE.
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
        throw 'Set $env:CMAAD_COPIED_STORE to the folder holding a copy of the DPAPI-sealed store Windows.Tests.ps1 made (run-pester-windows.sh does).'
    }
    Import-Module -Name $script:ModulePath -Force -ErrorAction Stop
}

AfterAll {
    Remove-Module -Name CMAAD -ErrorAction SilentlyContinue
}

Describe 'A DPAPI-sealed store copied to another machine' {
    BeforeAll {
        $script:Store = Join-Path -Path $script:Source -ChildPath 'site.db'
        $script:KeyHash = (Get-FileHash -LiteralPath "$($script:Store).key").Hash
    }

    It 'cannot be opened: CMAAD.SiteKeyUnreadable names the key file and says where it opens' {
        $caught = $null
        try {
            # The endpoints are never reached: nothing may be sent before the key opens.
            Connect-CMAADSite -StorePath $script:Store -AuthorityHost 'http://127.0.0.1:9' -GraphHost 'http://127.0.0.1:9' -TimeoutSeconds 2 -ErrorAction Stop | Out-Null
            Test-CMAADApplication -Stored -ErrorAction Stop | Out-Null
        }
        catch {
            $caught = $_
        }
        $caught | Should -Not -BeNullOrEmpty -Because 'the copied key must not open under another account'
        $caught.FullyQualifiedErrorId | Should -BeLike 'CMAAD.SiteKeyUnreadable,*'
        $caught.Exception.Message | Should -BeLike "*$($script:Store).key*"
        $caught.Exception.Message | Should -BeLike '*cannot be unsealed with DPAPI*'
        $caught.Exception.Message | Should -BeLike '*account that created it*'
    }

    It 'keeps the key file: no new key replaces the one the stored secrets are sealed under' {
        (Get-FileHash -LiteralPath "$($script:Store).key").Hash | Should -Be $script:KeyHash
    }
}
