// CMAAD interop: P/Invoke declarations for include/cmaad.h and safe wrappers over them.
//
// Compiled at module import by Add-Type (Windows PowerShell 5.1: C# 5 through CodeDom on
// .NET Framework 4.x; PowerShell 7: Roslyn on .NET) and by mono's mcs -langversion:5 in the
// tests. Rules that keep it portable:
//   - C# 5 only, .NET Framework 4.x APIs only (no PtrToStringUTF8, NativeLibrary, LibraryImport,
//     StringToCoTaskMemUTF8, UnmanagedType.LPUTF8Str).
//   - UTF-8 goes in as NUL-terminated byte arrays and comes out through a manual length scan;
//     every returned document is freed with cmaad_string_free in a finally block.
//   - The library path is baked in at compile time: the module replaces the placeholder below
//     with the absolute path of bin/<rid>/<library> for the running OS and architecture.
//   - No reference to System.Management.Automation: PowerShell-specific glue lives elsewhere.
//
// Adding a native function: one [DllImport] line in NativeMethods and one wrapper method in
// CmaadSession that calls Call(...) with it.

using System;
using System.Collections.Generic;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security;
using System.Text;

namespace CMAAD
{
    /// <summary>The clouds an app or service lives in (ConfigMgr's AzureEnvironment).</summary>
    public enum AzureEnvironment
    {
        AzurePublicCloud = 0,
        AzureUSGovernmentCloud = 1,
        AzureChinaCloud = 2,
        AzureGermanCloud = 3
    }

    /// <summary>The kind of an app registration (ConfigMgr's CloudApplicationType).</summary>
    public enum CloudApplicationType
    {
        ServerApplication = 0,
        ClientApplication = 1
    }
}

namespace CMAAD.Interop
{
    /// <summary>cmaad_status: the outcome of every native call.</summary>
    public enum CmaadStatus : uint
    {
        Ok = 0,
        InvalidArgument = 1,
        NotFound = 2,
        AlreadyExists = 3,
        VerificationFailed = 4,
        Network = 5,
        Store = 6,
        Internal = 7
    }

    /// <summary>The session handle: closed exactly once, never while a call is using it.</summary>
    public sealed class CmaadSessionHandle : SafeHandle
    {
        public CmaadSessionHandle() : base(IntPtr.Zero, true) { }

        public override bool IsInvalid
        {
            get { return handle == IntPtr.Zero; }
        }

        protected override bool ReleaseHandle()
        {
            NativeMethods.cmaad_session_close(handle);
            return true;
        }
    }

    /// <summary>A Microsoft Graph sign-in handle: freed (token and secret wiped) exactly once.</summary>
    public sealed class CmaadGraphSignInHandle : SafeHandle
    {
        public CmaadGraphSignInHandle() : base(IntPtr.Zero, true) { }

        public override bool IsInvalid
        {
            get { return handle == IntPtr.Zero; }
        }

        protected override bool ReleaseHandle()
        {
            NativeMethods.cmaad_graph_signin_free(handle);
            return true;
        }
    }

    internal static class NativeMethods
    {
        // Replaced by the module (and the tests) with the absolute path of the native library.
        internal const string Library = @"__CMAAD_LIBRARY_PATH__";

