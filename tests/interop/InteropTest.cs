// The module's C# interop (powershell/CMAAD/Interop/CmaadNative.cs, with the library path baked
// in exactly as the module does it) run on mono against the real native library:
//   - the whole flow: open a session on a temp store, import a server app with a SecureString
//     secret, import the client app by server app, get with filters, create the service;
//   - every cmaad_status mapped to its exception class and ErrorCategory, from real calls where
//     the library can be driven there (a local fake Entra for verification and network failures);
//   - the SecureString path: the secret reaches Entra intact (non-ASCII included) and never
//     appears in any document;
//   - 8 threads calling one session at once;
//   - the -SecretKey argument transformation (against a stub of System.Management.Automation);
//   - against the local fake Entra + Graph (the fake-entra binary of tests/fake-entra, path in
//     $CMAAD_FAKE_ENTRA; run.sh builds it): the secret maintenance the scheduled-task script
//     relies on (NeedsAttention and the exit decision), the Graph sign-in handle lifecycle
//     (begin, complete on a worker thread, cancel, free) and app creation with and without WhatIf.
// Compiled with mcs -langversion:5 (Windows PowerShell 5.1's C# level). Usage:
//   mono interop-test.exe <path of libcmaad>

using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Security;
using System.Text;
using System.Threading;
using CMAAD.Interop;

internal static class InteropTest
{
    private const string Tenant = "05a349fa-0d5c-4a1c-9f3e-1c2d3e4f5a6b";
    private const string ServerClientId = "7078946d-1a2b-4c3d-8e9f-0a1b2c3d4e5f";
    private const string ClientClientId = "cf114f48-2b3c-4d5e-9f0a-1b2c3d4e5f60";
    private const string Secret = "1uXGR^!0@Cjas6qI*J02ZeS&&zY19^hC*9";

    private static int passed;
    private static int failed;
    private static readonly List<string> tempDirs = new List<string>();

