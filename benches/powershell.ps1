<#
.SYNOPSIS
Measures the compiled CMAAD module: Import-Module in a fresh process, the warm per-call cost of
Get-CMAADApplication -ClientId against an empty compiled cmdlet in the same process, and 1,000
Import-CMAADClientApplication calls fed from a CSV file through the pipeline.

.DESCRIPTION
Prints one line per figure: what | value | how. Run through benches/powershell.sh (which stages
the module with the release library) or directly with -Module <staged CMAAD.psd1>.
#>
param(
    [Parameter(Mandatory = $true)]
    [string]$Module,

    [Parameter(Mandatory = $true)]
    [string]$Pwsh
)

$ErrorActionPreference = 'Stop'

function Get-Median {
    param([double[]]$Values)
    $sorted = @($Values | Sort-Object)
    return $sorted[[int][math]::Floor(($sorted.Count - 1) / 2)]
}

# 1. Import-Module in a fresh process, timed inside it (process start-up excluded), median of 5:
# wall-clock time, and the process's CPU time over the same span (less sensitive to other load
# on the machine than the wall clock).
$wall = @()
$cpu = @()
foreach ($i in 1..5) {
    $line = & $Pwsh -NoProfile -NonInteractive -Command ("`$p = [System.Diagnostics.Process]::GetCurrentProcess(); `$c = `$p.TotalProcessorTime; " +
        "`$w = [System.Diagnostics.Stopwatch]::StartNew(); Import-Module '$Module'; `$e = `$w.Elapsed.TotalMilliseconds; `$p.Refresh(); " +
        "'{0} {1}' -f `$e, (`$p.TotalProcessorTime - `$c).TotalMilliseconds")
    $parts = "$line".Split(' ')
    $wall += [double]::Parse($parts[0], [cultureinfo]::InvariantCulture)
    $cpu += [double]::Parse($parts[1], [cultureinfo]::InvariantCulture)
}
"PowerShell: ``Import-Module CMAAD`` in a fresh process | $('{0:0} ms' -f (Get-Median $wall)) (CPU $('{0:0} ms' -f (Get-Median $cpu))) | median of 5 fresh pwsh processes, timed inside the process (wall: $((($wall | ForEach-Object { '{0:0}' -f $_ }) -join ', ')) ms); goal <= 100 ms"

