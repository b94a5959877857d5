//! What the cloud management gateway needs of its two app registrations in Microsoft Entra ID,
//! stated once, each requirement with its check and its fix. Verification and the audit check
//! registrations against it, creation writes what it states, and the server app update
//! (`cmaad_update_server_app`) brings older server apps up to it.
//!
//! Sources: "Configure Microsoft Entra ID for the CMG" and "Update Application Settings"
//! (ConfigMgr documentation, seed 003/004 in `configmgr-reference.md`); the Graph v1.0
//! `application` resource (<https://learn.microsoft.com/graph/api/resources/application>);
//! "Restrictions on identifier URIs" and the identifier URI patterns of Entra
//! (<https://learn.microsoft.com/entra/identity-platform/identifier-uri-restrictions>,
//! <https://learn.microsoft.com/entra/identity-platform/reference-app-manifest#identifieruris-attribute>).

use crate::error::{Error, Result};
use crate::model::registration::AppRegistration;
use crate::model::time::format_time;
use crate::model::values::shorten;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// Microsoft Graph's application ID.
pub const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";
/// Graph's `Directory.Read.All` application permission (Entra user discovery).
pub const DIRECTORY_READ_ALL: &str = "7ab1d382-f21e-4acd-a863-ba3e13f7da61";
/// Graph's `User.Read` delegated permission.
pub const USER_READ: &str = "e1fe6dd8-ba31-4d61-89e7-88639da4683d";
/// The server app's public client redirect URI (ConfigMgr 2309 and later).
pub const LOCALHOST: &str = "http://localhost";
/// The delegated scope the server app exposes and the client app asks for.
pub const USER_IMPERSONATION: &str = "user_impersonation";
/// Supported account types of both apps: this organization only.
pub const SIGN_IN_AUDIENCE: &str = "AzureADMyOrg";

/// The client app's broker redirect URI.
pub fn broker_uri(app_id: &str) -> String {
    format!("ms-appx-web://Microsoft.AAD.BrokerPlugin/{app_id}")
}

/// A check's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Outcome {
    /// Entra or Graph confirmed it.
    Passed,
    /// Entra or Graph contradicted it.
    Failed,
    /// It could not be made; the detail says why.
    NotChecked,
}

/// One requirement checked on a registration.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// The requirement (`AppIdUri`, `DeviceOnlyAuth`, ...).
    pub name: &'static str,
    /// What came of it.
    pub outcome: Outcome,
    /// What was seen.
    pub detail: String,
    /// How to meet the requirement (shown when it failed).
    pub fix: String,
}

fn finding(name: &'static str, passed: bool, detail: String, fix: impl Into<String>) -> Finding {
    Finding {
        name,
        outcome: if passed {
            Outcome::Passed
        } else {
            Outcome::Failed
        },
        detail,
        fix: fix.into(),
    }
}

/// Outcome of checking an App ID URI: the URI to store and any warning for the admin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppIdUri {
    /// The URI as stored.
    pub uri: String,
    /// Advice that does not stop the import.
    pub warning: Option<String>,
}

/// A DNS name of at least two labels (`contoso.com`): what a verified domain looks like. Entra
/// itself checks that the domain is verified in the tenant when the URI is set.
fn is_domain(host: &str) -> bool {
    let labels: Vec<&str> = host.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        })
        && labels
            .last()
            .is_some_and(|l| l.chars().any(|c| c.is_ascii_alphabetic()))
}

fn same_guid(text: &str, guid: &str) -> bool {
    !guid.is_empty()
        && uuid::Uuid::try_parse(text)
            .ok()
            .zip(uuid::Uuid::try_parse(guid).ok())
            .is_some_and(|(a, b)| a == b)
}

