// What every CMAAD cmdlet shares: the site session, one ErrorRecord per failure, typed output
// read from the library's documents, and the verbose line saying what a call contacts.

using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Management.Automation;
using System.Diagnostics;
using System.Security;
using System.Threading;
using System.Threading.Tasks;
using System.Xml.Linq;
using CMAAD.Interop;

namespace CMAAD.Commands
{
    /// <summary>The base of every CMAAD cmdlet.</summary>
    public abstract class CmaadCmdlet : PSCmdlet
    {
        private bool? verbose;

        /// <summary>True when verbose output is shown (-Verbose, or $VerbosePreference), so messages are built only then.</summary>
        protected bool VerboseEnabled
        {
            get
            {
                if (!verbose.HasValue)
                {
                    object bound;
                    if (MyInvocation.BoundParameters.TryGetValue("Verbose", out bound))
                    {
                        verbose = LanguagePrimitives.IsTrue(bound);
                    }
                    else
                    {
                        object preference = GetVariableValue("VerbosePreference");
                        verbose = preference != null && !preference.ToString().Equals("SilentlyContinue", StringComparison.OrdinalIgnoreCase)
                            && !preference.ToString().Equals("Ignore", StringComparison.OrdinalIgnoreCase);
                    }
                }
                return verbose.Value;
            }
        }

        /// <summary>The site session; a failure to open it stops the cmdlet with its ErrorRecord.</summary>
        protected SiteSession Session
        {
            get
            {
                try
                {
                    return ModuleState.Session();
                }
                catch (Exception e)
                {
                    ThrowTerminatingError(SessionError(e));
                    throw;
                }
            }
        }

        /// <summary>The ErrorRecord for a failure to load the library or open the session.</summary>
        internal static ErrorRecord SessionError(Exception e)
        {
            var cmaad = e as CmaadException;
            if (cmaad != null)
            {
                return cmaad.ToErrorRecord(null);
            }
            if (e is SiteNotConnectedException)
            {
                return new ErrorRecord(e, "CMAAD.SiteNotConnected", ErrorCategory.ResourceUnavailable, null);
            }
            if (e is FileNotFoundException)
            {
                return new ErrorRecord(e, "CMAAD.LibraryMissing", ErrorCategory.ResourceUnavailable, ((FileNotFoundException)e).FileName);
            }
            if (e is DllNotFoundException || e is BadImageFormatException || e is EntryPointNotFoundException || e is PlatformNotSupportedException)
            {
                return new ErrorRecord(e, "CMAAD.LibraryNotLoaded", ErrorCategory.ResourceUnavailable, NativeLibraryLoader.LibraryPath);
            }
            return new ErrorRecord(e, "CMAAD.LibraryMismatch", ErrorCategory.ResourceUnavailable, NativeLibraryLoader.LibraryPath);
        }

        /// <summary>
        /// Runs one native call. A failure becomes this cmdlet's one ErrorRecord (non-terminating,
        /// so the pipeline goes on with the next item, unless terminating is set) and null is returned.
        /// </summary>
        protected string Invoke(Func<SiteSession, string> call, object target, bool terminating = false)
        {
            SiteSession session = Session;
            try
            {
                return call(session);
            }
            catch (CmaadException e)
            {
                ErrorRecord record = e.ToErrorRecord(target);
                if (terminating)
                {
                    ThrowTerminatingError(record);
                }
                WriteError(record);
                return null;
            }
        }

