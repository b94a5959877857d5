//! `Bearer` authentication to the SMS Provider: a delegated Entra token for the site's client
//! app with the scope `<server app App ID URI>/.default`, sent on every request to
//! `https://<provider>/AdminService_TokenAuth/...`, or through a cloud management gateway to
//! `https://<CMG>/CCM_Proxy_ServerAuth/<ID>/AdminService/...` ("Enable the administration
//! service through the cloud management gateway", Microsoft Learn).
//!
//! The token comes from CMAAD's device code sign-in (`cmaad_graph_signin_begin` with
//! `"Resource": "AdminService"`) and lives only in the site's connection, in memory wiped when
//! it is replaced or the session closes. It goes to the one host the options name (redirects
//! are refused), never into a document, a log or the journal.

use crate::error::{Error, Result, Status};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

/// The part of the path that follows the host on a gateway route.
const CMG_PROXY: &str = "/CCM_Proxy_ServerAuth/";

/// The `Bearer` settings of `"Site"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BearerSettings {
    /// The tenant GUID.
    pub tenant_id: String,
    /// The client app's client ID (a public client: the CMG client app).
    pub client_id: String,
    /// The server app's App ID URI; the token's scope is `<AppIdUri>/.default`.
    pub app_id_uri: String,
    /// `https://<CMG>/CCM_Proxy_ServerAuth/<ID>` when the provider is reached through a CMG.
    pub cmg_url: Option<String>,
}

impl BearerSettings {
    /// Checks `TenantId`, `ClientId`, `AppIdUri` and the optional `CmgUrl`.
    ///
    /// # Errors
    /// `InvalidArgument` naming `Site.<field>`, the problem and the fix.
    pub fn check(
        tenant_id: Option<String>,
        client_id: Option<String>,
        app_id_uri: Option<String>,
        cmg_url: Option<String>,
    ) -> Result<BearerSettings> {
        let tenant_id = guid(
            tenant_id,
            "TenantId",
            "the tenant's ID (Entra Overview page)",
        )?;
        let client_id = guid(
            client_id,
            "ClientId",
            "the client ID of the site's client app (Get-CMAADApplication -AppType Client)",
        )?;
        let app_id_uri = app_id_uri
            .map(|u| u.trim().trim_end_matches('/').to_string())
            .filter(|u| !u.is_empty())
            .ok_or_else(|| {
                Error::invalid(
                    "Site.AppIdUri",
                    "MissingField",
                    "Site.AppIdUri is missing: Bearer needs the App ID URI of the site's server app (its IdentifierUri in Get-CMAADApplication -AppType Server), e.g. api://<tenant>/ConfigMgrService.",
                )
            })?;
        if app_id_uri.chars().any(char::is_whitespace) || !app_id_uri.contains(':') {
            return Err(Error::invalid(
                "Site.AppIdUri",
                "InvalidAppIdUri",
                format!("Site.AppIdUri '{app_id_uri}' is not an App ID URI: give the server app's IdentifierUri, e.g. api://<tenant>/ConfigMgrService."),
            ));
        }
        let cmg_url = cmg_url.map(|u| check_cmg_url(&u)).transpose()?;
        Ok(BearerSettings {
            tenant_id,
            client_id,
            app_id_uri,
            cmg_url,
        })
    }

    /// The delegated scope the token is asked for: `<AppIdUri>/.default`.
    pub fn scope(&self) -> String {
        format!("{}/.default", self.app_id_uri)
    }

    /// `{"TenantId", "ClientId", "AppIdUri", "CmgUrl", "Endpoint"}` for the session's
    /// description (never the token).
    pub fn describe(&self, provider: &str) -> serde_json::Value {
        serde_json::json!({
            "TenantId": self.tenant_id,
            "ClientId": self.client_id,
            "AppIdUri": self.app_id_uri,
            "CmgUrl": self.cmg_url,
            "Endpoint": self.base_url(provider),
        })
    }

    /// The AdminService root the token is sent to, for `provider` (`host[:port]`).
    pub fn base_url(&self, provider: &str) -> String {
        match &self.cmg_url {
            Some(cmg) => format!("{cmg}/AdminService"),
            None => format!("https://{provider}/AdminService_TokenAuth"),
        }
    }
}

fn guid(value: Option<String>, field: &str, what: &str) -> Result<String> {
    let value = value
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    match uuid::Uuid::try_parse(&value) {
        Ok(_) if value.len() == 36 => Ok(value),
        _ if value.is_empty() => Err(Error::invalid(
            &format!("Site.{field}"),
            "MissingField",
            format!("Site.{field} is missing: Bearer needs {what}."),
        )),
        _ => Err(Error::invalid(
            &format!("Site.{field}"),
            &format!("Invalid{field}"),
            format!("Site.{field} '{value}' is not a GUID: give {what}."),
        )),
    }
}

