//! The Entra endpoints CMAAD calls: OpenID discovery (tenant resolution), the v2.0 token endpoint
//! with client credentials (cached), and the device authorization endpoint as an existence probe.
//! Each call returns `Ok(Err(body))` when Entra refused, `Err` when it could not be asked.

use super::cache::{self, Key, Token};
use super::errors::EntraErrorBody;
use super::transport::{unexpected, Reply, Transport};
use crate::error::Error;
use crate::secret::SecretKey;
use serde::Deserialize;
use std::time::Duration;
use zeroize::Zeroizing;

/// Entra's answer or its refusal.
pub type Answer<T> = Result<T, EntraErrorBody>;

/// `expires_in` when the answer has none (MSAL's default).
const DEFAULT_EXPIRES_IN: u64 = 600;

/// Where and as whom a call is made.
#[derive(Debug, Clone, Copy)]
pub struct Caller<'a> {
    /// Transport (client, timeouts, retries).
    pub transport: &'a Transport,
    /// Authority host, no trailing slash.
    pub authority: &'a str,
    /// Tenant GUID or domain, as it goes into the path.
    pub tenant: &'a str,
    /// `client-request-id` sent with every request (Entra echoes it as the correlation ID).
    pub request_id: &'a str,
}

impl Caller<'_> {
    fn url(&self, path: &str) -> String {
        format!("{}/{}/{path}", self.authority, self.tenant)
    }

    fn headers(&self, builder: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        builder
            .header("client-request-id", self.request_id)
            .header("return-client-request-id", "true")
            .header(reqwest::header::ACCEPT, "application/json")
    }
}

/// Reads a JSON success body or an Entra error body (scrubbed of `secrets`, what the request
/// carried); anything else is a `Network` error.
fn interpret<T: for<'de> Deserialize<'de>>(
    what: &str,
    reply: &Reply,
    secrets: &[&str],
) -> Result<Answer<T>, Error> {
    if !reply.is_json() {
        return Err(unexpected(what, reply));
    }
    if reply.status == 200 {
        return serde_json::from_slice(&reply.body)
            .map(Ok)
            .map_err(|_| unexpected(what, reply));
    }
    match EntraErrorBody::parse(&reply.body, secrets) {
        Some(body) if (400..500).contains(&reply.status) => Ok(Err(body)),
        _ => Err(unexpected(what, reply)),
    }
}

#[derive(Deserialize)]
struct Discovery {
    token_endpoint: String,
}

/// Resolves the tenant (GUID or verified domain) to its GUID through its OpenID configuration.
pub async fn resolve_tenant(caller: &Caller<'_>) -> Result<Answer<String>, Error> {
    let url = caller.url("v2.0/.well-known/openid-configuration");
    let what = format!("the OpenID configuration request to {url}");
    let reply = caller
        .transport
        .send(&what, |client| caller.headers(client.get(&url)))
        .await?;
    let answer: Answer<Discovery> = interpret(&what, &reply, &[])?;
    Ok(match answer {
        Ok(doc) => Ok(tenant_of(&doc.token_endpoint).ok_or_else(|| unexpected(&what, &reply))?),
        Err(body) => Err(body),
    })
}

/// The tenant GUID in `{authority}/{tenant}/oauth2/v2.0/token` (how MSAL reads it).
fn tenant_of(token_endpoint: &str) -> Option<String> {
    let url = url::Url::parse(token_endpoint).ok()?;
    let first = url.path_segments()?.next()?;
    uuid::Uuid::try_parse(first).ok().map(|g| g.to_string())
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Seconds {
    Number(u64),
    Text(String),
}

#[derive(Deserialize)]
struct TokenBody {
    access_token: String,
    #[serde(default)]
    expires_in: Option<Seconds>,
}

/// What a client-credentials request asks for.
#[derive(Debug, Clone, Copy)]
pub struct Credentials<'a> {
    /// The confidential client.
    pub client_id: &'a str,
    /// Its secret.
    pub secret: &'a SecretKey,
    /// `{resource}/.default`.
    pub scope: &'a str,
}