        /// <summary>
        /// Runs a native call that may wait (Graph's replication, a new secret's propagation,
        /// throttling, many verifications) on a worker thread, writing Write-Progress every 250 ms
        /// with what <paramref name="status"/> says for the seconds elapsed. A failure becomes the
        /// cmdlet's one non-terminating ErrorRecord and null is returned, as with Invoke.
        /// </summary>
        protected string InvokeWithProgress(string activity, Func<double, Site, string> status, Func<SiteSession, string> call, object target)
        {
            SiteSession session = Session;
            Task<string> task = Task.Factory.StartNew(() => call(session), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            var watch = Stopwatch.StartNew();
            while (Task.WaitAny(new Task[] { task }, 250) < 0)
            {
                WriteProgress(new ProgressRecord(4, activity, status(watch.Elapsed.TotalSeconds, session.Site)));
            }
            WriteProgress(new ProgressRecord(4, activity, "Done") { RecordType = ProgressRecordType.Completed });
            try
            {
                return task.Result;
            }
            catch (AggregateException e)
            {
                var failure = e.GetBaseException() as CmaadException;
                if (failure == null)
                {
                    throw;
                }
                WriteError(failure.ToErrorRecord(target));
                return null;
            }
        }

        /// <summary>Reads a result document into T: open members, warnings written.</summary>
        protected T Read<T>(string document) where T : CmaadObject
        {
            T result = JsonDocument.Read<T>(document);
            if (result == null)
            {
                return null;
            }
            string[] open = result.OpenMembers;
            if (open.Length > 0 && MentionsAny(document, open))
            {
                result.ReadOpenMembers(JsonDocument.Tree(document));
            }
            WriteWarnings(result);
            return result;
        }

        /// <summary>Reads a {"value":[...]} document into T objects.</summary>
        protected T[] ReadList<T>(string document) where T : CmaadObject
        {
            ValueList<T> list = JsonDocument.Read<ValueList<T>>(document);
            if (list != null && list.Warnings != null)
            {
                foreach (string warning in list.Warnings)
                {
                    WriteWarning(warning);
                }
            }
            T[] items = list == null || list.Items == null ? new T[0] : list.Items;
            if (items.Length > 0 && items[0] != null && items[0].OpenMembers.Length > 0 && MentionsAny(document, items[0].OpenMembers))
            {
                XElement values = JsonDocument.Find(JsonDocument.Tree(document), "value");
                int i = 0;
                foreach (XElement element in values.Elements())
                {
                    if (i < items.Length && items[i] != null)
                    {
                        items[i].ReadOpenMembers(element);
                    }
                    i++;
                }
            }
            foreach (T item in items)
            {
                if (item != null)
                {
                    WriteWarnings(item);
                }
            }
            return items;
        }

        /// <summary>Writes a document's object (if the call succeeded).</summary>
        protected void Emit<T>(string document) where T : CmaadObject
        {
            if (document != null)
            {
                WriteObject(Read<T>(document));
            }
        }

        /// <summary>Writes a list document's objects one by one (if the call succeeded).</summary>
        protected void EmitList<T>(string document) where T : CmaadObject
        {
            if (document != null)
            {
                foreach (T item in ReadList<T>(document))
                {
                    WriteObject(item);
                }
            }
        }

        /// <summary>For the -PassThru cmdlets: reads a successful call's object (its warnings are written) and outputs it only with -PassThru.</summary>
        protected void EmitWithPassThru<T>(string document, bool passThru) where T : CmaadObject
        {
            if (document != null)
            {
                T result = Read<T>(document);
                if (passThru)
                {
                    WriteObject(result);
                }
            }
        }

        private static bool MentionsAny(string document, string[] names)
        {
            foreach (string name in names)
            {
                if (document.IndexOf("\"" + name + "\"", StringComparison.Ordinal) >= 0)
                {
                    return true;
                }
            }
            return false;
        }

        private void WriteWarnings(CmaadObject result)
        {
            foreach (string warning in result.TakeWarnings())
            {
                WriteWarning(warning);
            }
        }

        /// <summary>Stops the cmdlet with an InvalidArgument error checked before calling the library.</summary>
        protected void ThrowArgumentError(string errorId, string message, object target)
        {
            ThrowTerminatingError(ArgumentError(errorId, message, target));
        }

        /// <summary>An InvalidArgument ErrorRecord with id CMAAD.&lt;errorId&gt;.</summary>
        protected static ErrorRecord ArgumentError(string errorId, string message, object target)
        {
            return new ErrorRecord(new ArgumentException(message), "CMAAD." + errorId, ErrorCategory.InvalidArgument, target);
        }

        /// <summary>Was the parameter given by the caller?</summary>
        protected bool Bound(string name)
        {
            return MyInvocation.BoundParameters.ContainsKey(name);
        }

        /// <summary>True when -WhatIf is in force (bound, or through $WhatIfPreference).</summary>
        protected bool WhatIfInForce
        {
            get
            {
                return Bound("WhatIf")
                    ? ((SwitchParameter)MyInvocation.BoundParameters["WhatIf"]).IsPresent
                    : LanguagePrimitives.IsTrue(GetVariableValue("WhatIfPreference"));
            }
        }

        /// <summary>
        /// ShouldProcess for a High-impact change that -Force confirms: with -Force (and no
        /// -Confirm) nothing is asked, but -WhatIf still only reports.
        /// </summary>
        protected bool ShouldProcessUnlessForced(bool force, string target, string action)
        {
            if (force && !Bound("Confirm") && !WhatIfInForce)
            {
                return true;
            }
            return ShouldProcess(target, action);
        }

        /// <summary>
        /// ShouldProcess for the library calls that change the site (import, set and remove of
        /// apps, services and tenants, a secret); true when they should run. Under -WhatIf each
        /// call runs first with "WhatIf": true set on its request: the library reads and checks
        /// as the real call would and sends no write, so a missing app, an app in use or a site
        /// that refuses writes is written as the real call's one ErrorRecord and no "What if:"
        /// line appears; otherwise the "What if:" message also lists each request the library
        /// planned (method, URL and body, SecretKey as &lt;redacted&gt;; none for the site store).
        /// With force and no -Confirm nothing is asked (High-impact removals).
        /// </summary>
        protected bool ShouldChangeSite(string target, string action, bool force, params SiteWrite[] changes)
        {
            if (!WhatIfInForce)
            {
                return ShouldProcessUnlessForced(force, target, action);
            }
            var planned = new List<string>();
            foreach (SiteWrite change in changes)
            {
                change.Request.Set("WhatIf", true);
                string document = Invoke(change.Call, change.ErrorTarget);
                if (document == null)
                {
                    return false;
                }
                planned.AddRange(PlannedRequests(document));
            }
            if (planned.Count == 0)
            {
                return ShouldProcess(target, action);
            }
            string description = string.Format(CultureInfo.CurrentCulture, "Performing the operation \"{0}\" on target \"{1}\" with these requests:", action, target) +
                Environment.NewLine + "  " + string.Join(Environment.NewLine + "  ", planned.ToArray());
            return ShouldProcess(description, description, action);
        }

        /// <summary>Each request of a WhatIf plan ({"Requests": [{"Method", "Url", "Body"}]}) as "METHOD URL BODY", the body as the library wrote it.</summary>
        private static List<string> PlannedRequests(string document)
        {
            var lines = new List<string>();
            XElement requests = JsonDocument.Find(JsonDocument.Tree(document), "Requests");
            if (requests == null)
            {
                return lines;
            }
            foreach (XElement request in requests.Elements())
            {
                XElement method = JsonDocument.Find(request, "Method");
                XElement url = JsonDocument.Find(request, "Url");
                XElement body = JsonDocument.Find(request, "Body");
                string line = (method == null ? "?" : method.Value) + " " + (url == null ? "?" : url.Value);
                XAttribute type = body == null ? null : body.Attribute("type");
                if (body != null && (type == null || type.Value != "null"))
                {
                    line += " " + JsonDocument.Text(body);
                }
                lines.Add(line);
            }
            return lines;
        }

        /// <summary>
        /// A call over several ConfigMgr sites (cmaad_sites_*): -ProviderMachineName and -SiteCode
        /// must pair up; the request gets the "Site" object from Connect-CMAADSite's settings, and
        /// the account's password crosses zero-freed. Waits with Write-Progress; null on failure.
        /// </summary>
        internal string InvokeSites(string operation, SiteSession.SecretCall call, string[] providers, string[] siteCodes, JsonRequest request)
        {
            if (providers == null || siteCodes == null || providers.Length != siteCodes.Length)
            {
                ThrowArgumentError("SitesMismatch", "-ProviderMachineName and -SiteCode go together, one site code per SMS Provider in the same order, " +
                    "e.g. -ProviderMachineName cm01.contoso.com,cm02.contoso.com -SiteCode P01,P02.", "SiteCode");
            }
            SiteOptions options = ModuleState.Options;
            request.Set("Site", options.SitesObject(providers, siteCodes));
            PSCredential credential = options.Credential;
            string scope = providers.Length + " sites (" + string.Join(", ", providers) + ")";
            Contact("Reading " + scope);
            return InvokeWithProgress("Reading several ConfigMgr sites",
                (seconds, site) => string.Format(System.Globalization.CultureInfo.InvariantCulture, "Reading {0} ({1:0} s)", scope, seconds),
                s => credential == null
                    ? s.Call(operation, (SessionHandle h, byte[] r, out IntPtr json) => call(h, r, IntPtr.Zero, UIntPtr.Zero, out json), request)
                    : s.CallWithSecret(operation, call, request, credential.Password), "Sites");
        }

        /// <summary>Says on the verbose stream what a call is about to contact.</summary>
        protected void Contact(string action, bool entra = false, string environment = null)
        {
            SiteSession session = VerboseEnabled ? ModuleState.OpenSessionOrNull() : null;
            if (session == null)
            {
                return;
            }
            Site site = session.Site;
            ProviderSite configMgr = site.ConfigMgrSite;
            string where = configMgr == null
                ? "the site store '" + site.StorePath + "'"
                : "ConfigMgr site " + configMgr.SiteCode + " through the SMS Provider " + configMgr.ProviderMachineName + " (" + configMgr.Authentication + " as " + configMgr.UserName + "; changes journaled in '" + site.StorePath + "')";
            if (!entra)
            {
                WriteVerbose(action + ": " + where + " only; nothing is sent to Microsoft Entra ID.");
                return;
            }
            string cloud = site.AzureEnvironment.ToString();
            string hosts = "authority " + site.AuthorityHost + ", Graph " + site.GraphHost;
            if (environment != null && environment != cloud)
            {
                cloud = environment;
                hosts = "that cloud's authority and Graph hosts, unless Connect-CMAADSite overrides them";
            }
            WriteVerbose(action + ": contacting Microsoft Entra ID (" + cloud + "; " + hosts + "), then " + where + ".");
        }

        /// <summary>Says on the verbose stream that a call goes to Microsoft Graph as the signed-in identity.</summary>
        protected void GraphContact(string action)
        {
            if (!VerboseEnabled)
            {
                return;
            }
            SiteSession session = ModuleState.OpenSessionOrNull();
            string graph = session == null ? "Microsoft Graph" : "Microsoft Graph (" + session.Site.GraphHost + ")";
            GraphSignIn info = ModuleState.SignInInfo;
            string who = info == null
                ? "without a sign-in (WhatIf reads nothing)"
                : "as the " + info.Kind + " sign-in of client " + info.ClientId + " in tenant " + info.TenantId + " (" + info.AzureEnvironment + ")";
            string store = session == null ? string.Empty : ", then the site store '" + session.Site.StorePath + "'";
            WriteVerbose(action + ": contacting " + graph + " " + who + store + ".");
        }

        /// <summary>The current Microsoft Graph sign-in; stops the cmdlet when there is none (unless optional).</summary>
        protected GraphSession RequireSignIn(bool optional = false)
        {
            GraphSession signIn = ModuleState.SignIn;
            if (signIn != null || optional)
            {
                return signIn;
            }
            string message = MyInvocation.MyCommand.Name + " changes or reads app registrations through Microsoft Graph, " +
                "but nobody is signed in: run Connect-CMAADAzure -TenantId <tenant GUID> first (device code for a person, " +
                "or -ClientId and -ClientSecret of an automation app for scheduled tasks).";
            ThrowTerminatingError(new ErrorRecord(new InvalidOperationException(message), "CMAAD.NotConnected", ErrorCategory.AuthenticationError, null));
            return null;
        }

        /// <summary>Writes the plain-text warning when -SecretKey/-ClientSecret was given as a string.</summary>
        protected void WarnPlainTextSecret()
        {
            string parameter = SecureStringTransformationAttribute.TakePlainTextConversion();
            if (parameter != null)
            {
                WriteWarning(SecureStringTransformationAttribute.PlainTextWarning(parameter));
            }
        }
    }

