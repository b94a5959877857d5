// The cmdlets of a ConfigMgr site connection: the journal of what CMAAD changed in the site.

using System;
using System.Management.Automation;
using CMAAD.Interop;

namespace CMAAD.Commands
{
    /// <summary>
    /// Get-CMAADSiteChange: every change CMAAD made to the connected ConfigMgr site (when, site,
    /// class, object, operation, request ID), oldest first, from the journal in the local store.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "CMAADSiteChange")]
    [OutputType(typeof(SiteChange))]
    public sealed class GetCMAADSiteChangeCommand : CmaadCmdlet
    {
        protected override void ProcessRecord()
        {
            SiteSession session = Session;
            if (session.Site.ConfigMgrSite == null)
            {
                ThrowTerminatingError(new ErrorRecord(
                    new InvalidOperationException("Get-CMAADSiteChange reads the journal of a ConfigMgr site, and no site is connected: run Connect-CMAADSite -SiteCode XYZ " +
                        "-ProviderMachineName cm01.contoso.com -StorePath <the store that keeps the journal> first. The local store alone keeps no site changes."),
                    "CMAAD.NoSite", ErrorCategory.InvalidOperation, null));
                return;
            }
            Contact("Reading the journal of site changes");
            EmitList<SiteChange>(Invoke(s => s.Call("cmaad_get_site_changes", (SessionHandle h, byte[] request, out IntPtr json) => NativeMethods.cmaad_get_site_changes(h, out json), null), null));
        }
    }
}