/// The documented form an App ID URI has, for an app `app_id` (empty when not known yet) in
/// tenant `tenant_id`: `api://{appId}`, `api://{tenantId}/{string}` (the GUID in any case),
/// `api://{string}/{appId}`, `api://{verifiedDomain}/{string}`, `https://{verifiedDomain}/{string}`
/// or `https://{sub}.{verifiedDomain}[/...]`; `None` for any other form. A trailing `/` is never
/// valid. Source: Entra's identifier URI patterns and "Restrictions on identifier URIs".
pub fn app_id_uri_form(uri: &str, tenant_id: &str, app_id: &str) -> Option<&'static str> {
    let url = url::Url::parse(uri.trim()).ok()?;
    if uri.trim().ends_with('/') {
        return None;
    }
    let host = url.host_str().unwrap_or_default();
    let path = url.path().trim_start_matches('/');
    match url.scheme() {
        "api" if path.is_empty() && same_guid(host, app_id) => Some("api://{appId}"),
        "api" if !path.is_empty() && same_guid(host, tenant_id) => {
            Some("api://{tenantId}/{string}")
        }
        "api" if same_guid(path.rsplit('/').next().unwrap_or_default(), app_id) => {
            Some("api://{string}/{appId}")
        }
        "api" if !path.is_empty() && is_domain(host) => Some("api://{verifiedDomain}/{string}"),
        "https" if !path.is_empty() && is_domain(host) => Some("https://{verifiedDomain}/{string}"),
        "https" if is_domain(host) && host.split('.').count() >= 3 => {
            Some("https://{sub}.{verifiedDomain}")
        }
        _ => None,
    }
}

/// The documented forms, for messages.
const URI_FORMS: &str = "api://{appId}, api://{tenantId}/{string}, api://{verifiedDomain}/{string}, https://{verifiedDomain}/{string} or https://{sub}.{verifiedDomain}";

/// Checks an App ID URI given to import, change or create a server app: absolute, scheme `api`
/// or `https`, a host, no trailing `/` (errors); not one of Entra's documented forms
/// ([`app_id_uri_form`]) is accepted with a warning, since a URI already set in Entra keeps
/// working for the clients that use it. `client_id` may be empty (not known yet).
pub fn app_id_uri(value: &str, tenant_id: &str, client_id: &str) -> Result<AppIdUri> {
    const FIELD: &str = "AppIdUri";
    let v = value.trim();
    let url = url::Url::parse(v).map_err(|_| {
        Error::invalid(FIELD, "RelativeAppIdUri", format!("AppIdUri '{}' is not an absolute URI: copy the Application ID URI from the app's Expose an API page; the recommended form is api://{tenant_id}/ConfigMgrService.", shorten(value)))
    })?;
    if url.scheme() != "api" && url.scheme() != "https" {
        return Err(Error::invalid(FIELD, "InvalidAppIdUriScheme", format!("AppIdUri '{}' has scheme '{}': Entra accepts api:// or https:// here; the recommended form is api://{tenant_id}/ConfigMgrService.", shorten(value), url.scheme())));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(Error::invalid(
            FIELD,
            "RelativeAppIdUri",
            format!(
                "AppIdUri '{}' has no host part: use api://{tenant_id}/ConfigMgrService.",
                shorten(value)
            ),
        ));
    }
    let warning = if v
        .trim_end_matches('/')
        .eq_ignore_ascii_case("https://configmgrservice")
    {
        Some(format!("AppIdUri '{v}' is ConfigMgr's old default: Entra's default policy now rejects new URIs without a tenant ID, app ID or verified domain; prefer api://{tenant_id}/ConfigMgrService when you next recreate the app."))
    } else if app_id_uri_form(v, tenant_id, client_id).is_none() {
        Some(format!("AppIdUri '{v}' is none of the forms Entra documents for an app's identifier ({URI_FORMS}); Entra refuses such new URIs. If the app already has it, keep it (clients use it); the recommended form is api://{tenant_id}/ConfigMgrService."))
    } else {
        None
    };
    Ok(AppIdUri {
        uri: v.to_string(),
        warning,
    })
}

/// What both apps need: this organization only, ID tokens issued.
pub fn common(app: &AppRegistration) -> Vec<Finding> {
    let audience = app.sign_in_audience.as_deref().unwrap_or_default();
    let id_tokens = app.web.implicit_grant_settings.enable_id_token_issuance;
    vec![
        finding("SignInAudience", audience == SIGN_IN_AUDIENCE, format!("signInAudience is '{audience}'."), "Set 'Supported account types' to 'Accounts in this organizational directory only' (manifest signInAudience AzureADMyOrg)."),
        finding("IdTokenIssuance", id_tokens, format!("ID token issuance (oauth2AllowIdTokenImplicitFlow) is {}.", if id_tokens { "on" } else { "off" }), "In the app's Manifest set oauth2AllowIdTokenImplicitFlow to true (Authentication > Implicit grant > ID tokens)."),
    ]
}