    /// <summary>One library call that changes the site, for CmaadCmdlet.ShouldChangeSite.</summary>
    public sealed class SiteWrite
    {
        /// <param name="request">The call's request document; "WhatIf": true is set on it under -WhatIf.</param>
        /// <param name="call">The library call, reading <paramref name="request"/> when it runs.</param>
        /// <param name="errorTarget">The target of the call's ErrorRecord.</param>
        public SiteWrite(JsonRequest request, Func<SiteSession, string> call, object errorTarget)
        {
            Request = request;
            Call = call;
            ErrorTarget = errorTarget;
        }

        internal JsonRequest Request { get; private set; }

        internal Func<SiteSession, string> Call { get; private set; }

        internal object ErrorTarget { get; private set; }
    }

    /// <summary>The cmdlets of ConfigMgr's names, which take its wildcard switches.</summary>
    public abstract class ConfigMgrCmdlet : CmaadCmdlet
    {
        /// <summary>Accepted for compatibility with the ConfigurationManager module; CMAAD takes no wildcards.</summary>
        [Parameter]
        public SwitchParameter DisableWildcardHandling { get; set; }

        /// <summary>Accepted for compatibility with the ConfigurationManager module; CMAAD takes no wildcards.</summary>
        [Parameter]
        public SwitchParameter ForceWildcardHandling { get; set; }
    }
}

namespace CMAAD
{
    /// <summary>
    /// Lets a SecureString parameter take a plain string, as Microsoft's published
    /// Import-CMAADServerApplication example passes one; the cmdlet then warns that the text may
    /// remain in history, naming its own parameter.
    /// </summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field, AllowMultiple = false)]
    public sealed class SecureStringTransformationAttribute : ArgumentTransformationAttribute
    {
        [ThreadStatic]
        private static string convertedParameter;

        public SecureStringTransformationAttribute(string parameterName)
        {
            ParameterName = parameterName;
        }

        /// <summary>The parameter this attribute sits on, for the warning.</summary>
        public string ParameterName { get; private set; }

        /// <summary>The warning for a plain-text value of the parameter.</summary>
        public static string PlainTextWarning(string parameterName)
        {
            return parameterName + " was given as plain text; it was converted to a SecureString, but the text may remain in your command history and transcripts. " +
                "Pass (Read-Host -AsSecureString) or a SecureString from a secret store instead.";
        }

        /// <summary>The parameter converted from plain text on this thread since the last call, or null; resets.</summary>
        public static string TakePlainTextConversion()
        {
            string converted = convertedParameter;
            convertedParameter = null;
            return converted;
        }

        public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
        {
            object value = inputData;
            var wrapped = value as PSObject;
            if (wrapped != null)
            {
                value = wrapped.BaseObject;
            }
            if (value is SecureString)
            {
                return value;
            }
            var text = value as string;
            if (text == null)
            {
                return inputData;
            }
            var secure = new SecureString();
            foreach (char c in text)
            {
                secure.AppendChar(c);
            }
            secure.MakeReadOnly();
            convertedParameter = ParameterName;
            return secure;
        }
    }
}
