// The cloud management service and tenant cmdlets (ConfigMgr's names) plus Connect-CMAADSite.

using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using CMAAD.Interop;

namespace CMAAD.Commands
{
    /// <summary>Connect-CMAADSite: chooses the site store and cloud settings of every later cmdlet.</summary>
    [Cmdlet(VerbsCommunications.Connect, "CMAADSite")]
    [OutputType(typeof(Site))]
    public sealed class ConnectCMAADSiteCommand : CmaadCmdlet
    {
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string StorePath { get; set; }

        [Parameter]
        [RetiredCloudTransformation]
        public AzureEnvironment AzureEnvironment { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string AuthorityHost { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string GraphHost { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string Proxy { get; set; }

        [Parameter]
        [ValidateRange(1, 600)]
        public int TimeoutSeconds { get; set; }

        /// <summary>The ConfigMgr site code (with ProviderMachineName: work on the site itself).</summary>
        [Parameter]
        [ValidatePattern("^[A-Za-z0-9]{3}$")]
        public string SiteCode { get; set; }

        /// <summary>The SMS Provider's fully qualified name, as in the console's Connect to Site dialog.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string ProviderMachineName { get; set; }

        /// <summary>The account for the SMS Provider (Kerberos: user@CONTOSO.COM).</summary>
        [Parameter]
        [Credential]
        [ValidateNotNull]
        public PSCredential Credential { get; set; }

        /// <summary>Does not check the provider's certificate (a warning on every connection; no secret is sent).</summary>
        [Parameter]
        public SwitchParameter SkipCertificateCheck { get; set; }

        /// <summary>
        /// A PEM file of extra trusted root certificates (at most 4 MiB): the exported SMS Issuing root,
        /// or a TLS-inspecting proxy's CA. Merged with the system's roots.
        /// </summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string TrustedCaPath { get; set; }

        /// <summary>The SHA-256 thumbprint of the provider's certificate to trust.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string CertificateThumbprint { get; set; }

        /// <summary>
        /// How CMAAD authenticates to the SMS Provider: Negotiate (the default: Kerberos, NTLM only
        /// with -AllowNtlm), Kerberos, Ntlm (sites before ConfigMgr 2509), or Bearer (an Entra
        /// token from Connect-CMAADAzure -Resource AdminService).
        /// </summary>
        [Parameter]
        [ValidateSet("Negotiate", "Kerberos", "Ntlm", "Bearer", IgnoreCase = true)]
        public string Authentication { get; set; }

        /// <summary>With -Authentication Bearer: the tenant of the site's apps.</summary>
        [Parameter]
        [ValidatePattern("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")]
        public string TenantId { get; set; }

        /// <summary>With -Authentication Bearer: the site's client app (a public client), through which the sign-in goes.</summary>
        [Parameter]
        [ValidatePattern("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")]
        public string ClientId { get; set; }

        /// <summary>With -Authentication Bearer: the site's server app's App ID URI, the token's audience.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string AppIdUri { get; set; }

        /// <summary>With -Authentication Bearer: https://&lt;CMG&gt;/CCM_Proxy_ServerAuth/&lt;ID&gt;, to reach the provider through a cloud management gateway.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string CmgUrl { get; set; }

        /// <summary>Lets Negotiate fall back to NTLM where the provider offers it (sites before ConfigMgr 2509).</summary>
        [Parameter]
        public SwitchParameter AllowNtlm { get; set; }

        /// <summary>The KDC (domain controller) as host[:port]; by default the realm's kdc in krb5.conf, the registry or DNS.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string KdcAddress { get; set; }

        protected override void ProcessRecord()
        {
            // Every bound parameter is a setting of the one table (SiteOptions.Settings); paths are
            // relative to the current PowerShell location, not the process's.
            var changes = new SiteOptions();
            foreach (var bound in MyInvocation.BoundParameters)
            {
                Setting setting = SiteOptions.Find(bound.Key);
                if (setting != null)
                {
                    changes.Set(setting.Name, setting.IsPath ? SessionState.Path.GetUnresolvedProviderPathFromPSPath((string)bound.Value) : bound.Value);
                }
            }
            if (Bound("SiteCode") != Bound("ProviderMachineName"))
            {
                // One without the other would leave every change in the local store only, where the
                // CMG never sees it.
                string given = Bound("SiteCode") ? "SiteCode" : "ProviderMachineName";
                string missing = Bound("SiteCode") ? "ProviderMachineName" : "SiteCode";
                ThrowTerminatingError(new ErrorRecord(
                    new ArgumentException("-" + given + " was given without -" + missing + ": a ConfigMgr site needs both, " +
                        "e.g. Connect-CMAADSite -SiteCode XYZ -ProviderMachineName cm01.contoso.com (the SMS Provider's FQDN). " +
                        "Nothing was changed; the connection stays as it was.", missing),
                    "CMAAD.IncompleteSite", ErrorCategory.InvalidArgument, missing));
                return;
            }
            SiteSession session;
            try
            {
                session = ModuleState.Connect(changes);
            }
            catch (Exception e)
            {
                ThrowTerminatingError(SessionError(e));
                return;
            }
            Site site = session.Site;
            WriteVerbose("CMAAD " + site.Version + " (" + NativeLibraryLoader.LoadedPath + "): site store '" + site.StorePath + "'; " +
                site.AzureEnvironment + " Entra authority " + site.AuthorityHost + ", Graph " + site.GraphHost + ".");
            ProviderSite configMgr = site.ConfigMgrSite;
            if (configMgr != null)
            {
                WriteVerbose("ConfigMgr site " + configMgr.SiteCode + " through the SMS Provider " + configMgr.ProviderMachineName + " (" + configMgr.Authentication + ", certificate check: " + configMgr.CertificateCheck + ").");
                foreach (string warning in configMgr.TakeWarnings())
                {
                    WriteWarning(warning);
                }
            }
            WriteObject(site);
        }
    }

    /// <summary>
    /// Disconnect-CMAADSite: back to the local store only. Forgets the ConfigMgr site's settings
    /// (site code, provider, credential, authentication, KDC, certificate pin or skip) and closes
    /// the session; the store and cloud settings stay. The next cmdlet works on the local store.
    /// </summary>
    [Cmdlet(VerbsCommunications.Disconnect, "CMAADSite")]
    [OutputType(typeof(Site))]
    public sealed class DisconnectCMAADSiteCommand : CmaadCmdlet
    {
        /// <summary>Opens the local store at once and returns its description.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            ProviderSite was = ModuleState.Disconnect();
            WriteVerbose(was == null
                ? "No ConfigMgr site was connected; the site settings are cleared and cmdlets work on the local store."
                : "Disconnected from ConfigMgr site " + was.SiteCode + " (SMS Provider " + was.ProviderMachineName + "); cmdlets work on the local store. Nothing was sent to the site.");
            if (PassThru)
            {
                WriteObject(Session.Site);
            }
        }
    }

    /// <summary>Get-CMAADTenant: the site's tenants, by ID or name.</summary>
    [Cmdlet(VerbsCommon.Get, "CMAADTenant", DefaultParameterSetName = "SetByName")]
    [OutputType(typeof(Tenant))]
    public sealed class GetCMAADTenantCommand : ConfigMgrCmdlet
    {
        [Parameter(Mandatory = true, ParameterSetName = "SetById")]
        [Alias("TenantId")]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(TenantIdCompleter))]
        public string Id { get; set; }