        [DllImport(Library, EntryPoint = "cmaad_abi_version", CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint cmaad_abi_version();

        [DllImport(Library, EntryPoint = "cmaad_version", CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr cmaad_version();

        [DllImport(Library, EntryPoint = "cmaad_session_open", CallingConvention = CallingConvention.Cdecl)]
        internal static extern CmaadStatus cmaad_session_open(byte[] options_json, out CmaadSessionHandle out_session, out IntPtr out_json);

        [DllImport(Library, EntryPoint = "cmaad_session_close", CallingConvention = CallingConvention.Cdecl)]
        internal static extern void cmaad_session_close(IntPtr session);

        [DllImport(Library, EntryPoint = "cmaad_import_server_app", CallingConvention = CallingConvention.Cdecl)]
        internal static extern CmaadStatus cmaad_import_server_app(CmaadSessionHandle session, byte[] request_json, IntPtr secret_utf16, UIntPtr secret_len, out IntPtr out_json);

        [DllImport(Library, EntryPoint = "cmaad_import_client_app", CallingConvention = CallingConvention.Cdecl)]
        internal static extern CmaadStatus cmaad_import_client_app(CmaadSessionHandle session, byte[] request_json, out IntPtr out_json);

        [DllImport(Library, EntryPoint = "cmaad_get_apps", CallingConvention = CallingConvention.Cdecl)]
        internal static extern CmaadStatus cmaad_get_apps(CmaadSessionHandle session, byte[] filter_json, out IntPtr out_json);

        [DllImport(Library, EntryPoint = "cmaad_new_cloud_management_service", CallingConvention = CallingConvention.Cdecl)]
        internal static extern CmaadStatus cmaad_new_cloud_management_service(CmaadSessionHandle session, byte[] request_json, out IntPtr out_json);

        [DllImport(Library, EntryPoint = "cmaad_set_app_secret", CallingConvention = CallingConvention.Cdecl)]
        internal static extern CmaadStatus cmaad_set_app_secret(CmaadSessionHandle session, byte[] request_json, IntPtr secret_utf16, UIntPtr secret_len, out IntPtr out_json);

        [DllImport(Library, EntryPoint = "cmaad_set_app", CallingConvention = CallingConvention.Cdecl)]
        internal static extern CmaadStatus cmaad_set_app(CmaadSessionHandle session, byte[] request_json, out IntPtr out_json);

        [DllImport(Library, EntryPoint = "cmaad_remove_app", CallingConvention = CallingConvention.Cdecl)]
        internal static extern CmaadStatus cmaad_remove_app(CmaadSessionHandle session, byte[] request_json, out IntPtr out_json);

        [DllImport(Library, EntryPoint = "cmaad_verify_apps", CallingConvention = CallingConvention.Cdecl)]
        internal static extern CmaadStatus cmaad_verify_apps(CmaadSessionHandle session, byte[] request_json, out IntPtr out_json);

        [DllImport(Library, EntryPoint = "cmaad_rotate_app_secret", CallingConvention = CallingConvention.Cdecl)]
        internal static extern CmaadStatus cmaad_rotate_app_secret(CmaadSessionHandle session, byte[] request_json, out IntPtr out_json);

        [DllImport(Library, EntryPoint = "cmaad_get_services", CallingConvention = CallingConvention.Cdecl)]
        internal static extern CmaadStatus cmaad_get_services(CmaadSessionHandle session, byte[] request_json, out IntPtr out_json);

        [DllImport(Library, EntryPoint = "cmaad_set_cloud_management_service", CallingConvention = CallingConvention.Cdecl)]
        internal static extern CmaadStatus cmaad_set_cloud_management_service(CmaadSessionHandle session, byte[] request_json, out IntPtr out_json);

        [DllImport(Library, EntryPoint = "cmaad_remove_service", CallingConvention = CallingConvention.Cdecl)]
        internal static extern CmaadStatus cmaad_remove_service(CmaadSessionHandle session, byte[] request_json, out IntPtr out_json);

        [DllImport(Library, EntryPoint = "cmaad_get_tenants", CallingConvention = CallingConvention.Cdecl)]
        internal static extern CmaadStatus cmaad_get_tenants(CmaadSessionHandle session, byte[] request_json, out IntPtr out_json);

        [DllImport(Library, EntryPoint = "cmaad_set_tenant", CallingConvention = CallingConvention.Cdecl)]
        internal static extern CmaadStatus cmaad_set_tenant(CmaadSessionHandle session, byte[] request_json, out IntPtr out_json);

        [DllImport(Library, EntryPoint = "cmaad_graph_signin_begin", CallingConvention = CallingConvention.Cdecl)]
        internal static extern CmaadStatus cmaad_graph_signin_begin(CmaadSessionHandle session, byte[] request_json, out CmaadGraphSignInHandle out_signin, out IntPtr out_json);

        [DllImport(Library, EntryPoint = "cmaad_graph_signin_complete", CallingConvention = CallingConvention.Cdecl)]
        internal static extern CmaadStatus cmaad_graph_signin_complete(CmaadSessionHandle session, CmaadGraphSignInHandle signin, byte[] request_json, out IntPtr out_json);

        [DllImport(Library, EntryPoint = "cmaad_graph_signin_cancel", CallingConvention = CallingConvention.Cdecl)]
        internal static extern void cmaad_graph_signin_cancel(CmaadGraphSignInHandle signin);

        [DllImport(Library, EntryPoint = "cmaad_graph_signin_client_credentials", CallingConvention = CallingConvention.Cdecl)]
        internal static extern CmaadStatus cmaad_graph_signin_client_credentials(CmaadSessionHandle session, byte[] request_json, IntPtr secret_utf16, UIntPtr secret_len, out CmaadGraphSignInHandle out_signin, out IntPtr out_json);

        [DllImport(Library, EntryPoint = "cmaad_graph_signin_free", CallingConvention = CallingConvention.Cdecl)]
        internal static extern void cmaad_graph_signin_free(IntPtr signin);

        [DllImport(Library, EntryPoint = "cmaad_new_server_app", CallingConvention = CallingConvention.Cdecl)]
        internal static extern CmaadStatus cmaad_new_server_app(CmaadSessionHandle session, IntPtr signin, byte[] request_json, out IntPtr out_json);

        [DllImport(Library, EntryPoint = "cmaad_new_client_app", CallingConvention = CallingConvention.Cdecl)]
        internal static extern CmaadStatus cmaad_new_client_app(CmaadSessionHandle session, IntPtr signin, byte[] request_json, out IntPtr out_json);

        [DllImport(Library, EntryPoint = "cmaad_update_server_app", CallingConvention = CallingConvention.Cdecl)]
        internal static extern CmaadStatus cmaad_update_server_app(CmaadSessionHandle session, IntPtr signin, byte[] request_json, out IntPtr out_json);

        [DllImport(Library, EntryPoint = "cmaad_audit_app", CallingConvention = CallingConvention.Cdecl)]
        internal static extern CmaadStatus cmaad_audit_app(CmaadSessionHandle session, IntPtr signin, byte[] request_json, out IntPtr out_json);

        [DllImport(Library, EntryPoint = "cmaad_maintain_secrets", CallingConvention = CallingConvention.Cdecl)]
        internal static extern CmaadStatus cmaad_maintain_secrets(CmaadSessionHandle session, byte[] request_json, out IntPtr out_json);

        [DllImport(Library, EntryPoint = "cmaad_string_free", CallingConvention = CallingConvention.Cdecl)]
        internal static extern void cmaad_string_free(IntPtr s);
    }

    /// <summary>UTF-8 conversions done by hand (works on .NET Framework 4.x and .NET).</summary>
    public static class Utf8
    {
        /// <summary>The string as NUL-terminated UTF-8 bytes; null stays null (a NULL pointer).</summary>
        public static byte[] ToNative(string text)
        {
            if (text == null)
            {
                return null;
            }
            var encoding = new UTF8Encoding(false, true);
            int count = encoding.GetByteCount(text);
            var bytes = new byte[count + 1];
            encoding.GetBytes(text, 0, text.Length, bytes, 0);
            bytes[count] = 0;
            return bytes;
        }

        /// <summary>Reads a NUL-terminated UTF-8 string; does not free it.</summary>
        public static string FromNative(IntPtr p)
        {
            if (p == IntPtr.Zero)
            {
                return null;
            }
            int length = 0;
            while (Marshal.ReadByte(p, length) != 0)
            {
                length++;
            }
            var bytes = new byte[length];
            Marshal.Copy(p, bytes, 0, length);
            return Encoding.UTF8.GetString(bytes);
        }
    }

    /// <summary>A failure reported by the native library: the error document, typed.</summary>
    public class CmaadException : Exception
    {
        private readonly CmaadStatus status;
        private readonly string code;
        private readonly string target;
        private readonly long[] entraErrorCodes;
        private readonly string correlationId;
        private readonly long? existingId;
        private readonly string operation;
        private readonly string document;
        private readonly object details;

        public CmaadException(CmaadStatus status, string code, string message, string target,
            long[] entraErrorCodes, string correlationId, long? existingId, object details,
            string operation, string document)
            : base(message)
        {
            this.status = status;
            this.code = string.IsNullOrEmpty(code) ? status.ToString() : code;
            this.target = target;
            this.entraErrorCodes = entraErrorCodes ?? new long[0];
            this.correlationId = correlationId;
            this.existingId = existingId;
            this.details = details;
            this.operation = operation;
            this.document = document;
        }

        /// <summary>The status the call returned.</summary>
        public CmaadStatus Status { get { return status; } }

        /// <summary>The stable error code, e.g. InvalidClientId.</summary>
        public string Code { get { return code; } }

        /// <summary>The request field the error concerns, or null.</summary>
        public string Target { get { return target; } }

        /// <summary>AADSTS codes Microsoft Entra ID answered with.</summary>
        public long[] EntraErrorCodes { get { return (long[])entraErrorCodes.Clone(); } }

        /// <summary>Entra's correlation ID, for a support case.</summary>
        public string CorrelationId { get { return correlationId; } }

        /// <summary>The existing object's ID (AlreadyExists).</summary>
        public long? ExistingId { get { return existingId; } }

        /// <summary>Structured detail (e.g. verification checks), parsed; null when absent.</summary>
        public object Details { get { return details; } }

        /// <summary>The native function that failed.</summary>
        public string Operation { get { return operation; } }

        /// <summary>The whole error document as the library wrote it.</summary>
        public string ErrorDocument { get { return document; } }

        /// <summary>The FullyQualifiedErrorId stem PowerShell uses: CMAAD.&lt;Code&gt;.</summary>
        public string ErrorId { get { return "CMAAD." + code; } }

        /// <summary>The name of the System.Management.Automation.ErrorCategory for this error.</summary>
        public string ErrorCategoryName
        {
            get { return CategoryFor(status, operation); }
        }

        /// <summary>ErrorCategory name for a status; store failures are read or write errors by operation.</summary>
        public static string CategoryFor(CmaadStatus status, string operation)
        {
            switch (status)
            {
                case CmaadStatus.InvalidArgument: return "InvalidArgument";
                case CmaadStatus.NotFound: return "ObjectNotFound";
                case CmaadStatus.AlreadyExists: return "ResourceExists";
                case CmaadStatus.VerificationFailed: return "AuthenticationError";
                case CmaadStatus.Network: return "ConnectionError";
                case CmaadStatus.Store: return IsReadOperation(operation) ? "ReadError" : "WriteError";
                default: return "NotSpecified";
            }
        }

        private static bool IsReadOperation(string operation)
        {
            return operation == "cmaad_session_open" || (operation != null && operation.StartsWith("cmaad_get_", StringComparison.Ordinal));
        }

        /// <summary>Builds the typed exception for a status and its error document.</summary>
        public static CmaadException FromDocument(CmaadStatus status, string document, string operation)
        {
            string code = null, target = null, message = null, correlationId = null;
            long? existingId = null;
            object details = null;
            var entra = new List<long>();
            Dictionary<string, object> error = null;
            try
            {
                var root = Json.Parse(document) as Dictionary<string, object>;
                object value;
                if (root != null && root.TryGetValue("Error", out value))
                {
                    error = value as Dictionary<string, object>;
                }
            }
            catch (FormatException)
            {
                error = null;
            }
            if (error != null)
            {
                code = Json.GetString(error, "Code");
                target = Json.GetString(error, "Target");
                message = Json.GetString(error, "Message");
                correlationId = Json.GetString(error, "CorrelationId");
                object value;
                if (error.TryGetValue("ID", out value) && value is long)
                {
                    existingId = (long)value;
                }
                if (error.TryGetValue("EntraErrorCodes", out value) && value is List<object>)
                {
                    foreach (object item in (List<object>)value)
                    {
                        if (item is long)
                        {
                            entra.Add((long)item);
                        }
                    }
                }
                error.TryGetValue("Details", out details);
            }
            if (string.IsNullOrEmpty(message))
            {
                message = string.Format(CultureInfo.InvariantCulture,
                    "{0} failed with status {1} ({2}) and no readable error document.",
                    operation, (uint)status, status);
            }
            var args = new object[] { status, code, message, target, entra.ToArray(), correlationId, existingId, details, operation, document };
            switch (status)
            {
                case CmaadStatus.InvalidArgument: return new CmaadInvalidArgumentException(args);
                case CmaadStatus.NotFound: return new CmaadNotFoundException(args);
                case CmaadStatus.AlreadyExists: return new CmaadAlreadyExistsException(args);
                case CmaadStatus.VerificationFailed: return new CmaadVerificationFailedException(args);
                case CmaadStatus.Network: return new CmaadNetworkException(args);
                case CmaadStatus.Store: return new CmaadStoreException(args);
                default: return new CmaadInternalException(args);
            }
        }

        internal CmaadException(object[] a)
            : this((CmaadStatus)a[0], (string)a[1], (string)a[2], (string)a[3], (long[])a[4],
                   (string)a[5], (long?)a[6], a[7], (string)a[8], (string)a[9])
        {
        }
    }

    /// <summary>CMAAD_INVALID_ARGUMENT: bad input; the message names the field and the fix.</summary>
    public class CmaadInvalidArgumentException : CmaadException
    {
        internal CmaadInvalidArgumentException(object[] a) : base(a) { }
    }

    /// <summary>CMAAD_NOT_FOUND: a referenced app, tenant or service does not exist.</summary>
    public class CmaadNotFoundException : CmaadException
    {
        internal CmaadNotFoundException(object[] a) : base(a) { }
    }

    /// <summary>CMAAD_ALREADY_EXISTS: the object exists; ExistingId carries its ID.</summary>
    public class CmaadAlreadyExistsException : CmaadException
    {
        internal CmaadAlreadyExistsException(object[] a) : base(a) { }
    }

    /// <summary>CMAAD_VERIFICATION_FAILED: Microsoft Entra ID refused the app or tenant.</summary>
    public class CmaadVerificationFailedException : CmaadException
    {
        internal CmaadVerificationFailedException(object[] a) : base(a) { }
    }

    /// <summary>CMAAD_NETWORK: Entra or Graph could not be reached.</summary>
    public class CmaadNetworkException : CmaadException
    {
        internal CmaadNetworkException(object[] a) : base(a) { }
    }

    /// <summary>CMAAD_STORE: the site store failed.</summary>
    public class CmaadStoreException : CmaadException
    {
        internal CmaadStoreException(object[] a) : base(a) { }
    }

    /// <summary>CMAAD_INTERNAL (or an unknown status): a bug; the host process survives.</summary>
    public class CmaadInternalException : CmaadException
    {
        internal CmaadInternalException(object[] a) : base(a) { }
    }

    /// <summary>Library-wide facts: path, versions, and the load check.</summary>
    public static class CmaadLibrary
    {
        /// <summary>The ABI this interop was written against (CMAAD_ABI_VERSION).</summary>
        public const uint ExpectedAbiVersion = 1;

        /// <summary>The absolute path baked into the DllImport declarations.</summary>
        public static string Path
        {
            get { return NativeMethods.Library; }
        }

        /// <summary>cmaad_abi_version().</summary>
        public static uint AbiVersion
        {
            get { return NativeMethods.cmaad_abi_version(); }
        }

        /// <summary>cmaad_version(): static, never freed.</summary>
        public static string Version
        {
            get { return Utf8.FromNative(NativeMethods.cmaad_version()); }
        }

        /// <summary>Loads the library and checks its ABI; throws a message naming the file otherwise.</summary>
        public static void EnsureLoaded()
        {
            uint abi;
            try
            {
                abi = NativeMethods.cmaad_abi_version();
            }
            catch (DllNotFoundException e)
            {
                throw new DllNotFoundException("The CMAAD native library could not be loaded from '" + Path + "': " +
                    "check that the file exists, matches this process's OS and architecture, and that its dependencies are present.", e);
            }
            catch (BadImageFormatException e)
            {
                throw new BadImageFormatException("The CMAAD native library '" + Path + "' is not built for this process's architecture (" +
                    (IntPtr.Size * 8).ToString(CultureInfo.InvariantCulture) + "-bit).", e);
            }
            catch (EntryPointNotFoundException e)
            {
                throw new EntryPointNotFoundException("'" + Path + "' is not a CMAAD library (cmaad_abi_version is missing).", e);
            }
            if (abi != ExpectedAbiVersion)
            {
                throw new InvalidOperationException(string.Format(CultureInfo.InvariantCulture,
                    "The CMAAD native library '{0}' implements ABI {1}, but this module needs ABI {2}: install the library that ships with this module version.",
                    Path, abi, ExpectedAbiVersion));
            }
        }
    }

    /// <summary>An open site session. Thread-safe: one session may serve many runspaces at once.</summary>
    public sealed class CmaadSession : IDisposable
    {
        private delegate CmaadStatus RequestCall(CmaadSessionHandle session, byte[] request, out IntPtr json);

        private delegate CmaadStatus SignInCall(CmaadSessionHandle session, IntPtr signIn, byte[] request, out IntPtr json);

        private delegate CmaadStatus SecretCall(CmaadSessionHandle session, byte[] request, IntPtr secret, UIntPtr secretLength, out IntPtr json);

        private readonly CmaadSessionHandle handle;
        private readonly string document;

        private CmaadSession(CmaadSessionHandle handle, string document)
        {
            this.handle = handle;
            this.document = document;
        }

        /// <summary>The session document (StorePath, AzureEnvironment, AuthorityHost, GraphHost, ...).</summary>
        public string Document { get { return document; } }

        /// <summary>True once the session has been closed.</summary>
        public bool IsClosed { get { return handle.IsClosed; } }

        /// <summary>Opens a session; optionsJson may be null (every default).</summary>
        public static CmaadSession Open(string optionsJson)
        {
            CmaadLibrary.EnsureLoaded();
            byte[] options = Utf8.ToNative(optionsJson);
            CmaadSessionHandle h = null;
            IntPtr json = IntPtr.Zero;
            CmaadStatus status;
            string doc;
            try
            {
                status = NativeMethods.cmaad_session_open(options, out h, out json);
            }
            finally
            {
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
            return new CmaadSession(h, doc);
        }

        /// <summary>Import-CMAADServerApplication. The secret crosses as UTF-16 units and is zero-freed.</summary>
        public string ImportServerApp(string requestJson, SecureString secretKey)
        {
            return CallWithSecret("cmaad_import_server_app", NativeMethods.cmaad_import_server_app, requestJson, secretKey);
        }

        /// <summary>Stores a renewed portal secret for a server app. The secret is zero-freed.</summary>
        public string SetAppSecret(string requestJson, SecureString secretKey)
        {
            return CallWithSecret("cmaad_set_app_secret", NativeMethods.cmaad_set_app_secret, requestJson, secretKey);
        }

        /// <summary>Import-CMAADClientApplication.</summary>
        public string ImportClientApp(string requestJson)
        {
            return Call("cmaad_import_client_app", NativeMethods.cmaad_import_client_app, requestJson);
        }

        /// <summary>Get-CMAADApplication: {"value":[...]}; filterJson may be null.</summary>
        public string GetApps(string filterJson)
        {
            return Call("cmaad_get_apps", NativeMethods.cmaad_get_apps, filterJson);
        }

        /// <summary>New-CMCloudManagementAzureService.</summary>
        public string NewCloudManagementService(string requestJson)
        {
            return Call("cmaad_new_cloud_management_service", NativeMethods.cmaad_new_cloud_management_service, requestJson);
        }

        /// <summary>Changes an app's stored settings.</summary>
        public string SetApp(string requestJson)
        {
            return Call("cmaad_set_app", NativeMethods.cmaad_set_app, requestJson);
        }

        /// <summary>Removes an app from the site (refused while a service uses it).</summary>
        public string RemoveApp(string requestJson)
        {
            return Call("cmaad_remove_app", NativeMethods.cmaad_remove_app, requestJson);
        }

        /// <summary>Re-verifies stored apps against Microsoft Entra ID; filterJson may be null.</summary>
        public string VerifyApps(string filterJson)
        {
            return Call("cmaad_verify_apps", NativeMethods.cmaad_verify_apps, filterJson);
        }

        /// <summary>Rotates a server app's secret through Microsoft Graph.</summary>
        public string RotateAppSecret(string requestJson)
        {
            return Call("cmaad_rotate_app_secret", NativeMethods.cmaad_rotate_app_secret, requestJson);
        }

        /// <summary>Lists cloud management services as {"value":[...]}; filterJson may be null.</summary>
        public string GetServices(string filterJson)
        {
            return Call("cmaad_get_services", NativeMethods.cmaad_get_services, filterJson);
        }

        /// <summary>Changes a cloud management service.</summary>
        public string SetCloudManagementService(string requestJson)
        {
            return Call("cmaad_set_cloud_management_service", NativeMethods.cmaad_set_cloud_management_service, requestJson);
        }

        /// <summary>Removes a cloud management service.</summary>
        public string RemoveService(string requestJson)
        {
            return Call("cmaad_remove_service", NativeMethods.cmaad_remove_service, requestJson);
        }

        /// <summary>Lists tenants as {"value":[...]}; filterJson may be null.</summary>
        public string GetTenants(string filterJson)
        {
            return Call("cmaad_get_tenants", NativeMethods.cmaad_get_tenants, filterJson);
        }

        /// <summary>Changes a tenant (label, DisableAADAuthentication).</summary>
        public string SetTenant(string requestJson)
        {
            return Call("cmaad_set_tenant", NativeMethods.cmaad_set_tenant, requestJson);
        }

        /// <summary>Scheduled secret maintenance: verify every app, rotate secrets that expire soon; requestJson may be null.</summary>
        public string MaintainSecrets(string requestJson)
        {
            return Call("cmaad_maintain_secrets", NativeMethods.cmaad_maintain_secrets, requestJson);
        }

        /// <summary>Device code sign-in to Microsoft Graph, phase one: Document holds the Message to show.</summary>
        public CmaadGraphSignIn GraphSignInBegin(string requestJson)
        {
            byte[] request = Utf8.ToNative(requestJson);
            CmaadGraphSignInHandle signIn = null;
            IntPtr json = IntPtr.Zero;
            CmaadStatus status = CmaadStatus.Internal;
            string doc = null;
            try
            {
                status = NativeMethods.cmaad_graph_signin_begin(handle, request, out signIn, out json);
            }
            finally
            {
                doc = TakeDocument(json);
            }
            return CmaadGraphSignIn.Take(status, signIn, doc, "cmaad_graph_signin_begin");
        }

        /// <summary>Device code sign-in, phase two: blocks until signed in, declined, expired, timed out or cancelled.</summary>
        public string GraphSignInComplete(CmaadGraphSignIn signIn, string requestJson)
        {
            if (signIn == null)
            {
                throw new ArgumentNullException("signIn");
            }
            byte[] request = Utf8.ToNative(requestJson);
            IntPtr json = IntPtr.Zero;
            CmaadStatus status = CmaadStatus.Internal;
            string doc = null;
            try
            {
                status = NativeMethods.cmaad_graph_signin_complete(handle, signIn.Handle, request, out json);
            }
            finally
            {
                doc = TakeDocument(json);
            }
            return Check(status, doc, "cmaad_graph_signin_complete");
        }

        /// <summary>
        /// Runs GraphSignInComplete on a worker thread. The caller waits in short slices (so
        /// PowerShell can react to Ctrl+C between them), calls signIn.Cancel() when it stops
        /// early, and waits for the task before disposing the sign-in. The task's result is the
        /// sign-in document; its exception is the CmaadException of the call.
        /// </summary>
        public System.Threading.Tasks.Task<string> StartGraphSignInComplete(CmaadGraphSignIn signIn, string requestJson)
        {
            if (signIn == null)
            {
                throw new ArgumentNullException("signIn");
            }
            return System.Threading.Tasks.Task.Factory.StartNew(
                delegate { return GraphSignInComplete(signIn, requestJson); },
                System.Threading.CancellationToken.None,
                System.Threading.Tasks.TaskCreationOptions.LongRunning,
                System.Threading.Tasks.TaskScheduler.Default);
        }

        /// <summary>The result of a finished StartGraphSignInComplete task, or its CmaadException unwrapped.</summary>
        public static string TakeSignInResult(System.Threading.Tasks.Task<string> task)
        {
            if (task == null)
            {
                throw new ArgumentNullException("task");
            }
            try
            {
                return task.Result;
            }
            catch (AggregateException e)
            {
                // Rethrow the call's own exception (typed, with its stack), not the wrapper.
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.GetBaseException()).Throw();
                throw;
            }
        }

        /// <summary>Signs in to Microsoft Graph as an automation app with its secret (zero-freed).</summary>
        public CmaadGraphSignIn GraphSignInClientCredentials(string requestJson, SecureString secretKey)
        {
            if (secretKey == null)
            {
                throw new ArgumentNullException("secretKey");
            }
            byte[] request = Utf8.ToNative(requestJson);
            IntPtr secret = IntPtr.Zero;
            CmaadGraphSignInHandle signIn = null;
            IntPtr json = IntPtr.Zero;
            CmaadStatus status = CmaadStatus.Internal;
            string doc = null;
            try
            {
                secret = Marshal.SecureStringToGlobalAllocUnicode(secretKey);
                status = NativeMethods.cmaad_graph_signin_client_credentials(handle, request, secret, new UIntPtr((uint)secretKey.Length), out signIn, out json);
            }
            finally
            {
                if (secret != IntPtr.Zero)
                {
                    Marshal.ZeroFreeGlobalAllocUnicode(secret);
                }
                doc = TakeDocument(json);
            }
            return CmaadGraphSignIn.Take(status, signIn, doc, "cmaad_graph_signin_client_credentials");
        }

        /// <summary>Creates and imports the server app registration; signIn may be null with WhatIf.</summary>
        public string NewServerApp(CmaadGraphSignIn signIn, string requestJson)
        {
            return CallWithSignIn("cmaad_new_server_app", NativeMethods.cmaad_new_server_app, signIn, requestJson);
        }

        /// <summary>Creates and imports the client app registration of a stored server app; signIn may be null with WhatIf.</summary>
        public string NewClientApp(CmaadGraphSignIn signIn, string requestJson)
        {
            return CallWithSignIn("cmaad_new_client_app", NativeMethods.cmaad_new_client_app, signIn, requestJson);
        }

        /// <summary>Adds the http://localhost redirect URI to the tenant's server apps; signIn may be null with WhatIf.</summary>
        public string UpdateServerApp(CmaadGraphSignIn signIn, string requestJson)
        {
            return CallWithSignIn("cmaad_update_server_app", NativeMethods.cmaad_update_server_app, signIn, requestJson);
        }

        /// <summary>Checks a registration against the requirements for its kind.</summary>
        public string AuditApp(CmaadGraphSignIn signIn, string requestJson)
        {
            return CallWithSignIn("cmaad_audit_app", NativeMethods.cmaad_audit_app, signIn, requestJson);
        }

        /// <summary>Closes the session once no call is using it.</summary>
        public void Dispose()
        {
            handle.Dispose();
        }

        private string Call(string operation, RequestCall call, string requestJson)
        {
            byte[] request = Utf8.ToNative(requestJson);
            IntPtr json = IntPtr.Zero;
            CmaadStatus status = CmaadStatus.Internal;
            string doc = null;
            try
            {
                status = call(handle, request, out json);
            }
            finally
            {
                doc = TakeDocument(json);
            }
            return Check(status, doc, operation);
        }

        private string CallWithSecret(string operation, SecretCall call, string requestJson, SecureString secretKey)
        {
            if (secretKey == null)
            {
                throw new ArgumentNullException("secretKey");
            }
            byte[] request = Utf8.ToNative(requestJson);
            IntPtr secret = IntPtr.Zero;
            IntPtr json = IntPtr.Zero;
            CmaadStatus status = CmaadStatus.Internal;
            string doc = null;
            try
            {
                secret = Marshal.SecureStringToGlobalAllocUnicode(secretKey);
                status = call(handle, request, secret, new UIntPtr((uint)secretKey.Length), out json);
            }
            finally
            {
                if (secret != IntPtr.Zero)
                {
                    Marshal.ZeroFreeGlobalAllocUnicode(secret);
                }
                doc = TakeDocument(json);
            }
            return Check(status, doc, operation);
        }

        private string CallWithSignIn(string operation, SignInCall call, CmaadGraphSignIn signIn, string requestJson)
        {
            byte[] request = Utf8.ToNative(requestJson);
            IntPtr json = IntPtr.Zero;
            CmaadStatus status = CmaadStatus.Internal;
            string doc = null;
            bool added = false;
            try
            {
                IntPtr signInPointer = IntPtr.Zero;
                if (signIn != null)
                {
                    signIn.Handle.DangerousAddRef(ref added);
                    signInPointer = signIn.Handle.DangerousGetHandle();
                }
                status = call(handle, signInPointer, request, out json);
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

        internal static string CheckDocument(CmaadStatus status, string doc, string operation)
        {
            return Check(status, doc, operation);
        }

        private static string Check(CmaadStatus status, string doc, string operation)
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
        private static string TakeDocument(IntPtr json)
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

    /// <summary>A Microsoft Graph sign-in (device code or client credentials). Dispose wipes it.</summary>
    public sealed class CmaadGraphSignIn : IDisposable
    {
        private readonly CmaadGraphSignInHandle handle;
        private readonly string document;

        private CmaadGraphSignIn(CmaadGraphSignInHandle handle, string document)
        {
            this.handle = handle;
            this.document = document;
        }

        /// <summary>The sign-in document (device code: UserCode, VerificationUri, Message, ...).</summary>
        public string Document { get { return document; } }

        internal CmaadGraphSignInHandle Handle { get { return handle; } }

        /// <summary>Makes a GraphSignInComplete running on another thread return SignInCancelled.</summary>
        public void Cancel()
        {
            NativeMethods.cmaad_graph_signin_cancel(handle);
        }

        /// <summary>Frees the sign-in once no call is using it.</summary>
        public void Dispose()
        {
            handle.Dispose();
        }

        internal static CmaadGraphSignIn Take(CmaadStatus status, CmaadGraphSignInHandle signIn, string doc, string operation)
        {
            if (status != CmaadStatus.Ok || signIn == null || signIn.IsInvalid)
            {
                if (signIn != null)
                {
                    signIn.SetHandleAsInvalid();
                }
                CmaadSession.CheckDocument(status == CmaadStatus.Ok ? CmaadStatus.Internal : status, doc, operation);
            }
            return new CmaadGraphSignIn(signIn, doc);
        }
    }

    /// <summary>
    /// A small JSON reader for error documents (objects become Dictionary&lt;string, object&gt;,
    /// arrays List&lt;object&gt;, integers long, other numbers double). PowerShell converts
    /// result documents with ConvertFrom-Json; this exists so the interop needs no JSON library.
    /// </summary>
    public static class Json
    {
        public static object Parse(string text)
        {
            if (text == null)
            {
                throw new FormatException("No JSON document.");
            }
            int i = 0;
            object value = ReadValue(text, ref i, 0);
            SkipSpace(text, ref i);
            if (i != text.Length)
            {
                throw new FormatException("Trailing characters after the JSON document.");
            }
            return value;
        }

        public static string GetString(Dictionary<string, object> map, string key)
        {
            object value;
            return map.TryGetValue(key, out value) ? value as string : null;
        }

        private static void SkipSpace(string s, ref int i)
        {
            while (i < s.Length && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
            {
                i++;
            }
        }

        private static object ReadValue(string s, ref int i, int depth)
        {
            if (depth > 64)
            {
                throw new FormatException("JSON nested too deeply.");
            }
            SkipSpace(s, ref i);
            if (i >= s.Length)
            {
                throw new FormatException("Unexpected end of JSON.");
            }
            char c = s[i];
            if (c == '{')
            {
                i++;
                var map = new Dictionary<string, object>(StringComparer.Ordinal);
                SkipSpace(s, ref i);
                if (i < s.Length && s[i] == '}')
                {
                    i++;
                    return map;
                }
                while (true)
                {
                    SkipSpace(s, ref i);
                    string key = ReadString(s, ref i);
                    SkipSpace(s, ref i);
                    Expect(s, ref i, ':');
                    map[key] = ReadValue(s, ref i, depth + 1);
                    SkipSpace(s, ref i);
                    if (i < s.Length && s[i] == ',')
                    {
                        i++;
                        continue;
                    }
                    Expect(s, ref i, '}');
                    return map;
                }
            }
            if (c == '[')
            {
                i++;
                var list = new List<object>();
                SkipSpace(s, ref i);
                if (i < s.Length && s[i] == ']')
                {
                    i++;
                    return list;
                }
                while (true)
                {
                    list.Add(ReadValue(s, ref i, depth + 1));
                    SkipSpace(s, ref i);
                    if (i < s.Length && s[i] == ',')
                    {
                        i++;
                        continue;
                    }
                    Expect(s, ref i, ']');
                    return list;
                }
            }
            if (c == '"')
            {
                return ReadString(s, ref i);
            }
            if (Literal(s, ref i, "true"))
            {
                return true;
            }
            if (Literal(s, ref i, "false"))
            {
                return false;
            }
            if (Literal(s, ref i, "null"))
            {
                return null;
            }
            return ReadNumber(s, ref i);
        }

        private static bool Literal(string s, ref int i, string word)
        {
            if (string.CompareOrdinal(s, i, word, 0, word.Length) == 0)
            {
                i += word.Length;
                return true;
            }
            return false;
        }

        private static void Expect(string s, ref int i, char c)
        {
            if (i >= s.Length || s[i] != c)
            {
                throw new FormatException("Expected '" + c + "' at offset " + i.ToString(CultureInfo.InvariantCulture) + ".");
            }
            i++;
        }

        private static object ReadNumber(string s, ref int i)
        {
            int start = i;
            while (i < s.Length && "+-0123456789.eE".IndexOf(s[i]) >= 0)
            {
                i++;
            }
            string text = s.Substring(start, i - start);
            long whole;
            if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out whole))
            {
                return whole;
            }
            double real;
            if (text.Length > 0 && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out real))
            {
                return real;
            }
            throw new FormatException("Invalid JSON value at offset " + start.ToString(CultureInfo.InvariantCulture) + ".");
        }

        private static string ReadString(string s, ref int i)
        {
            Expect(s, ref i, '"');
            var sb = new StringBuilder();
            while (true)
            {
                if (i >= s.Length)
                {
                    throw new FormatException("Unterminated JSON string.");
                }
                char c = s[i++];
                if (c == '"')
                {
                    return sb.ToString();
                }
                if (c != '\\')
                {
                    sb.Append(c);
                    continue;
                }
                if (i >= s.Length)
                {
                    throw new FormatException("Unterminated JSON escape.");
                }
                char e = s[i++];
                switch (e)
                {
                    case '"': sb.Append('"'); break;
                    case '\\': sb.Append('\\'); break;
                    case '/': sb.Append('/'); break;
                    case 'b': sb.Append('\b'); break;
                    case 'f': sb.Append('\f'); break;
                    case 'n': sb.Append('\n'); break;
                    case 'r': sb.Append('\r'); break;
                    case 't': sb.Append('\t'); break;
                    case 'u':
                        if (i + 4 > s.Length)
                        {
                            throw new FormatException("Short \\u escape.");
                        }
                        sb.Append((char)int.Parse(s.Substring(i, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                        i += 4;
                        break;
                    default:
                        throw new FormatException("Invalid JSON escape.");
                }
            }
        }
    }
}
