$script:CmaadDateProperties = @(
    'SecretKeyExpiry', 'SecretKeyCreationTime', 'LastVerified', 'ApplicationCreationTime',
    'LastUpdateTime', 'CreatedTime'
)

function ConvertTo-CmaadJson {
    <#
    .SYNOPSIS
    A request document: the given fields as compact JSON, null fields left out.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [Parameter(Mandatory = $true)]
        [System.Collections.IDictionary]$Request
    )

    $clean = [ordered]@{}
    foreach ($key in $Request.Keys) {
        if ($null -ne $Request[$key]) {
            $clean[$key] = $Request[$key]
        }
    }
    return (ConvertTo-Json -InputObject $clean -Compress -Depth 5)
}

function ConvertTo-CmaadTimestamp {
    <#
    .SYNOPSIS
    A DateTime as RFC 3339 UTC text; an unspecified kind counts as local time, as everywhere in PowerShell.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [Parameter(Mandatory = $true)]
        [datetime]$Value
    )

    return $Value.ToUniversalTime().ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss'Z'", [System.Globalization.CultureInfo]::InvariantCulture)
}

function ConvertTo-CmaadDateTime {
    <#
    .SYNOPSIS
    A document timestamp as a local DateTime (Windows PowerShell keeps JSON dates as text, PowerShell 7 parses them).
    #>
    [CmdletBinding()]
    param(
        [object]$Value
    )

    if ($null -eq $Value) {
        return $null
    }
    if ($Value -is [datetime]) {
        return $Value.ToLocalTime()
    }
    $parsed = [datetime]::Parse([string]$Value, [System.Globalization.CultureInfo]::InvariantCulture, [System.Globalization.DateTimeStyles]::RoundtripKind)
    return $parsed.ToLocalTime()
}

function ConvertTo-CmaadObject {
    <#
    .SYNOPSIS
    Shapes one parsed document: type name, local DateTimes, warnings written and removed.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)]
        [psobject]$InputObject,

        [Parameter(Mandatory = $true)]
        [string]$TypeName
    )

    foreach ($name in $script:CmaadDateProperties) {
        $property = $InputObject.PSObject.Properties[$name]
        if ($null -ne $property -and $null -ne $property.Value) {
            $property.Value = ConvertTo-CmaadDateTime -Value $property.Value
        }
    }
    $warnings = $InputObject.PSObject.Properties['Warnings']
    if ($null -ne $warnings) {
        foreach ($warning in @($warnings.Value)) {
            Write-Warning -Message ([string]$warning)
        }
        $InputObject.PSObject.Properties.Remove('Warnings')
    }
    $InputObject.PSObject.TypeNames.Insert(0, $TypeName)
    return $InputObject
}

function ConvertFrom-CmaadDocument {
    <#
    .SYNOPSIS
    Parses a result document into objects of the given type; -Collection unrolls {"value":[...]}.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)]
        [string]$Json,

        [Parameter(Mandatory = $true)]
        [string]$TypeName,

        [switch]$Collection
    )

    $document = ConvertFrom-Json -InputObject $Json
    if ($Collection) {
        foreach ($item in @($document.value)) {
            if ($null -ne $item) {
                ConvertTo-CmaadObject -InputObject $item -TypeName $TypeName
            }
        }
        return
    }
    return (ConvertTo-CmaadObject -InputObject $document -TypeName $TypeName)
}

function Get-CmaadAppId {
    <#
    .SYNOPSIS
    The ID of an app (or service) object from Get-CMAADApplication (or an ID given directly).
    .DESCRIPTION
    Accepts exactly one object with an ID property, a hashtable with an ID key, or an integer.
    Several objects (a Get-CMAADApplication filter that matched more than one app) or an object
    without an ID stop the cmdlet with an InvalidArgument error naming the parameter.
    #>
    [CmdletBinding()]
    [OutputType([long])]
    param(
        [Parameter(Mandatory = $true)]
        [System.Management.Automation.PSCmdlet]$Cmdlet,

        [Parameter(Mandatory = $true)]
        [AllowNull()]
        [object]$InputObject,

        [Parameter(Mandatory = $true)]
        [string]$ParameterName,

        # What the object is, for the messages: service objects (Get-CMCloudManagementAzureService) carry an ID too.
        [ValidateSet('app', 'service')]
        [string]$Noun = 'app'
    )

    $value = $InputObject
    if ($value -is [System.Collections.IList] -and -not ($value -is [string])) {
        $items = @($value)
        if ($items.Count -ne 1) {
            if ($Noun -eq 'service') {
                $Cmdlet.ThrowTerminatingError((New-CmaadArgumentError -ErrorId 'AmbiguousService' -TargetObject $ParameterName -Message (
                    "$ParameterName got $($items.Count) services: pass one service, or pipe them to handle each.")))
            }
            $Cmdlet.ThrowTerminatingError((New-CmaadArgumentError -ErrorId 'AmbiguousApp' -TargetObject $ParameterName -Message (
                "$ParameterName got $($items.Count) apps: pass one app. Narrow Get-CMAADApplication with -AppName, -AppType and -TenantId so it returns a single app.")))
        }
        $value = $items[0]
    }
    if ($value -is [int] -or $value -is [long] -or $value -is [uint32]) {
        return [long]$value
    }
    if ($value -is [System.Collections.IDictionary]) {
        if ($value.Contains('ID') -and $null -ne $value['ID']) {
            return [long]$value['ID']
        }
    }
    elseif ($null -ne $value) {
        $property = $value.PSObject.Properties['ID']
        if ($null -ne $property -and $null -ne $property.Value) {
            return [long]$property.Value
        }
    }
    if ($Noun -eq 'service') {
        $Cmdlet.ThrowTerminatingError((New-CmaadArgumentError -ErrorId 'InvalidServiceObject' -TargetObject $ParameterName -Message (
            "$ParameterName must be a service object from Get-CMCloudManagementAzureService (it has no ID property).")))
    }
    $Cmdlet.ThrowTerminatingError((New-CmaadArgumentError -ErrorId 'InvalidAppObject' -TargetObject $ParameterName -Message (
        "$ParameterName must be an app object from Get-CMAADApplication or Import-CMAAD*Application (it has no ID property).")))
}

