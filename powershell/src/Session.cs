// An open site session and a Microsoft Graph sign-in over the native handles, and the module's
// state: the current session, the settings it was opened with, and the current sign-in.

using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Runtime.InteropServices;
using System.Security;
using System.Threading;
using System.Threading.Tasks;

namespace CMAAD.Interop
{
    /// <summary>Where a Connect-CMAADSite setting goes in the session options document.</summary>
    public enum SettingPlace
    {
        /// <summary>A top-level session option (the store, the cloud, the network).</summary>
        Session,

        /// <summary>A field of the "Site" option (the ConfigMgr site and how to reach its SMS Provider).</summary>
        Site,
    }

    /// <summary>
    /// One Connect-CMAADSite setting: the parameter's name, which is also the option's name in the
    /// session options document (src/wire/options.rs, src/wire/site.rs), and where it goes there.
    /// </summary>
    public sealed class Setting
    {
        internal Setting(string name, SettingPlace place, bool isPath = false)
        {
            Name = name;
            Place = place;
            IsPath = isPath;
        }

        /// <summary>The parameter and option name.</summary>
        public string Name { get; private set; }

        /// <summary>Where the option goes.</summary>
        public SettingPlace Place { get; private set; }

        /// <summary>True for a file path, resolved against the PowerShell location when given.</summary>
        public bool IsPath { get; private set; }
    }

    /// <summary>
    /// What Connect-CMAADSite chose: the values of the settings in <see cref="Settings"/>, by name.
    /// Settings not chosen take the library's defaults; settings a PowerShell user makes in the
    /// environment ($env:CMAAD_STORE, $env:CMAAD_SITE_KEY, HTTPS_PROXY/HTTP_PROXY/NO_PROXY) are read
    /// here, on the managed side, and passed explicitly. The one table drives the cmdlet's
    /// parameters, the merge of one Connect-CMAADSite into the last, and the options document.
    /// </summary>
    public sealed class SiteOptions
    {
        /// <summary>Every setting, in the order the options document lists them.</summary>
        public static readonly Setting[] Settings =
        {
            new Setting("StorePath", SettingPlace.Session, isPath: true),
            new Setting("AzureEnvironment", SettingPlace.Session),
            new Setting("AuthorityHost", SettingPlace.Session),
            new Setting("GraphHost", SettingPlace.Session),
            new Setting("Proxy", SettingPlace.Session),
            new Setting("TimeoutSeconds", SettingPlace.Session),
            new Setting("TrustedCaPath", SettingPlace.Session, isPath: true),
            new Setting("SiteCode", SettingPlace.Site),
            new Setting("ProviderMachineName", SettingPlace.Site),
            // The account's name goes as Site.UserName; its password never enters the options text.
            new Setting("Credential", SettingPlace.Site),
            new Setting("Authentication", SettingPlace.Site),
            new Setting("AllowNtlm", SettingPlace.Site),
            new Setting("KdcAddress", SettingPlace.Site),
            new Setting("CertificateThumbprint", SettingPlace.Site),
            new Setting("SkipCertificateCheck", SettingPlace.Site),
        };

        private readonly Dictionary<string, object> values = new Dictionary<string, object>(StringComparer.OrdinalIgnoreCase);

        /// <summary>A setting's value, or null when it was not chosen.</summary>
        public object this[string name]
        {
            get
            {
                object value;
                return values.TryGetValue(name, out value) ? value : null;
            }
        }

        /// <summary>Chooses a setting (a switch is kept as its bool; null un-chooses it).</summary>
        public SiteOptions Set(string name, object value)
        {
            if (Find(name) == null)
            {
                throw new ArgumentException("'" + name + "' is not a Connect-CMAADSite setting.", "name");
            }
            object plain = value is PSObject ? ((PSObject)value).BaseObject : value;
            if (plain is SwitchParameter)
            {
                plain = ((SwitchParameter)plain).IsPresent;
            }
            if (plain == null)
            {
                values.Remove(name);
            }
            else
            {
                values[name] = plain;
            }
            return this;
        }