/// What the server (web) app needs: an App ID URI in a documented form, the `user_impersonation`
/// scope, the `http://localhost` redirect URI, device-only tokens, a valid secret, and (for user
/// discovery) Directory.Read.All without User.Read.
pub fn server(app: &AppRegistration, tenant_id: &str, now: DateTime<Utc>) -> Vec<Finding> {
    let mut found = vec![
        app_id_uris(app, tenant_id),
        user_impersonation_scope(app),
        localhost_redirect(app),
        device_only_auth(app),
        client_secret(app, now),
    ];
    found.extend(directory_read_all(app));
    found
}

fn app_id_uris(app: &AppRegistration, tenant_id: &str) -> Finding {
    let uris = &app.identifier_uris;
    let forms: Vec<String> = uris
        .iter()
        .filter_map(|u| app_id_uri_form(u, tenant_id, &app.app_id).map(|f| format!("{u} ({f})")))
        .collect();
    let detail = if forms.is_empty() {
        format!("identifierUris: {uris:?}; none has a form Entra documents.")
    } else {
        format!("identifierUris: {}.", forms.join(", "))
    };
    let fix = if uris.is_empty() {
        format!("On Expose an API set the Application ID URI (the portal's default api://{{appId}}, or api://{tenant_id}/ConfigMgrService).")
    } else {
        format!("Keep the current URI while clients use it; on Expose an API add an Application ID URI in a documented form ({URI_FORMS}), e.g. api://{tenant_id}/ConfigMgrService.")
    };
    finding("AppIdUri", !forms.is_empty(), detail, fix)
}

fn user_impersonation_scope(app: &AppRegistration) -> Finding {
    let scope = app.scope(USER_IMPERSONATION);
    let good = scope.is_some_and(|s| s.kind == "User" && s.is_enabled);
    let detail = match scope {
        None => "No user_impersonation scope is exposed.".to_string(),
        Some(s) => format!(
            "user_impersonation: type {:?}, enabled {}.",
            s.kind, s.is_enabled
        ),
    };
    finding("UserImpersonationScope", good, detail, "On Expose an API add the scope user_impersonation, who can consent: Admins and users, with admin consent display name and description, enabled.")
}

fn localhost_redirect(app: &AppRegistration) -> Finding {
    let redirects = &app.public_client.redirect_uris;
    finding("LocalhostRedirectUri", redirects.iter().any(|u| u == LOCALHOST), format!("Public client redirect URIs: {redirects:?}."), "Add the redirect URI http://localhost for 'Mobile and desktop applications' (Set-UpdateServerApplication does it).")
}

/// `isDeviceOnlyAuthSupported`: devices without a signed-in user get CMG tokens only when it
/// is true. ConfigMgr's "Update Application Settings" sets it; the portal does not show it.
pub fn device_only_auth(app: &AppRegistration) -> Finding {
    let on = app.is_device_only_auth_supported == Some(true);
    finding("DeviceOnlyAuth", on, format!("isDeviceOnlyAuthSupported is {}.", app.is_device_only_auth_supported.map_or("not set".to_string(), |b| b.to_string())), "Devices without a signed-in user cannot get tokens for the CMG until isDeviceOnlyAuthSupported is true: run Set-UpdateServerApplication -TenantId (cmaad_update_server_app), or ConfigMgr's Update Application Settings; the portal does not show this setting.")
}

fn client_secret(app: &AppRegistration, now: DateTime<Utc>) -> Finding {
    let latest = app
        .password_credentials
        .iter()
        .filter_map(|p| p.end())
        .max();
    let detail = match latest {
        None => "The app has no client secret.".to_string(),
        Some(e) => format!("The latest client secret ends {}.", format_time(&e)),
    };
    finding("ClientSecret", latest.is_some_and(|e| e > now), detail, "On Certificates & secrets add a client secret valid 12 or 24 months, then store it with Set-CMAADApplication -SecretKey.")
}

