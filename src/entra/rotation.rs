//! Secret rotation through Microsoft Graph: a Graph token from the app's own credentials, the
//! app registration's password credentials, `addPassword`, `removePassword`, and waiting until a
//! new secret obtains a token (Entra needs seconds to propagate one). Each call either completes
//! or returns an error; the caller decides what to undo.

use super::errors::{entra_error, Context, GraphErrorBody};
use super::oauth::{self, Caller, Credentials};
use super::transport::{unexpected, Reply, Transport};
use super::Verifier;
use crate::cloud::AzureEnvironment;
use crate::error::{Error, Result, Status};
use crate::runtime::block_on;
use crate::secret::SecretKey;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::json;
use std::time::{Duration, Instant};
use zeroize::{Zeroize, Zeroizing};

/// A server app as rotation sees it.
#[derive(Debug, Clone, Copy)]
pub struct RotatingApp<'a> {
    /// The cloud.
    pub environment: AzureEnvironment,
    /// Tenant GUID.
    pub tenant_id: &'a str,
    /// The app's client ID.
    pub client_id: &'a str,
    /// A secret of the app.
    pub secret: &'a SecretKey,
}

/// A password credential as Graph lists it (never with its text).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PasswordCredential {
    /// `keyId`.
    pub key_id: String,
    /// `displayName`.
    #[serde(default)]
    pub display_name: Option<String>,
    /// The secret's first characters.
    #[serde(default)]
    pub hint: Option<String>,
    /// `endDateTime` (RFC 3339).
    #[serde(default)]
    pub end_date_time: Option<String>,
}

impl PasswordCredential {
    /// `endDateTime` as a time, when Graph gave a readable one.
    pub fn end(&self) -> Option<DateTime<Utc>> {
        crate::model::time::parse_rfc3339(self.end_date_time.as_deref()?)
    }
}

/// The app registration's object ID and its passwords.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Registration {
    /// Object ID (addresses `addPassword`).
    pub id: String,
    /// Existing passwords.
    #[serde(default)]
    pub password_credentials: Vec<PasswordCredential>,
}

/// A password Graph just added, with its text.
pub struct NewPassword {
    /// `keyId`.
    pub key_id: String,
    /// `secretText`, in wiping memory.
    pub secret: SecretKey,
    /// `endDateTime`.
    pub end_date_time: DateTime<Utc>,
}

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewPassword")
            .field("key_id", &self.key_id)
            .field("end_date_time", &self.end_date_time)
            .finish_non_exhaustive()
    }
}

/// Graph access as one app, for one rotation.
pub struct GraphAccess {
    transport: Transport,
    graph: String,
    token: Zeroizing<String>,
    request_id: String,
}

impl std::fmt::Debug for GraphAccess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "GraphAccess({})", self.graph)
    }
}

impl Verifier {
    /// A Microsoft Graph token with the app's own credentials (client credentials, Graph
    /// `/.default`). Rotation needs the app to hold `Application.ReadWrite.OwnedBy` (and own
    /// itself) or `Application.ReadWrite.All`, admin-consented.
    pub fn graph_access(&self, app: &RotatingApp<'_>) -> Result<GraphAccess> {
        let transport = self.transport();
        let request_id = uuid::Uuid::new_v4().to_string();
        let authority = self.authority(app.environment);
        let scope = self.graph_scope(app.environment, ".default");
        let caller = Caller {
            transport: &transport,
            authority: &authority,
            tenant: app.tenant_id,
            request_id: &request_id,
        };
        let creds = Credentials {
            client_id: app.client_id,
            secret: app.secret,
            scope: &scope,
        };
        let token = match block_on(oauth::client_credentials(&caller, &creds))?? {
            Ok(token) => token.access_token,
            Err(body) => return Err(entra_error(&body, &context(app, &scope))),
        };
        Ok(GraphAccess {
            graph: self.graph(app.environment),
            transport,
            token,
            request_id,
        })
    }

    /// Asks for tokens with `app.secret` until Entra accepts it or `timeout` passes. Only
    /// "invalid client secret" (not yet propagated) is waited out; any other refusal ends the
    /// wait at once. Returns how long it took.
    pub fn wait_for_secret(&self, app: &RotatingApp<'_>, timeout: Duration) -> Result<Duration> {
        let transport = self.transport();
        let authority = self.authority(app.environment);
        let scope = self.graph_scope(app.environment, ".default");
        let start = Instant::now();
        for attempt in 1u32.. {
            let request_id = uuid::Uuid::new_v4().to_string();
            let caller = Caller {
                transport: &transport,
                authority: &authority,
                tenant: app.tenant_id,
                request_id: &request_id,
            };
            let creds = Credentials {
                client_id: app.client_id,
                secret: app.secret,
                scope: &scope,
            };
            let body = match block_on(oauth::client_credentials(&caller, &creds))?? {
                Ok(_) => return Ok(start.elapsed()),
                Err(body) => body,
            };
            let wait = Duration::from_secs(u64::from(attempt.min(5)));
            if body.code() != Some(7000215) || start.elapsed() + wait > timeout {
                let error = entra_error(&body, &context(app, &scope));
                return Err(not_working(
                    error,
                    start.elapsed(),
                    body.code() == Some(7000215),
                ));
            }
            std::thread::sleep(wait);
        }
        unreachable!("the wait ends by returning")
    }
}

