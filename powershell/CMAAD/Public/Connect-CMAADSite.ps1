function Connect-CMAADSite {
    <#
    .SYNOPSIS
    Chooses the site store and cloud settings the CMAAD cmdlets use in this session.

    .DESCRIPTION
    Opens the site store (creating it on first use) and sets the cloud options for every later
    CMAAD cmdlet in this PowerShell session, replacing the previous choice. Calling it is
    optional: without it, the first cmdlet opens the default store ($env:CMAAD_STORE if set,
    else %LOCALAPPDATA%\CMAAD\site.db on Windows, ~/.local/share/cmaad/site.db on Linux,
    ~/Library/Application Support/CMAAD/site.db on macOS) with the public cloud.

    Returns the site's settings (store path, cloud, Entra and Graph hosts, library version).

    .PARAMETER StorePath
    The site store file. Its folder is created owner-only if missing. Back up the key file
    beside it (<store>.key) with it.

    .PARAMETER AzureEnvironment
    The default cloud: AzurePublicCloud, AzureUSGovernmentCloud or AzureChinaCloud.

    .PARAMETER AuthorityHost
    Overrides the Microsoft Entra authority (for proxies, sovereign clouds and tests). http:// is
    accepted only for loopback hosts.

    .PARAMETER GraphHost
    Overrides the Microsoft Graph host.

    .PARAMETER Proxy
    The HTTP proxy for calls to Entra and Graph (by default the environment's HTTPS_PROXY).

    .PARAMETER TimeoutSeconds
    Time limit of each call to Entra or Graph, in seconds.

    .EXAMPLE
    Connect-CMAADSite -StorePath 'D:\CMAAD\site.db'

    Uses the store on drive D for the rest of the session.

    .EXAMPLE
    Connect-CMAADSite -AzureEnvironment AzureUSGovernmentCloud -Proxy 'http://proxy.contoso.com:8080' -TimeoutSeconds 60 -Verbose

    Uses the US Government cloud through a proxy, and shows the store and hosts it will use.

    .INPUTS
    None.

    .OUTPUTS
    CMAAD.Site. StorePath, AzureEnvironment, AuthorityHost, GraphHost, Proxy, TimeoutSeconds, Version.

    .LINK
    about_CMAAD
    #>
    [CmdletBinding(PositionalBinding = $false)]
    [OutputType('CMAAD.Site')]
    param(
        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string]$StorePath,

        [Parameter()]
        [CMAAD.AzureEnvironment]$AzureEnvironment,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string]$AuthorityHost,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string]$GraphHost,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string]$Proxy,

        [Parameter()]
        [ValidateRange(1, 3600)]
        [int]$TimeoutSeconds
    )

    process {
        $options = [ordered]@{}
        if ($PSBoundParameters.ContainsKey('StorePath')) {
            # Relative paths are relative to the current PowerShell location, not the process's.
            $options['StorePath'] = $PSCmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath($StorePath)
        }
        if ($PSBoundParameters.ContainsKey('AzureEnvironment')) {
            $options['AzureEnvironment'] = $AzureEnvironment.ToString()
        }
        foreach ($name in @('AuthorityHost', 'GraphHost', 'Proxy')) {
            if ($PSBoundParameters.ContainsKey($name)) {
                $options[$name] = [string]$PSBoundParameters[$name]
            }
        }
        if ($PSBoundParameters.ContainsKey('TimeoutSeconds')) {
            $options['TimeoutSeconds'] = $TimeoutSeconds
        }

        $null = Open-CmaadSession -Cmdlet $PSCmdlet -Options $options
        return $script:CmaadSite
    }
}
