function Connect-CMAADAzure {
    <#
    .SYNOPSIS
    Signs in to Microsoft Graph as a tenant administrator, for the cmdlets that create or change app registrations.

    .DESCRIPTION
    New-CMAADServerApplication, New-CMAADClientApplication, Set-UpdateServerApplication and
    Test-CMAADApplication -ClientId work through Microsoft Graph as the identity signed in here.
    Two ways to sign in:

    - Device code (a person, the default): the cmdlet shows a code and a URL as a warning; open
      the URL on any device, enter the code and sign in as an administrator who may create app
      registrations (Application Administrator or Cloud Application Administrator; a Global
      Administrator or Privileged Role Administrator can also grant admin consent). The cmdlet
      waits until the sign-in completes, is declined, expires or -TimeoutSeconds passes. Ctrl+C
      cancels the sign-in.
    - Client credentials (scheduled tasks): -ClientId and -ClientSecret of an automation app with
      the Graph application permission Application.ReadWrite.All (plus
      AppRoleAssignment.ReadWrite.All and DelegatedPermissionGrant.ReadWrite.All to grant
      consent), admin-consented.

    The sign-in is held in process memory only, by the native library (its token never reaches
    PowerShell), and is wiped when you connect again, run Disconnect-CMAADAzure or remove the
    module. Contacts the Microsoft Entra authority of the site's cloud (Connect-CMAADSite).

    .PARAMETER TenantId
    The Directory (tenant) ID to sign in to, a GUID.

    .PARAMETER ClientId
    Device code: the public client app to sign in with (default Microsoft Graph PowerShell's
    well-known client 14d82eec-204b-4c2f-b7e8-296a70dab67e, which some tenants block). Client
    credentials: the automation app's Application (client) ID.

    .PARAMETER ClientSecret
    The automation app's client secret. A plain string is accepted with a warning, because plain
    text ends up in command history; read it from a protected store instead.

    .PARAMETER AzureEnvironmentOption
    The cloud: AzurePublicCloud, AzureUSGovernmentCloud or AzureChinaCloud; by default the site's.

    .PARAMETER TimeoutSeconds
    Device code: how long to wait for the person to sign in, 1 to 3600 seconds (default 900, the
    code's lifetime).

    .EXAMPLE
    Connect-CMAADAzure -TenantId "05a349fa-0d5c-4a1c-9f3e-1c2d3e4f5a6b"

    Shows a code to enter at https://microsoft.com/devicelogin and waits for the sign-in.

    .EXAMPLE
    $secret = Import-Clixml -Path 'D:\CMAAD\automation-secret.xml'
    Connect-CMAADAzure -TenantId "05a349fa-0d5c-4a1c-9f3e-1c2d3e4f5a6b" -ClientId "3f2a1b0c-4d5e-4f60-8a7b-9c0d1e2f3a4b" -ClientSecret $secret -Verbose

    Signs in as an automation app (a scheduled task), with the secret read from a DPAPI-protected
    file written by Export-Clixml under the task's account.

    .INPUTS
    None.

    .OUTPUTS
    CMAAD.GraphSignIn. SignedIn, Kind (DeviceCode or ClientCredentials), TenantId, ClientId,
    AzureEnvironment, Scopes, Roles, ExpiresInSeconds.

    .LINK
    about_CMAAD
    #>
    [CmdletBinding(DefaultParameterSetName = 'DeviceCode', PositionalBinding = $false)]
    [OutputType('CMAAD.GraphSignIn')]
    param(
        [Parameter(Mandatory = $true)]
        [ValidatePattern('^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')]
        [string]$TenantId,

        [Parameter(ParameterSetName = 'DeviceCode')]
        [Parameter(Mandatory = $true, ParameterSetName = 'ClientSecret')]
        [ValidatePattern('^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')]
        [string]$ClientId,

        [Parameter(Mandatory = $true, ParameterSetName = 'ClientSecret')]
        [CMAAD.SecureStringTransformation()]
        [System.Security.SecureString]$ClientSecret,

        [Parameter()]
        [CMAAD.AzureEnvironment]$AzureEnvironmentOption,

        [Parameter(ParameterSetName = 'DeviceCode')]
        [ValidateRange(1, 3600)]
        [int]$TimeoutSeconds = 900
    )

    process {
        $request = [ordered]@{
            TenantId = $TenantId
        }
        if ($PSBoundParameters.ContainsKey('ClientId')) {
            $request['ClientId'] = $ClientId
        }
        $environment = $null
        if ($PSBoundParameters.ContainsKey('AzureEnvironmentOption')) {
            $environment = $AzureEnvironmentOption.ToString()
            $request['AzureEnvironmentOption'] = $environment
        }
        $json = ConvertTo-CmaadJson -Request $request

        # A new sign-in replaces the old one: free (wipe) it first so a failed attempt leaves
        # no stale sign-in that later cmdlets would silently use.
        Set-CmaadGraphSignIn -SignIn $null -Description $null
        $null = Get-CmaadSession -Cmdlet $PSCmdlet

        if ($PSCmdlet.ParameterSetName -eq 'ClientSecret') {
            if ([CMAAD.SecureStringTransformationAttribute]::TakePlainTextConversion()) {
                Write-Warning -Message ([CMAAD.SecureStringTransformationAttribute]::PlainTextWarning)
            }
            Write-CmaadContact -Action "Signing in to tenant $TenantId as automation app $ClientId (client credentials)" -Entra -Environment $environment
            $signIn = Invoke-CmaadNative -Cmdlet $PSCmdlet -Method 'GraphSignInClientCredentials' -ArgumentList @($json, $ClientSecret) -TargetObject $TenantId -Terminating
            $description = ConvertFrom-CmaadDocument -Json $signIn.Document -TypeName 'CMAAD.GraphSignIn'
            Set-CmaadGraphSignIn -SignIn $signIn -Description $description
            return $description
        }

        Write-CmaadContact -Action "Starting a device code sign-in to tenant $TenantId" -Entra -Environment $environment
        $signIn = Invoke-CmaadNative -Cmdlet $PSCmdlet -Method 'GraphSignInBegin' -ArgumentList @($json) -TargetObject $TenantId -Terminating
        $code = ConvertFrom-Json -InputObject $signIn.Document
        Write-Warning -Message $code.Message
        Write-Verbose "Waiting up to $TimeoutSeconds s for the sign-in (code $($code.UserCode), expires in $($code.ExpiresIn) s; polling every $($code.Interval) s). Ctrl+C cancels."

        $completeJson = ConvertTo-CmaadJson -Request ([ordered]@{ TimeoutSeconds = $TimeoutSeconds })
        $task = $null
        $signedIn = $false
        try {
            $task = Invoke-CmaadNative -Cmdlet $PSCmdlet -Method 'StartGraphSignInComplete' -ArgumentList @($signIn, $completeJson) -TargetObject $TenantId -Terminating
            # Wait in short slices: Ctrl+C stops the pipeline between them, and the finally
            # block below cancels the native wait.
            while (-not $task.IsCompleted) {
                Start-Sleep -Milliseconds 250
            }
            $document = $null
            try {
                $document = [CMAAD.Interop.CmaadSession]::TakeSignInResult($task)
            }
            catch {
                $PSCmdlet.ThrowTerminatingError((New-CmaadErrorRecord -Exception $_.Exception -TargetObject $TenantId))
            }
            $description = ConvertFrom-CmaadDocument -Json $document -TypeName 'CMAAD.GraphSignIn'
            Set-CmaadGraphSignIn -SignIn $signIn -Description $description
            $signedIn = $true
            return $description
        }
        finally {
            if (-not $signedIn) {
                if ($null -ne $task -and -not $task.IsCompleted) {
                    Write-Verbose 'Cancelling the device code sign-in.'
                    $signIn.Cancel()
                    $null = [System.Threading.Tasks.Task]::WaitAny([System.Threading.Tasks.Task[]]@($task), 30000)
                }
                $signIn.Dispose()
            }
        }
    }
}