fn directory_read_all(app: &AppRegistration) -> Option<Finding> {
    let graph: Vec<_> = app.required_of(GRAPH_APP_ID).collect();
    if !graph
        .iter()
        .any(|a| a.id == DIRECTORY_READ_ALL && a.kind == "Role")
    {
        return Some(Finding {
            name: "DirectoryReadAll",
            outcome: Outcome::NotChecked,
            detail: "Microsoft Graph Directory.Read.All (application) is not requested; it is needed only for Entra user discovery.".into(),
            fix: String::new(),
        });
    }
    let user_read = graph.iter().any(|a| a.id == USER_READ);
    Some(finding(
        "DirectoryReadAll",
        !user_read,
        "Microsoft Graph Directory.Read.All (application) is requested.".into(),
        "Remove the delegated User.Read permission, as the documents prescribe for user discovery.",
    ))
}

/// What the client (native) app needs: the broker redirect URI, public client flows, and the
/// server app's `user_impersonation` permission. `server_app_id` is the server app's client ID
/// (`None`: not known, that check is not made) and `scope_id` its `user_impersonation` scope
/// ID (`None`: not readable, any delegated permission of the server app counts).
pub fn client(
    app: &AppRegistration,
    server_app_id: Option<&str>,
    scope_id: Option<&str>,
) -> Vec<Finding> {
    let redirects = &app.public_client.redirect_uris;
    let broker = broker_uri(&app.app_id);
    let public = app.is_fallback_public_client == Some(true);
    let mut found = vec![
        finding("PublicClientFlows", public, format!("'Allow public client flows' is {}.", if public { "Yes" } else { "No" }), "Under Authentication > Advanced settings set 'Allow public client flows' to Yes."),
        finding("BrokerRedirectUri", redirects.iter().any(|u| u.eq_ignore_ascii_case(&broker)), format!("Public client redirect URIs: {redirects:?}."), format!("Under Authentication add the 'Mobile and desktop applications' redirect URI {broker}.")),
    ];
    let Some(server_id) = server_app_id else {
        found.push(Finding {
            name: "UserImpersonation",
            outcome: Outcome::NotChecked,
            detail: "No server app is known to compare with: give ServerClientId, or import the tenant's server app.".into(),
            fix: String::new(),
        });
        return found;
    };
    let has = app
        .required_of(server_id)
        .any(|a| a.kind == "Scope" && scope_id.is_none_or(|id| a.id.eq_ignore_ascii_case(id)));
    found.push(finding("UserImpersonation", has, format!("Delegated user_impersonation of server app {server_id} is {}requested.", if has { "" } else { "not " }), "On API permissions add a permission > My APIs > the server app > user_impersonation, then grant admin consent."));
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    const TENANT: &str = "5e97358c-d99c-4558-af0c-de7774091dda";
    const APP: &str = "11aa22bb-33cc-44dd-85ee-66ff77008899";

    #[test]
    fn documented_app_id_uri_forms() {
        for uri in [
            format!("api://{APP}"),
            "https://cmg.contoso.com".to_string(),
            "api://contoso.com/ConfigMgrService".to_string(),
            "api://5E97358C-D99C-4558-AF0C-DE7774091DDA/ConfigMgrService".to_string(),
            "https://contoso.com/ConfigMgrService".to_string(),
            format!("api://ConfigMgrService/{APP}"),
        ] {
            assert!(app_id_uri_form(&uri, TENANT, APP).is_some(), "{uri}");
            assert!(
                app_id_uri(&uri, TENANT, APP).unwrap().warning.is_none(),
                "{uri}"
            );
        }
        for uri in [
            "https://ConfigMgrService",
            "api://ConfigMgrService",
            "https://contoso.com/ConfigMgrService/",
            "https://contoso.com",
        ] {
            assert!(app_id_uri_form(uri, TENANT, APP).is_none(), "{uri}");
            assert!(
                app_id_uri(uri, TENANT, APP).unwrap().warning.is_some(),
                "{uri}"
            );
        }
        assert_eq!(
            app_id_uri("ConfigMgrService", TENANT, APP)
                .unwrap_err()
                .code,
            "RelativeAppIdUri"
        );
        assert_eq!(
            app_id_uri("http://x/y", TENANT, APP).unwrap_err().code,
            "InvalidAppIdUriScheme"
        );
    }

    #[test]
    fn device_only_auth_is_required_of_the_server_app() {
        let mut app = AppRegistration::default();
        assert_eq!(device_only_auth(&app).outcome, Outcome::Failed);
        app.is_device_only_auth_supported = Some(true);
        assert_eq!(device_only_auth(&app).outcome, Outcome::Passed);
    }
}
