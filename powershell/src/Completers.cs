// Tab completion: names and IDs from the connected site's store. (The clouds complete from the
// AzureEnvironment enum itself, which holds only the supported ones.)

using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Management.Automation.Language;
using CMAAD.Interop;

namespace CMAAD.Commands
{
    /// <summary>
    /// Completes from values read from the open site session; nothing before a cmdlet or
    /// Connect-CMAADSite opened one (pressing Tab never creates a store).
    /// </summary>
    public abstract class SiteValueCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            string prefix = (wordToComplete ?? string.Empty).Trim('\'', '"');
            var seen = new SortedDictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            SiteSession session = ModuleState.OpenSessionOrNull();
            if (session == null)
            {
                yield break;
            }
            try
            {
                foreach (KeyValuePair<string, string> value in Values(session))
                {
                    if (value.Key != null && value.Key.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) && !seen.ContainsKey(value.Key))
                    {
                        seen.Add(value.Key, value.Value);
                    }
                }
            }
            catch (Exception)
            {
                // Completion never fails loudly: no site, no suggestions.
                yield break;
            }
            foreach (KeyValuePair<string, string> value in seen)
            {
                string text = value.Key.IndexOfAny(new[] { ' ', '\'', '$', '`', '"', '(', ')', ';', ',', '{', '}', '@', '#' }) >= 0
                    ? "'" + value.Key.Replace("'", "''") + "'"
                    : value.Key;
                yield return new CompletionResult(text, value.Key, CompletionResultType.ParameterValue, value.Value);
            }
        }

        /// <summary>(value, tooltip) pairs.</summary>
        protected abstract IEnumerable<KeyValuePair<string, string>> Values(SiteSession session);

        internal static Application[] Apps(SiteSession session)
        {
            string doc = session.Call("cmaad_get_apps", NativeMethods.cmaad_get_apps, null);
            return JsonDocument.Read<ValueList<Application>>(doc).Items ?? new Application[0];
        }

        internal static Tenant[] Tenants(SiteSession session)
        {
            string doc = session.Call("cmaad_get_tenants", NativeMethods.cmaad_get_tenants, null);
            return JsonDocument.Read<ValueList<Tenant>>(doc).Items ?? new Tenant[0];
        }
    }

    /// <summary>-AppName: the stored apps' names.</summary>
    public sealed class AppNameCompleter : SiteValueCompleter
    {
        protected override IEnumerable<KeyValuePair<string, string>> Values(SiteSession session)
        {
            foreach (Application app in Apps(session))
            {
                yield return new KeyValuePair<string, string>(app.Name, app.AppType + " " + app.ClientID + " (" + app.TenantName + ")");
            }
        }
    }

    /// <summary>-ClientId: the stored apps' client IDs.</summary>
    public sealed class ClientIdCompleter : SiteValueCompleter
    {
        protected override IEnumerable<KeyValuePair<string, string>> Values(SiteSession session)
        {
            foreach (Application app in Apps(session))
            {
                yield return new KeyValuePair<string, string>(app.ClientID, app.Name + " (" + app.AppType + ", " + app.TenantName + ")");
            }
        }
    }

    /// <summary>-TenantId: the stored tenants' IDs.</summary>
    public sealed class TenantIdCompleter : SiteValueCompleter
    {
        protected override IEnumerable<KeyValuePair<string, string>> Values(SiteSession session)
        {
            foreach (Tenant tenant in Tenants(session))
            {
                yield return new KeyValuePair<string, string>(tenant.TenantID, tenant.Name);
            }
        }
    }

    /// <summary>-TenantName: the stored tenants' names.</summary>
    public sealed class TenantNameCompleter : SiteValueCompleter
    {
        protected override IEnumerable<KeyValuePair<string, string>> Values(SiteSession session)
        {
            foreach (Tenant tenant in Tenants(session))
            {
                yield return new KeyValuePair<string, string>(tenant.Name, tenant.TenantID);
            }
        }
    }

    /// <summary>A service's -Name: the stored services' names.</summary>
    public sealed class ServiceNameCompleter : SiteValueCompleter
    {
        protected override IEnumerable<KeyValuePair<string, string>> Values(SiteSession session)
        {
            string doc = session.Call("cmaad_get_services", NativeMethods.cmaad_get_services, null);
            foreach (CloudService service in JsonDocument.Read<ValueList<CloudService>>(doc).Items ?? new CloudService[0])
            {
                yield return new KeyValuePair<string, string>(service.Name, "Service " + service.ID + " of tenant " + service.TenantID);
            }
        }
    }
}