# 2. Warm per-call cost: Get-CMAADApplication -ClientId (10-app store) against an empty compiled
# cmdlet with the same parameter, interleaved in batches in one process.
Import-Module $Module
$work = Join-Path -Path ([System.IO.Path]::GetTempPath()) -ChildPath ("cmaad-bench-" + [guid]::NewGuid().ToString('n'))
$null = New-Item -ItemType Directory -Path $work
try {
    $null = Connect-CMAADSite -StorePath (Join-Path -Path $work -ChildPath 'site.db')
    $secret = ConvertTo-SecureString -String 'bench-secret' -AsPlainText -Force
    $tenant = '05a349fa-0d5c-4a1c-9f3e-1c2d3e4f5a6b'
    $clientIds = foreach ($i in 1..10) {
        $id = '{0:x8}-1111-4222-8333-{1:x12}' -f $i, $i
        $null = Import-CMAADServerApplication -TenantName "T$i" -TenantId ('{0:x8}-aaaa-4bbb-8ccc-{1:x12}' -f $i, $i) -AppName "App$i" -ClientId $id -SecretKey $secret -SecretKeyExpiry (Get-Date).AddYears(1)
        $id
    }
    $target = $clientIds[4]

    Add-Type -ReferencedAssemblies ([System.Management.Automation.PSCmdlet].Assembly.Location) -TypeDefinition @'
using System.Management.Automation;
[Cmdlet(VerbsCommon.Get, "EmptyBench")]
public class GetEmptyBenchCommand : PSCmdlet
{
    [Parameter] public string ClientId { get; set; }
    protected override void ProcessRecord() { WriteObject(null); }
}
'@ -PassThru | Select-Object -First 1 | ForEach-Object { Import-Module -Assembly $_.Assembly }

    $batches = 15
    $calls = 400
    $process = [System.Diagnostics.Process]::GetCurrentProcess()
    $cmaad = New-Object System.Collections.Generic.List[double]
    $empty = New-Object System.Collections.Generic.List[double]
    $cmaadCpu = New-Object System.Collections.Generic.List[double]
    $emptyCpu = New-Object System.Collections.Generic.List[double]
    for ($i = 0; $i -lt 500; $i++) { $null = Get-CMAADApplication -ClientId $target; $null = Get-EmptyBench -ClientId $target }
    # Each batch runs in a function, as a script's loop usually does (script-level loops pay for
    # dynamic variable lookup on every call, for both cmdlets alike).
    function Measure-Batch {
        param([string]$Command, [string]$ClientId, [int]$Count, [System.Collections.Generic.List[double]]$Wall, [System.Collections.Generic.List[double]]$Cpu)
        $process.Refresh()
        $c = $process.TotalProcessorTime
        $w = [System.Diagnostics.Stopwatch]::StartNew()
        if ($Command -eq 'empty') {
            for ($i = 0; $i -lt $Count; $i++) { $null = Get-EmptyBench -ClientId $ClientId }
        }
        else {
            for ($i = 0; $i -lt $Count; $i++) { $null = Get-CMAADApplication -ClientId $ClientId }
        }
        $Wall.Add($w.Elapsed.TotalMilliseconds * 1000 / $Count)
        $process.Refresh()
        $Cpu.Add(($process.TotalProcessorTime - $c).TotalMilliseconds * 1000 / $Count)
    }
    for ($b = 0; $b -lt $batches; $b++) {
        Measure-Batch -Command 'empty' -ClientId $target -Count $calls -Wall $empty -Cpu $emptyCpu
        Measure-Batch -Command 'cmaad' -ClientId $target -Count $calls -Wall $cmaad -Cpu $cmaadCpu
    }
    $cmaadMedian = Get-Median $cmaad.ToArray()
    $emptyMedian = Get-Median $empty.ToArray()
    $cmaadCpuMedian = Get-Median $cmaadCpu.ToArray()
    $emptyCpuMedian = Get-Median $emptyCpu.ToArray()
    "PowerShell: warm ``Get-CMAADApplication -ClientId`` per call (10-app store) | $('{0:0.0} µs' -f $cmaadMedian) (CPU $('{0:0.0} µs' -f $cmaadCpuMedian)) | median of $batches batches of $calls calls in a loop in a script function, interleaved with the empty cmdlet below"
    "PowerShell: warm empty compiled cmdlet with the same parameter, per call | $('{0:0.0} µs' -f $emptyMedian) (CPU $('{0:0.0} µs' -f $emptyCpuMedian)) | the floor: what PowerShell itself costs for one cmdlet call"
    "PowerShell: ratio, Get-CMAADApplication over the empty cmdlet | $('{0:0.00}×' -f ($cmaadMedian / $emptyMedian)) (CPU $('{0:0.00}×' -f ($cmaadCpuMedian / $emptyCpuMedian))) | goal <= 2×"

    # 3. 1,000 client apps imported from a CSV file through the pipeline.
    $csv = Join-Path -Path $work -ChildPath 'clients.csv'
    $rows = foreach ($i in 1..1000) {
        $t = ($i % 10) + 1
        [pscustomobject]@{ TenantId = ('{0:x8}-aaaa-4bbb-8ccc-{1:x12}' -f $t, $t); AppName = "Client$i"; ClientId = ('{0:x8}-5555-4666-8777-{1:x12}' -f $i, $i) }
    }
    $rows | Export-Csv -LiteralPath $csv -NoTypeInformation
    $w = [System.Diagnostics.Stopwatch]::StartNew()
    $imported = Import-Csv -LiteralPath $csv | ForEach-Object { Import-CMAADClientApplication -TenantId $_.TenantId -AppName $_.AppName -ClientId $_.ClientId }
    $elapsed = $w.Elapsed.TotalMilliseconds
    if (@($imported).Count -ne 1000) { throw "expected 1000 imported client apps, got $(@($imported).Count)" }
    "PowerShell: 1,000 ``Import-CMAADClientApplication`` from a CSV pipeline | $('{0:0} ms' -f $elapsed) ($('{0:0} µs' -f ($elapsed * 1000 / 1000)) per app) | Import-Csv | ForEach-Object { Import-CMAADClientApplication ... }, each import its own committed store transaction"
}
finally {
    Remove-Module CMAAD -ErrorAction SilentlyContinue
    Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue
}