/// `https://<CMG host>/CCM_Proxy_ServerAuth/<ID>` (a trailing `/AdminService` is dropped).
fn check_cmg_url(value: &str) -> Result<String> {
    let bad = |why: &str| {
        Error::invalid(
            "Site.CmgUrl",
            "InvalidCmgUrl",
            format!("Site.CmgUrl '{value}' {why}: give the gateway's proxy URL as the console shows it, https://<CMG service name>/CCM_Proxy_ServerAuth/<ID>."),
        )
    };
    let url = url::Url::parse(value.trim()).map_err(|_| bad("is not a URL"))?;
    if url.scheme() != "https" {
        return Err(bad("is not https"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("carries a user name or password"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("has a query or fragment"));
    }
    let host = url.host_str().ok_or_else(|| bad("has no host"))?;
    let path = url.path().trim_end_matches('/');
    let path = path
        .strip_suffix("/AdminService")
        .or_else(|| path.strip_suffix("/adminservice"))
        .unwrap_or(path);
    let id = path
        .get(..CMG_PROXY.len())
        .filter(|p| p.eq_ignore_ascii_case(CMG_PROXY))
        .map(|_| &path[CMG_PROXY.len()..])
        .ok_or_else(|| bad("does not go to /CCM_Proxy_ServerAuth/<ID>"))?;
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_digit()) {
        return Err(bad("has no numeric ID after /CCM_Proxy_ServerAuth/"));
    }
    let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
    Ok(format!(
        "https://{}{port}{CMG_PROXY}{id}",
        host.to_ascii_lowercase()
    ))
}

/// The site's delegated token, wiped when dropped.
pub struct BearerToken {
    token: Zeroizing<String>,
    expires: Instant,
}

impl std::fmt::Debug for BearerToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BearerToken(<token>)")
    }
}

impl BearerToken {
    /// A token valid for `lifetime` from now.
    pub fn new(token: Zeroizing<String>, lifetime: Duration) -> BearerToken {
        BearerToken {
            token,
            expires: Instant::now() + lifetime,
        }
    }
}

/// Where the connection's token is kept.
#[derive(Debug, Default)]
pub struct TokenSlot(Mutex<Option<BearerToken>>);

impl TokenSlot {
    /// Keeps `token`, wiping the one it replaces.
    pub fn set(&self, token: BearerToken) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(token);
    }

    /// `Bearer <token>` for the next request.
    ///
    /// # Errors
    /// `InvalidArgument` `SiteSignInRequired` before a sign-in; `SiteSignInExpired` once the
    /// token's lifetime has passed.
    pub fn authorization(&self, provider: &str) -> Result<Zeroizing<String>> {
        let slot = self.0.lock().unwrap_or_else(|p| p.into_inner());
        match slot.as_ref() {
            None => Err(Error::invalid(
                "Site.Authentication",
                "SiteSignInRequired",
                format!("The session reaches {provider} with Bearer and has no token yet: sign in first (cmaad_graph_signin_begin and _complete with \"Resource\": \"AdminService\"; Connect-CMAADSite -Authentication Bearer does this)."),
            )),
            Some(t) if t.expires <= Instant::now() => Err(expired(provider)),
            Some(t) => Ok(Zeroizing::new(format!("Bearer {}", t.token.as_str()))),
        }
    }
}

fn expired(provider: &str) -> Error {
    Error::invalid(
        "Site.Authentication",
        "SiteSignInExpired",
        format!("The Entra sign-in for {provider} has expired: sign in again (cmaad_graph_signin_begin with \"Resource\": \"AdminService\", or Connect-CMAADSite -Authentication Bearer)."),
    )
}

/// The error for a token the provider (or gateway) refused with `401`; `challenge` is its
/// `WWW-Authenticate: Bearer ...` (RFC 6750 §3), whose `error_description` is quoted scrubbed.
pub fn refused(provider: &str, settings: &BearerSettings, challenge: Option<&str>) -> Error {
    let description = challenge
        .and_then(|c| parameter(c, "error_description"))
        .map(|d| crate::scrub::server_text(&d, &[]))
        .unwrap_or_else(|| "no reason given".to_string());
    let lower = description.to_ascii_lowercase();
    if lower.contains("expired") || lower.contains("lifetime") {
        return Error::new(
            Status::InvalidArgument,
            "SiteTokenExpired",
            format!("{provider} refused the Entra token as expired ({description}): sign in again (Connect-CMAADSite -Authentication Bearer), and check this machine's clock."),
        )
        .with_target("Site.Authentication");
    }
    if lower.contains("audience") {
        return Error::invalid(
            "Site.AppIdUri",
            "SiteTokenWrongAudience",
            format!("{provider} refused the Entra token: it is not for the site's server app ({description}). Set Site.AppIdUri to the App ID URI of the server app the site uses (its IdentifierUri; now '{}') and sign in again.", settings.app_id_uri),
        );
    }
    Error::invalid(
        "Site.Authentication",
        "SiteTokenRefused",
        format!("{provider} refused the Entra token ({description}): check that the account signed in is a ConfigMgr administrative user, that Site.TenantId, Site.ClientId (the site's client app) and Site.AppIdUri (its server app) are the site's, and sign in again."),
    )
}

