// The objects the cmdlets return, typed: each is read from the library's result document by
// DataContractJsonSerializer. Property names are ConfigMgr's (SMS_AAD_Application_Ex and
// friends); dates are local DateTimes; open-ended parts (verification checks, Graph
// registrations, rotation details) are ordered PSObjects.

// [DataMember] fields are set by DataContractJsonSerializer, which the compiler cannot see.
#pragma warning disable 0649

using System;
using System.Management.Automation;
using System.Runtime.Serialization;
using System.Xml.Linq;
using CMAAD.Interop;

namespace CMAAD
{
    /// <summary>
    /// The clouds an app or service lives in (ConfigMgr's AzureEnvironment, same values). Its
    /// fourth value, AzureGermanCloud, is left out: that cloud was retired in October 2021, and
    /// RetiredCloudTransformationAttribute refuses it with a message.
    /// </summary>
    public enum AzureEnvironment
    {
        AzurePublicCloud = 0,
        AzureUSGovernmentCloud = 1,
        AzureChinaCloud = 2
    }

    /// <summary>Refuses the retired AzureGermanCloud (ConfigMgr's enum value 3) with what to do instead.</summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field, AllowMultiple = false)]
    public sealed class RetiredCloudTransformationAttribute : System.Management.Automation.ArgumentTransformationAttribute
    {
        public override object Transform(System.Management.Automation.EngineIntrinsics engineIntrinsics, object inputData)
        {
            object value = inputData is PSObject ? ((PSObject)inputData).BaseObject : inputData;
            string text = value == null ? null : Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture);
            if (string.Equals(text, "AzureGermanCloud", StringComparison.OrdinalIgnoreCase) || text == "3")
            {
                throw new System.Management.Automation.ArgumentTransformationMetadataException(
                    "AzureGermanCloud (Microsoft Cloud Deutschland) was retired on 29 October 2021 and no longer signs anyone in: " +
                    "tenants moved to the public cloud, so use AzurePublicCloud.");
            }
            return inputData;
        }
    }

    /// <summary>The kind of an app registration (ConfigMgr's CloudApplicationType).</summary>
    public enum CloudApplicationType
    {
        ServerApplication = 0,
        ClientApplication = 1
    }

    /// <summary>A result object: warnings the library attached, and open-ended members read from the document.</summary>
    [DataContract]
    public abstract class CmaadObject
    {
        [DataMember(Name = "Warnings", EmitDefaultValue = false)]
        private string[] warnings;

        /// <summary>Warnings the library attached (written to the warning stream, not shown as a property).</summary>
        internal string[] TakeWarnings()
        {
            string[] taken = warnings ?? new string[0];
            warnings = null;
            return taken;
        }

        /// <summary>The names of members that are open-ended JSON (read with ReadOpenMembers).</summary>
        internal virtual string[] OpenMembers
        {
            get { return new string[0]; }
        }

        /// <summary>Sets the open-ended members from this object's element of the document.</summary>
        internal virtual void ReadOpenMembers(XElement element)
        {
        }

        /// <summary>Calls <paramref name="read"/> for each item of the array member <paramref name="name"/> with its element.</summary>
        internal static void ReadItems<T>(XElement element, string name, T[] items, Action<T, XElement> read) where T : class
        {
            XElement list = JsonDocument.Find(element, name);
            if (list == null || items == null)
            {
                return;
            }
            int i = 0;
            foreach (XElement item in list.Elements())
            {
                if (i < items.Length && items[i] != null)
                {
                    read(items[i], item);
                }
                i++;
            }
        }

        internal static PSObject Open(XElement element, string name)
        {
            XElement member = JsonDocument.Find(element, name);
            return member == null ? null : JsonDocument.ToValue(member) as PSObject;
        }

        internal static T ParseEnum<T>(string text) where T : struct
        {
            T value;
            return Enum.TryParse(text, true, out value) ? value : default(T);
        }
    }

    /// <summary>A server (web) or client (native) app in the site (SMS_AAD_Application_Ex).</summary>
    [DataContract]
    public class Application : CmaadObject
    {
        /// <summary>The site the app was read from, in a list over several sites (Get-CMAADApplication -ProviderMachineName); else null.</summary>
        [DataMember(EmitDefaultValue = false)] public string SiteCode { get; private set; }

        /// <summary>The SMS Provider the app was read through, in a list over several sites; else null.</summary>
        [DataMember(EmitDefaultValue = false)] public string ProviderMachineName { get; private set; }

        [DataMember(Name = "AppType")] private string appType;
        [DataMember(Name = "AzureEnvironment")] private string azureEnvironment;
        [DataMember(Name = "SecretKeyExpiry")] private string secretKeyExpiry;
        [DataMember(Name = "SecretKeyCreationTime")] private string secretKeyCreationTime;
        [DataMember(Name = "LastVerified")] private string lastVerified;
        [DataMember(Name = "ApplicationCreationTime")] private string applicationCreationTime;
        [DataMember(Name = "LastUpdateTime")] private string lastUpdateTime;

        /// <summary>The app's ID in the site.</summary>
        [DataMember] public long ID { get; private set; }

        /// <summary>The display name.</summary>
        [DataMember] public string Name { get; private set; }

        /// <summary>The Application (client) ID.</summary>
        [DataMember] public string ClientID { get; private set; }

        /// <summary>The Directory (tenant) ID.</summary>
        [DataMember] public string TenantID { get; private set; }

        /// <summary>The tenant's name in the site.</summary>
        [DataMember] public string TenantName { get; private set; }

        /// <summary>True for a client (native) app.</summary>
        [DataMember] public bool IsClientApp { get; private set; }

        /// <summary>ServerApplication or ClientApplication.</summary>
        public CloudApplicationType AppType
        {
            get { return ParseEnum<CloudApplicationType>(appType); }
        }

        /// <summary>The Application ID URI (server apps).</summary>
        [DataMember] public string IdentifierUri { get; private set; }

        /// <summary>When the stored secret expires (server apps), local time.</summary>
        public DateTime? SecretKeyExpiry
        {
            get { return JsonDocument.Time(secretKeyExpiry); }
        }

        /// <summary>When the stored secret was created (server apps), local time.</summary>
        public DateTime? SecretKeyCreationTime
        {
            get { return JsonDocument.Time(secretKeyCreationTime); }
        }

        /// <summary>Entra's key ID of the stored secret, when known.</summary>
        [DataMember] public string SecretKeyId { get; private set; }

        /// <summary>Whole days until the secret expires (negative once expired).</summary>
        [DataMember] public long? DaysUntilSecretExpiry { get; private set; }

        /// <summary>True once the stored secret has expired.</summary>
        [DataMember] public bool? SecretExpired { get; private set; }

        /// <summary>A client app's server app ID.</summary>
        [DataMember] public long? ServerAppID { get; private set; }

        /// <summary>The app's cloud.</summary>
        public AzureEnvironment AzureEnvironment
        {
            get { return ParseEnum<AzureEnvironment>(azureEnvironment); }
        }

        /// <summary>When the app last passed a verification, local time.</summary>
        public DateTime? LastVerified
        {
            get { return JsonDocument.Time(lastVerified); }
        }

        /// <summary>When the app was added to the site, local time.</summary>
        public DateTime? ApplicationCreationTime
        {
            get { return JsonDocument.Time(applicationCreationTime); }
        }

        /// <summary>When the app last changed in the site, local time.</summary>
        public DateTime? LastUpdateTime
        {
            get { return JsonDocument.Time(lastUpdateTime); }
        }

        /// <summary>With -PassThru of a removal: true.</summary>
        [DataMember] public bool? Removed { get; private set; }

        /// <summary>With -PassThru of a removal: true when the tenant went with its last app.</summary>
        [DataMember] public bool? TenantRemoved { get; private set; }

        /// <summary>The checks of -Verify.</summary>
        public PSObject Verification { get; private set; }

        /// <summary>The Entra registration that New-CMAAD*Application created.</summary>
        public PSObject Registration { get; private set; }

        /// <summary>What Update-CMAADApplicationSecret did (NewKeyId, PropagationSeconds, OldKeyId, OldSecretRemoved).</summary>
        public PSObject Rotation { get; private set; }

        internal override string[] OpenMembers
        {
            get { return new[] { "Verification", "Registration", "Rotation" }; }
        }

        internal override void ReadOpenMembers(XElement element)
        {
            Verification = Open(element, "Verification");
            Registration = Open(element, "Registration");
            Rotation = Open(element, "Rotation");
        }
    }

    /// <summary>A stored app re-verified against Microsoft Entra ID (Test-CMAADApplication -Stored).</summary>
    [DataContract]
    public class VerificationResult : Application
    {
        /// <summary>True when the app obtained a token.</summary>
        [DataMember] public bool Verified { get; private set; }

        /// <summary>Why the verification failed (Code, Message, ...), or null.</summary>
        public PSObject Error { get; private set; }

        internal override string[] OpenMembers
        {
            get { return new[] { "Verification", "Error" }; }
        }

        internal override void ReadOpenMembers(XElement element)
        {
            base.ReadOpenMembers(element);
            Error = Open(element, "Error");
        }
    }

    /// <summary>A discovery schedule: every Interval Minutes, Hours or Days.</summary>
    [DataContract]
    public class Schedule
    {
        /// <summary>Minutes, Hours or Days.</summary>
        [DataMember] public string Kind { get; private set; }

        /// <summary>Units between runs.</summary>
        [DataMember] public long Interval { get; private set; }

        public override string ToString()
        {
            return "Every " + Interval + " " + Kind;
        }
    }

    /// <summary>An Azure service for Cloud Management (SMS_Azure_CloudService).</summary>
    [DataContract]
    public class CloudService : CmaadObject
    {
        [DataMember(Name = "AzureEnvironment")] private string azureEnvironment;
        [DataMember(Name = "CreatedTime")] private string createdTime;
        [DataMember(Name = "LastUpdateTime")] private string lastUpdateTime;

        /// <summary>The service's ID.</summary>
        [DataMember] public long ID { get; private set; }

        /// <summary>The service's name, unique in the site.</summary>
        [DataMember] public string Name { get; private set; }

        /// <summary>The description.</summary>
        [DataMember] public string Description { get; private set; }

        /// <summary>CloudManagement.</summary>
        [DataMember] public string ServiceType { get; private set; }

        /// <summary>The Directory (tenant) ID of both apps.</summary>
        [DataMember] public string TenantID { get; private set; }

        /// <summary>The server app's ID.</summary>
        [DataMember] public long ServerAppID { get; private set; }

        /// <summary>The client app's ID.</summary>
        [DataMember] public long ClientAppID { get; private set; }

        /// <summary>The service's cloud.</summary>
        public AzureEnvironment AzureEnvironment
        {
            get { return ParseEnum<AzureEnvironment>(azureEnvironment); }
        }

        /// <summary>Collection membership synchronized to Entra groups.</summary>
        [DataMember] public bool EnableAADGroupSync { get; private set; }

        /// <summary>The tenant's "Disable Microsoft Entra authentication".</summary>
        [DataMember] public bool DisableAADAuthentication { get; private set; }

        [DataMember] public bool EnableUserDiscovery { get; private set; }
        [DataMember] public bool EnableUserDeltaDiscovery { get; private set; }
        [DataMember] public long? UserDeltaDiscoveryMins { get; private set; }
        [DataMember] public Schedule UserDiscoverySchedule { get; private set; }
        [DataMember] public bool EnableGroupDiscovery { get; private set; }
        [DataMember] public bool EnableGroupDeltaDiscovery { get; private set; }
        [DataMember] public long? GroupDeltaDiscoveryMins { get; private set; }
        [DataMember] public Schedule GroupDiscoverySchedule { get; private set; }
        [DataMember] public string[] AddGroupName { get; private set; }

        /// <summary>When the service was created, local time.</summary>
        public DateTime? CreatedTime
        {
            get { return JsonDocument.Time(createdTime); }
        }

        /// <summary>When the service last changed, local time.</summary>
        public DateTime? LastUpdateTime
        {
            get { return JsonDocument.Time(lastUpdateTime); }
        }

        /// <summary>With -PassThru of a removal: true.</summary>
        [DataMember] public bool? Removed { get; private set; }
    }

    /// <summary>A tenant of the site (SMS_AAD_Tenant_Ex plus counts).</summary>
    [DataContract]
    public class Tenant : CmaadObject
    {
        [DataMember(Name = "AzureEnvironment")] private string azureEnvironment;
        [DataMember(Name = "CreatedTime")] private string createdTime;
        [DataMember(Name = "LastUpdateTime")] private string lastUpdateTime;

        [DataMember] public long ID { get; private set; }

        /// <summary>The Directory (tenant) ID.</summary>
        [DataMember] public string TenantID { get; private set; }

        /// <summary>The tenant's name in the site.</summary>
        [DataMember] public string Name { get; private set; }

        public AzureEnvironment AzureEnvironment
        {
            get { return ParseEnum<AzureEnvironment>(azureEnvironment); }
        }

        /// <summary>"Disable Microsoft Entra authentication for this tenant".</summary>
        [DataMember] public bool DisableAADAuthentication { get; private set; }

        [DataMember] public long ServerAppCount { get; private set; }
        [DataMember] public long ClientAppCount { get; private set; }
        [DataMember] public long ServiceCount { get; private set; }

        public DateTime? CreatedTime
        {
            get { return JsonDocument.Time(createdTime); }
        }

        public DateTime? LastUpdateTime
        {
            get { return JsonDocument.Time(lastUpdateTime); }
        }
    }

    /// <summary>
    /// One change CMAAD made to a ConfigMgr site, from the journal in the local store
    /// (Get-CMAADSiteChange; cmaad_get_site_changes). Never holds a secret.
    /// </summary>
    [DataContract]
    public class SiteChange : CmaadObject
    {
        [DataMember(Name = "At")] private string at;

        /// <summary>When the change was made (UTC, as journaled; shown in local time).</summary>
        public DateTime? At
        {
            get { return JsonDocument.Time(at); }
        }

        /// <summary>The site code.</summary>
        [DataMember] public string SiteCode { get; private set; }

        /// <summary>The SMS Provider the change went through.</summary>
        [DataMember] public string Provider { get; private set; }

        /// <summary>The SMS Provider class changed (SMS_AAD_Tenant_Ex, SMS_AAD_Application_Ex, SMS_Azure_CloudService, SMS_AAD_Discovery_Settings).</summary>
        [DataMember] public string Class { get; private set; }

        /// <summary>The object's key in that class.</summary>
        [DataMember] public long ObjectId { get; private set; }

        /// <summary>The object's name.</summary>
        [DataMember] public string Object { get; private set; }

        /// <summary>What was done (Create, Update, Delete, ...).</summary>
        [DataMember] public string Operation { get; private set; }

        /// <summary>The request's ID, as sent to the provider (for matching the provider's logs).</summary>
        [DataMember] public string RequestId { get; private set; }
    }

    /// <summary>The site the cmdlets use (Connect-CMAADSite).</summary>
    [DataContract]
    public class Site : CmaadObject
    {
        [DataMember(Name = "AzureEnvironment")] private string azureEnvironment;

        /// <summary>The site store file.</summary>
        [DataMember] public string StorePath { get; private set; }

        /// <summary>The default cloud.</summary>
        public AzureEnvironment AzureEnvironment
        {
            get { return ParseEnum<AzureEnvironment>(azureEnvironment); }
        }

        /// <summary>The Microsoft Entra authority used.</summary>
        [DataMember] public string AuthorityHost { get; private set; }

        /// <summary>The Microsoft Graph host used.</summary>
        [DataMember] public string GraphHost { get; private set; }

        /// <summary>The proxy (credentials redacted), or null.</summary>
        [DataMember] public string Proxy { get; private set; }

        /// <summary>The time limit of each request to Entra or Graph.</summary>
        [DataMember] public long TimeoutSeconds { get; private set; }

        /// <summary>The native library's version.</summary>
        [DataMember] public string Version { get; private set; }

        /// <summary>The ConfigMgr site whose SMS Provider the session reads and writes, or null (the store).</summary>
        [DataMember(Name = "Site")] public ProviderSite ConfigMgrSite { get; private set; }
    }

    /// <summary>A ConfigMgr site reached through its SMS Provider (Connect-CMAADSite -SiteCode -ProviderMachineName).</summary>
    [DataContract]
    public class ProviderSite : CmaadObject
    {
        /// <summary>The SMS Provider's machine name.</summary>
        [DataMember] public string ProviderMachineName { get; private set; }

        /// <summary>The site code.</summary>
        [DataMember] public string SiteCode { get; private set; }

        /// <summary>Kerberos, Negotiate (NTLM allowed) or Ntlm.</summary>
        [DataMember] public string Authentication { get; private set; }

        /// <summary>The account used (never its password).</summary>
        [DataMember] public string UserName { get; private set; }

        /// <summary>SystemRoots, TrustedCaPath, CertificateThumbprint or SkipCertificateCheck.</summary>
        [DataMember] public string CertificateCheck { get; private set; }
    }

    /// <summary>A Microsoft Graph sign-in (Connect-CMAADAzure).</summary>
    [DataContract]
    public class GraphSignIn : CmaadObject
    {
        [DataMember(Name = "AzureEnvironment")] private string azureEnvironment;

        [DataMember] public bool SignedIn { get; internal set; }

        /// <summary>DeviceCode or ClientCredentials.</summary>
        [DataMember] public string Kind { get; private set; }

        [DataMember] public string TenantId { get; private set; }
        [DataMember] public string ClientId { get; private set; }

        public AzureEnvironment AzureEnvironment
        {
            get { return ParseEnum<AzureEnvironment>(azureEnvironment); }
        }

        [DataMember] public string[] Scopes { get; private set; }
        [DataMember] public string[] Roles { get; private set; }
        [DataMember] public long? ExpiresInSeconds { get; private set; }
    }

    /// <summary>The device code to show (cmaad_graph_signin_begin).</summary>
    [DataContract]
    public class DeviceCode : CmaadObject
    {
        [DataMember] public string UserCode { get; private set; }
        [DataMember] public string VerificationUri { get; private set; }
        [DataMember] public string Message { get; private set; }
        [DataMember] public long ExpiresIn { get; private set; }
        [DataMember] public long Interval { get; private set; }
    }

    /// <summary>What New-CMAAD*Application -WhatIf would create: the Graph request bodies.</summary>
    [DataContract]
    public class RegistrationPlan : CmaadObject
    {
        [DataMember] public bool WhatIf { get; private set; }
        [DataMember] public string AppType { get; private set; }
        [DataMember] public string TenantId { get; private set; }
        public PSObject Application { get; private set; }
        public PSObject Password { get; private set; }
        public PSObject ServicePrincipal { get; private set; }
        public PSObject AdminConsent { get; private set; }

        internal override string[] OpenMembers
        {
            get { return new[] { "Application", "Password", "ServicePrincipal", "AdminConsent" }; }
        }

        internal override void ReadOpenMembers(XElement element)
        {
            Application = Open(element, "Application");
            Password = Open(element, "Password");
            ServicePrincipal = Open(element, "ServicePrincipal");
            AdminConsent = Open(element, "AdminConsent");
        }
    }

    /// <summary>One requirement of an audit.</summary>
    [DataContract]
    public class AuditCheck
    {
        [DataMember] public string Name { get; private set; }

        /// <summary>Passed, Failed or NotChecked.</summary>
        [DataMember] public string Outcome { get; private set; }

        [DataMember] public string Detail { get; private set; }

        /// <summary>What to change when the check failed.</summary>
        [DataMember] public string Fix { get; private set; }
    }

    /// <summary>An app registration checked against the CMG's requirements (Test-CMAADApplication).</summary>
    [DataContract]
    public class AuditResult : CmaadObject
    {
        [DataMember] public string ClientId { get; private set; }
        [DataMember] public string DisplayName { get; private set; }
        [DataMember] public string AppType { get; private set; }
        [DataMember] public string TenantId { get; private set; }
        [DataMember] public bool Passed { get; private set; }
        [DataMember] public AuditCheck[] Checks { get; private set; }
    }

    /// <summary>One server app of Set-UpdateServerApplication.</summary>
    [DataContract]
    public class ServerAppUpdate : CmaadObject
    {
        [DataMember] public long ID { get; private set; }
        [DataMember] public string Name { get; private set; }
        [DataMember] public string ClientID { get; private set; }
        [DataMember] public bool Changed { get; private set; }
        [DataMember] public bool WouldChange { get; private set; }
        [DataMember] public string[] RedirectUris { get; private set; }
    }

    /// <summary>One app of a maintenance run.</summary>
    [DataContract]
    public class MaintenanceEntry : CmaadObject
    {
        [DataMember] public long ID { get; private set; }
        [DataMember] public string Name { get; private set; }
        [DataMember] public string AppType { get; private set; }
        [DataMember] public string TenantID { get; private set; }
        [DataMember] public long? DaysUntilSecretExpiry { get; private set; }

        /// <summary>Verified, Rotated, RotationDue or NeedsAttention.</summary>
        [DataMember] public string Action { get; private set; }

        /// <summary>What happened, or what a person must do.</summary>
        [DataMember] public string Detail { get; private set; }

        public PSObject Error { get; private set; }
        public PSObject Rotation { get; private set; }

        internal override string[] OpenMembers
        {
            get { return new[] { "Error", "Rotation" }; }
        }

        internal override void ReadOpenMembers(XElement element)
        {
            Error = Open(element, "Error");
            Rotation = Open(element, "Rotation");
        }

        public override string ToString()
        {
            return ID + " " + Name + ": " + Action;
        }
    }

    /// <summary>The counts of a maintenance run.</summary>
    [DataContract]
    public class MaintenanceSummary
    {
        [DataMember] public long Total { get; private set; }
        [DataMember] public long Verified { get; private set; }
        [DataMember] public long Rotated { get; private set; }
        [DataMember] public long RotationDue { get; private set; }
        [DataMember] public long NeedsAttention { get; private set; }
    }

    /// <summary>One app of one site in a report over several sites (Invoke-CMAADSecretMaintenance -ProviderMachineName).</summary>
    [DataContract]
    public class SiteExpiryEntry : CmaadObject
    {
        [DataMember] public string SiteCode { get; private set; }
        [DataMember] public string ProviderMachineName { get; private set; }
        [DataMember] public long ID { get; private set; }
        [DataMember] public string Name { get; private set; }
        [DataMember] public string AppType { get; private set; }
        [DataMember] public string TenantID { get; private set; }
        [DataMember] public long? DaysUntilSecretExpiry { get; private set; }

        /// <summary>NothingDue, RotationDue or NeedsAttention.</summary>
        [DataMember] public string Action { get; private set; }

        /// <summary>What to do, for an app that needs it.</summary>
        [DataMember] public string Detail { get; private set; }
    }

    /// <summary>How one site of a report over several sites went.</summary>
    [DataContract]
    public class SiteReadResult : CmaadObject
    {
        [DataMember] public string SiteCode { get; private set; }
        [DataMember] public string ProviderMachineName { get; private set; }
        [DataMember] public bool Succeeded { get; private set; }
        [DataMember] public long Count { get; private set; }

        /// <summary>Why the site could not be read (Code, Message, ...), or null.</summary>
        public PSObject Error { get; internal set; }
    }

    /// <summary>The apps of several ConfigMgr sites read at once (Get-CMAADApplication -ProviderMachineName).</summary>
    [DataContract]
    internal class SitesAppList : CmaadObject
    {
        [DataMember(Name = "value")] private Application[] apps;
        [DataMember(Name = "Sites")] private SiteReadResult[] sites;

        internal Application[] Apps
        {
            get { return apps ?? new Application[0]; }
        }

        internal SiteReadResult[] SiteResults
        {
            get { return sites ?? new SiteReadResult[0]; }
        }

        internal override void ReadOpenMembers(XElement element)
        {
            ReadItems(element, "value", apps, (app, item) => app.ReadOpenMembers(item));
            ReadItems(element, "Sites", sites, (site, item) => site.Error = Open(item, "Error"));
        }
    }

    /// <summary>
    /// An expiry report over several ConfigMgr sites read at once (Invoke-CMAADSecretMaintenance
    /// -ProviderMachineName): each app's action, each site's outcome, one summary. A site that
    /// could not be read counts as needing attention.
    /// </summary>
    [DataContract]
    public class SitesMaintenanceReport : CmaadObject
    {
        [DataContract]
        private sealed class Counts
        {
            [DataMember] public long Sites = 0;
            [DataMember] public long SitesFailed = 0;
            [DataMember] public long Total = 0;
            [DataMember] public long NothingDue = 0;
            [DataMember] public long RotationDue = 0;
            [DataMember] public long NeedsAttention = 0;
        }

        [DataMember(Name = "Summary")] private Counts summary;
        [DataMember(Name = "value")] private SiteExpiryEntry[] apps;
        [DataMember(Name = "Sites")] private SiteReadResult[] sites;

        public long Sites { get { return summary == null ? 0 : summary.Sites; } }
        public long SitesFailed { get { return summary == null ? 0 : summary.SitesFailed; } }
        public long Total { get { return summary == null ? 0 : summary.Total; } }
        public long NothingDue { get { return summary == null ? 0 : summary.NothingDue; } }
        public long RotationDue { get { return summary == null ? 0 : summary.RotationDue; } }
        public long NeedsAttention { get { return summary == null ? 0 : summary.NeedsAttention; } }

        /// <summary>Each app's entry, site by site.</summary>
        public SiteExpiryEntry[] Apps
        {
            get { return apps ?? new SiteExpiryEntry[0]; }
        }

        /// <summary>Each site's outcome, in the order given.</summary>
        public SiteReadResult[] SiteResults
        {
            get { return sites ?? new SiteReadResult[0]; }
        }

        internal override string[] OpenMembers
        {
            get { return new[] { "Error" }; }
        }

        internal override void ReadOpenMembers(XElement element)
        {
            ReadItems(element, "Sites", sites, (site, item) => site.Error = Open(item, "Error"));
        }
    }

    /// <summary>A maintenance run (Invoke-CMAADSecretMaintenance): counts and each app's action.</summary>
    [DataContract]
    public class MaintenanceReport : CmaadObject
    {
        [DataMember(Name = "Summary")] private MaintenanceSummary summary;
        [DataMember(Name = "value")] private MaintenanceEntry[] apps;

        public long Total { get { return summary == null ? 0 : summary.Total; } }
        public long Verified { get { return summary == null ? 0 : summary.Verified; } }
        public long Rotated { get { return summary == null ? 0 : summary.Rotated; } }
        public long RotationDue { get { return summary == null ? 0 : summary.RotationDue; } }
        public long NeedsAttention { get { return summary == null ? 0 : summary.NeedsAttention; } }

        /// <summary>Each app's entry.</summary>
        public MaintenanceEntry[] Apps
        {
            get { return apps ?? new MaintenanceEntry[0]; }
        }

        internal override string[] OpenMembers
        {
            get { return new[] { "Error", "Rotation" }; }
        }

        internal override void ReadOpenMembers(XElement element)
        {
            ReadItems(element, "value", apps, (app, item) => app.ReadOpenMembers(item));
        }
    }

    /// <summary>A {"value": [...]} document.</summary>
    [DataContract]
    internal class ValueList<T> where T : CmaadObject
    {
        [DataMember(Name = "value")] internal T[] Items;

        /// <summary>Warnings about the whole answer (e.g. a ConfigMgr site reached with its certificate check off).</summary>
        [DataMember(Name = "Warnings", EmitDefaultValue = false)] internal string[] Warnings;
    }
}
