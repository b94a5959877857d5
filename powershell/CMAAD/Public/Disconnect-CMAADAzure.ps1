function Disconnect-CMAADAzure {
    <#
    .SYNOPSIS
    Ends the Microsoft Graph sign-in of Connect-CMAADAzure and wipes its token.

    .DESCRIPTION
    Frees the sign-in held by the native library: its access token (and an automation app's
    secret) are wiped from memory. Later cmdlets that need Microsoft Graph ask for
    Connect-CMAADAzure again. Nothing is sent to Microsoft Entra ID: tokens already issued stay
    valid at Entra until they expire (at most about an hour). Without a sign-in it does nothing.
    Connecting again and removing the module free the sign-in too.

    .PARAMETER PassThru
    Returns the description of the sign-in that was ended.

    .EXAMPLE
    Disconnect-CMAADAzure

    Ends the current sign-in.

    .EXAMPLE
    $signIn = Disconnect-CMAADAzure -PassThru
    "Signed out of tenant $($signIn.TenantId)"

    Ends the sign-in and reports which tenant it was for.

    .INPUTS
    None.

    .OUTPUTS
    CMAAD.GraphSignIn with -PassThru; otherwise none.

    .LINK
    Connect-CMAADAzure
    #>
    [CmdletBinding(PositionalBinding = $false)]
    [OutputType('CMAAD.GraphSignIn')]
    param(
        [Parameter()]
        [switch]$PassThru
    )

    process {
        $description = $script:CmaadGraphSignInInfo
        if ($null -eq $script:CmaadGraphSignIn) {
            Write-Verbose 'No Microsoft Graph sign-in to end.'
            return
        }
        Write-Verbose "Ending the $($description.Kind) sign-in to tenant $($description.TenantId); nothing is sent to Microsoft Entra ID."
        Set-CmaadGraphSignIn -SignIn $null -Description $null
        if ($PassThru -and $null -ne $description) {
            # The CMAAD.GraphSignIn object Connect-CMAADAzure returned, now marked signed out.
            $description.SignedIn = $false
            return $description
        }
    }
}
