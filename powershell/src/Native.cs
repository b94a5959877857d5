// The C ABI of include/cmaad.h: one typed [DllImport] per C function, the library found in the
// module's bin/<rid>/ folder when it is first needed, and the two handle types.
//
// Compiled twice by powershell/build.ps1 from the same source: against .NET Framework 4.6.2 with
// PowerShell Standard 5.1 (Windows PowerShell 5.1; NETFRAMEWORK is defined) and against
// netstandard2.0 (PowerShell 7). Only APIs both have are used directly; PowerShell 7's
// NativeLibrary is reached through reflection.

using System;
using System.Globalization;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;

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

    /// <summary>A handle the library gave out: freed exactly once, never while a call is using it.</summary>
    public abstract class CmaadHandle : SafeHandle
    {
        protected CmaadHandle() : base(IntPtr.Zero, true) { }

        public override bool IsInvalid
        {
            get { return handle == IntPtr.Zero; }
        }
    }

    /// <summary>The session handle (cmaad_session_close).</summary>
    public sealed class SessionHandle : CmaadHandle
    {
        protected override bool ReleaseHandle()
        {
            NativeMethods.cmaad_session_close(handle);
            return true;
        }
    }

    /// <summary>A Microsoft Graph sign-in handle (cmaad_graph_signin_free wipes its token and secret).</summary>
    public sealed class SignInHandle : CmaadHandle
    {
        protected override bool ReleaseHandle()
        {
            NativeMethods.cmaad_graph_signin_free(handle);
            return true;
        }
    }

    /// <summary>The declarations of include/cmaad.h. Strings cross as NUL-terminated UTF-8 bytes.</summary>
    internal static class NativeMethods
    {
        // Resolved by NativeLibraryLoader: NativeLibraryLoader.Load() runs before the first call.
        internal const string Library = "cmaad";

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint cmaad_abi_version();

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr cmaad_version();

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern CmaadStatus cmaad_session_open(byte[] options_json, out SessionHandle out_session, out IntPtr out_json);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern CmaadStatus cmaad_session_open_with_site_key(byte[] options_json, IntPtr site_key_utf16, UIntPtr site_key_len, out SessionHandle out_session, out IntPtr out_json);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern CmaadStatus cmaad_session_open_site(byte[] options_json, IntPtr password_utf16, UIntPtr password_len, out SessionHandle out_session, out IntPtr out_json);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void cmaad_session_close(IntPtr session);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern CmaadStatus cmaad_import_server_app(SessionHandle session, byte[] request_json, IntPtr secret_utf16, UIntPtr secret_len, out IntPtr out_json);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern CmaadStatus cmaad_import_client_app(SessionHandle session, byte[] request_json, out IntPtr out_json);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern CmaadStatus cmaad_get_apps(SessionHandle session, byte[] filter_json, out IntPtr out_json);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern CmaadStatus cmaad_new_cloud_management_service(SessionHandle session, byte[] request_json, out IntPtr out_json);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern CmaadStatus cmaad_set_app_secret(SessionHandle session, byte[] request_json, IntPtr secret_utf16, UIntPtr secret_len, out IntPtr out_json);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern CmaadStatus cmaad_set_app(SessionHandle session, byte[] request_json, out IntPtr out_json);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern CmaadStatus cmaad_remove_app(SessionHandle session, byte[] request_json, out IntPtr out_json);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern CmaadStatus cmaad_verify_apps(SessionHandle session, byte[] filter_json, out IntPtr out_json);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern CmaadStatus cmaad_verify_apps_with_signin(SessionHandle session, IntPtr signin, byte[] filter_json, out IntPtr out_json);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern CmaadStatus cmaad_rotate_app_secret(SessionHandle session, byte[] request_json, out IntPtr out_json);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern CmaadStatus cmaad_get_services(SessionHandle session, byte[] filter_json, out IntPtr out_json);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern CmaadStatus cmaad_set_cloud_management_service(SessionHandle session, byte[] request_json, out IntPtr out_json);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern CmaadStatus cmaad_remove_service(SessionHandle session, byte[] request_json, out IntPtr out_json);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern CmaadStatus cmaad_get_tenants(SessionHandle session, byte[] filter_json, out IntPtr out_json);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern CmaadStatus cmaad_set_tenant(SessionHandle session, byte[] request_json, out IntPtr out_json);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern CmaadStatus cmaad_maintain_secrets(SessionHandle session, byte[] request_json, out IntPtr out_json);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern CmaadStatus cmaad_maintain_secrets_with_signin(SessionHandle session, IntPtr signin, byte[] request_json, out IntPtr out_json);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern CmaadStatus cmaad_graph_signin_begin(SessionHandle session, byte[] request_json, out SignInHandle out_signin, out IntPtr out_json);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern CmaadStatus cmaad_graph_signin_complete(SessionHandle session, SignInHandle signin, byte[] request_json, out IntPtr out_json);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void cmaad_graph_signin_cancel(SignInHandle signin);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern CmaadStatus cmaad_graph_signin_client_credentials(SessionHandle session, byte[] request_json, IntPtr secret_utf16, UIntPtr secret_len, out SignInHandle out_signin, out IntPtr out_json);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void cmaad_graph_signin_free(IntPtr signin);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern CmaadStatus cmaad_new_server_app(SessionHandle session, IntPtr signin, byte[] request_json, out IntPtr out_json);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern CmaadStatus cmaad_new_client_app(SessionHandle session, IntPtr signin, byte[] request_json, out IntPtr out_json);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern CmaadStatus cmaad_update_server_app(SessionHandle session, IntPtr signin, byte[] request_json, out IntPtr out_json);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern CmaadStatus cmaad_audit_app(SessionHandle session, IntPtr signin, byte[] request_json, out IntPtr out_json);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern CmaadStatus cmaad_get_site_changes(SessionHandle session, out IntPtr out_json);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern CmaadStatus cmaad_rotate_site_app_secret(SessionHandle session, byte[] request_json, IntPtr current_secret_utf16, UIntPtr current_secret_len, out IntPtr out_json);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern CmaadStatus cmaad_rotate_site_app_secret_with_signin(SessionHandle session, IntPtr signin, byte[] request_json, out IntPtr out_json);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern CmaadStatus cmaad_sites_get_apps(SessionHandle session, byte[] request_json, IntPtr password_utf16, UIntPtr password_len, out IntPtr out_json);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern CmaadStatus cmaad_sites_maintain_secrets(SessionHandle session, byte[] request_json, IntPtr password_utf16, UIntPtr password_len, out IntPtr out_json);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void cmaad_string_free(IntPtr s);
    }

    /// <summary>
    /// Finds the native library for this OS and architecture (bin/&lt;rid&gt;/cmaad.dll,
    /// libcmaad.so or libcmaad.dylib beside the module's bin/&lt;framework&gt;/ folder, or
    /// $env:CMAAD_LIBRARY) and loads it before the first call.
    /// </summary>
    public static class NativeLibraryLoader
    {
        private static readonly object Gate = new object();
        private static string loadedPath;
        private static IntPtr loadedHandle;

        /// <summary>The runtime identifier of this process: win-x64, linux-arm64, osx-arm64, ...</summary>
        public static string RuntimeId
        {
            get { return OperatingSystemName + "-" + ArchitectureName; }
        }

        /// <summary>The library file the module uses in this process.</summary>
        public static string LibraryPath
        {
            get
            {
                string overridden = Environment.GetEnvironmentVariable("CMAAD_LIBRARY");
                if (!string.IsNullOrEmpty(overridden))
                {
                    return Path.GetFullPath(overridden);
                }
                string assemblyFolder = Path.GetDirectoryName(typeof(NativeLibraryLoader).Assembly.Location);
                string moduleRoot = Path.GetFullPath(Path.Combine(assemblyFolder, "..", ".."));
                return Path.Combine(Path.Combine(Path.Combine(moduleRoot, "bin"), RuntimeId), LibraryFileName);
            }
        }

        /// <summary>The path the library was loaded from, or null before the first call.</summary>
        public static string LoadedPath
        {
            get { return loadedPath; }
        }

        private static string LibraryFileName
        {
            get
            {
                switch (OperatingSystemName)
                {
                    case "win": return "cmaad.dll";
                    case "osx": return "libcmaad.dylib";
                    default: return "libcmaad.so";
                }
            }
        }

#if NETFRAMEWORK
        private static string OperatingSystemName
        {
            get { return "win"; }
        }

        private static string ArchitectureName
        {
            get
            {
                string arch = Environment.GetEnvironmentVariable("PROCESSOR_ARCHITECTURE");
                if (string.Equals(arch, "ARM64", StringComparison.OrdinalIgnoreCase))
                {
                    return "arm64";
                }
                return Environment.Is64BitProcess ? "x64" : "x86";
            }
        }

        [DllImport("kernel32", CharSet = CharSet.Unicode, SetLastError = true)]
        private static extern IntPtr LoadLibraryExW(string fileName, IntPtr reserved, uint flags);

        private static IntPtr LoadFile(string path)
        {
            // LOAD_WITH_ALTERED_SEARCH_PATH: the library's own dependencies are found beside it.
            // [DllImport("cmaad")] then binds to this already-loaded module by its name; no managed
            // assembly of the module may be named cmaad.dll (hence CMAAD.Commands.dll), or the loader
            // could hand that one out instead.
            IntPtr h = LoadLibraryExW(path, IntPtr.Zero, 0x00000008);
            if (h == IntPtr.Zero)
            {
                int error = Marshal.GetLastWin32Error();
                throw new DllNotFoundException(string.Format(CultureInfo.InvariantCulture,
                    "The CMAAD native library '{0}' could not be loaded (Windows error {1}): check that it matches this process's architecture ({2}).",
                    path, error, ArchitectureName));
            }
            return h;
        }

        private static void Register()
        {
        }
#else
        private static string OperatingSystemName
        {
            get
            {
                if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
                {
                    return "win";
                }
                if (RuntimeInformation.IsOSPlatform(OSPlatform.OSX))
                {
                    return "osx";
                }
                return "linux";
            }
        }

        private static string ArchitectureName
        {
            get { return RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant(); }
        }

        private static MethodInfo nativeLoad;
        private static bool registered;

        private static IntPtr LoadFile(string path)
        {
            try
            {
                return (IntPtr)nativeLoad.Invoke(null, new object[] { path });
            }
            catch (TargetInvocationException e)
            {
                throw new DllNotFoundException(string.Format(CultureInfo.InvariantCulture,
                    "The CMAAD native library '{0}' could not be loaded ({1}): check that it matches this process's OS and architecture ({2}).",
                    path, e.InnerException != null ? e.InnerException.Message : e.Message, RuntimeId), e.InnerException);
            }
        }

        /// <summary>
        /// PowerShell 7: NativeLibrary.SetDllImportResolver for this assembly, so "cmaad" resolves
        /// to the module's own file. Reached through reflection: netstandard2.0 does not declare it.
        /// </summary>
        private static void Register()
        {
            if (registered)
            {
                return;
            }
            Type native = Type.GetType("System.Runtime.InteropServices.NativeLibrary", false);
            Type resolverType = Type.GetType("System.Runtime.InteropServices.DllImportResolver", false);
            if (native == null || resolverType == null)
            {
                throw new PlatformNotSupportedException("This .NET runtime has no NativeLibrary: CMAAD needs PowerShell 7.2 or later, or Windows PowerShell 5.1.");
            }
            nativeLoad = native.GetMethod("Load", new[] { typeof(string) });
            MethodInfo setResolver = native.GetMethod("SetDllImportResolver", new[] { typeof(Assembly), resolverType });
            MethodInfo resolve = typeof(NativeLibraryLoader).GetMethod("Resolve", BindingFlags.NonPublic | BindingFlags.Static);
            Delegate resolver = Delegate.CreateDelegate(resolverType, resolve);
            setResolver.Invoke(null, new object[] { typeof(NativeLibraryLoader).Assembly, resolver });
            registered = true;
        }

        private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
        {
            if (name != NativeMethods.Library)
            {
                return IntPtr.Zero;
            }
            Load();
            return loadedHandle;
        }
#endif

        /// <summary>Loads the library once; throws FileNotFoundException naming the expected file.</summary>
        public static void Load()
        {
            lock (Gate)
            {
                if (loadedPath != null)
                {
                    return;
                }
                string path = LibraryPath;
                if (!File.Exists(path))
                {
                    throw new FileNotFoundException(string.Format(CultureInfo.InvariantCulture,
                        "The CMAAD native library for this platform ({0}) is missing: expected '{1}'. Install a CMAAD build that includes it " +
                        "(powershell/stage-module.sh stages the module with its library), or point $env:CMAAD_LIBRARY at a built library before importing the module.",
                        RuntimeId, path), path);
                }
                Register();
                loadedHandle = LoadFile(path);
                loadedPath = path;
            }
        }
    }

    /// <summary>UTF-8 conversions that work on .NET Framework 4.x and .NET alike.</summary>
    internal static class Utf8
    {
        private static readonly UTF8Encoding Strict = new UTF8Encoding(false, true);

        /// <summary>Reads a NUL-terminated UTF-8 string in place; does not free it.</summary>
        internal static unsafe string FromNative(IntPtr p)
        {
            if (p == IntPtr.Zero)
            {
                return null;
            }
            byte* bytes = (byte*)p;
            int length = 0;
            while (bytes[length] != 0)
            {
                length++;
            }
            return Strict.GetString(bytes, length);
        }

        /// <summary>The text as NUL-terminated UTF-8; null stays null (a NULL pointer).</summary>
        internal static byte[] ToNative(string text)
        {
            if (text == null)
            {
                return null;
            }
            int count = Strict.GetByteCount(text);
            var bytes = new byte[count + 1];
            Strict.GetBytes(text, 0, text.Length, bytes, 0);
            return bytes;
        }
    }
}