        /// <summary>The setting named so, or null.</summary>
        public static Setting Find(string name)
        {
            return Array.Find(Settings, s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));
        }

        /// <summary>The account for the SMS Provider, or null.</summary>
        internal PSCredential Credential
        {
            get { return this["Credential"] as PSCredential; }
        }

        /// <summary>The store chosen with -StorePath, or null.</summary>
        internal string StorePath
        {
            get { return this["StorePath"] as string; }
        }

        /// <summary>True when a ConfigMgr site (not only the store) is chosen.</summary>
        internal bool HasSite
        {
            get { return !string.IsNullOrEmpty(this["SiteCode"] as string) && !string.IsNullOrEmpty(this["ProviderMachineName"] as string); }
        }

        /// <summary>These options with every value the other sets replacing this one's.</summary>
        public SiteOptions Merge(SiteOptions changes)
        {
            var merged = new SiteOptions();
            foreach (KeyValuePair<string, object> value in values)
            {
                merged.values[value.Key] = value.Value;
            }
            foreach (KeyValuePair<string, object> value in changes.values)
            {
                merged.values[value.Key] = value.Value;
            }
            return merged;
        }

        /// <summary>These options without the ConfigMgr site's settings: the local store only.</summary>
        public SiteOptions WithoutSite()
        {
            var kept = new SiteOptions();
            foreach (KeyValuePair<string, object> value in values)
            {
                if (Find(value.Key).Place != SettingPlace.Site)
                {
                    kept.values[value.Key] = value.Value;
                }
            }
            return kept;
        }

        /// <summary>
        /// The "Site" object of a call over several sites: these providers and site codes (one per
        /// provider, in order) with the account, KDC, authentication and certificate check chosen
        /// with Connect-CMAADSite (a certificate pin names one provider, so it is not carried over).
        /// </summary>
        internal JsonRequest SitesObject(string[] providers, string[] siteCodes)
        {
            var site = new JsonRequest().Set("ProviderMachineName", providers).Set("SiteCode", siteCodes);
            foreach (Setting setting in Settings)
            {
                object value = this[setting.Name];
                if (setting.Place != SettingPlace.Site || value == null ||
                    setting.Name == "ProviderMachineName" || setting.Name == "SiteCode" || setting.Name == "CertificateThumbprint")
                {
                    continue;
                }
                AddTo(site, setting, value);
            }
            return site;
        }

        /// <summary>Writes a setting into its part of the options document (a credential as its UserName only).</summary>
        private static void AddTo(JsonRequest target, Setting setting, object value)
        {
            if (value is PSCredential)
            {
                target.Set("UserName", ((PSCredential)value).UserName);
                return;
            }
            target.Set(setting.Name, value is Enum ? value.ToString() : value);
        }

        /// <summary>The session options document, with the environment's settings made explicit.</summary>
        internal JsonRequest ToRequest()
        {
            var request = new JsonRequest();
            var site = new JsonRequest();
            foreach (Setting setting in Settings)
            {
                AddTo(setting.Place == SettingPlace.Site ? site : request, setting, this[setting.Name]);
            }
            if (!request.Has("StorePath"))
            {
                request.Set("StorePath", Environment("CMAAD_STORE"));
            }
            if (!request.Has("Proxy"))
            {
                request.Set("Proxy", Environment("HTTPS_PROXY") ?? Environment("https_proxy") ?? Environment("HTTP_PROXY") ?? Environment("http_proxy"));
            }
            request.Set("NoProxy", Environment("NO_PROXY") ?? Environment("no_proxy"));
            request.Set("ProcessEnvironment", false);
            if (HasSite)
            {
                request.Set("Site", site);
            }
            return request;
        }