function Add-CmaadDiscoverySetting {
    <#
    .SYNOPSIS
    Copies the discovery parameters a cmdlet was given into its request.
    .DESCRIPTION
    Shared by New- and Set-CMCloudManagementAzureService: the Enable*Discovery switches, the
    delta minutes and the schedules, each only when the caller bound it.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)]
        [System.Management.Automation.PSCmdlet]$Cmdlet,

        [Parameter(Mandatory = $true)]
        [System.Collections.IDictionary]$Request,

        [Parameter(Mandatory = $true)]
        [System.Collections.IDictionary]$Bound
    )

    foreach ($flag in @('EnableUserDiscovery', 'EnableUserDeltaDiscovery', 'EnableGroupDiscovery', 'EnableGroupDeltaDiscovery')) {
        if ($Bound.Contains($flag)) {
            $Request[$flag] = [bool]$Bound[$flag]
        }
    }
    foreach ($minutes in @('UserDeltaDiscoveryMins', 'GroupDeltaDiscoveryMins')) {
        if ($Bound.Contains($minutes)) {
            $Request[$minutes] = [int]$Bound[$minutes]
        }
    }
    foreach ($schedule in @('UserDiscoverySchedule', 'GroupDiscoverySchedule')) {
        if ($Bound.Contains($schedule)) {
            $Request[$schedule] = ConvertTo-CmaadSchedule -Cmdlet $Cmdlet -Schedule $Bound[$schedule] -ParameterName $schedule
        }
    }
}

function ConvertTo-CmaadSchedule {
    <#
    .SYNOPSIS
    A discovery schedule as {"Kind": Minutes|Hours|Days, "Interval": n}.
    .DESCRIPTION
    Accepts @{Kind='Days'; Interval=7} (hashtable or object), a TimeSpan, or a ConfigMgr
    recurring-interval schedule from New-CMSchedule (DaysSpan/HourSpan/MinuteSpan). The library
    checks the values.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)]
        [System.Management.Automation.PSCmdlet]$Cmdlet,

        [AllowNull()]
        [object]$Schedule,

        [Parameter(Mandatory = $true)]
        [string]$ParameterName
    )

    if ($null -eq $Schedule) {
        return $null
    }
    if ($Schedule -is [timespan]) {
        if ($Schedule.TotalDays -ge 1 -and $Schedule.TotalDays -eq [math]::Floor($Schedule.TotalDays)) {
            return [ordered]@{ Kind = 'Days'; Interval = [int]$Schedule.TotalDays }
        }
        if ($Schedule.TotalHours -ge 1 -and $Schedule.TotalHours -eq [math]::Floor($Schedule.TotalHours)) {
            return [ordered]@{ Kind = 'Hours'; Interval = [int]$Schedule.TotalHours }
        }
        return [ordered]@{ Kind = 'Minutes'; Interval = [int]$Schedule.TotalMinutes }
    }

    $fields = @{}
    if ($Schedule -is [System.Collections.IDictionary]) {
        foreach ($key in $Schedule.Keys) {
            $fields[[string]$key] = $Schedule[$key]
        }
    }
    else {
        foreach ($property in $Schedule.PSObject.Properties) {
            $fields[$property.Name] = $property.Value
        }
    }

    if ($fields.ContainsKey('Kind') -and $fields.ContainsKey('Interval')) {
        return [ordered]@{ Kind = [string]$fields['Kind']; Interval = [long]$fields['Interval'] }
    }
    foreach ($pair in @(@('DaysSpan', 'Days'), @('HourSpan', 'Hours'), @('MinuteSpan', 'Minutes'))) {
        if ($fields.ContainsKey($pair[0]) -and [long]$fields[$pair[0]] -gt 0) {
            return [ordered]@{ Kind = $pair[1]; Interval = [long]$fields[$pair[0]] }
        }
    }
    $Cmdlet.ThrowTerminatingError((New-CmaadArgumentError -ErrorId 'InvalidSchedule' -TargetObject $ParameterName -Message (
        "$ParameterName is not a schedule: pass @{ Kind = 'Days'; Interval = 7 } (Kind Minutes, Hours or Days), a TimeSpan, or a recurring schedule from New-CMSchedule.")))
}