/// A `key="value"` parameter of a challenge.
fn parameter(challenge: &str, key: &str) -> Option<String> {
    let start = challenge.find(&format!("{key}=\""))? + key.len() + 2;
    let rest = &challenge[start..];
    Some(rest[..rest.find('"')?].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(cmg: Option<&str>) -> Result<BearerSettings> {
        BearerSettings::check(
            Some("05A349FA-0D5C-4A1C-9F3E-1C2D3E4F5A6B".into()),
            Some("cf114f48-2b3c-4d5e-9f0a-1b2c3d4e5f60".into()),
            Some("api://contoso/ConfigMgrService/".into()),
            cmg.map(str::to_string),
        )
    }

    #[test]
    fn routes_and_scope() {
        let s = settings(None).unwrap();
        assert_eq!(s.tenant_id, "05a349fa-0d5c-4a1c-9f3e-1c2d3e4f5a6b");
        assert_eq!(s.scope(), "api://contoso/ConfigMgrService/.default");
        assert_eq!(
            s.base_url("cm01.contoso.com"),
            "https://cm01.contoso.com/AdminService_TokenAuth"
        );
        let s = settings(Some(
            "https://CMG.contoso.com/CCM_Proxy_ServerAuth/72057594037927941/AdminService/",
        ))
        .unwrap();
        assert_eq!(
            s.base_url("cm01.contoso.com"),
            "https://cmg.contoso.com/CCM_Proxy_ServerAuth/72057594037927941/AdminService"
        );
        for bad in [
            "http://cmg.contoso.com/CCM_Proxy_ServerAuth/1",
            "https://cmg.contoso.com/AdminService",
            "https://cmg.contoso.com/CCM_Proxy_ServerAuth/",
            "https://user:pw@cmg.contoso.com/CCM_Proxy_ServerAuth/1",
            "https://cmg.contoso.com/CCM_Proxy_ServerAuth/1?x=1",
        ] {
            assert_eq!(
                settings(Some(bad)).unwrap_err().code,
                "InvalidCmgUrl",
                "{bad}"
            );
        }
    }

    #[test]
    fn missing_or_bad_fields_name_the_field() {
        let e = BearerSettings::check(None, None, None, None).unwrap_err();
        assert_eq!(e.target.as_deref(), Some("Site.TenantId"));
        let e = BearerSettings::check(
            Some("05a349fa-0d5c-4a1c-9f3e-1c2d3e4f5a6b".into()),
            Some("cf114f48-2b3c-4d5e-9f0a-1b2c3d4e5f60".into()),
            Some("ConfigMgrService".into()),
            None,
        )
        .unwrap_err();
        assert_eq!(e.code, "InvalidAppIdUri");
    }

    #[test]
    fn tokens_are_never_shown_and_expire() {
        let slot = TokenSlot::default();
        assert_eq!(
            slot.authorization("cm01").unwrap_err().code,
            "SiteSignInRequired"
        );
        slot.set(BearerToken::new(
            Zeroizing::new("eyJ.secret.x".into()),
            Duration::ZERO,
        ));
        assert!(!format!("{slot:?}").contains("secret"));
        assert_eq!(
            slot.authorization("cm01").unwrap_err().code,
            "SiteSignInExpired"
        );
        slot.set(BearerToken::new(
            Zeroizing::new("eyJ.secret.x".into()),
            Duration::from_secs(60),
        ));
        assert_eq!(
            slot.authorization("cm01").unwrap().as_str(),
            "Bearer eyJ.secret.x"
        );
    }

    #[test]
    fn refusals_say_what_to_fix() {
        let s = settings(None).unwrap();
        let e = refused(
            "cm01",
            &s,
            Some(r#"Bearer error="invalid_token", error_description="The token expired at 12:00""#),
        );
        assert_eq!(e.code, "SiteTokenExpired");
        let e = refused(
            "cm01",
            &s,
            Some(
                r#"Bearer error="invalid_token", error_description="The audience 'x' is invalid""#,
            ),
        );
        assert_eq!(
            (e.code.as_str(), e.target.as_deref()),
            ("SiteTokenWrongAudience", Some("Site.AppIdUri"))
        );
        assert!(e.message.contains("api://contoso/ConfigMgrService"));
        assert_eq!(refused("cm01", &s, Some("Bearer")).code, "SiteTokenRefused");
    }
}
