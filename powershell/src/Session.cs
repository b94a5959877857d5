// An open site session and a Microsoft Graph sign-in over the native handles, and the module's
// state: the current session, the settings it was opened with, and the current sign-in.

using System;
using System.Runtime.InteropServices;
using System.Security;
using System.Threading;
using System.Threading.Tasks;

namespace CMAAD.Interop
{
    /// <summary>
    /// What Connect-CMAADSite chose. Values left null take the library's defaults; settings a
    /// PowerShell user makes in the environment ($env:CMAAD_STORE, $env:CMAAD_SITE_KEY,
    /// HTTPS_PROXY/HTTP_PROXY/NO_PROXY) are read here, on the managed side, and passed explicitly.
    /// </summary>
    public sealed class SiteOptions
    {
        public string StorePath { get; set; }
        public AzureEnvironment? AzureEnvironment { get; set; }
        public string AuthorityHost { get; set; }
        public string GraphHost { get; set; }
        public string Proxy { get; set; }
        public int? TimeoutSeconds { get; set; }

        /// <summary>The ConfigMgr site's code; with ProviderMachineName, the site is read and written through its SMS Provider.</summary>
        public string SiteCode { get; set; }

        /// <summary>The SMS Provider's machine name (FQDN).</summary>
        public string ProviderMachineName { get; set; }

        /// <summary>The account for the SMS Provider (Kerberos); its password never enters the options text.</summary>
        public System.Management.Automation.PSCredential Credential { get; set; }

        /// <summary>A PEM bundle of extra trusted roots (SMS Issuing root, proxy CA).</summary>
        public string TrustedCaPath { get; set; }

        /// <summary>The provider certificate's SHA-256 thumbprint to pin.</summary>
        public string CertificateThumbprint { get; set; }

        /// <summary>True to skip the provider certificate check (a warning on every connection).</summary>
        public bool? SkipCertificateCheck { get; set; }

        /// <summary>True when a ConfigMgr site (not only the store) is chosen.</summary>
        internal bool HasSite
        {
            get { return !string.IsNullOrEmpty(SiteCode) && !string.IsNullOrEmpty(ProviderMachineName); }
        }

        /// <summary>These options with every value the other sets replacing this one's.</summary>
        public SiteOptions Merge(SiteOptions changes)
        {
            return new SiteOptions
            {
                StorePath = changes.StorePath ?? StorePath,
                AzureEnvironment = changes.AzureEnvironment ?? AzureEnvironment,
                AuthorityHost = changes.AuthorityHost ?? AuthorityHost,
                GraphHost = changes.GraphHost ?? GraphHost,
                Proxy = changes.Proxy ?? Proxy,
                TimeoutSeconds = changes.TimeoutSeconds ?? TimeoutSeconds,
                SiteCode = changes.SiteCode ?? SiteCode,
                ProviderMachineName = changes.ProviderMachineName ?? ProviderMachineName,
                Credential = changes.Credential ?? Credential,
                CertificateThumbprint = changes.CertificateThumbprint ?? CertificateThumbprint,
                TrustedCaPath = changes.TrustedCaPath ?? TrustedCaPath,
                SkipCertificateCheck = changes.SkipCertificateCheck ?? SkipCertificateCheck,
            };
        }

        /// <summary>The session options document, with the environment's settings made explicit.</summary>
        internal JsonRequest ToRequest()
        {
            var request = new JsonRequest();
            request.Set("StorePath", StorePath ?? Environment("CMAAD_STORE"));
            request.Set("AzureEnvironment", AzureEnvironment.HasValue ? AzureEnvironment.Value.ToString() : null);
            request.Set("AuthorityHost", AuthorityHost);
            request.Set("GraphHost", GraphHost);
            request.Set("Proxy", Proxy ?? Environment("HTTPS_PROXY") ?? Environment("https_proxy") ?? Environment("HTTP_PROXY") ?? Environment("http_proxy"));
            request.Set("NoProxy", Environment("NO_PROXY") ?? Environment("no_proxy"));
            request.Set("TimeoutSeconds", TimeoutSeconds);
            request.Set("TrustedCaPath", TrustedCaPath);
            request.Set("ProcessEnvironment", false);
            if (HasSite)
            {
                var site = new JsonRequest();
                site.Set("ProviderMachineName", ProviderMachineName);
                site.Set("SiteCode", SiteCode);
                site.Set("UserName", Credential != null ? Credential.UserName : null);
                site.Set("CertificateThumbprint", CertificateThumbprint);
                site.Set("SkipCertificateCheck", SkipCertificateCheck == true ? (object)true : null);
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