        private static string Environment(string name)
        {
            string value = System.Environment.GetEnvironmentVariable(name);
            return string.IsNullOrEmpty(value) ? null : value;
        }
    }

    /// <summary>An open site session. Thread-safe: one session serves every runspace of the process.</summary>
    public sealed class SiteSession : IDisposable
    {
        internal delegate CmaadStatus RequestCall(SessionHandle session, byte[] request, out IntPtr json);

        internal delegate CmaadStatus SignInCall(SessionHandle session, IntPtr signIn, byte[] request, out IntPtr json);

        internal delegate CmaadStatus SecretCall(SessionHandle session, byte[] request, IntPtr secret, UIntPtr secretLength, out IntPtr json);

        private readonly SessionHandle handle;

        private SiteSession(SessionHandle handle, Site site)
        {
            this.handle = handle;
            Site = site;
        }

        /// <summary>The session's description.</summary>
        public Site Site { get; private set; }

        /// <summary>True once closed.</summary>
        public bool IsClosed
        {
            get { return handle.IsClosed; }
        }

        /// <summary>The ABI this module was written against (CMAAD_ABI_VERSION).</summary>
        public const uint ExpectedAbiVersion = 1;

        /// <summary>Loads the library, checks its ABI and opens a session with these options.</summary>
        public static SiteSession Open(SiteOptions options)
        {
            NativeLibraryLoader.Load();
            uint abi = NativeMethods.cmaad_abi_version();
            if (abi != ExpectedAbiVersion)
            {
                throw new InvalidOperationException(string.Format(System.Globalization.CultureInfo.InvariantCulture,
                    "The CMAAD native library '{0}' implements ABI {1}, but this module needs ABI {2}: install the library that ships with this module version.",
                    NativeLibraryLoader.LoadedPath, abi, ExpectedAbiVersion));
            }
            byte[] request = options.ToRequest().ToNative();
            SessionHandle h = null;
            IntPtr json = IntPtr.Zero;
            IntPtr key = IntPtr.Zero;
            CmaadStatus status;
            string doc;
            string siteKey = System.Environment.GetEnvironmentVariable("CMAAD_SITE_KEY");
            try
            {
                // The site key crosses as UTF-16 units in unmanaged memory that is zeroed at once,
                // like a client secret; never inside the options text.
                if (!string.IsNullOrEmpty(siteKey))
                {
                    key = Marshal.StringToHGlobalUni(siteKey);
                }
                status = options.HasSite && options.Credential != null
                    ? OpenSite(request, options.Credential.Password, out h, out json)
                    : NativeMethods.cmaad_session_open_with_site_key(request, key, new UIntPtr(key == IntPtr.Zero ? 0u : (uint)siteKey.Length), out h, out json);
            }
            finally
            {
                if (key != IntPtr.Zero)
                {
                    Marshal.ZeroFreeGlobalAllocUnicode(key);
                }
                doc = TakeDocument(json);
            }
            if (status != CmaadStatus.Ok || h == null || h.IsInvalid)
            {
                if (h != null)
                {
                    h.SetHandleAsInvalid();
                }
                throw CmaadException.FromDocument(status == CmaadStatus.Ok ? CmaadStatus.Internal : status, doc, "cmaad_session_open");
            }
            return new SiteSession(h, JsonDocument.Read<Site>(doc));
        }

        /// <summary>
        /// Opens a session on a ConfigMgr site: the account's password crosses as UTF-16 units in
        /// unmanaged memory that is zeroed and freed at once, never inside the options text.
        /// </summary>
        private static CmaadStatus OpenSite(byte[] request, System.Security.SecureString password, out SessionHandle h, out IntPtr json)
        {
            IntPtr units = IntPtr.Zero;
            try
            {
                units = Marshal.SecureStringToGlobalAllocUnicode(password);
                return NativeMethods.cmaad_session_open_site(request, units, new UIntPtr((uint)password.Length), out h, out json);
            }
            finally
            {
                if (units != IntPtr.Zero)
                {
                    Marshal.ZeroFreeGlobalAllocUnicode(units);
                }
            }
        }

        /// <summary>The library's version (static text).</summary>
        public static string LibraryVersion
        {
            get
            {
                NativeLibraryLoader.Load();
                return Utf8.FromNative(NativeMethods.cmaad_version());
            }
        }

        internal string Call(string operation, RequestCall call, JsonRequest request)
        {
            byte[] bytes = request == null ? null : request.ToNative();
            IntPtr json = IntPtr.Zero;
            CmaadStatus status = CmaadStatus.Internal;
            string doc;
            try
            {
                status = call(handle, bytes, out json);
            }
            finally
            {
                doc = TakeDocument(json);
            }
            return Check(status, doc, operation);
        }

        internal string CallWithSecret(string operation, SecretCall call, JsonRequest request, SecureString secret)
        {
            byte[] bytes = request.ToNative();
            IntPtr units = IntPtr.Zero;
            IntPtr json = IntPtr.Zero;
            CmaadStatus status = CmaadStatus.Internal;
            string doc;
            try
            {
                units = Marshal.SecureStringToGlobalAllocUnicode(secret);
                status = call(handle, bytes, units, new UIntPtr((uint)secret.Length), out json);
            }
            finally
            {
                if (units != IntPtr.Zero)
                {
                    Marshal.ZeroFreeGlobalAllocUnicode(units);
                }
                doc = TakeDocument(json);
            }
            return Check(status, doc, operation);
        }

        internal string CallWithSignIn(string operation, SignInCall call, GraphSession signIn, JsonRequest request)
        {
            byte[] bytes = request.ToNative();
            IntPtr json = IntPtr.Zero;
            CmaadStatus status = CmaadStatus.Internal;
            string doc;
            bool added = false;
            try
            {
                IntPtr pointer = IntPtr.Zero;
                if (signIn != null)
                {
                    signIn.Handle.DangerousAddRef(ref added);
                    pointer = signIn.Handle.DangerousGetHandle();
                }
                status = call(handle, pointer, bytes, out json);
            }
            finally
            {
                doc = TakeDocument(json);
                if (added)
                {
                    signIn.Handle.DangerousRelease();
                }
            }
            return Check(status, doc, operation);
        }

        /// <summary>Device code sign-in, phase one: the handle and the code to show.</summary>
        internal GraphSession SignInBegin(JsonRequest request)
        {
            SignInHandle signIn = null;
            IntPtr json = IntPtr.Zero;
            CmaadStatus status = CmaadStatus.Internal;
            string doc;
            try
            {
                status = NativeMethods.cmaad_graph_signin_begin(handle, request.ToNative(), out signIn, out json);
            }
            finally
            {
                doc = TakeDocument(json);
            }
            return GraphSession.Take(status, signIn, doc, "cmaad_graph_signin_begin");
        }

        /// <summary>Device code sign-in, phase two, on a worker thread (the cmdlet waits in slices and can cancel).</summary>
        internal Task<string> SignInCompleteAsync(GraphSession signIn, JsonRequest request)
        {
            byte[] bytes = request.ToNative();
            return Task.Factory.StartNew(delegate
            {
                IntPtr json = IntPtr.Zero;
                CmaadStatus status = CmaadStatus.Internal;
                string doc;
                try
                {
                    status = NativeMethods.cmaad_graph_signin_complete(handle, signIn.Handle, bytes, out json);
                }
                finally
                {
                    doc = TakeDocument(json);
                }
                return Check(status, doc, "cmaad_graph_signin_complete");
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }

        /// <summary>Signs in as an automation app with its secret (zero-freed).</summary>
        internal GraphSession SignInClientCredentials(JsonRequest request, SecureString secret)
        {
            IntPtr units = IntPtr.Zero;
            SignInHandle signIn = null;
            IntPtr json = IntPtr.Zero;
            CmaadStatus status = CmaadStatus.Internal;
            string doc;
            try
            {
                units = Marshal.SecureStringToGlobalAllocUnicode(secret);
                status = NativeMethods.cmaad_graph_signin_client_credentials(handle, request.ToNative(), units, new UIntPtr((uint)secret.Length), out signIn, out json);
            }
            finally
            {
                if (units != IntPtr.Zero)
                {
                    Marshal.ZeroFreeGlobalAllocUnicode(units);
                }
                doc = TakeDocument(json);
            }
            return GraphSession.Take(status, signIn, doc, "cmaad_graph_signin_client_credentials");
        }

        /// <summary>Closes the session once no call is using it.</summary>
        public void Dispose()
        {
            handle.Dispose();
        }

        internal static string Check(CmaadStatus status, string doc, string operation)
        {
            if (status != CmaadStatus.Ok)
            {
                throw CmaadException.FromDocument(status, doc, operation);
            }
            if (doc == null)
            {
                throw CmaadException.FromDocument(CmaadStatus.Internal, null, operation);
            }
            return doc;
        }

        /// <summary>Reads and frees a returned document.</summary>
        internal static string TakeDocument(IntPtr json)
        {
            if (json == IntPtr.Zero)
            {
                return null;
            }
            try
            {
                return Utf8.FromNative(json);
            }
            finally
            {
                NativeMethods.cmaad_string_free(json);
            }
        }
    }

    /// <summary>A Microsoft Graph sign-in held by the library (its token never reaches PowerShell). Dispose wipes it.</summary>
    public sealed class GraphSession : IDisposable
    {
        private GraphSession(SignInHandle handle, string document)
        {
            Handle = handle;
            Document = document;
        }

        internal SignInHandle Handle { get; private set; }

        /// <summary>The sign-in document (device code: the code to show; afterwards the sign-in's description).</summary>
        internal string Document { get; private set; }

        /// <summary>Makes a pending device code wait return SignInCancelled.</summary>
        internal void Cancel()
        {
            NativeMethods.cmaad_graph_signin_cancel(Handle);
        }

        public void Dispose()
        {
            Handle.Dispose();
        }

        internal static GraphSession Take(CmaadStatus status, SignInHandle signIn, string doc, string operation)
        {
            if (status != CmaadStatus.Ok || signIn == null || signIn.IsInvalid)
            {
                if (signIn != null)
                {
                    signIn.SetHandleAsInvalid();
                }
                SiteSession.Check(status == CmaadStatus.Ok ? CmaadStatus.Internal : status, doc, operation);
            }
            return new GraphSession(signIn, doc);
        }
    }

    /// <summary>
    /// The module's state, shared by every runspace of the process (ForEach-Object -Parallel
    /// included): the current site session, the settings it was opened with, and the sign-in.
    /// </summary>
    public static class ModuleState
    {
        private static readonly object Gate = new object();
        private static SiteSession session;
        private static SiteOptions options = new SiteOptions();
        private static Exception failedConnect;
        private static GraphSession signIn;
        private static GraphSignIn signInInfo;

        /// <summary>The settings of the last successful Connect-CMAADSite (defaults before).</summary>
        public static SiteOptions Options
        {
            get { lock (Gate) { return options; } }
        }

        /// <summary>The current sign-in's description, or null.</summary>
        public static GraphSignIn SignInInfo
        {
            get { lock (Gate) { return signInInfo; } }
        }

        internal static GraphSession SignIn
        {
            get { lock (Gate) { return signIn; } }
        }

        /// <summary>$env:CMAAD_STORE when the current session was opened.</summary>
        private static string openedStoreVariable;

        private static string StoreVariable()
        {
            return System.Environment.GetEnvironmentVariable("CMAAD_STORE");
        }

        /// <summary>
        /// The current session, opened with the current settings on first use, and opened again when
        /// $env:CMAAD_STORE has changed and no -StorePath was given.
        /// </summary>
        internal static SiteSession Session()
        {
            lock (Gate)
            {
                if (failedConnect != null)
                {
                    throw new SiteNotConnectedException(failedConnect);
                }
                string storeVariable = StoreVariable();
                if (session != null && !session.IsClosed && options.StorePath == null &&
                    !string.Equals(openedStoreVariable, storeVariable, StringComparison.Ordinal))
                {
                    // $env:CMAAD_STORE changed since the session opened and no -StorePath overrides it:
                    // a script looping over stores by the variable must reach each one.
                    session.Dispose();
                    session = null;
                }
                if (session == null || session.IsClosed)
                {
                    session = SiteSession.Open(options);
                    openedStoreVariable = storeVariable;
                }
                return session;
            }
        }

        /// <summary>The current session if one is open, else null (for argument completion).</summary>
        internal static SiteSession OpenSessionOrNull()
        {
            lock (Gate)
            {
                return session != null && !session.IsClosed && failedConnect == null ? session : null;
            }
        }

        /// <summary>
        /// Connect-CMAADSite: opens a session with the current settings changed by these. On
        /// failure the previous session is closed too, and every cmdlet refuses to run until a
        /// Connect-CMAADSite succeeds: nothing acts on a site the caller meant to leave.
        /// </summary>
        internal static SiteSession Connect(SiteOptions changes)
        {
            lock (Gate)
            {
                SiteOptions merged = options.Merge(changes);
                string storeVariable = StoreVariable();
                SiteSession opened;
                try
                {
                    opened = SiteSession.Open(merged);
                }
                catch (Exception e)
                {
                    if (session != null)
                    {
                        session.Dispose();
                        session = null;
                    }
                    failedConnect = e;
                    throw;
                }
                if (session != null)
                {
                    session.Dispose();
                }
                session = opened;
                options = merged;
                openedStoreVariable = storeVariable;
                failedConnect = null;
                return opened;
            }
        }

        /// <summary>
        /// Disconnect-CMAADSite: forgets the ConfigMgr site's settings (the credential included),
        /// keeps the store and cloud settings, and closes the session; the next cmdlet opens the
        /// local store. Also ends the refusal that a failed Connect-CMAADSite leaves. Returns the
        /// site that was connected, or null.
        /// </summary>
        internal static ProviderSite Disconnect()
        {
            lock (Gate)
            {
                ProviderSite was = session != null && !session.IsClosed && failedConnect == null ? session.Site.ConfigMgrSite : null;
                if (session != null)
                {
                    session.Dispose();
                    session = null;
                }
                options = options.WithoutSite();
                failedConnect = null;
                return was;
            }
        }

        /// <summary>Makes a sign-in current, freeing (wiping) the previous one; null frees it.</summary>
        internal static void SetSignIn(GraphSession value, GraphSignIn info)
        {
            GraphSession previous;
            lock (Gate)
            {
                previous = signIn;
                signIn = value;
                signInInfo = info;
            }
            if (previous != null && !ReferenceEquals(previous, value))
            {
                previous.Dispose();
            }
        }

        /// <summary>Frees the sign-in and closes the session (module removal).</summary>
        public static void Reset()
        {
            SetSignIn(null, null);
            lock (Gate)
            {
                if (session != null)
                {
                    session.Dispose();
                    session = null;
                }
                options = new SiteOptions();
                failedConnect = null;
            }
        }
    }

    /// <summary>The last Connect-CMAADSite failed, so no site is connected.</summary>
    public class SiteNotConnectedException : InvalidOperationException
    {
        internal SiteNotConnectedException(Exception cause)
            : base("No site is connected: the last Connect-CMAADSite failed (" + cause.Message + "). Run Connect-CMAADSite again with settings that work; " +
                "CMAAD does not fall back to the site that was connected before.", cause)
        {
        }
    }
}