        [Parameter(ParameterSetName = "SetByName")]
        [Alias("TenantName")]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(TenantNameCompleter))]
        public string Name { get; set; }

        protected override void ProcessRecord()
        {
            var filter = new JsonRequest();
            if (Bound("Id")) filter.Set("TenantId", Id);
            if (Bound("Name")) filter.Set("TenantName", Name);
            JsonRequest request = filter.Count > 0 ? filter : null;
            SiteSession session = Session;
            Contact("Reading tenants");
            EmitList<Tenant>(Invoke(s => s.Call("cmaad_get_tenants", NativeMethods.cmaad_get_tenants, request), Bound("Id") ? (object)Id : Name));
        }
    }

    /// <summary>Set-CMAADTenant: disables (or re-enables) Entra authentication, or renames a tenant.</summary>
    [Cmdlet(VerbsCommon.Set, "CMAADTenant", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = "ByInputObject")]
    [OutputType(typeof(Tenant))]
    public sealed class SetCMAADTenantCommand : CmaadCmdlet
    {
        [Parameter(Mandatory = true, ParameterSetName = "ByInputObject", ValueFromPipeline = true)]
        [Alias("Tenant", "TenantObject")]
        [ValidateNotNull]
        [SingleObjectTransformation]
        public Tenant InputObject { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = "ById")]
        [Alias("TenantId")]
        [ValidatePattern("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")]
        [ArgumentCompleter(typeof(TenantIdCompleter))]
        public string Id { get; set; }

        [Parameter]
        public bool DisableAADAuthentication { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string NewName { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            string tenantId = ParameterSetName == "ById" ? Id : InputObject.TenantID;
            var request = new JsonRequest().Set("TenantId", tenantId);
            var changed = new List<string>();
            if (Bound("DisableAADAuthentication"))
            {
                request.Set("DisableAADAuthentication", DisableAADAuthentication);
                changed.Add("DisableAADAuthentication");
            }
            if (Bound("NewName"))
            {
                request.Set("NewName", NewName);
                changed.Add("NewName");
            }
            Func<SiteSession, string> set = s => s.Call("cmaad_set_tenant", NativeMethods.cmaad_set_tenant, request);
            if (!ShouldChangeSite("Tenant " + tenantId, "Set " + string.Join(", ", changed.ToArray()), false, new SiteWrite(request, set, tenantId)))
            {
                return;
            }
            Contact("Changing tenant " + tenantId);
            string document = Invoke(set, tenantId);
            EmitWithPassThru<Tenant>(document, PassThru);
        }
    }

    /// <summary>Get-CMCloudManagementAzureService (alias Get-CMAzureService).</summary>
    [Cmdlet(VerbsCommon.Get, "CMCloudManagementAzureService", DefaultParameterSetName = "SearchByName")]
    [Alias("Get-CMAzureService")]
    [OutputType(typeof(CloudService))]
    public sealed class GetCMCloudManagementAzureServiceCommand : ConfigMgrCmdlet
    {
        [Parameter(ParameterSetName = "SearchByName")]
        [Alias("AzureServiceName")]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(ServiceNameCompleter))]
        public string Name { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = "SearchByIdMandatory")]
        [Alias("AzureServiceId")]
        [ValidateRange(1, long.MaxValue)]
        public long Id { get; set; }

        protected override void ProcessRecord()
        {
            var filter = new JsonRequest();
            if (Bound("Name")) filter.Set("Name", Name);
            if (Bound("Id")) filter.Set("ID", Id);
            JsonRequest request = filter.Count > 0 ? filter : null;
            SiteSession session = Session;
            Contact("Reading cloud management services");
            EmitList<CloudService>(Invoke(s => s.Call("cmaad_get_services", NativeMethods.cmaad_get_services, request), Bound("Id") ? (object)Id : Name));
        }
    }

    /// <summary>The discovery parameters New- and Set-CMCloudManagementAzureService share.</summary>
    public abstract class DiscoveryCmdlet : ConfigMgrCmdlet
    {
        [Parameter]
        public bool EnableUserDiscovery { get; set; }

        [Parameter]
        public bool EnableUserDeltaDiscovery { get; set; }

        [Parameter]
        [ValidateRange(5, 60)]
        public int UserDeltaDiscoveryMins { get; set; }

        [Parameter]
        public object UserDiscoverySchedule { get; set; }

        [Parameter]
        public bool EnableGroupDiscovery { get; set; }

        [Parameter]
        public bool EnableGroupDeltaDiscovery { get; set; }

        [Parameter]
        [ValidateRange(5, 60)]
        public int GroupDeltaDiscoveryMins { get; set; }

        [Parameter]
        public object GroupDiscoverySchedule { get; set; }

        [Parameter]
        [Alias("AddGroupNames")]
        public string[] AddGroupName { get; set; }

        /// <summary>Copies the discovery settings the caller gave into the request.</summary>
        protected void AddDiscovery(JsonRequest request)
        {
            if (Bound("EnableUserDiscovery")) request.Set("EnableUserDiscovery", EnableUserDiscovery);
            if (Bound("EnableUserDeltaDiscovery")) request.Set("EnableUserDeltaDiscovery", EnableUserDeltaDiscovery);
            if (Bound("EnableGroupDiscovery")) request.Set("EnableGroupDiscovery", EnableGroupDiscovery);
            if (Bound("EnableGroupDeltaDiscovery")) request.Set("EnableGroupDeltaDiscovery", EnableGroupDeltaDiscovery);
            if (Bound("UserDeltaDiscoveryMins")) request.Set("UserDeltaDiscoveryMins", UserDeltaDiscoveryMins);
            if (Bound("GroupDeltaDiscoveryMins")) request.Set("GroupDeltaDiscoveryMins", GroupDeltaDiscoveryMins);
            if (Bound("UserDiscoverySchedule")) request.Set("UserDiscoverySchedule", ToSchedule(UserDiscoverySchedule, "UserDiscoverySchedule"));
            if (Bound("GroupDiscoverySchedule")) request.Set("GroupDiscoverySchedule", ToSchedule(GroupDiscoverySchedule, "GroupDiscoverySchedule"));
            if (Bound("AddGroupName")) request.Set("AddGroupName", AddGroupName ?? new string[0]);
        }

        /// <summary>
        /// A schedule as {"Kind": Minutes|Hours|Days, "Interval": n}: from @{Kind='Days'; Interval=7},
        /// a TimeSpan, or a recurring schedule of New-CMSchedule (DaysSpan/HourSpan/MinuteSpan).
        /// The library checks the values.
        /// </summary>
        private JsonRequest ToSchedule(object schedule, string parameter)
        {
            object value = schedule is PSObject ? ((PSObject)schedule).BaseObject : schedule;
            if (value == null)
            {
                return null;
            }
            if (value is TimeSpan)
            {
                var span = (TimeSpan)value;
                if (span.TotalDays >= 1 && span.TotalDays == Math.Floor(span.TotalDays)) return Schedule("Days", (long)span.TotalDays);
                if (span.TotalHours >= 1 && span.TotalHours == Math.Floor(span.TotalHours)) return Schedule("Hours", (long)span.TotalHours);
                return Schedule("Minutes", (long)span.TotalMinutes);
            }
            var fields = new Dictionary<string, object>(StringComparer.OrdinalIgnoreCase);
            var table = value as IDictionary;
            if (table != null)
            {
                foreach (DictionaryEntry entry in table)
                {
                    fields[Convert.ToString(entry.Key, CultureInfo.InvariantCulture)] = entry.Value;
                }
            }
            else
            {
                foreach (PSPropertyInfo property in PSObject.AsPSObject(schedule).Properties)
                {
                    try
                    {
                        fields[property.Name] = property.Value;
                    }
                    catch (GetValueException)
                    {
                        // A property that cannot be read is no schedule field.
                    }
                }
            }
            try
            {
                if (fields.ContainsKey("Kind") && fields.ContainsKey("Interval"))
                {
                    return Schedule(Convert.ToString(fields["Kind"], CultureInfo.InvariantCulture), Convert.ToInt64(fields["Interval"], CultureInfo.InvariantCulture));
                }
                foreach (string[] pair in new[] { new[] { "DaysSpan", "Days" }, new[] { "HourSpan", "Hours" }, new[] { "MinuteSpan", "Minutes" } })
                {
                    if (fields.ContainsKey(pair[0]) && Convert.ToInt64(fields[pair[0]], CultureInfo.InvariantCulture) > 0)
                    {
                        return Schedule(pair[1], Convert.ToInt64(fields[pair[0]], CultureInfo.InvariantCulture));
                    }
                }
            }
            catch (FormatException)
            {
                // Falls through to the error below.
            }
            catch (InvalidCastException)
            {
                // Falls through to the error below.
            }
            ThrowArgumentError("InvalidSchedule", parameter + " is not a schedule: pass @{ Kind = 'Days'; Interval = 7 } (Kind Minutes, Hours or Days), a TimeSpan, " +
                "or a recurring schedule from New-CMSchedule.", parameter);
            return null;
        }

        private static JsonRequest Schedule(string kind, long interval)
        {
            return new JsonRequest().Set("Kind", kind).Set("Interval", interval);
        }
    }

    /// <summary>New-CMCloudManagementAzureService: the Azure service for Cloud Management.</summary>
    [Cmdlet(VerbsCommon.New, "CMCloudManagementAzureService", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(CloudService))]
    public sealed class NewCMCloudManagementAzureServiceCommand : DiscoveryCmdlet
    {
        [Parameter(Mandatory = true)]
        [ValidateNotNullOrEmpty]
        public string Name { get; set; }

        [Parameter(Mandatory = true)]
        [Alias("WebApp", "WebApplication", "ServerApplication")]
        [ValidateNotNull]
        [SingleObjectTransformation]
        public Application ServerApp { get; set; }

        [Parameter(Mandatory = true)]
        [Alias("ClientApplication", "NativeClientApplication")]
        [ValidateNotNull]
        [SingleObjectTransformation]
        public Application ClientApp { get; set; }

        [Parameter]
        public string Description { get; set; }

        [Parameter]
        [RetiredCloudTransformation]
        public AzureEnvironment AzureEnvironmentOption { get; set; }

        protected override void ProcessRecord()
        {
            var request = new JsonRequest().Set("Name", Name).Set("ServerAppId", ServerApp.ID).Set("ClientAppId", ClientApp.ID);
            if (Bound("Description")) request.Set("Description", Description);
            if (Bound("AzureEnvironmentOption")) request.Set("AzureEnvironmentOption", AzureEnvironmentOption.ToString());
            AddDiscovery(request);
            string target = string.Format(CultureInfo.InvariantCulture, "Cloud management service '{0}' (server app {1}, client app {2})", Name, ServerApp.ID, ClientApp.ID);
            Func<SiteSession, string> create = s => s.Call("cmaad_new_cloud_management_service", NativeMethods.cmaad_new_cloud_management_service, request);
            if (!ShouldChangeSite(target, "Create", false, new SiteWrite(request, create, Name)))
            {
                return;
            }
            Contact("Creating " + target);
            Emit<CloudService>(Invoke(create, Name));
        }
    }

    /// <summary>Set-CMCloudManagementAzureService: name, description, discovery, collection group sync.</summary>
    [Cmdlet(VerbsCommon.Set, "CMCloudManagementAzureService", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = "SearchByValueMandatory")]
    [OutputType(typeof(CloudService))]
    public sealed class SetCMCloudManagementAzureServiceCommand : DiscoveryCmdlet
    {
        [Parameter(Mandatory = true, ParameterSetName = "SearchByValueMandatory", ValueFromPipeline = true)]
        [Alias("AzureService")]
        [ValidateNotNull]
        [SingleObjectTransformation]
        public CloudService InputObject { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = "SearchByIdMandatory")]
        [Alias("AzureServiceId")]
        [ValidateRange(1, long.MaxValue)]
        public long Id { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = "SearchByNameMandatory")]
        [Alias("AzureServiceName")]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(ServiceNameCompleter))]
        public string Name { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string NewName { get; set; }

        [Parameter]
        [AllowEmptyString]
        public string Description { get; set; }

        [Parameter]
        public bool EnableAADGroupSync { get; set; }

        [Parameter]
        [Alias("DeleteGroupNames")]
        public string[] DeleteGroupName { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            var request = new JsonRequest();
            string label = ServiceTarget.Set(request, ParameterSetName, InputObject, Id, Name);
            if (Bound("NewName")) request.Set("NewName", NewName);
            if (Bound("Description")) request.Set("Description", Description ?? string.Empty);
            if (Bound("EnableAADGroupSync")) request.Set("EnableAADGroupSync", EnableAADGroupSync);
            AddDiscovery(request);
            if (Bound("DeleteGroupName")) request.Set("DeleteGroupName", DeleteGroupName ?? new string[0]);
            var changed = new List<string>();
            foreach (string name in MyInvocation.BoundParameters.Keys)
            {
                if (request.Has(name) && name != "Name")
                {
                    changed.Add(name);
                }
            }
            Func<SiteSession, string> set = s => s.Call("cmaad_set_cloud_management_service", NativeMethods.cmaad_set_cloud_management_service, request);
            if (!ShouldChangeSite(label, "Set " + string.Join(", ", changed.ToArray()), false, new SiteWrite(request, set, label)))
            {
                return;
            }
            Contact("Changing " + label);
            string document = Invoke(set, label);
            EmitWithPassThru<CloudService>(document, PassThru);
        }
    }

    /// <summary>Remove-CMCloudManagementAzureService (alias Remove-CMAzureService): the service goes, its apps stay.</summary>
    [Cmdlet(VerbsCommon.Remove, "CMCloudManagementAzureService", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = "SearchByValueMandatory")]
    [Alias("Remove-CMAzureService")]
    [OutputType(typeof(CloudService))]
    public sealed class RemoveCMCloudManagementAzureServiceCommand : ConfigMgrCmdlet
    {
        [Parameter(Mandatory = true, ParameterSetName = "SearchByValueMandatory", ValueFromPipeline = true)]
        [Alias("AzureService")]
        [ValidateNotNull]
        [SingleObjectTransformation]
        public CloudService InputObject { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = "SearchByIdMandatory")]
        [Alias("AzureServiceId")]
        [ValidateRange(1, long.MaxValue)]
        public long Id { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = "SearchByNameMandatory")]
        [Alias("AzureServiceName")]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(ServiceNameCompleter))]
        public string Name { get; set; }

        [Parameter]
        public SwitchParameter Force { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            var request = new JsonRequest();
            string label = ServiceTarget.Set(request, ParameterSetName, InputObject, Id, Name);
            Func<SiteSession, string> remove = s => s.Call("cmaad_remove_service", NativeMethods.cmaad_remove_service, request);
            if (!ShouldChangeSite(label + " (its apps stay; Entra is not changed)", "Remove from the site", Force, new SiteWrite(request, remove, label)))
            {
                return;
            }
            Contact("Removing " + label);
            string document = Invoke(remove, label);
            EmitWithPassThru<CloudService>(document, PassThru);
        }
    }

    internal static class ServiceTarget
    {
        /// <summary>Names the service in the request (ID, or Name for -Name and for an object) and returns its label.</summary>
        internal static string Set(JsonRequest request, string parameterSet, CloudService service, long id, string name)
        {
            if (parameterSet == "SearchByNameMandatory")
            {
                request.Set("Name", name);
                return "Cloud management service '" + name + "'";
            }
            if (parameterSet == "SearchByValueMandatory")
            {
                // By name, not ID: an object read from another site or store (or kept with
                // Export-Clixml) must not act on whatever service has its ID here.
                request.Set("Name", service.Name);
                return "Cloud management service '" + service.Name + "' (ID " + service.ID.ToString(CultureInfo.InvariantCulture) + ")";
            }
            request.Set("ID", id);
            return "Cloud management service " + id.ToString(CultureInfo.InvariantCulture);
        }
    }
}