/// A client-credentials token, from the cache when one for the same authority, tenant, client,
/// scope and secret is still fresh.
pub async fn client_credentials(
    caller: &Caller<'_>,
    creds: &Credentials<'_>,
) -> Result<Answer<Token>, Error> {
    let key = Key::new(
        caller.authority,
        caller.tenant,
        creds.client_id,
        creds.scope,
        creds.secret.expose(),
    );
    if let Some(token) = cache::get(&key) {
        return Ok(Ok(token));
    }
    let url = caller.url("oauth2/v2.0/token");
    let what = format!("the token request to {url}");
    let build = |client: &reqwest::Client| {
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", creds.client_id),
            ("client_secret", creds.secret.expose()),
            ("scope", creds.scope),
        ];
        caller.headers(client.post(&url)).form(&form)
    };
    let reply = caller.transport.send(&what, build).await?;
    let body: TokenBody = match interpret(&what, &reply, &[creds.secret.expose()])? {
        Ok(body) => body,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let expires_in = seconds(body.expires_in.as_ref()).ok_or_else(|| unexpected(&what, &reply))?;
    let token = Token {
        roles: super::jwt::Claims::of(&body.access_token).roles,
        access_token: Zeroizing::new(body.access_token),
    };
    cache::put(key, token.clone(), Duration::from_secs(expires_in));
    Ok(Ok(token))
}

/// `expires_in` as a number or a numeric string; absent means [`DEFAULT_EXPIRES_IN`].
fn seconds(value: Option<&Seconds>) -> Option<u64> {
    match value {
        None => Some(DEFAULT_EXPIRES_IN),
        Some(Seconds::Number(n)) => Some(*n),
        Some(Seconds::Text(text)) => text.trim().parse().ok(),
    }
}

/// Asks for a device code for `client_id` and throws it away: Entra answers AADSTS700016 when the
/// app does not exist in the tenant. The code is never polled, so nobody is asked to sign in.
pub async fn device_code_probe(caller: &Caller<'_>, client_id: &str) -> Result<Answer<()>, Error> {
    let url = caller.url("oauth2/v2.0/devicecode");
    let what = format!("the device code request to {url}");
    let build = |client: &reqwest::Client| {
        caller.headers(client.post(&url)).form(&[
            ("client_id", client_id),
            ("scope", "openid profile offline_access"),
        ])
    };
    let reply = caller.transport.send(&what, build).await?;
    match interpret::<serde_json::Value>(&what, &reply, &[])? {
        Ok(doc)
            if doc
                .get("device_code")
                .and_then(|c| c.as_str())
                .is_some_and(|c| !c.is_empty()) =>
        {
            Ok(Ok(()))
        }
        Ok(_) => Err(unexpected(&what, &reply)),
        Err(refusal) => Ok(Err(refusal)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expires_in_number_or_string() {
        assert_eq!(seconds(Some(&Seconds::Number(3599))), Some(3599));
        assert_eq!(seconds(Some(&Seconds::Text("3599".into()))), Some(3599));
        assert_eq!(seconds(Some(&Seconds::Text("soon".into()))), None);
        assert_eq!(seconds(None), Some(DEFAULT_EXPIRES_IN));
    }

    #[test]
    fn tenant_from_token_endpoint() {
        assert_eq!(tenant_of("https://login.microsoftonline.com/05a349fa-0d5c-4a1c-9f3e-1c2d3e4f5a6b/oauth2/v2.0/token").as_deref(), Some("05a349fa-0d5c-4a1c-9f3e-1c2d3e4f5a6b"));
        assert_eq!(
            tenant_of("https://login.microsoftonline.com/common/oauth2/v2.0/token"),
            None
        );
    }
}
