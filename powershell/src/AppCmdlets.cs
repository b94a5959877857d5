// The app cmdlets of ConfigMgr's names (Import-, Get-CMAADApplication) and CMAAD's own
// lifecycle cmdlets for stored apps (Set-, Remove-, Update-, Test-, Invoke-).

using System;
using System.Collections.Generic;
using System.Globalization;
using System.Runtime.Serialization;
using System.Management.Automation;
using System.Security;
using CMAAD.Interop;

namespace CMAAD.Commands
{
    /// <summary>Get-CMAADApplication: the site's app objects, filtered with AND.</summary>
    [Cmdlet(VerbsCommon.Get, "CMAADApplication")]
    [OutputType(typeof(Application))]
    public sealed class GetCMAADApplicationCommand : ConfigMgrCmdlet
    {
        [Parameter]
        [Alias("ApplicationName")]
        [ArgumentCompleter(typeof(AppNameCompleter))]
        public string AppName { get; set; }

        [Parameter]
        [Alias("ApplicationType")]
        public CloudApplicationType AppType { get; set; }

        [Parameter]
        [ArgumentCompleter(typeof(ClientIdCompleter))]
        public string ClientId { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(TenantIdCompleter))]
        public string TenantId { get; set; }

        [Parameter]
        [ArgumentCompleter(typeof(TenantNameCompleter))]
        public string TenantName { get; set; }

        [Parameter]
        [ValidateRange(0, 36500)]
        public int ExpiringWithinDays { get; set; }

        /// <summary>Several SMS Providers read at once (eight at a time), with the account and settings of Connect-CMAADSite.</summary>
        [Parameter]
        [ValidateCount(1, 64)]
        [ValidateNotNullOrEmpty]
        public string[] ProviderMachineName { get; set; }

        /// <summary>The site code of each -ProviderMachineName, in the same order.</summary>
        [Parameter]
        [ValidateCount(1, 64)]
        [ValidateNotNullOrEmpty]
        public string[] SiteCode { get; set; }

        protected override void ProcessRecord()
        {
            var filter = new JsonRequest();
            if (Bound("AppName")) filter.Set("AppName", AppName);
            if (Bound("ClientId")) filter.Set("ClientId", ClientId);
            if (Bound("TenantId")) filter.Set("TenantId", TenantId);
            if (Bound("TenantName")) filter.Set("TenantName", TenantName);
            if (Bound("AppType")) filter.Set("AppType", AppType.ToString());
            if (Bound("ExpiringWithinDays")) filter.Set("ExpiringWithinDays", ExpiringWithinDays);
            if (Bound("ProviderMachineName") || Bound("SiteCode"))
            {
                EmitSites(InvokeSites("cmaad_sites_get_apps", NativeMethods.cmaad_sites_get_apps, ProviderMachineName, SiteCode, new JsonRequest().Set("Filter", filter)));
                return;
            }
            JsonRequest request = filter.Count > 0 ? filter : null;
            SiteSession session = Session;
            Contact("Reading apps");
            EmitList<Application>(Invoke(s => s.Call("cmaad_get_apps", NativeMethods.cmaad_get_apps, request), "Filter"));
        }

