function Set-CMAADTenant {
    <#
    .SYNOPSIS
    Changes a tenant in the site: disables (or re-enables) Microsoft Entra authentication, or renames it.

    .DESCRIPTION
    -DisableAADAuthentication $true is the console's "Disable Microsoft Entra authentication for
    this tenant", for a tenant whose users and devices no longer authenticate through the CMG;
    $false turns it back on. -NewName changes the tenant's label in the site. Reads and writes
    only the local site store: nothing is sent to Microsoft Entra ID.

    .PARAMETER InputObject
    The tenant, from Get-CMAADTenant. It can come from the pipeline.

    .PARAMETER Id
    The Directory (tenant) ID, a GUID.

    .PARAMETER DisableAADAuthentication
    $true disables Microsoft Entra authentication for the tenant; $false enables it again.

    .PARAMETER NewName
    The tenant's new label in the site.

    .PARAMETER PassThru
    Returns the changed tenant.

    .PARAMETER WhatIf
    Shows what would change without changing it.

    .PARAMETER Confirm
    Asks for confirmation before changing the tenant.

    .EXAMPLE
    Set-CMAADTenant -TenantId "05a349fa-0d5c-4a1c-9f3e-1c2d3e4f5a6b" -DisableAADAuthentication $true

    Disables Microsoft Entra authentication for the tenant.

    .EXAMPLE
    Get-CMAADTenant -Name "Contoso" | Set-CMAADTenant -NewName "Contoso Ltd" -PassThru

    Renames the tenant in the site and returns it.

    .INPUTS
    CMAAD.Tenant through the pipeline.

    .OUTPUTS
    CMAAD.Tenant with -PassThru; otherwise none.

    .LINK
    Get-CMAADTenant
    #>
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'Medium', DefaultParameterSetName = 'ByInputObject', PositionalBinding = $false)]
    [OutputType('CMAAD.Tenant')]
    param(
        [Parameter(Mandatory = $true, ParameterSetName = 'ByInputObject', ValueFromPipeline = $true)]
        [Alias('Tenant', 'TenantObject')]
        [ValidateNotNull()]
        [object]$InputObject,

        [Parameter(Mandatory = $true, ParameterSetName = 'ById')]
        [Alias('TenantId')]
        [ValidatePattern('^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')]
        [string]$Id,

        [Parameter()]
        [bool]$DisableAADAuthentication,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string]$NewName,

        [Parameter()]
        [switch]$PassThru
    )

    process {
        $tenantId = $Id
        if ($PSCmdlet.ParameterSetName -eq 'ByInputObject') {
            $property = $InputObject.PSObject.Properties['TenantID']
            if ($null -eq $property -or -not $property.Value) {
                $PSCmdlet.ThrowTerminatingError((New-CmaadArgumentError -ErrorId 'InvalidTenantObject' -TargetObject 'InputObject' -Message (
                    'InputObject must be a tenant from Get-CMAADTenant (it has no TenantID property).')))
            }
            $tenantId = [string]$property.Value
        }
        $request = [ordered]@{
            TenantId = $tenantId
        }
        if ($PSBoundParameters.ContainsKey('DisableAADAuthentication')) {
            $request['DisableAADAuthentication'] = $DisableAADAuthentication
        }
        if ($PSBoundParameters.ContainsKey('NewName')) {
            $request['NewName'] = $NewName
        }
        $changed = @($request.Keys | Where-Object { $_ -ne 'TenantId' })
        if (-not $PSCmdlet.ShouldProcess("Tenant $tenantId", "Set $($changed -join ', ')")) {
            return
        }
        $null = Get-CmaadSession -Cmdlet $PSCmdlet
        Write-CmaadContact -Action "Changing tenant $tenantId"
        $json = ConvertTo-CmaadJson -Request $request
        $document = Invoke-CmaadNative -Cmdlet $PSCmdlet -Method 'SetTenant' -ArgumentList @($json) -TargetObject $tenantId
        if ($null -ne $document) {
            $tenant = ConvertFrom-CmaadDocument -Json $document -TypeName 'CMAAD.Tenant'
            if ($PassThru) {
                $tenant
            }
        }
    }
}
