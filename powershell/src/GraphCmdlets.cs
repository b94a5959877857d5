// The cmdlets that work through Microsoft Graph as a signed-in identity: the sign-in itself,
// creating the two app registrations, and updating old server apps.

using System;
using System.Diagnostics;
using System.Globalization;
using System.Management.Automation;
using System.Security;
using System.Threading.Tasks;
using CMAAD.Interop;

namespace CMAAD.Commands
{
    /// <summary>Connect-CMAADAzure: signs in to Microsoft Graph (device code or an automation app's secret).</summary>
    [Cmdlet(VerbsCommunications.Connect, "CMAADAzure", DefaultParameterSetName = "DeviceCode")]
    [OutputType(typeof(GraphSignIn))]
    public sealed class ConnectCMAADAzureCommand : CmaadCmdlet
    {
        private const string Guid = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";
        private GraphSession pending;

        [Parameter(Mandatory = true)]
        [ValidatePattern(Guid)]
        [ArgumentCompleter(typeof(TenantIdCompleter))]
        public string TenantId { get; set; }

        [Parameter(ParameterSetName = "DeviceCode")]
        [Parameter(Mandatory = true, ParameterSetName = "ClientSecret")]
        [ValidatePattern(Guid)]
        public string ClientId { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = "ClientSecret")]
        [SecureStringTransformation("ClientSecret")]
        public SecureString ClientSecret { get; set; }

        [Parameter]
        [RetiredCloudTransformation]
        public AzureEnvironment AzureEnvironmentOption { get; set; }

        [Parameter(ParameterSetName = "DeviceCode")]
        [ValidateRange(1, 3600)]
        public int TimeoutSeconds { get; set; } = 900;

        /// <summary>
        /// Graph (the default) for the cmdlets that work through Microsoft Graph, or AdminService:
        /// a device code sign-in whose token goes to the ConfigMgr site connected with
        /// Connect-CMAADSite -Authentication Bearer (it leaves the Graph sign-in as it is).
        /// </summary>
        [Parameter(ParameterSetName = "DeviceCode")]
        [ValidateSet("Graph", "AdminService", IgnoreCase = true)]
        public string Resource { get; set; }

        private bool ForSite
        {
            get { return string.Equals(Resource, "AdminService", StringComparison.OrdinalIgnoreCase); }
        }

        protected override void ProcessRecord()
        {
            var request = new JsonRequest().Set("TenantId", TenantId);
            if (Bound("ClientId")) request.Set("ClientId", ClientId);
            if (ForSite) request.Set("Resource", "AdminService");
            string environment = null;
            if (Bound("AzureEnvironmentOption"))
            {
                environment = AzureEnvironmentOption.ToString();
                request.Set("AzureEnvironmentOption", environment);
            }
            // A new sign-in replaces the old one: free (wipe) it first so a failed attempt leaves
            // no stale sign-in that later cmdlets would silently use.
            if (!ForSite)
            {
                ModuleState.SetSignIn(null, null);
            }
            SiteSession session = Session;

            if (ParameterSetName == "ClientSecret")
            {
                WarnPlainTextSecret();
                Contact("Signing in to tenant " + TenantId + " as automation app " + ClientId + " (client credentials)", true, environment);
                GraphSession signIn = null;
                try
                {
                    signIn = session.SignInClientCredentials(request, ClientSecret);
                }
                catch (CmaadException e)
                {
                    ThrowTerminatingError(e.ToErrorRecord(TenantId));
                }
                GraphSignIn info = Read<GraphSignIn>(signIn.Document);
                ModuleState.SetSignIn(signIn, info);
                WriteObject(info);
                return;
            }

            Contact("Starting a device code sign-in to tenant " + TenantId, true, environment);
            try
            {
                pending = session.SignInBegin(request);
            }
            catch (CmaadException e)
            {
                ThrowTerminatingError(e.ToErrorRecord(TenantId));
            }
            DeviceCode code = Read<DeviceCode>(pending.Document);
            WriteWarning(code.Message);
            WriteVerbose(string.Format(CultureInfo.InvariantCulture, "Waiting up to {0} s for the sign-in (code {1}, expires in {2} s; polling every {3} s). Ctrl+C cancels.",
                TimeoutSeconds, code.UserCode, code.ExpiresIn, code.Interval));
            Task<string> task = session.SignInCompleteAsync(pending, new JsonRequest().Set("TimeoutSeconds", TimeoutSeconds));
            bool signedIn = false;
            try
            {
                const string activity = "Waiting for the device code sign-in";
                string status = "Enter " + code.UserCode + " at " + code.VerificationUri;
                var watch = Stopwatch.StartNew();
                while (Task.WaitAny(new Task[] { task }, 250) < 0)
                {
                    WriteProgress(new ProgressRecord(3, activity, status)
                    {
                        SecondsRemaining = Math.Max(0, TimeoutSeconds - (int)watch.Elapsed.TotalSeconds),
                        PercentComplete = Math.Min(100, (int)(100 * watch.Elapsed.TotalSeconds / TimeoutSeconds)),
                    });
                }
                WriteProgress(new ProgressRecord(3, activity, status) { RecordType = ProgressRecordType.Completed });
                string document = null;
                try
                {
                    document = task.Result;
                }
                catch (AggregateException e)
                {
                    var failure = e.GetBaseException() as CmaadException;
                    if (failure == null)
                    {
                        throw;
                    }
                    ThrowTerminatingError(failure.ToErrorRecord(TenantId));
                }
                GraphSignIn info = Read<GraphSignIn>(document);
                if (ForSite)
                {
                    // The token now lives in the site's connection; this handle has no further use.
                    pending.Dispose();
                }
                else
                {
                    ModuleState.SetSignIn(pending, info);
                }
                signedIn = true;
                WriteObject(info);
            }
            finally
            {
                if (!signedIn)
                {
                    if (!task.IsCompleted)
                    {
                        WriteVerbose("Cancelling the device code sign-in.");
                        pending.Cancel();
                        task.Wait(TimeSpan.FromSeconds(30));
                    }
                    pending.Dispose();
                }
                pending = null;
            }
        }