impl GraphAccess {
    /// The app registration with client ID `app_id`: its object ID and passwords.
    pub fn registration(&self, app_id: &str) -> Result<Registration> {
        let url = format!("{}/v1.0/applications(appId='{app_id}')", self.graph);
        let what = format!("the Microsoft Graph request to {url}");
        let reply = block_on(self.transport.send(&what, |client| {
            self.headers(client.get(&url))
                .query(&[("$select", "id,appId,passwordCredentials")])
        }))??;
        match reply.status {
            200 => serde_json::from_slice(&reply.body).map_err(|_| unexpected(&what, &reply)),
            _ => Err(graph_error(
                &what,
                &reply,
                "reading the app registration",
                &self.token,
            )),
        }
    }

    /// `addPassword`: a new secret named `display_name` that expires at `end`.
    pub fn add_password(
        &self,
        object_id: &str,
        display_name: &str,
        end: DateTime<Utc>,
    ) -> Result<NewPassword> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Added {
            key_id: String,
            secret_text: String,
            end_date_time: String,
        }
        let url = format!("{}/v1.0/applications/{object_id}/addPassword", self.graph);
        let what = format!("the Microsoft Graph request to {url}");
        let body = json!({ "passwordCredential": { "displayName": display_name, "endDateTime": end.to_rfc3339() } });
        // Not retried: a second attempt after a lost answer would add a second password.
        let once = self.transport.single_attempt();
        let mut reply =
            block_on(once.send(&what, |client| self.headers(client.post(&url)).json(&body)))??;
        if reply.status != 200 && reply.status != 201 {
            return Err(graph_error(&what, &reply, "adding a password", &self.token));
        }
        let parsed = serde_json::from_slice::<Added>(&reply.body);
        let Ok(added) = parsed else {
            reply.body.zeroize();
            return Err(unexpected(&what, &reply));
        };
        reply.body.zeroize();
        let text = Zeroizing::new(added.secret_text);
        let units = Zeroizing::new(text.encode_utf16().collect::<Vec<u16>>());
        Ok(NewPassword {
            key_id: added.key_id,
            secret: SecretKey::from_utf16(&units, "SecretKey")?,
            end_date_time: crate::model::time::parse_rfc3339(&added.end_date_time).unwrap_or(end),
        })
    }

    /// `removePassword` of `key_id`.
    pub fn remove_password(&self, object_id: &str, key_id: &str) -> Result<()> {
        let url = format!(
            "{}/v1.0/applications/{object_id}/removePassword",
            self.graph
        );
        let what = format!("the Microsoft Graph request to {url}");
        let body = json!({ "keyId": key_id });
        let reply = block_on(
            self.transport
                .send(&what, |client| self.headers(client.post(&url)).json(&body)),
        )??;
        match reply.status {
            200 | 204 => Ok(()),
            _ => Err(graph_error(
                &what,
                &reply,
                "removing a password",
                &self.token,
            )),
        }
    }

    fn headers(&self, builder: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        builder
            .bearer_auth(self.token.as_str())
            .header("client-request-id", &self.request_id)
            .header(reqwest::header::ACCEPT, "application/json")
    }
}

fn context<'a>(app: &RotatingApp<'a>, scope: &'a str) -> Context<'a> {
    Context {
        environment: app.environment.name(),
        tenant: app.tenant_id,
        tenant_field: "TenantId",
        client_id: app.client_id,
        scope: Some(scope),
        step: "the client-credentials token request with the app's stored or new secret",
    }
}

/// The error for a new secret that never obtained a token.
fn not_working(error: Error, waited: Duration, timed_out: bool) -> Error {
    let mut e = error;
    if timed_out {
        e.code = "NewSecretNotWorking".into();
        e.message = format!(
            "The new secret still did not obtain a token after {:.0} s (AADSTS7000215): Entra may be slow to propagate it; retry the rotation later or raise PropagationTimeoutSeconds.",
            waited.as_secs_f64()
        );
    }
    e
}

/// The CMAAD error for a Graph refusal while `doing` something with bearer `token`.
fn graph_error(what: &str, reply: &Reply, doing: &str, token: &str) -> Error {
    let Some(GraphErrorBody { error }) = GraphErrorBody::parse(&reply.body, &[token]) else {
        return unexpected(what, reply);
    };
    let (status, code, advice) = match (reply.status, error.code.as_str()) {
        (403, _) | (_, "Authorization_RequestDenied") => (Status::VerificationFailed, "GraphPermissionDenied", "the app may not change its own credentials: grant it the Microsoft Graph application permission Application.ReadWrite.OwnedBy (and make it an owner of itself) or Application.ReadWrite.All, with admin consent; or renew the secret in the portal and store it with Set-CMAADApplication -SecretKey."),
        (404, _) => (Status::NotFound, "GraphResourceNotFound", "check the ClientId and TenantId of the stored app; a just-created app can take a minute to appear."),
        (401, _) => (Status::VerificationFailed, "GraphTokenRefused", "Graph refused the app's token; check the AzureEnvironment and the GraphHost setting."),
        _ => (Status::VerificationFailed, "GraphError", "look the code up in Microsoft Graph's error reference."),
    };
    Error::new(
        status,
        code,
        format!(
            "Microsoft Graph refused {doing} (HTTP {}, {}: {}): {advice}",
            reply.status,
            error.code,
            error.message.chars().take(300).collect::<String>()
        ),
    )
    .with_target("ClientId")
}