    private static int Main(string[] args)
    {
        if (args.Length != 1)
        {
            Console.Error.WriteLine("usage: interop-test.exe <path of libcmaad>");
            return 2;
        }
        string library = Path.GetFullPath(args[0]);
        Run("library: path baked in, ABI and version", delegate { LibraryFacts(library); });
        Run("UTF-8 in and out, JSON reader", Utf8AndJson);
        Run("whole flow on a temp store", WholeFlow);
        Run("InvalidArgument -> CmaadInvalidArgumentException", InvalidArgument);
        Run("NotFound -> CmaadNotFoundException", NotFound);
        Run("AlreadyExists -> CmaadAlreadyExistsException with the existing ID", AlreadyExists);
        Run("VerificationFailed -> CmaadVerificationFailedException with AADSTS codes", VerificationFailed);
        Run("Network -> CmaadNetworkException", NetworkFailure);
        Run("Store -> CmaadStoreException", StoreFailure);
        Run("Internal and unknown statuses -> CmaadInternalException", InternalStatus);
        Run("every status -> ErrorCategory", Categories);
        Run("SecureString secret reaches Entra intact and never comes back", SecureStringPath);
        Run("8 threads share one session", EightThreads);
        Run("closed session refuses calls; Dispose twice is harmless", ClosedSession);
        Run("100,000 calls free every document (resident memory stays flat)", NoLeaks);
        Run("lifecycle wrappers: services, tenants, set/remove apps, renewed secret", Lifecycle);
        Run("Graph wrappers: sign-in handles, WhatIf with no sign-in, cancel, free", GraphWrappers);
        Run("-SecretKey transformation: string -> SecureString, conversion reported for the warning", SecretKeyTransformation);
        Run("fake Entra: secret maintenance, NeedsAttention and the scheduled task's exit decision", Maintenance);
        Run("fake Entra: device code sign-in handle: begin, complete on a worker, cancel, timeout, free", DeviceCodeLifecycle);
        Run("fake Entra: client credentials sign-in, creation with WhatIf, creation, audit", Creation);
        foreach (string dir in tempDirs)
        {
            try { Directory.Delete(dir, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
        Console.WriteLine("{0} passed, {1} failed", passed, failed);
        return failed == 0 ? 0 : 1;
    }

    private delegate void TestBody();

    private static void Run(string name, TestBody body)
    {
        try
        {
            body();
            passed++;
            Console.WriteLine("ok   {0}", name);
        }
        catch (Exception e)
        {
            failed++;
            Console.WriteLine("FAIL {0}\n     {1}", name, e.ToString().Replace("\n", "\n     "));
        }
    }

    private static void Check(bool condition, string what)
    {
        if (!condition)
        {
            throw new Exception("check failed: " + what);
        }
    }

    private static T Expect<T>(TestBody body) where T : Exception
    {
        try
        {
            body();
        }
        catch (T e)
        {
            return e;
        }
        catch (Exception e)
        {
            throw new Exception("expected " + typeof(T).Name + ", got " + e.GetType().Name + ": " + e.Message, e);
        }
        throw new Exception("expected " + typeof(T).Name + ", but the call succeeded");
    }

    private static string TempStore()
    {
        string dir = Path.Combine(Path.GetTempPath(), "cmaad-interop-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        tempDirs.Add(dir);
        return Path.Combine(dir, "site.db");
    }

    private static string Quote(string s)
    {
        return "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
    }

    private static CmaadSession OpenSession(string extraOptions)
    {
        string options = "{\"StorePath\":" + Quote(TempStore()) + (extraOptions ?? "") + "}";
        return CmaadSession.Open(options);
    }

    private static SecureString Secure(string text)
    {
        var s = new SecureString();
        foreach (char c in text)
        {
            s.AppendChar(c);
        }
        s.MakeReadOnly();
        return s;
    }

    private static string Expiry()
    {
        return DateTime.UtcNow.AddYears(1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'");
    }

    private static string ServerRequest(string tenant, string clientId, string extra)
    {
        return "{\"TenantName\":\"Contoso\",\"TenantId\":" + Quote(tenant) + ",\"AppName\":\"CmgServerApp\",\"ClientId\":" + Quote(clientId) +
            ",\"SecretKeyExpiry\":" + Quote(Expiry()) + ",\"AppIdUri\":" + Quote("api://" + tenant + "/ConfigMgrService") + (extra ?? "") + "}";
    }

    private static Dictionary<string, object> Doc(string json)
    {
        return (Dictionary<string, object>)Json.Parse(json);
    }

    private static List<object> Value(string json)
    {
        return (List<object>)Doc(json)["value"];
    }

    // ---------------------------------------------------------------- tests

    private static void LibraryFacts(string library)
    {
        Check(CmaadLibrary.Path == library, "baked path " + CmaadLibrary.Path + " == " + library);
        CmaadLibrary.EnsureLoaded();
        Check(CmaadLibrary.AbiVersion == CmaadLibrary.ExpectedAbiVersion, "ABI " + CmaadLibrary.AbiVersion);
        string version = CmaadLibrary.Version;
        Check(!string.IsNullOrEmpty(version) && char.IsDigit(version[0]), "version '" + version + "'");
    }

    private static void Utf8AndJson()
    {
        byte[] bytes = Utf8.ToNative("Caf\u00e9 \u20ac");
        Check(bytes.Length == 10 && bytes[9] == 0 && bytes[3] == 0xC3, "UTF-8 bytes with NUL");
        Check(Utf8.ToNative(null) == null, "null stays null");
        var doc = Doc("{\"a\":[1,-2,3.5,true,false,null,\"x\\u00e9\\n\\\"\"],\"b\":{}}");
        var a = (List<object>)doc["a"];
        Check((long)a[0] == 1 && (long)a[1] == -2 && (double)a[2] == 3.5, "numbers");
        Check((bool)a[3] && !(bool)a[4] && a[5] == null, "literals");
        Check((string)a[6] == "x\u00e9\n\"", "string escapes");
        Check(((Dictionary<string, object>)doc["b"]).Count == 0, "empty object");
        Expect<FormatException>(delegate { Json.Parse("{\"a\":}"); });
        Expect<FormatException>(delegate { Json.Parse("[1] x"); });
    }

    private static void WholeFlow()
    {
        using (CmaadSession session = OpenSession(null))
        {
            var site = Doc(session.Document);
            Check(((string)site["StorePath"]).EndsWith("site.db"), "session document names the store: " + session.Document);
            Check((string)site["AzureEnvironment"] == "AzurePublicCloud", "default cloud");

            string server;
            using (SecureString secret = Secure(Secret))
            {
                server = session.ImportServerApp(ServerRequest(Tenant, ServerClientId, null), secret);
                Check(secret.Length == Secret.Length, "the caller's SecureString is left intact");
            }
            Check(server.IndexOf(Secret, StringComparison.Ordinal) < 0, "secret not in the result");
            var serverDoc = Doc(server);
            long serverId = (long)serverDoc["ID"];
            Check(serverId > 0, "server ID");
            Check((string)serverDoc["AppType"] == "ServerApplication" && !(bool)serverDoc["IsClientApp"], "server type");
            Check((string)serverDoc["TenantID"] == Tenant && (string)serverDoc["ClientID"] == ServerClientId, "server IDs");
            foreach (string key in new[] { "Name", "TenantName", "IdentifierUri", "SecretKeyExpiry", "SecretKeyCreationTime", "DaysUntilSecretExpiry", "AzureEnvironment", "LastVerified", "ApplicationCreationTime", "LastUpdateTime" })
            {
                Check(serverDoc.ContainsKey(key), "server app has " + key);
            }

            string client = session.ImportClientApp("{\"AppName\":\"CmgClientApp\",\"ClientId\":" + Quote(ClientClientId) + ",\"ServerAppId\":" + serverId + "}");
            var clientDoc = Doc(client);
            long clientId = (long)clientDoc["ID"];
            Check(clientId > serverId, "client ID");
            Check((bool)clientDoc["IsClientApp"] && (string)clientDoc["TenantName"] == "Contoso", "client app takes the server app's tenant");

            Check(Value(session.GetApps(null)).Count == 2, "get all");
            Check(Value(session.GetApps("{}")).Count == 2, "get with an empty filter");
            var filtered = Value(session.GetApps("{\"TenantName\":\"Contoso\",\"AppType\":\"ClientApplication\"}"));
            Check(filtered.Count == 1 && (string)((Dictionary<string, object>)filtered[0])["Name"] == "CmgClientApp", "get filtered (AND)");
            Check(Value(session.GetApps("{\"TenantId\":" + Quote(Tenant) + ",\"AppName\":\"CmgServerApp\"}")).Count == 1, "get by tenant and name");
            Check(session.GetApps("{\"AppName\":\"Nope\"}") == "{\"value\":[]}", "no match is an empty list");

            string service = session.NewCloudManagementService("{\"Name\":\"Contoso\",\"Description\":\"Azure Service\",\"ServerAppId\":" + serverId +
                ",\"ClientAppId\":" + clientId + ",\"AzureEnvironmentOption\":\"AzurePublicCloud\",\"EnableUserDiscovery\":true,\"EnableUserDeltaDiscovery\":true," +
                "\"UserDeltaDiscoveryMins\":5,\"UserDiscoverySchedule\":{\"Kind\":\"Days\",\"Interval\":7},\"EnableGroupDiscovery\":true,\"AddGroupName\":[\"CMG Users\"]}");
            var serviceDoc = Doc(service);
            Check((string)serviceDoc["ServiceType"] == "CloudManagement", "service type: " + service);
            Check((long)serviceDoc["ServerAppID"] == serverId && (long)serviceDoc["ClientAppID"] == clientId, "service app IDs");
            Check((string)serviceDoc["TenantID"] == Tenant, "service tenant");
        }
    }

    private static void InvalidArgument()
    {
        using (CmaadSession session = OpenSession(null))
        {
            var e = Expect<CmaadInvalidArgumentException>(delegate
            {
                session.ImportClientApp("{\"AppName\":\"CmgClientApp\",\"ClientId\":\"abc\",\"TenantId\":" + Quote(Tenant) + "}");
            });
            Check(e.Status == CmaadStatus.InvalidArgument && e.Code == "InvalidClientId" && e.Target == "ClientId", "code/target: " + e.Code + "/" + e.Target);
            Check(e.ErrorId == "CMAAD.InvalidClientId" && e.ErrorCategoryName == "InvalidArgument", "error id and category");
            Check(e.Message.Contains("ClientId") && e.Operation == "cmaad_import_client_app", "message and operation");
            Check(e.ErrorDocument.StartsWith("{\"Error\":"), "raw document kept");

            var bad = Expect<CmaadInvalidArgumentException>(delegate { session.GetApps("not json"); });
            Check(bad.Code == "MalformedJson", "malformed JSON: " + bad.Code);
            var unknown = Expect<CmaadInvalidArgumentException>(delegate { session.GetApps("{\"Colour\":\"red\"}"); });
            Check(unknown.Code == "UnknownField" && unknown.Target == "Colour", "unknown field");
            Expect<CmaadInvalidArgumentException>(delegate { session.ImportClientApp(null); });
            Expect<CmaadInvalidArgumentException>(delegate { CmaadSession.Open("{\"TimeoutSeconds\":\"soon\"}"); });
        }
    }

    private static void NotFound()
    {
        using (CmaadSession session = OpenSession(null))
        {
            var e = Expect<CmaadNotFoundException>(delegate
            {
                session.ImportClientApp("{\"AppName\":\"CmgClientApp\",\"ClientId\":" + Quote(ClientClientId) + ",\"ServerAppId\":99999}");
            });
            Check(e.Status == CmaadStatus.NotFound && e.Target == "ServerAppId" && e.ErrorCategoryName == "ObjectNotFound", "not found: " + e.Code);
            var byTenant = Expect<CmaadNotFoundException>(delegate
            {
                session.ImportClientApp("{\"AppName\":\"CmgClientApp\",\"ClientId\":" + Quote(ClientClientId) + ",\"TenantId\":" + Quote(Tenant) + "}");
            });
            Check(byTenant.Target == "TenantId", "tenant without a server app: " + byTenant.Code);
        }
    }

    private static void AlreadyExists()
    {
        using (CmaadSession session = OpenSession(null))
        using (SecureString secret = Secure(Secret))
        {
            long id = (long)Doc(session.ImportServerApp(ServerRequest(Tenant, ServerClientId, null), secret))["ID"];
            var e = Expect<CmaadAlreadyExistsException>(delegate { session.ImportServerApp(ServerRequest(Tenant, ServerClientId, null), secret); });
            Check(e.ExistingId.HasValue && e.ExistingId.Value == id, "existing ID " + e.ExistingId + " == " + id);
            Check(e.ErrorCategoryName == "ResourceExists" && e.ErrorId.StartsWith("CMAAD."), "category " + e.ErrorCategoryName);
            Check(e.ErrorDocument.IndexOf(Secret, StringComparison.Ordinal) < 0, "secret not in the error");
        }
    }

    private static void VerificationFailed()
    {
        using (var entra = new FakeEntra(401, "{\"error\":\"invalid_client\",\"error_description\":\"AADSTS7000215: Invalid client secret provided.\",\"error_codes\":[7000215],\"correlation_id\":\"0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0\"}"))
        using (CmaadSession session = OpenSession(",\"AuthorityHost\":" + Quote(entra.Url) + ",\"TimeoutSeconds\":10"))
        using (SecureString secret = Secure(Secret))
        {
            var e = Expect<CmaadVerificationFailedException>(delegate { session.ImportServerApp(ServerRequest(Tenant, ServerClientId, ",\"Verify\":true"), secret); });
            Check(Array.IndexOf(e.EntraErrorCodes, 7000215L) >= 0, "AADSTS code: " + e.ErrorDocument);
            Check(e.CorrelationId == "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0", "correlation ID: " + e.CorrelationId);
            Check(e.ErrorCategoryName == "AuthenticationError", "category");
            Check(e.ErrorDocument.IndexOf(Secret, StringComparison.Ordinal) < 0, "secret not in the error");
            Check(Value(session.GetApps(null)).Count == 0, "nothing stored after a failed verification");
        }
    }

    private static void NetworkFailure()
    {
        int port = FreePort();
        using (CmaadSession session = OpenSession(",\"AuthorityHost\":\"http://127.0.0.1:" + port + "\",\"TimeoutSeconds\":2"))
        using (SecureString secret = Secure(Secret))
        {
            var e = Expect<CmaadNetworkException>(delegate { session.ImportServerApp(ServerRequest(Tenant, ServerClientId, ",\"Verify\":true"), secret); });
            Check(e.Status == CmaadStatus.Network && e.ErrorCategoryName == "ConnectionError", "network: " + e.Code);
        }
    }

    private static void StoreFailure()
    {
        string dir = Path.GetDirectoryName(TempStore());
        string file = Path.Combine(dir, "not-a-folder");
        File.WriteAllText(file, "x");
        var e = Expect<CmaadStoreException>(delegate { CmaadSession.Open("{\"StorePath\":" + Quote(Path.Combine(file, "site.db")) + "}"); });
        Check(e.Operation == "cmaad_session_open" && e.ErrorCategoryName == "ReadError", "store on open: " + e.Code + " " + e.ErrorCategoryName);

        string garbage = Path.Combine(dir, "garbage.db");
        File.WriteAllBytes(garbage, Encoding.ASCII.GetBytes(new string('x', 8192)));
        var corrupt = Expect<CmaadStoreException>(delegate { CmaadSession.Open("{\"StorePath\":" + Quote(garbage) + "}"); });
        Check(corrupt.Message.Length > 0, "corrupt store: " + corrupt.Code);
    }

    private static void InternalStatus()
    {
        string doc = "{\"Error\":{\"Status\":\"Internal\",\"Code\":\"InternalError\",\"Target\":null,\"Message\":\"boom\",\"EntraErrorCodes\":[],\"CorrelationId\":null}}";
        var e = CmaadException.FromDocument(CmaadStatus.Internal, doc, "cmaad_get_apps");
        Check(e is CmaadInternalException && e.Code == "InternalError" && e.Message == "boom", "internal");
        Check(e.ErrorCategoryName == "NotSpecified", "category");
        var unknown = CmaadException.FromDocument((CmaadStatus)42, doc, "cmaad_get_apps");
        Check(unknown is CmaadInternalException, "an unknown status is internal");
        var empty = CmaadException.FromDocument(CmaadStatus.NotFound, null, "cmaad_get_apps");
        Check(empty is CmaadNotFoundException && empty.Message.Contains("cmaad_get_apps") && empty.Code == "NotFound", "no document: " + empty.Message);
        var garbled = CmaadException.FromDocument(CmaadStatus.Store, "{\"Error\":", "cmaad_import_client_app");
        Check(garbled is CmaadStoreException && garbled.ErrorCategoryName == "WriteError", "garbled document");
    }

    private static void Categories()
    {
        var expected = new Dictionary<CmaadStatus, Type>
        {
            { CmaadStatus.InvalidArgument, typeof(CmaadInvalidArgumentException) },
            { CmaadStatus.NotFound, typeof(CmaadNotFoundException) },
            { CmaadStatus.AlreadyExists, typeof(CmaadAlreadyExistsException) },
            { CmaadStatus.VerificationFailed, typeof(CmaadVerificationFailedException) },
            { CmaadStatus.Network, typeof(CmaadNetworkException) },
            { CmaadStatus.Store, typeof(CmaadStoreException) },
            { CmaadStatus.Internal, typeof(CmaadInternalException) }
        };
        var categories = new Dictionary<CmaadStatus, string>
        {
            { CmaadStatus.InvalidArgument, "InvalidArgument" },
            { CmaadStatus.NotFound, "ObjectNotFound" },
            { CmaadStatus.AlreadyExists, "ResourceExists" },
            { CmaadStatus.VerificationFailed, "AuthenticationError" },
            { CmaadStatus.Network, "ConnectionError" },
            { CmaadStatus.Store, "WriteError" },
            { CmaadStatus.Internal, "NotSpecified" }
        };
        foreach (var pair in expected)
        {
            string doc = "{\"Error\":{\"Status\":\"" + pair.Key + "\",\"Code\":\"C" + (uint)pair.Key + "\",\"Target\":\"T\",\"Message\":\"m\",\"EntraErrorCodes\":[50034,7000215],\"CorrelationId\":\"c\",\"ID\":7,\"Details\":{\"Checks\":[]}}}";
            var e = CmaadException.FromDocument(pair.Key, doc, "cmaad_import_client_app");
            Check(e.GetType() == pair.Value, pair.Key + " -> " + e.GetType().Name);
            Check(e.ErrorCategoryName == categories[pair.Key], pair.Key + " category " + e.ErrorCategoryName);
            Check(e.Code == "C" + (uint)pair.Key && e.Target == "T" && e.CorrelationId == "c" && e.ExistingId == 7, "fields of " + pair.Key);
            Check(e.EntraErrorCodes.Length == 2 && e.EntraErrorCodes[0] == 50034, "Entra codes of " + pair.Key);
            Check(e.Details is Dictionary<string, object>, "details of " + pair.Key);
        }
        Check(CmaadException.CategoryFor(CmaadStatus.Store, "cmaad_get_apps") == "ReadError", "store read");
        Check(CmaadException.CategoryFor(CmaadStatus.Store, "cmaad_session_open") == "ReadError", "store open");
        Check(CmaadException.CategoryFor(CmaadStatus.Store, "cmaad_new_cloud_management_service") == "WriteError", "store write");
    }

    private static void SecureStringPath()
    {
        // Non-ASCII and a character outside the BMP (a surrogate pair) must cross as UTF-16 units.
        string secret = "s3cr\u00e9t-\u20ac-\U0001F511-" + Secret;
        using (var entra = new FakeEntra(200, "{\"token_type\":\"Bearer\",\"expires_in\":3599,\"access_token\":\"eyJhbGciOiJub25lIn0.eyJyb2xlcyI6W119.c2ln\"}"))
        using (CmaadSession session = OpenSession(",\"AuthorityHost\":" + Quote(entra.Url) + ",\"TimeoutSeconds\":10"))
        using (SecureString secure = Secure(secret))
        {
            string result = session.ImportServerApp(ServerRequest(Tenant, ServerClientId, ",\"Verify\":true"), secure);
            var doc = Doc(result);
            var verification = (Dictionary<string, object>)doc["Verification"];
            Check((bool)verification["Verified"], "verified: " + result);
            Check(doc["LastVerified"] != null, "LastVerified set");
            string body = entra.LastTokenBody;
            Check(body != null, "the token request reached the fake");
            var form = ParseForm(body);
            Check(form.ContainsKey("client_secret") && form["client_secret"] == secret, "secret intact at Entra");
            Check(form["client_id"] == ServerClientId, "client_id");
            Check(result.IndexOf("s3cr", StringComparison.Ordinal) < 0 && session.GetApps(null).IndexOf("s3cr", StringComparison.Ordinal) < 0, "secret never returned");

            Expect<ArgumentNullException>(delegate { session.ImportServerApp(ServerRequest(Tenant, ServerClientId, null), null); });
            using (SecureString empty = Secure(""))
            {
                Expect<CmaadInvalidArgumentException>(delegate { session.ImportServerApp(ServerRequest(Tenant, "11111111-2222-4333-8444-555555555555", null), empty); });
            }
        }
    }

    private static void EightThreads()
    {
        const int Threads = 8;
        const int PerThread = 10;
        using (CmaadSession session = OpenSession(null))
        {
            var errors = new List<string>();
            var start = new ManualResetEvent(false);
            var threads = new List<Thread>();
            for (int t = 0; t < Threads; t++)
            {
                int thread = t;
                var worker = new Thread(delegate ()
                {
                    start.WaitOne();
                    try
                    {
                        using (SecureString secret = Secure(Secret))
                        {
                            for (int i = 0; i < PerThread; i++)
                            {
                                string tenant = string.Format("{0:x8}-0000-4000-8000-{1:x12}", thread + 1, i + 1);
                                string serverClient = string.Format("{0:x8}-1111-4000-8000-{1:x12}", thread + 1, i + 1);
                                string clientClient = string.Format("{0:x8}-2222-4000-8000-{1:x12}", thread + 1, i + 1);
                                long id = (long)Doc(session.ImportServerApp(ServerRequest(tenant, serverClient, null), secret))["ID"];
                                session.ImportClientApp("{\"AppName\":\"CmgClientApp\",\"ClientId\":" + Quote(clientClient) + ",\"ServerAppId\":" + id + "}");
                                var mine = Value(session.GetApps("{\"TenantId\":" + Quote(tenant) + "}"));
                                if (mine.Count != 2)
                                {
                                    throw new Exception("tenant " + tenant + " has " + mine.Count + " apps");
                                }
                                try
                                {
                                    session.ImportServerApp(ServerRequest(tenant, serverClient, null), secret);
                                    throw new Exception("duplicate accepted");
                                }
                                catch (CmaadAlreadyExistsException)
                                {
                                }
                            }
                        }
                    }
                    catch (Exception e)
                    {
                        lock (errors)
                        {
                            errors.Add("thread " + thread + ": " + e.Message);
                        }
                    }
                });
                threads.Add(worker);
                worker.Start();
            }
            start.Set();
            foreach (var worker in threads)
            {
                worker.Join();
            }
            Check(errors.Count == 0, string.Join("; ", errors.ToArray()));
            int total = Value(session.GetApps(null)).Count;
            Check(total == Threads * PerThread * 2, "apps stored: " + total);
            var ids = new HashSet<long>();
            foreach (object app in Value(session.GetApps(null)))
            {
                ids.Add((long)((Dictionary<string, object>)app)["ID"]);
            }
            Check(ids.Count == total, "unique IDs");
        }
    }

    private static void ClosedSession()
    {
        CmaadSession session = OpenSession(null);
        session.GetApps(null);
        session.Dispose();
        Check(session.IsClosed, "closed");
        Expect<ObjectDisposedException>(delegate { session.GetApps(null); });
        using (SecureString secret = Secure(Secret))
        {
            Expect<ObjectDisposedException>(delegate { session.ImportServerApp(ServerRequest(Tenant, ServerClientId, null), secret); });
        }
        session.Dispose();
    }

    private static void NoLeaks()
    {
        using (CmaadSession session = OpenSession(null))
        using (SecureString secret = Secure(Secret))
        {
            session.ImportServerApp(ServerRequest(Tenant, ServerClientId, null), secret);
            string bad = "{\"AppName\":\"" + new string('x', 2000) + "\",\"ClientId\":\"abc\",\"TenantId\":" + Quote(Tenant) + "}";
            for (int i = 0; i < 2000; i++)
            {
                session.GetApps(null);
            }
            long before = ResidentBytes();
            for (int i = 0; i < 50000; i++)
            {
                session.GetApps(null);
                try
                {
                    session.ImportClientApp(bad);
                }
                catch (CmaadInvalidArgumentException)
                {
                }
            }
            GC.Collect();
            GC.WaitForPendingFinalizers();
            long grown = ResidentBytes() - before;
            // Leaking every document grows it by about 40 MB here; freeing them, by well under 1 MB.
            Console.WriteLine("     resident memory grew by {0} KiB over 100,000 calls", grown / 1024);
            Check(grown < 16L * 1024 * 1024, "resident memory grew by " + (grown / 1024) + " KiB");
        }
    }

    private static long ResidentBytes()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        foreach (string line in File.ReadAllLines("/proc/self/status"))
        {
            if (line.StartsWith("VmRSS:"))
            {
                return long.Parse(line.Substring(6).Trim().Split(' ')[0]) * 1024;
            }
        }
        return 0;
    }

    private static void Lifecycle()
    {
        using (CmaadSession session = OpenSession(null))
        using (SecureString secret = Secure(Secret))
        {
            long serverId = (long)Doc(session.ImportServerApp(ServerRequest(Tenant, ServerClientId, null), secret))["ID"];
            long clientId = (long)Doc(session.ImportClientApp("{\"AppName\":\"CmgClientApp\",\"ClientId\":" + Quote(ClientClientId) + ",\"ServerAppId\":" + serverId + "}"))["ID"];
            long serviceId = (long)Doc(session.NewCloudManagementService("{\"Name\":\"Contoso\",\"ServerAppId\":" + serverId + ",\"ClientAppId\":" + clientId + "}"))["ID"];
            Check(Value(session.GetServices(null)).Count == 1 && Value(session.GetServices("{\"Name\":\"Contoso\"}")).Count == 1, "get services");
            Check(Value(session.GetTenants(null)).Count == 1, "get tenants");
            Check((string)Doc(session.SetApp("{\"ID\":" + clientId + ",\"NewName\":\"CmgClientApp2\"}"))["Name"] == "CmgClientApp2", "set app");
            var inUse = Expect<CmaadException>(delegate { session.RemoveApp("{\"ID\":" + serverId + "}"); });
            Check(inUse.Message.Length > 0, "removing an app in use is refused: " + inUse.Code);
            session.RemoveService("{\"ID\":" + serviceId + "}");
            Check(Value(session.GetServices(null)).Count == 0, "service removed");
            session.RemoveApp("{\"ID\":" + clientId + "}");
            Check(Value(session.GetApps(null)).Count == 1, "client app removed");
            using (SecureString renewed = Secure("renewed-" + Secret))
            {
                string doc = session.SetAppSecret("{\"ID\":" + serverId + ",\"SecretKeyExpiry\":" + Quote(DateTime.UtcNow.AddYears(2).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'")) + "}", renewed);
                Check(doc.IndexOf("renewed-", StringComparison.Ordinal) < 0, "renewed secret not returned");
                Expect<ArgumentNullException>(delegate { session.SetAppSecret("{}", null); });
            }
            Check((string)Doc(session.SetTenant("{\"TenantId\":" + Quote(Tenant) + ",\"NewName\":\"Contoso Ltd\"}"))["Name"] == "Contoso Ltd", "set tenant");
            Expect<CmaadInvalidArgumentException>(delegate { session.VerifyApps("{\"Nope\":1}"); });
            Expect<CmaadInvalidArgumentException>(delegate { session.MaintainSecrets("{\"RotateWithinDays\":999}"); });
        }
    }

    private static void GraphWrappers()
    {
        using (CmaadSession session = OpenSession(null))
        {
            string whatIf = session.NewServerApp(null, "{\"AppName\":\"CmgNewServerApp\",\"TenantId\":" + Quote(Tenant) + ",\"WhatIf\":true}");
            Check(Doc(whatIf).ContainsKey("WhatIf"), "WhatIf without a sign-in: " + whatIf);
            Check(Value(session.GetApps(null)).Count == 0, "WhatIf created nothing");
            Expect<CmaadException>(delegate { session.NewServerApp(null, "{\"AppName\":\"CmgNewServerApp\",\"TenantId\":" + Quote(Tenant) + "}"); });
            Expect<ArgumentNullException>(delegate { session.GraphSignInComplete(null, null); });
        }
        int port = FreePort();
        using (CmaadSession offline = OpenSession(",\"AuthorityHost\":\"http://127.0.0.1:" + port + "\",\"TimeoutSeconds\":2"))
        {
            Expect<CmaadNetworkException>(delegate { offline.GraphSignInBegin("{\"TenantId\":" + Quote(Tenant) + "}"); });
        }
        using (var entra = new FakeEntra(200, "{\"token_type\":\"Bearer\",\"expires_in\":3599,\"access_token\":\"eyJhbGciOiJub25lIn0.eyJyb2xlcyI6WyJBcHBsaWNhdGlvbi5SZWFkV3JpdGUuQWxsIl19.c2ln\"}"))
        using (CmaadSession session = OpenSession(",\"AuthorityHost\":" + Quote(entra.Url) + ",\"TimeoutSeconds\":10"))
        using (SecureString secret = Secure(Secret))
        {
            CmaadGraphSignIn signIn = session.GraphSignInClientCredentials("{\"TenantId\":" + Quote(Tenant) + ",\"ClientId\":" + Quote(ServerClientId) + "}", secret);
            Check(signIn.Document.Contains("ClientCredentials") && signIn.Document.IndexOf(Secret, StringComparison.Ordinal) < 0, "sign-in document: " + signIn.Document);
            Check(ParseForm(entra.LastTokenBody)["client_secret"] == Secret, "automation secret intact at Entra");
            signIn.Cancel();
            signIn.Dispose();
            signIn.Dispose();
            Expect<ObjectDisposedException>(delegate { session.AuditApp(signIn, "{\"ClientId\":" + Quote(ServerClientId) + "}"); });
        }
    }

    private static void SecretKeyTransformation()
    {
        var attribute = new CMAAD.SecureStringTransformationAttribute();
        var engine = new System.Management.Automation.EngineIntrinsics(new System.Management.Automation.Host.PSHost());
        CMAAD.SecureStringTransformationAttribute.TakePlainTextConversion();
        object result = attribute.Transform(engine, Secret);
        var secure = result as SecureString;
        Check(secure != null && secure.Length == Secret.Length && secure.IsReadOnly(), "string becomes a read-only SecureString");
        Check(CMAAD.SecureStringTransformationAttribute.TakePlainTextConversion(), "the conversion is reported for the warning");
        Check(!CMAAD.SecureStringTransformationAttribute.TakePlainTextConversion(), "and reported once");
        Check(CMAAD.SecureStringTransformationAttribute.PlainTextWarning.Contains("plain text"), "warning text");
        object wrapped = attribute.Transform(engine, new System.Management.Automation.PSObject(Secret));
        Check(wrapped is SecureString, "a PSObject-wrapped string too");
        var given = Secure("x");
        Check(ReferenceEquals(attribute.Transform(engine, given), given), "a SecureString passes through");
        Check(!CMAAD.SecureStringTransformationAttribute.TakePlainTextConversion(), "no warning for a SecureString, even after an unconsumed conversion");
        Check(attribute.Transform(engine, 42).Equals(42), "other types are left to the binder");
        Check(attribute.Transform(null, "x") is SecureString, "no engine needed");
        bool otherThread = true;
        var thread = new Thread(delegate () { otherThread = CMAAD.SecureStringTransformationAttribute.TakePlainTextConversion(); });
        thread.Start();
        thread.Join();
        Check(!otherThread, "the flag belongs to the binding thread");

        // The converted SecureString works on the native path like any other.
        using (CmaadSession session = OpenSession(null))
        {
            Doc(session.ImportServerApp(ServerRequest(Tenant, ServerClientId, null), secure));
        }
    }

    // ---------------------------------------------------------------- against the fake Entra + Graph

    private const string PublicClient = "14d82eec-204b-4c2f-b7e8-296a70dab67e";
    private const string Automation = "a1b2c3d4-1111-4222-8333-944455556666";
    private const string AutomationSecret = "Aut0~mation.Secret-Value_123";
    private static readonly string[] Due = { "11111111-aaaa-4aaa-8aaa-000000000001", "21111111-aaaa-4aaa-8aaa-000000000001" };
    private static readonly string[] Healthy = { "11111111-aaaa-4aaa-8aaa-000000000002", "21111111-aaaa-4aaa-8aaa-000000000002" };
    private static readonly string[] Wrong = { "11111111-aaaa-4aaa-8aaa-000000000003", "21111111-aaaa-4aaa-8aaa-000000000003" };

    /// <summary>The directory: Contoso with the public client and an automation app, plus one tenant per maintenance case.</summary>
    private static string FakeDirectory()
    {
        string serverApp = "{\"appId\":\"{0}\",\"displayName\":\"CmgServerApp\",\"secrets\":[{\"value\":" + Quote(Secret) + ",\"endDateTime\":\"2099-01-01T00:00:00Z\"}]," +
            "\"graphRoles\":[\"Application.ReadWrite.OwnedBy\",\"Directory.Read.All\"]}";
        var tenants = new List<string>();
        tenants.Add("{\"id\":" + Quote(Tenant) + ",\"displayName\":\"Contoso\",\"domains\":[\"contoso.onmicrosoft.com\"],\"applications\":[" +
            "{\"appId\":" + Quote(PublicClient) + ",\"displayName\":\"Microsoft Graph Command Line Tools\",\"isFallbackPublicClient\":true}," +
            "{\"appId\":" + Quote(Automation) + ",\"displayName\":\"CMAAD automation\",\"secrets\":[{\"value\":" + Quote(AutomationSecret) + ",\"endDateTime\":\"2099-01-01T00:00:00Z\"}]," +
            "\"graphRoles\":[\"Application.ReadWrite.All\",\"AppRoleAssignment.ReadWrite.All\",\"DelegatedPermissionGrant.ReadWrite.All\"]}]}");
        foreach (string[] pair in new[] { Due, Healthy, Wrong })
        {
            tenants.Add("{\"id\":" + Quote(pair[0]) + ",\"displayName\":\"T\",\"applications\":[" + serverApp.Replace("{0}", pair[1]) + "]}");
        }
        return "{\"deviceCodeIntervalSecs\":1,\"tenants\":[" + string.Join(",", tenants.ToArray()) + "]}";
    }

    private static CmaadSession FakeSession(FakeEntraProcess fake)
    {
        return OpenSession(",\"AuthorityHost\":" + Quote(fake.Url) + ",\"GraphHost\":" + Quote(fake.Url) + ",\"TimeoutSeconds\":10");
    }

    private static long ImportDue(CmaadSession session, string[] pair, int days, string secret)
    {
        string request = "{\"TenantName\":" + Quote("T" + pair[0].Substring(35)) + ",\"TenantId\":" + Quote(pair[0]) + ",\"AppName\":\"CmgServerApp\",\"ClientId\":" + Quote(pair[1]) +
            ",\"SecretKeyExpiry\":" + Quote(DateTime.UtcNow.AddDays(days).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'")) + "}";
        using (SecureString s = Secure(secret))
        {
            return (long)Doc(session.ImportServerApp(request, s))["ID"];
        }
    }

    /// <summary>The scheduled-task script's decision (examples/Invoke-CmgSecretMaintenance.ps1): 1 when a person must act.</summary>
    private static int ExitCodeFor(Dictionary<string, object> report)
    {
        var summary = (Dictionary<string, object>)report["Summary"];
        return (long)summary["NeedsAttention"] > 0 ? 1 : 0;
    }

    private static Dictionary<string, object> Entry(Dictionary<string, object> report, long id)
    {
        foreach (object o in (List<object>)report["value"])
        {
            var e = (Dictionary<string, object>)o;
            if ((long)e["ID"] == id)
            {
                return e;
            }
        }
        throw new Exception("no entry for app " + id);
    }

    private static long Count(Dictionary<string, object> report, string key)
    {
        return (long)((Dictionary<string, object>)report["Summary"])[key];
    }

    private static void Maintenance()
    {
        using (var fake = FakeEntraProcess.Start(FakeDirectory()))
        using (CmaadSession session = FakeSession(fake))
        {
            long due = ImportDue(session, Due, 10, Secret);
            long healthy = ImportDue(session, Healthy, 200, Secret);
            long wrong = ImportDue(session, Wrong, 200, "not-the-secret");

            // -ReportOnly / -WhatIf: the request Invoke-CMAADSecretMaintenance sends; nothing rotated.
            var dry = Doc(session.MaintainSecrets("{\"RemoveOldSecret\":false,\"Rotate\":false}"));
            Check((string)Entry(dry, due)["Action"] == "RotationDue", "due app reported as due: " + Json.GetString(Entry(dry, due), "Detail"));
            Check(Count(dry, "Rotated") == 0 && Count(dry, "RotationDue") == 1, "nothing rotated in a dry run");
            Check(ExitCodeFor(dry) == 1, "a wrong secret fails the dry run too");

            // The scheduled run: rotate what is due, report what needs a person.
            var run = Doc(session.MaintainSecrets("{\"RotateWithinDays\":30,\"ValidityDays\":365,\"RemoveOldSecret\":true,\"Rotate\":true}"));
            Check((string)Entry(run, due)["Action"] == "Rotated", "due app rotated: " + Json.GetString(Entry(run, due), "Detail"));
            Check((long)Entry(run, due)["DaysUntilSecretExpiry"] >= 364, "rotated secret valid a year");
            Check((string)Entry(run, healthy)["Action"] == "Verified", "healthy app verified");
            var broken = Entry(run, wrong);
            Check((string)broken["Action"] == "NeedsAttention" && ((string)broken["Detail"]).Length > 0, "wrong secret needs a person");
            Check(Json.GetString((Dictionary<string, object>)broken["Error"], "Code") == "InvalidClientSecret", "error code of the wrong secret");
            Check(Count(run, "Total") == 3 && Count(run, "Verified") == 1 && Count(run, "Rotated") == 1 && Count(run, "NeedsAttention") == 1, "summary");
            Check(ExitCodeFor(run) == 1, "NeedsAttention > 0 makes the task fail");
            Check(session.GetApps(null).IndexOf(Secret, StringComparison.Ordinal) < 0, "no secret in any document");

            // The person renews the secret in the portal and stores it (Set-CMAADApplication -Verify).
            using (SecureString right = Secure(Secret))
            {
                session.SetAppSecret("{\"ID\":" + wrong + ",\"SecretKeyExpiry\":" + Quote(DateTime.UtcNow.AddDays(300).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'")) + ",\"Verify\":true}", right);
            }
            var next = Doc(session.MaintainSecrets(null));
            Check(Count(next, "NeedsAttention") == 0 && Count(next, "Verified") == 3 && Count(next, "Rotated") == 0, "the next night is clean");
            Check(ExitCodeFor(next) == 0, "and the task succeeds");

            // Test-CMAADApplication -Stored: one bounded call per tenant.
            var verified = Doc(session.VerifyApps("{\"TenantId\":" + Quote(Due[0]) + "}"));
            Check(((List<object>)verified["value"]).Count == 1 && Count(verified, "Verified") == 1, "per-tenant verification");
            Check(Value(session.GetApps("{\"ExpiringWithinDays\":30}")).Count == 0, "nothing expires within 30 days any more");
            Expect<CmaadInvalidArgumentException>(delegate { session.MaintainSecrets("{\"ValidityDays\":731}"); });
        }
    }

    private static bool WaitDone(System.Threading.Tasks.Task task, int milliseconds)
    {
        return System.Threading.Tasks.Task.WaitAny(new System.Threading.Tasks.Task[] { task }, milliseconds) == 0;
    }

    private static void DeviceCodeLifecycle()
    {
        using (var fake = FakeEntraProcess.Start(FakeDirectory()))
        using (CmaadSession session = FakeSession(fake))
        {
            // Begin, complete on a worker thread (as Connect-CMAADAzure does), cancel from the caller.
            CmaadGraphSignIn pending = session.GraphSignInBegin("{\"TenantId\":" + Quote(Tenant) + "}");
            var code = Doc(pending.Document);
            Check(((string)code["Message"]).Contains((string)code["UserCode"]) && (long)code["Interval"] == 1, "device code document: " + pending.Document);
            Check((string)code["ClientId"] == PublicClient, "default public client");
            var task = session.StartGraphSignInComplete(pending, "{\"TimeoutSeconds\":60}");
            Check(!WaitDone(task, 2500), "completion waits for the person");
            var started = DateTime.UtcNow;
            pending.Cancel();
            Check(WaitDone(task, 5000), "cancel ends the wait promptly");
            Check((DateTime.UtcNow - started).TotalSeconds < 3, "within a poll interval");
            var cancelled = Expect<CmaadException>(delegate { CmaadSession.TakeSignInResult(task); });
            Check(cancelled.Code == "SignInCancelled", "SignInCancelled: " + cancelled.Code);
            Check(cancelled.GetType() != typeof(AggregateException), "the typed exception, not the task's wrapper");
            pending.Dispose();
            pending.Dispose();
            var gone = Expect<ObjectDisposedException>(delegate { CmaadSession.TakeSignInResult(session.StartGraphSignInComplete(pending, null)); });
            Check(gone != null, "a freed sign-in is refused");
            Expect<ArgumentNullException>(delegate { session.StartGraphSignInComplete(null, null); });

            // A timeout keeps the code pending: it can be completed again, then freed.
            CmaadGraphSignIn again = session.GraphSignInBegin("{\"TenantId\":" + Quote(Tenant) + "}");
            var timedOut = Expect<CmaadException>(delegate { session.GraphSignInComplete(again, "{\"TimeoutSeconds\":1}"); });
            Check(timedOut.Code == "SignInTimeout", "timeout: " + timedOut.Code);
            Expect<CmaadInvalidArgumentException>(delegate { session.GraphSignInComplete(again, "{\"TimeoutSeconds\":0}"); });

            // Freeing while a completion runs (Ctrl+C: cancel, then free before the worker returns)
            // is safe: the handle is released only when the native call has returned.
            var running = session.StartGraphSignInComplete(again, "{\"TimeoutSeconds\":60}");
            Thread.Sleep(300);
            again.Cancel();
            again.Dispose();
            Check(WaitDone(running, 5000), "the worker returns after cancel");
            Check(Expect<CmaadException>(delegate { CmaadSession.TakeSignInResult(running); }).Code == "SignInCancelled", "cancelled, then freed");

            // A sign-in nobody completes is still freed cleanly.
            CmaadGraphSignIn abandoned = session.GraphSignInBegin("{\"TenantId\":" + Quote(Tenant) + "}");
            abandoned.Dispose();
            var notSignedIn = Expect<CmaadException>(delegate { session.NewServerApp(null, "{\"AppName\":\"X\"}"); });
            Check(notSignedIn.Message.Length > 0, "creating without a sign-in is refused: " + notSignedIn.Code);
        }
    }

    private static void Creation()
    {
        using (var fake = FakeEntraProcess.Start(FakeDirectory()))
        using (CmaadSession session = FakeSession(fake))
        using (SecureString secret = Secure(AutomationSecret))
        {
            CmaadGraphSignIn signIn = session.GraphSignInClientCredentials("{\"TenantId\":" + Quote(Tenant) + ",\"ClientId\":" + Quote(Automation) + "}", secret);
            var described = Doc(signIn.Document);
            Check((string)described["Kind"] == "ClientCredentials" && (bool)described["SignedIn"], "client credentials sign-in: " + signIn.Document);

            // New-CMAADServerApplication -WhatIf: the request the cmdlet sends, with the sign-in's tenant.
            string planJson = session.NewServerApp(signIn, "{\"AppName\":\"CmgServerApp\",\"SecretKeyExpiry\":\"TwoYears\",\"GrantAdminConsent\":true,\"WhatIf\":true}");
            var plan = Doc(planJson);
            Check((bool)plan["WhatIf"] && (string)plan["AppType"] == "ServerApplication" && (string)plan["TenantId"] == Tenant, "plan: " + planJson);
            var application = (Dictionary<string, object>)plan["Application"];
            Check((string)application["displayName"] == "CmgServerApp", "the POST body's display name");
            Check(planJson.Contains("api://" + Tenant + "/CmgServerApp"), "the default App ID URI");
            Check(Value(session.GetApps(null)).Count == 0, "WhatIf created and imported nothing");

            // The real creation, then the client app for it (WhatIf first, without a sign-in).
            var server = Doc(session.NewServerApp(signIn, "{\"AppName\":\"CmgServerApp\",\"SecretKeyExpiry\":\"OneYear\",\"GrantAdminConsent\":true}"));
            long serverId = (long)server["ID"];
            var registration = (Dictionary<string, object>)server["Registration"];
            Check((string)registration["IdentifierUri"] == "api://" + Tenant + "/CmgServerApp", "identifier URI");
            Check((string)server["ClientID"] == (string)registration["AppId"] && (long)server["DaysUntilSecretExpiry"] >= 364, "imported with its secret's expiry");
            var clientPlan = Doc(session.NewClientApp(null, "{\"AppName\":\"CmgClientApp\",\"ServerAppId\":" + serverId + ",\"GrantAdminConsent\":true,\"WhatIf\":true}"));
            Check((bool)clientPlan["WhatIf"] && Value(session.GetApps(null)).Count == 1, "client WhatIf created nothing");
            var client = Doc(session.NewClientApp(signIn, "{\"AppName\":\"CmgClientApp\",\"ServerAppId\":" + serverId + ",\"GrantAdminConsent\":true}"));
            Check((bool)client["IsClientApp"] && (string)client["TenantID"] == Tenant, "client app imported in the tenant");
            Check(((string)((Dictionary<string, object>)client["Registration"])["RedirectUri"]).StartsWith("ms-appx-web://Microsoft.AAD.BrokerPlugin/"), "broker redirect URI");

            // Test-CMAADApplication -ClientId and Set-UpdateServerApplication -WhatIf on what was made.
            var audit = Doc(session.AuditApp(signIn, "{\"ClientId\":" + Quote((string)server["ClientID"]) + "}"));
            Check((bool)audit["Passed"], "the created server app passes the audit: " + Json.GetString(audit, "DisplayName"));
            var update = Doc(session.UpdateServerApp(signIn, "{\"TenantId\":" + Quote(Tenant) + ",\"WhatIf\":true}"));
            Check(Value(session.UpdateServerApp(signIn, "{\"TenantId\":" + Quote(Tenant) + ",\"WhatIf\":true}")).Count == 1 && update.ContainsKey("WhatIf"), "update plan");
            Check(!(bool)((Dictionary<string, object>)((List<object>)update["value"])[0])["WouldChange"], "a new app already has http://localhost");
            signIn.Dispose();
            Expect<ObjectDisposedException>(delegate { session.AuditApp(signIn, "{\"ClientId\":" + Quote((string)server["ClientID"]) + "}"); });
        }
    }

    // ---------------------------------------------------------------- helpers

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static Dictionary<string, string> ParseForm(string body)
    {
        var form = new Dictionary<string, string>();
        foreach (string pair in body.Split('&'))
        {
            int eq = pair.IndexOf('=');
            if (eq > 0)
            {
                form[Uri.UnescapeDataString(pair.Substring(0, eq).Replace('+', ' '))] = Uri.UnescapeDataString(pair.Substring(eq + 1).Replace('+', ' '));
            }
        }
        return form;
    }

    /// <summary>The fake-entra binary (tests/fake-entra) serving a directory from a config file; killed on Dispose.</summary>
    private sealed class FakeEntraProcess : IDisposable
    {
        private readonly System.Diagnostics.Process process;
        private readonly string configPath;
        private readonly string url;

        private FakeEntraProcess(System.Diagnostics.Process process, string configPath, string url)
        {
            this.process = process;
            this.configPath = configPath;
            this.url = url;
        }

        public string Url
        {
            get { return url; }
        }

        public static FakeEntraProcess Start(string configJson)
        {
            string binary = Environment.GetEnvironmentVariable("CMAAD_FAKE_ENTRA");
            if (string.IsNullOrEmpty(binary) || !File.Exists(binary))
            {
                throw new Exception("the fake Entra binary is missing: set CMAAD_FAKE_ENTRA (run.sh builds it with cargo build -p cmaad-fake-entra --bin fake-entra)");
            }
            string config = Path.Combine(Path.GetDirectoryName(TempStore()), "fake-entra.json");
            File.WriteAllText(config, configJson);
            var info = new System.Diagnostics.ProcessStartInfo(binary, "\"" + config + "\"");
            info.UseShellExecute = false;
            info.RedirectStandardOutput = true;
            var process = System.Diagnostics.Process.Start(info);
            string first = process.StandardOutput.ReadLine();
            if (first == null || !first.StartsWith("http://127.0.0.1:"))
            {
                try { process.Kill(); } catch (InvalidOperationException) { }
                throw new Exception("fake-entra did not start (first line: " + (first ?? "none") + ")");
            }
            return new FakeEntraProcess(process, config, first.Trim());
        }

        public void Dispose()
        {
            try
            {
                process.Kill();
                process.WaitForExit(5000);
            }
            catch (InvalidOperationException)
            {
            }
            process.Dispose();
            File.Delete(configPath);
        }
    }

    /// <summary>A loopback Entra token endpoint that answers every request with one canned reply.</summary>
    private sealed class FakeEntra : IDisposable
    {
        private readonly TcpListener listener;
        private readonly Thread thread;
        private readonly int status;
        private readonly string reply;
        private volatile bool stopping;
        private string lastTokenBody;

        public FakeEntra(int status, string reply)
        {
            this.status = status;
            this.reply = reply;
            listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            thread = new Thread(Serve);
            thread.IsBackground = true;
            thread.Start();
        }

        public string Url
        {
            get { return "http://127.0.0.1:" + ((IPEndPoint)listener.LocalEndpoint).Port; }
        }

        public string LastTokenBody
        {
            get { lock (this) { return lastTokenBody; } }
        }

        private void Serve()
        {
            while (!stopping)
            {
                TcpClient client;
                try
                {
                    client = listener.AcceptTcpClient();
                }
                catch (SocketException)
                {
                    return;
                }
                catch (ObjectDisposedException)
                {
                    return;
                }
                try
                {
                    Handle(client);
                }
                catch (IOException)
                {
                }
                finally
                {
                    client.Close();
                }
            }
        }

        // Minimal HTTP/1.1: read the head and a Content-Length body, answer and close.
        private void Handle(TcpClient client)
        {
            NetworkStream stream = client.GetStream();
            var head = new MemoryStream();
            int matched = 0;
            while (matched < 4)
            {
                int b = stream.ReadByte();
                if (b < 0)
                {
                    return;
                }
                head.WriteByte((byte)b);
                matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
            }
            string text = Encoding.ASCII.GetString(head.ToArray());
            int length = 0;
            foreach (string line in text.Split(new[] { "\r\n" }, StringSplitOptions.None))
            {
                if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
                {
                    length = int.Parse(line.Substring(15).Trim());
                }
            }
            var body = new byte[length];
            int read = 0;
            while (read < length)
            {
                int n = stream.Read(body, read, length - read);
                if (n <= 0)
                {
                    break;
                }
                read += n;
            }
            string requestLine = text.Substring(0, text.IndexOf('\r'));
            if (requestLine.StartsWith("POST ") && requestLine.Contains("/oauth2/v2.0/token"))
            {
                lock (this)
                {
                    lastTokenBody = Encoding.UTF8.GetString(body);
                }
            }
            byte[] payload = Encoding.UTF8.GetBytes(reply);
            string reason = status == 200 ? "OK" : "Unauthorized";
            string response = "HTTP/1.1 " + status + " " + reason + "\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: " + payload.Length +
                "\r\nConnection: close\r\n\r\n";
            byte[] headBytes = Encoding.ASCII.GetBytes(response);
            stream.Write(headBytes, 0, headBytes.Length);
            stream.Write(payload, 0, payload.Length);
            stream.Flush();
        }

        public void Dispose()
        {
            stopping = true;
            listener.Stop();
            thread.Join(2000);
        }
    }
}