        protected override void StopProcessing()
        {
            GraphSession waiting = pending;
            if (waiting != null)
            {
                waiting.Cancel();
            }
        }
    }

    /// <summary>Disconnect-CMAADAzure: ends the sign-in and wipes its token.</summary>
    [Cmdlet(VerbsCommunications.Disconnect, "CMAADAzure")]
    [OutputType(typeof(GraphSignIn))]
    public sealed class DisconnectCMAADAzureCommand : CmaadCmdlet
    {
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            GraphSignIn info = ModuleState.SignInInfo;
            if (ModuleState.SignIn == null)
            {
                WriteVerbose("No Microsoft Graph sign-in to end.");
                return;
            }
            WriteVerbose("Ending the " + (info == null ? string.Empty : info.Kind) + " sign-in to tenant " + (info == null ? string.Empty : info.TenantId) + "; nothing is sent to Microsoft Entra ID.");
            ModuleState.SetSignIn(null, null);
            if (PassThru && info != null)
            {
                info.SignedIn = false;
                WriteObject(info);
            }
        }
    }

    /// <summary>What New-CMAADServerApplication and New-CMAADClientApplication share.</summary>
    public abstract class NewRegistrationCmdlet : ConfigMgrCmdlet
    {
        /// <summary>What a Graph call's progress says while it waits.</summary>
        protected static string GraphWait(double seconds, Site site)
        {
            return string.Format(CultureInfo.InvariantCulture,
                "Working through Microsoft Graph ({0:0} s; waits for Graph are bounded by Connect-CMAADSite -TimeoutSeconds, {1} s)",
                seconds, site.TimeoutSeconds);
        }

        /// <summary>Emits the registration (or, with -WhatIf, the plan) of a successful call.</summary>
        protected void EmitRegistration(string document, bool whatIf)
        {
            if (document == null)
            {
                return;
            }
            if (whatIf)
            {
                WriteObject(Read<RegistrationPlan>(document));
            }
            else
            {
                WriteObject(Read<Application>(document));
            }
        }
    }

    /// <summary>New-CMAADServerApplication: creates the CMG's server (web) app registration and imports it.</summary>
    [Cmdlet(VerbsCommon.New, "CMAADServerApplication", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(Application), typeof(RegistrationPlan))]
    public sealed class NewCMAADServerApplicationCommand : NewRegistrationCmdlet
    {
        [Parameter(Mandatory = true)]
        [Alias("ApplicationName")]
        [ValidateNotNullOrEmpty]
        public string AppName { get; set; }

        [Parameter]
        [RetiredCloudTransformation]
        public AzureEnvironment AzureEnvironmentOption { get; set; }

        [Parameter]
        [ValidateSet("OneYear", "TwoYears")]
        public string SecretKeyExpiry { get; set; }

        [Parameter]
        [ValidatePattern("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")]
        [ArgumentCompleter(typeof(TenantIdCompleter))]
        public string TenantId { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(TenantNameCompleter))]
        public string TenantName { get; set; }

        [Parameter]
        public Uri AppIdUri { get; set; }

        [Parameter]
        public Uri HomePageUrl { get; set; }

        [Parameter]
        public SwitchParameter EnableUserDiscovery { get; set; }

        [Parameter]
        public bool GrantAdminConsent { get; set; } = true;

        protected override void ProcessRecord()
        {
            var request = new JsonRequest().Set("AppName", AppName);
            if (Bound("TenantId")) request.Set("TenantId", TenantId);
            if (Bound("TenantName")) request.Set("TenantName", TenantName);
            if (Bound("SecretKeyExpiry")) request.Set("SecretKeyExpiry", SecretKeyExpiry);
            if (AppIdUri != null) request.Set("AppIdUri", AppIdUri.OriginalString);
            if (HomePageUrl != null) request.Set("HomePageUrl", HomePageUrl.OriginalString);
            if (EnableUserDiscovery) request.Set("EnableUserDiscovery", true);
            request.Set("GrantAdminConsent", GrantAdminConsent);

            GraphSession signIn = RequireSignIn(true);
            GraphSignIn info = ModuleState.SignInInfo;
            if (Bound("AzureEnvironmentOption") && info != null && info.AzureEnvironment != AzureEnvironmentOption)
            {
                ThrowArgumentError("CloudMismatch", "-AzureEnvironmentOption " + AzureEnvironmentOption + " differs from the cloud of the Microsoft Graph sign-in (" + info.AzureEnvironment + "): " +
                    "run Connect-CMAADAzure -AzureEnvironmentOption " + AzureEnvironmentOption + " first.", "AzureEnvironmentOption");
            }
            string tenant = TenantId ?? (info == null ? null : info.TenantId);
            string target = "Server app registration '" + AppName + "' in tenant " + tenant;
            if (!ShouldProcess(target, "Create in Microsoft Entra ID and import"))
            {
                if (WhatIfInForce)
                {
                    request.Set("WhatIf", true);
                    SiteSession session = Session;
                    GraphContact("Planning " + target + " (WhatIf)");
                    EmitRegistration(Invoke(s => s.CallWithSignIn("cmaad_new_server_app", NativeMethods.cmaad_new_server_app, signIn, request), AppName), true);
                }
                return;
            }
            signIn = RequireSignIn();
            SiteSession opened = Session;
            GraphContact("Creating " + target);
            EmitRegistration(InvokeWithProgress("Creating " + target, GraphWait, s => s.CallWithSignIn("cmaad_new_server_app", NativeMethods.cmaad_new_server_app, signIn, request), AppName), false);
        }
    }

    /// <summary>New-CMAADClientApplication: creates the CMG's client (native) app registration for a stored server app.</summary>
    [Cmdlet(VerbsCommon.New, "CMAADClientApplication", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(Application), typeof(RegistrationPlan))]
    public sealed class NewCMAADClientApplicationCommand : NewRegistrationCmdlet
    {
        [Parameter(Mandatory = true)]
        [Alias("ApplicationName")]
        [ValidateNotNullOrEmpty]
        public string AppName { get; set; }

        [Parameter(Mandatory = true, ValueFromPipeline = true)]
        [Alias("ServerApplication")]
        [ValidateNotNull]
        [SingleObjectTransformation]
        public Application InputObject { get; set; }

        [Parameter]
        public bool GrantAdminConsent { get; set; } = true;

        protected override void ProcessRecord()
        {
            var request = new JsonRequest().Set("AppName", AppName).Set("ServerAppId", InputObject.ID).Set("GrantAdminConsent", GrantAdminConsent);
            string target = "Client app registration '" + AppName + "' for server app " + InputObject.ID.ToString(CultureInfo.InvariantCulture);
            if (!ShouldProcess(target, "Create in Microsoft Entra ID and import"))
            {
                if (WhatIfInForce)
                {
                    request.Set("WhatIf", true);
                    GraphSession optional = RequireSignIn(true);
                    SiteSession session = Session;
                    GraphContact("Planning " + target + " (WhatIf)");
                    EmitRegistration(Invoke(s => s.CallWithSignIn("cmaad_new_client_app", NativeMethods.cmaad_new_client_app, optional, request), AppName), true);
                }
                return;
            }
            GraphSession signIn = RequireSignIn();
            SiteSession opened = Session;
            GraphContact("Creating " + target);
            EmitRegistration(InvokeWithProgress("Creating " + target, GraphWait, s => s.CallWithSignIn("cmaad_new_client_app", NativeMethods.cmaad_new_client_app, signIn, request), AppName), false);
        }
    }

    /// <summary>Set-UpdateServerApplication: adds the http://localhost redirect URI to the tenant's server apps.</summary>
    [Cmdlet(VerbsCommon.Set, "UpdateServerApplication", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(ServerAppUpdate))]
    public sealed class SetUpdateServerApplicationCommand : NewRegistrationCmdlet
    {
        [Parameter(Mandatory = true)]
        [ValidatePattern("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")]
        [ArgumentCompleter(typeof(TenantIdCompleter))]
        public string TenantId { get; set; }

        protected override void ProcessRecord()
        {
            var request = new JsonRequest().Set("TenantId", TenantId);
            string target = "Server apps of tenant " + TenantId + " (redirect URI http://localhost)";
            if (!ShouldProcess(target, "Update in Microsoft Entra ID and the site"))
            {
                if (!WhatIfInForce)
                {
                    return;
                }
                request.Set("WhatIf", true);
            }
            GraphSession signIn = RequireSignIn();
            SiteSession session = Session;
            GraphContact("Updating " + target);
            string document = InvokeWithProgress("Updating " + target, GraphWait, s => s.CallWithSignIn("cmaad_update_server_app", NativeMethods.cmaad_update_server_app, signIn, request), TenantId);
            EmitList<ServerAppUpdate>(document);
        }
    }
}