        /// <summary>Every site's apps (each with its SiteCode), then one ErrorRecord per site that could not be read.</summary>
        private void EmitSites(string document)
        {
            if (document == null)
            {
                return;
            }
            SitesAppList list = Read<SitesAppList>(document);
            foreach (Application app in list.Apps)
            {
                WriteObject(app);
            }
            foreach (SiteReadResult site in list.SiteResults)
            {
                if (!site.Succeeded)
                {
                    string message = site.Error == null ? null : Convert.ToString(site.Error.Properties["Message"] == null ? null : site.Error.Properties["Message"].Value, CultureInfo.InvariantCulture);
                    WriteError(new ErrorRecord(new InvalidOperationException("Site " + site.SiteCode + " (SMS Provider " + site.ProviderMachineName + ") could not be read: " + message +
                        " The other sites' apps are listed."), "CMAAD.SiteUnreadable", ErrorCategory.ConnectionError, site.ProviderMachineName));
                }
            }
        }
    }

    /// <summary>Import-CMAADServerApplication: records a server (web) app registered in Entra.</summary>
    [Cmdlet(VerbsData.Import, "CMAADServerApplication", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(Application))]
    public sealed class ImportCMAADServerApplicationCommand : ConfigMgrCmdlet
    {
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(TenantNameCompleter))]
        public string TenantName { get; set; }

        [Parameter(Mandatory = true, Position = 1)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(TenantIdCompleter))]
        public string TenantId { get; set; }

        [Parameter(Mandatory = true, Position = 2)]
        [Alias("ApplicationName")]
        [ValidateNotNullOrEmpty]
        public string AppName { get; set; }

        [Parameter(Mandatory = true, Position = 3)]
        [ValidateNotNullOrEmpty]
        public string ClientId { get; set; }

        [Parameter(Mandatory = true, Position = 4)]
        [SecureStringTransformation("SecretKey")]
        public SecureString SecretKey { get; set; }

        [Parameter(Mandatory = true, Position = 5)]
        public DateTime SecretKeyExpiry { get; set; }

        [Parameter]
        public Uri AppIdUri { get; set; }

        [Parameter]
        [RetiredCloudTransformation]
        public AzureEnvironment AzureEnvironmentOption { get; set; }

        [Parameter]
        public SwitchParameter Verify { get; set; }

        protected override void ProcessRecord()
        {
            WarnPlainTextSecret();
            var request = new JsonRequest()
                .Set("TenantName", TenantName)
                .Set("TenantId", TenantId)
                .Set("AppName", AppName)
                .Set("ClientId", ClientId)
                .Set("SecretKeyExpiry", JsonRequest.Timestamp(SecretKeyExpiry));
            string environment = null;
            if (AppIdUri != null) request.Set("AppIdUri", AppIdUri.OriginalString);
            if (Bound("AzureEnvironmentOption"))
            {
                environment = AzureEnvironmentOption.ToString();
                request.Set("AzureEnvironmentOption", environment);
            }
            if (Verify) request.Set("Verify", true);

            string target = "Server app '" + AppName + "' (" + ClientId + ") of tenant '" + TenantName + "' (" + TenantId + ")";
            Func<SiteSession, string> import = s => s.CallWithSecret("cmaad_import_server_app", NativeMethods.cmaad_import_server_app, request, SecretKey);
            if (!ShouldChangeSite(target, "Import", false, new SiteWrite(request, import, AppName)))
            {
                return;
            }
            Contact("Importing " + target, Verify, environment);
            Emit<Application>(Invoke(import, AppName));
        }
    }

    /// <summary>Import-CMAADClientApplication: records a client (native) app of a tenant whose server app is stored.</summary>
    [Cmdlet(VerbsData.Import, "CMAADClientApplication", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = "ByServerApp")]
    [OutputType(typeof(Application))]
    public sealed class ImportCMAADClientApplicationCommand : ConfigMgrCmdlet
    {
        [Parameter(Mandatory = true)]
        [Alias("ApplicationName")]
        [ValidateNotNullOrEmpty]
        public string AppName { get; set; }

        [Parameter(Mandatory = true)]
        [ValidateNotNullOrEmpty]
        public string ClientId { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = "ByServerApp", ValueFromPipeline = true)]
        [Alias("ServerApplication")]
        [ValidateNotNull]
        [SingleObjectTransformation]
        public Application ServerApp { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = "ById")]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(TenantIdCompleter))]
        public string TenantId { get; set; }

        [Parameter]
        public SwitchParameter Verify { get; set; }

        protected override void ProcessRecord()
        {
            var request = new JsonRequest().Set("AppName", AppName).Set("ClientId", ClientId);
            string tenant;
            if (ParameterSetName == "ById")
            {
                request.Set("TenantId", TenantId);
                tenant = "tenant " + TenantId;
            }
            else
            {
                request.Set("ServerAppId", ServerApp.ID);
                tenant = "the tenant of server app " + ServerApp.ID.ToString(CultureInfo.InvariantCulture);
            }
            if (Verify) request.Set("Verify", true);
            string target = "Client app '" + AppName + "' (" + ClientId + ") of " + tenant;
            Func<SiteSession, string> import = s => s.Call("cmaad_import_client_app", NativeMethods.cmaad_import_client_app, request);
            if (!ShouldChangeSite(target, "Import", false, new SiteWrite(request, import, AppName)))
            {
                return;
            }
            Contact("Importing " + target, Verify);
            Emit<Application>(Invoke(import, AppName));
        }
    }

    /// <summary>The cmdlets that act on one stored app, given as an object (ByInputObject, from the pipeline) or by ID (ById).</summary>
    public abstract class StoredAppCmdlet : CmaadCmdlet
    {
        [Parameter(Mandatory = true, ParameterSetName = "ByInputObject", ValueFromPipeline = true)]
        [Alias("Application")]
        [ValidateNotNull]
        [SingleObjectTransformation]
        public Application InputObject { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = "ById")]
        [Alias("ApplicationId")]
        [ValidateRange(1, long.MaxValue)]
        public long Id { get; set; }

        /// <summary>The app's ID, whichever way it was given.</summary>
        protected long AppId
        {
            get { return ParameterSetName == "ById" ? Id : InputObject.ID; }
        }

        /// <summary>A request naming the app: by ID for -Id; for an object by its ClientId and
        /// TenantId, so an object read from another site or store (or kept with Export-Clixml)
        /// acts on that registration here, or fails as not found, never on whatever app has its
        /// ID in this site.</summary>
        protected JsonRequest AppRequest()
        {
            var request = new JsonRequest();
            if (ParameterSetName == "ById")
            {
                return request.Set("ID", Id);
            }
            return request.Set("ClientId", InputObject.ClientID).Set("TenantId", InputObject.TenantID);
        }

        /// <summary>The app as a ShouldProcess target: its ID, and its name when an object was given.</summary>
        protected string AppLabel
        {
            get
            {
                string label = "App " + AppId.ToString(CultureInfo.InvariantCulture);
                if (InputObject != null && !string.IsNullOrEmpty(InputObject.Name))
                {
                    label += " '" + InputObject.Name + "'";
                }
                return label;
            }
        }
    }

    /// <summary>Set-CMAADApplication: stores a renewed secret, renames, or records a new App ID URI.</summary>
    [Cmdlet(VerbsCommon.Set, "CMAADApplication", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = "ByInputObject")]
    [OutputType(typeof(Application))]
    public sealed class SetCMAADApplicationCommand : StoredAppCmdlet
    {
        [Parameter]
        [SecureStringTransformation("SecretKey")]
        public SecureString SecretKey { get; set; }

        [Parameter]
        public DateTime SecretKeyExpiry { get; set; }

        [Parameter]
        public SwitchParameter Verify { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string NewName { get; set; }

        [Parameter]
        public Uri AppIdUri { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            WarnPlainTextSecret();
            bool withSecret = Bound("SecretKey");
            if (withSecret != Bound("SecretKeyExpiry"))
            {
                ThrowArgumentError("SecretNeedsExpiry", "Give -SecretKey and -SecretKeyExpiry together: the expiry shown next to the new secret on the Certificates & secrets page.", "SecretKeyExpiry");
            }
            bool withSettings = Bound("NewName") || Bound("AppIdUri");
            if (!withSecret && !withSettings)
            {
                ThrowArgumentError("NothingToChange", "Nothing to change: give -SecretKey with -SecretKeyExpiry, -NewName, -AppIdUri, or several of them.", "SecretKey");
            }
            long appId = AppId;
            var changes = new List<string>();
            if (withSecret) changes.Add("secret (expires " + SecretKeyExpiry.ToString("u", CultureInfo.InvariantCulture) + ")");
            if (withSettings) changes.Add("name/App ID URI");
            var calls = new List<SiteWrite>();
            var secretRequest = AppRequest().Set("SecretKeyExpiry", JsonRequest.Timestamp(SecretKeyExpiry));
            Func<SiteSession, string> setSecret = s => s.CallWithSecret("cmaad_set_app_secret", NativeMethods.cmaad_set_app_secret, secretRequest, SecretKey);
            if (withSecret)
            {
                if (Verify) secretRequest.Set("Verify", true);
                calls.Add(new SiteWrite(secretRequest, setSecret, appId));
            }
            var settingsRequest = AppRequest();
            Func<SiteSession, string> setSettings = s => s.Call("cmaad_set_app", NativeMethods.cmaad_set_app, settingsRequest);
            if (withSettings)
            {
                if (Bound("NewName")) settingsRequest.Set("NewName", NewName);
                if (AppIdUri != null) settingsRequest.Set("AppIdUri", AppIdUri.OriginalString);
                calls.Add(new SiteWrite(settingsRequest, setSettings, appId));
            }
            if (!ShouldChangeSite(AppLabel, "Set " + string.Join(" and ", changes.ToArray()), false, calls.ToArray()))
            {
                return;
            }
            string document = null;
            if (withSecret)
            {
                Contact("Storing the renewed secret of app " + appId.ToString(CultureInfo.InvariantCulture), Verify);
                document = Invoke(setSecret, appId);
                if (document == null)
                {
                    return;
                }
            }
            if (withSettings)
            {
                Contact("Changing the settings of app " + appId.ToString(CultureInfo.InvariantCulture));
                document = Invoke(setSettings, appId);
            }
            EmitWithPassThru<Application>(document, PassThru);
        }
    }

    /// <summary>Remove-CMAADApplication: removes an app from the site; the Entra registration stays.</summary>
    [Cmdlet(VerbsCommon.Remove, "CMAADApplication", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = "ByInputObject")]
    [OutputType(typeof(Application))]
    public sealed class RemoveCMAADApplicationCommand : StoredAppCmdlet
    {
        [Parameter]
        public SwitchParameter Force { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            long appId = AppId;
            string label = AppLabel;
            var request = AppRequest();
            Func<SiteSession, string> remove = s => s.Call("cmaad_remove_app", NativeMethods.cmaad_remove_app, request);
            if (!ShouldChangeSite(label + " (the Entra registration stays)", "Remove from the site", Force, new SiteWrite(request, remove, appId)))
            {
                return;
            }
            Contact("Removing " + label);
            string document = Invoke(remove, appId);
            EmitWithPassThru<Application>(document, PassThru);
        }
    }

    /// <summary>Update-CMAADApplicationSecret: rotates a server app's secret through Microsoft Graph.</summary>
    [Cmdlet(VerbsData.Update, "CMAADApplicationSecret", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = "ByInputObject")]
    [OutputType(typeof(Application))]
    public sealed class UpdateCMAADApplicationSecretCommand : StoredAppCmdlet
    {
        [Parameter]
        [ValidateRange(1, 730)]
        public int ValidityDays { get; set; }

        [Parameter]
        public DateTime SecretKeyExpiry { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string DisplayName { get; set; }

        [Parameter]
        public SwitchParameter RemoveOldSecret { get; set; }

        [Parameter]
        [ValidateRange(1, 600)]
        public int PropagationTimeoutSeconds { get; set; }

        /// <summary>
        /// The server app's current client secret, as the connected ConfigMgr site holds it: a site
        /// never returns its secret, and the rotation needs it for the Graph token that adds the
        /// new one. Only with a ConfigMgr site (Connect-CMAADSite -SiteCode -ProviderMachineName).
        /// </summary>
        [Parameter]
        [SecureStringTransformation("CurrentSecretKey")]
        [ValidateNotNull]
        public SecureString CurrentSecretKey { get; set; }

        protected override void ProcessRecord()
        {
            WarnPlainTextSecret();
            long appId = AppId;
            var request = AppRequest();
            if (Bound("ValidityDays")) request.Set("ValidityDays", ValidityDays);
            if (Bound("SecretKeyExpiry")) request.Set("SecretKeyExpiry", JsonRequest.Timestamp(SecretKeyExpiry));
            if (Bound("DisplayName")) request.Set("DisplayName", DisplayName);
            if (Bound("PropagationTimeoutSeconds")) request.Set("PropagationTimeoutSeconds", PropagationTimeoutSeconds);
            request.Set("RemoveOldSecret", RemoveOldSecret.IsPresent);
            ProviderSite configMgr = Session.Site.ConfigMgrSite;
            GraphSession signIn = RequireSignIn(true);
            CheckCurrentSecret(configMgr, signIn);
            string action = configMgr == null
                ? "Add a new client secret through Microsoft Graph and store it" + (RemoveOldSecret ? ", then remove the old one" : string.Empty)
                : "Add a new client secret through Microsoft Graph, write it to ConfigMgr site " + configMgr.SiteCode + " and confirm it there" + (RemoveOldSecret ? ", then remove the old one" : string.Empty);
            if (!ShouldProcess("Server app " + appId.ToString(CultureInfo.InvariantCulture), action))
            {
                return;
            }
            Contact("Rotating the secret of app " + appId.ToString(CultureInfo.InvariantCulture) + " with its own credentials", true);
            // Waits until the new secret works at Entra (up to PropagationTimeoutSeconds): shown as progress.
            // On a site, the rotation that never leaves the CMG without a working secret, with the
            // site's current secret (zero-freed) or else the Graph sign-in.
            Func<SiteSession, string> rotate;
            if (configMgr == null)
            {
                rotate = s => s.Call("cmaad_rotate_app_secret", NativeMethods.cmaad_rotate_app_secret, request);
            }
            else if (CurrentSecretKey != null)
            {
                rotate = s => s.CallWithSecret("cmaad_rotate_site_app_secret", NativeMethods.cmaad_rotate_site_app_secret, request, CurrentSecretKey);
            }
            else
            {
                rotate = s => s.CallWithSignIn("cmaad_rotate_site_app_secret_with_signin", NativeMethods.cmaad_rotate_site_app_secret_with_signin, signIn, request);
            }
            Emit<Application>(InvokeWithProgress("Rotating the secret of server app " + appId.ToString(CultureInfo.InvariantCulture),
                (seconds, site) => string.Format(CultureInfo.InvariantCulture, "Adding the new secret through Microsoft Graph and waiting until it signs in ({0:0} s)", seconds),
                rotate, appId));
        }

        /// <summary>
        /// On a ConfigMgr site the rotation needs -CurrentSecretKey or a Graph sign-in; without a
        /// site -CurrentSecretKey is refused.
        /// </summary>
        private void CheckCurrentSecret(ProviderSite configMgr, GraphSession signIn)
        {
            if (configMgr != null && CurrentSecretKey == null && signIn == null)
            {
                ThrowArgumentError("CurrentSecretKeyRequired", "ConfigMgr site " + configMgr.SiteCode + " never returns the server app's secret, and the rotation needs a Graph token " +
                    "to add the new one: give -CurrentSecretKey (the client secret the site holds now), or sign in first with Connect-CMAADAzure " +
                    "(an administrator, or an automation app allowed to change the app's passwords). Nothing was changed.", "CurrentSecretKey");
            }
            if (configMgr == null && CurrentSecretKey != null)
            {
                ThrowArgumentError("CurrentSecretKeyWithoutSite", "-CurrentSecretKey is only for a ConfigMgr site (Connect-CMAADSite -SiteCode -ProviderMachineName): " +
                    "the local store holds the current secret itself. Drop -CurrentSecretKey. Nothing was changed.", "CurrentSecretKey");
            }
        }
    }

    /// <summary>Test-CMAADApplication: audits a registration through Graph, or re-verifies stored apps.</summary>
    [Cmdlet(VerbsDiagnostic.Test, "CMAADApplication", DefaultParameterSetName = "Audit")]
    [OutputType(typeof(AuditResult), typeof(VerificationResult))]
    public sealed class TestCMAADApplicationCommand : CmaadCmdlet
    {
        private const string Guid = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";

        [Parameter(Mandatory = true, ParameterSetName = "Audit", ValueFromPipelineByPropertyName = true)]
        [ValidatePattern(Guid)]
        [ArgumentCompleter(typeof(ClientIdCompleter))]
        public string ClientId { get; set; }

        [Parameter(ParameterSetName = "Audit")]
        [Parameter(ParameterSetName = "Stored")]
        [Alias("ApplicationType")]
        public CloudApplicationType AppType { get; set; }

        [Parameter(ParameterSetName = "Audit")]
        [ValidatePattern(Guid)]
        [ArgumentCompleter(typeof(ClientIdCompleter))]
        public string ServerClientId { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = "Stored")]
        public SwitchParameter Stored { get; set; }

        [Parameter(ParameterSetName = "Stored")]
        [Alias("ApplicationName")]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(AppNameCompleter))]
        public string AppName { get; set; }

        [Parameter(ParameterSetName = "Stored")]
        [ValidatePattern(Guid)]
        [ArgumentCompleter(typeof(TenantIdCompleter))]
        public string TenantId { get; set; }

        [Parameter(ParameterSetName = "Stored")]
        [ValidateRange(0, 36500)]
        public int ExpiringWithinDays { get; set; }

        protected override void ProcessRecord()
        {
            if (ParameterSetName == "Audit")
            {
                Audit();
                return;
            }
            VerifyStored();
        }

        private void Audit()
        {
            var request = new JsonRequest().Set("ClientId", ClientId);
            if (Bound("AppType")) request.Set("AppType", AppType.ToString());
            if (Bound("ServerClientId")) request.Set("ServerClientId", ServerClientId);
            GraphSession signIn = RequireSignIn();
            SiteSession session = Session;
            GraphContact("Auditing registration " + ClientId);
            Emit<AuditResult>(Invoke(s => s.CallWithSignIn("cmaad_audit_app", NativeMethods.cmaad_audit_app, signIn, request), ClientId));
        }

        private void VerifyStored()
        {
            var filter = new JsonRequest();
            if (Bound("AppName")) filter.Set("AppName", AppName);
            if (Bound("AppType")) filter.Set("AppType", AppType.ToString());
            if (Bound("ExpiringWithinDays")) filter.Set("ExpiringWithinDays", ExpiringWithinDays);
            SiteSession session = Session;
            var tenants = new List<string>();
            if (Bound("TenantId"))
            {
                tenants.Add(TenantId);
            }
            else
            {
                JsonRequest list = filter.Count > 0 ? filter : null;
                string listed = Invoke(s => s.Call("cmaad_get_apps", NativeMethods.cmaad_get_apps, list), "Filter", true);
                foreach (Application app in JsonDocument.Read<ValueList<Application>>(listed).Items ?? new Application[0])
                {
                    if (!tenants.Contains(app.TenantID))
                    {
                        tenants.Add(app.TenantID);
                    }
                }
                tenants.Sort(StringComparer.Ordinal);
            }

            // With a Graph sign-in (Connect-CMAADAzure), each registration is audited too; on a
            // ConfigMgr site also whether a password on it ends when the site says its secret does.
            GraphSession signIn = RequireSignIn(true);
            // One call per tenant: real progress between calls, and the library's bounded
            // parallelism (8 apps at a time) within each.
            const string activity = "Verifying stored apps against Microsoft Entra ID";
            try
            {
                for (int i = 0; i < tenants.Count; i++)
                {
                    WriteProgress(new ProgressRecord(1, activity, "Tenant " + tenants[i] + " (" + (i + 1) + " of " + tenants.Count + ")")
                    {
                        PercentComplete = 100 * i / tenants.Count,
                    });
                    filter.Set("TenantId", tenants[i]);
                    Contact("Verifying the stored apps of tenant " + tenants[i], true);
                    EmitList<VerificationResult>(Invoke(s => signIn == null
                        ? s.Call("cmaad_verify_apps", NativeMethods.cmaad_verify_apps, filter)
                        : s.CallWithSignIn("cmaad_verify_apps_with_signin", NativeMethods.cmaad_verify_apps_with_signin, signIn, filter), tenants[i]));
                }
            }
            finally
            {
                WriteProgress(new ProgressRecord(1, activity, "Done") { RecordType = ProgressRecordType.Completed });
            }
        }
    }

    /// <summary>Invoke-CMAADSecretMaintenance: verifies every stored app, rotates what is due, reports.</summary>
    [Cmdlet(VerbsLifecycle.Invoke, "CMAADSecretMaintenance", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(MaintenanceReport), typeof(SitesMaintenanceReport))]
    public sealed class InvokeCMAADSecretMaintenanceCommand : CmaadCmdlet
    {
        [Parameter]
        [ValidateRange(0, 365)]
        public int RotateWithinDays { get; set; }

        [Parameter]
        [ValidateRange(1, 730)]
        public int ValidityDays { get; set; }

        [Parameter]
        public SwitchParameter RemoveOldSecret { get; set; }

        [Parameter]
        [ValidatePattern("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")]
        [ArgumentCompleter(typeof(TenantIdCompleter))]
        public string TenantId { get; set; }

        [Parameter]
        public SwitchParameter ReportOnly { get; set; }

        /// <summary>
        /// Several SMS Providers, read at once (at most eight at a time) for one expiry report
        /// over a hierarchy, with the account and settings of Connect-CMAADSite; nothing is rotated.
        /// </summary>
        [Parameter]
        [ValidateCount(1, 64)]
        [ValidateNotNullOrEmpty]
        public string[] ProviderMachineName { get; set; }

        /// <summary>The site code of each -ProviderMachineName, in the same order.</summary>
        [Parameter]
        [ValidateCount(1, 64)]
        [ValidateNotNullOrEmpty]
        public string[] SiteCode { get; set; }

        protected override void ProcessRecord()
        {
            if (Bound("ProviderMachineName") || Bound("SiteCode"))
            {
                ReportSites();
                return;
            }
            var request = new JsonRequest();
            if (Bound("RotateWithinDays")) request.Set("RotateWithinDays", RotateWithinDays);
            if (Bound("ValidityDays")) request.Set("ValidityDays", ValidityDays);
            if (Bound("TenantId")) request.Set("TenantId", TenantId);
            request.Set("RemoveOldSecret", RemoveOldSecret.IsPresent);
            string scope = TenantId == null ? "every stored server app" : "the server apps of tenant " + TenantId;
            // -WhatIf (or answering No to -Confirm) still verifies and reports, rotating nothing.
            bool rotate = !ReportOnly && ShouldProcess(scope, "Rotate the client secrets that are due through Microsoft Graph");
            request.Set("Rotate", rotate);
            SiteSession session = Session;
            GraphSession signIn = RequireSignIn(true);
            Contact((rotate ? "Verifying and rotating due secrets of " : "Verifying ") + scope, true);
            string document = InvokeWithProgress("Secret maintenance",
                (seconds, site) => string.Format(CultureInfo.InvariantCulture, "{0} {1} ({2:0} s)", rotate ? "Verifying and rotating" : "Verifying", scope, seconds),
                // With a Graph sign-in (an automation app's, for a scheduled task), a site's due
                // secrets are rotated with it, since the site never returns the current secret.
                s => signIn == null
                    ? s.Call("cmaad_maintain_secrets", NativeMethods.cmaad_maintain_secrets, request)
                    : s.CallWithSignIn("cmaad_maintain_secrets_with_signin", NativeMethods.cmaad_maintain_secrets_with_signin, signIn, request), "Maintenance");
            EmitReport<MaintenanceReport>(document, report => string.Format(CultureInfo.InvariantCulture,
                "Maintenance: {0} app(s); {1} verified, {2} rotated, {3} due, {4} need attention.",
                report.Total, report.Verified, report.Rotated, report.RotationDue, report.NeedsAttention));
        }

        /// <summary>Reads a report, says its summary on the verbose stream and outputs it.</summary>
        private void EmitReport<T>(string document, Func<T, string> summary) where T : CmaadObject
        {
            if (document == null)
            {
                return;
            }
            T report = Read<T>(document);
            WriteVerbose(summary(report));
            WriteObject(report);
        }

        /// <summary>The expiry report over several sites (cmaad_sites_maintain_secrets).</summary>
        private void ReportSites()
        {
            if (!ReportOnly)
            {
                WriteWarning("Over several sites the due secrets are reported, not rotated (a rotation needs its site connected): " +
                    "rotate each with Connect-CMAADSite and Update-CMAADApplicationSecret. Add -ReportOnly to say so.");
            }
            var request = new JsonRequest().Set("Rotate", false);
            if (Bound("RotateWithinDays")) request.Set("RotateWithinDays", RotateWithinDays);
            if (Bound("TenantId")) request.Set("TenantId", TenantId);
            string document = InvokeSites("cmaad_sites_maintain_secrets", NativeMethods.cmaad_sites_maintain_secrets, ProviderMachineName, SiteCode, request);
            EmitReport<SitesMaintenanceReport>(document, report => string.Format(CultureInfo.InvariantCulture,
                "Maintenance over {0} site(s), {1} not read: {2} app(s); {3} due, {4} need attention.",
                report.Sites, report.SitesFailed, report.Total, report.RotationDue, report.NeedsAttention));
        }
    }

    /// <summary>
    /// Refuses several objects given to a parameter that takes one (a filter that matched more
    /// than one app), naming the count, instead of PowerShell's generic conversion error.
    /// </summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field, AllowMultiple = false)]
    public sealed class SingleObjectTransformationAttribute : ArgumentTransformationAttribute
    {
        public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
        {
            object value = inputData is PSObject ? ((PSObject)inputData).BaseObject : inputData;
            var list = value as System.Collections.IList;
            if (list == null || value is string)
            {
                return Revived(inputData);
            }
            if (list.Count == 1)
            {
                return Revived(list[0]);
            }
            throw new ArgumentTransformationMetadataException(string.Format(CultureInfo.InvariantCulture,
                "{0} objects were given where one is expected: pass one object (narrow Get-CMAADApplication with -AppName, -AppType and -TenantId " +
                "so it returns a single app), or pipe them to handle each.", list.Count));
        }

        /// <summary>
        /// A CMAAD object that went through Export-Clixml/Import-Clixml (or a remoting session)
        /// comes back as a property bag named Deserialized.CMAAD.&lt;Type&gt;: it is read back into
        /// that type from its plain properties (ID first of all, which is what the cmdlets send), so
        /// a script can keep apps and services in a file between runs. Anything else is returned
        /// as it is, for the parameter binder to accept or refuse.
        /// </summary>
        private static object Revived(object item)
        {
            var bag = item as PSObject;
            object plain = bag == null ? item : bag.BaseObject;
            if (!(plain is PSCustomObject) && !(plain is System.Collections.IDictionary))
            {
                return item;
            }
            const string Prefix = "Deserialized.CMAAD.";
            string name = bag == null || bag.TypeNames.Count == 0 ? string.Empty : bag.TypeNames[0];
            Type type = name.StartsWith(Prefix, StringComparison.Ordinal) ? typeof(CmaadObject).Assembly.GetType(name.Substring("Deserialized.".Length)) : null;
            if (type == null || !typeof(CmaadObject).IsAssignableFrom(type) || type.IsAbstract)
            {
                // PowerShell would try to build the object from the bag's properties and fail on a
                // read-only ID; say instead what the parameter takes.
                throw new ArgumentTransformationMetadataException("This parameter takes an object a CMAAD cmdlet returned (CMAAD.Application from Get-CMAADApplication, " +
                    "CMAAD.CloudService from Get-CMCloudManagementAzureService, CMAAD.Tenant from Get-CMAADTenant), or one kept with Export-Clixml and read back with Import-Clixml; " +
                    "a " + (name.Length > 0 ? name : plain.GetType().FullName) + " built by hand is not one: get the object with the Get- cmdlet, or pass its ID with -Id where the cmdlet has it.");
            }
            var document = new JsonRequest();
            foreach (PSPropertyInfo property in bag.Properties)
            {
                document.Set(property.Name, PlainValue(property));
            }
            try
            {
                return JsonDocument.Read(type, document.ToString());
            }
            catch (SerializationException e)
            {
                throw new ArgumentTransformationMetadataException("A deserialized " + type.FullName + " (from Import-Clixml or a remote session) could not be read back (" + e.Message +
                    "): get the object again with the CMAAD cmdlet that returns it, e.g. Get-CMAADApplication -AppName.", e);
            }
        }

        /// <summary>A property's value as the document carries it: text, number, flag or time; null for anything nested.</summary>
        private static object PlainValue(PSPropertyInfo property)
        {
            object value;
            try
            {
                value = property.Value;
            }
            catch (GetValueException)
            {
                return null;
            }
            var wrapped = value as PSObject;
            if (wrapped != null)
            {
                // A deserialized enum is its number with the name as its text; other wrapped values are nested objects.
                return wrapped.BaseObject is PSCustomObject ? null : wrapped.ToString();
            }
            if (value is DateTime)
            {
                return JsonRequest.Timestamp((DateTime)value);
            }
            if (value is int || value is uint || value is short || value is byte)
            {
                return Convert.ToInt64(value, CultureInfo.InvariantCulture);
            }
            return value is string || value is bool || value is long ? value : null;
        }
    }
}
