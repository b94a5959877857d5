//! The one Microsoft Graph v1.0 client, with an app-only token (an app's own credentials:
//! verification, rotation, an automation app) or a delegated one (an administrator's device
//! code sign-in), and one module per Graph resource ([`applications`]; service principals, app
//! role assignments and permission grants are written through [`GraphClient::create`]).
//!
//! Reads, PATCH and DELETE go through the retrying transport (429/5xx, broken connections); a
//! POST that creates something is sent once and repeated only after 429 (Graph did not process
//! it), so a lost answer never creates a duplicate. Calls that name a just-created object are
//! repeated while Graph still answers as if it did not exist ([`Replication`]).

pub mod applications;

pub use applications::NewPassword;

use crate::entra::errors::GraphErrorBody;
use crate::entra::transport::{unexpected, Reply, Transport};
use crate::error::{Error, Result, Status};
use crate::runtime::block_on;
use serde_json::Value;
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

/// Whose token a client holds: Graph's refusals get advice for that identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Acting {
    /// An administrator or automation app signed in to create and change registrations.
    Administrator,
    /// A stored server app with its own credentials (verification, rotation).
    App,
}

/// How long calls naming a new object are repeated while Graph replicates it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Replication {
    /// First wait; doubles each time up to `max_backoff`.
    pub initial_backoff: Duration,
    /// Cap of one wait.
    pub max_backoff: Duration,
    /// Total time spent waiting for one call.
    pub max_total: Duration,
}

impl Default for Replication {
    fn default() -> Self {
        Replication {
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            max_total: Duration::from_secs(120),
        }
    }
}

impl Replication {
    /// No repetition: for clients that only name objects that exist already.
    pub fn none() -> Replication {
        Replication {
            max_total: Duration::ZERO,
            ..Replication::default()
        }
    }
}

/// Graph's refusal: HTTP status, Graph error code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphRefusal {
    /// HTTP status.
    pub status: u16,
    /// `Request_BadRequest`, `Authorization_RequestDenied`, ...
    pub code: String,
    /// Graph's text.
    pub message: String,
}

impl GraphRefusal {
    /// True when Graph answered as if a just-created object did not exist yet.
    pub fn is_replication_lag(&self) -> bool {
        let m = self.message.to_ascii_lowercase();
        self.status == 404
            || (self.status == 400
                && (m.contains("does not reference a valid application object")
                    || (m.starts_with("resource '") && m.contains("does not exist"))
                    || m.contains("not a valid reference update")))
    }

    /// True for a permission refusal.
    pub fn is_denied(&self) -> bool {
        self.status == 403 || self.code == "Authorization_RequestDenied"
    }

    /// The CMAAD error for this refusal while `doing` something, with advice for the identity
    /// `acting` (an app's own credentials or an administrator's sign-in).
    pub fn to_error(&self, doing: &str, acting: Acting) -> Error {
        let admin = acting == Acting::Administrator;
        let (status, code, advice) = match self.status {
            _ if self.is_denied() && !admin => (Status::VerificationFailed, "GraphPermissionDenied", "the app may not change its own credentials: grant it the Microsoft Graph application permission Application.ReadWrite.OwnedBy (and make it an owner of itself) or Application.ReadWrite.All, with admin consent; or renew the secret in the portal and store it with Set-CMAADApplication -SecretKey."),
            403 => (Status::VerificationFailed, "GraphPermissionDenied", "the signed-in administrator lacks the permission: sign in as an account that may create app registrations (Application Administrator or Global Administrator) and consent to Application.ReadWrite.All."),
            401 if admin => (Status::VerificationFailed, "GraphTokenRefused", "Graph refused the sign-in's token (expired, or issued for another Graph): sign in again; if it persists, check that AzureEnvironment and GraphHost name the same cloud (a token for https://graph.microsoft.us is refused by https://dod-graph.microsoft.us)."),
            401 => (Status::VerificationFailed, "GraphTokenRefused", "Graph refused the app's token; check that AzureEnvironment and GraphHost name the same cloud."),
            404 if admin => (Status::NotFound, "GraphResourceNotFound", "the object does not exist (yet); if it was just created, retry in a minute."),
            404 => (Status::NotFound, "GraphResourceNotFound", "check the ClientId and TenantId of the stored app; a just-created app can take a minute to appear."),
            409 => (Status::AlreadyExists, "GraphConflict", "an object with the same key already exists."),
            _ if admin => (Status::VerificationFailed, "GraphRequestRefused", "fix what Graph names and retry."),
            _ => (Status::VerificationFailed, "GraphError", "look the code up in Microsoft Graph's error reference."),
        };
        let text: String = self.message.chars().take(300).collect();
        let error = Error::new(
            status,
            code,
            format!(
                "Microsoft Graph refused {doing} (HTTP {}, {}: {text}): {advice}",
                self.status, self.code
            ),
        );
        if admin {
            error
        } else {
            error.with_target("ClientId")
        }
    }
}

/// A Graph answer: the JSON body (Null for 204) or Graph's refusal.
pub type GraphAnswer = std::result::Result<Value, GraphRefusal>;

/// Graph v1.0 with one token.
pub struct GraphClient {
    transport: Transport,
    graph: String,
    token: Zeroizing<String>,
    request_id: String,
    acting: Acting,
    /// Repetition of calls naming new objects.
    pub replication: Replication,
}

impl std::fmt::Debug for GraphClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "GraphClient({})", self.graph)
    }
}

impl GraphClient {
    /// A client of the Graph at `graph` (no trailing slash) with bearer `token`, acting as
    /// `acting`. An administrator's client waits out replication of new objects; an app's does
    /// not (it names existing objects only).
    pub(crate) fn new(
        transport: Transport,
        graph: String,
        token: Zeroizing<String>,
        acting: Acting,
    ) -> Self {
        GraphClient {
            transport,
            graph,
            token,
            request_id: uuid::Uuid::new_v4().to_string(),
            replication: match acting {
                Acting::Administrator => Replication::default(),
                Acting::App => Replication::none(),
            },
            acting,
        }
    }

    /// The same client, sending `request_id` as `client-request-id` (one ID for all the
    /// requests of one check, as Entra's correlation ID).
    pub(crate) fn with_request_id(mut self, request_id: &str) -> Self {
        self.request_id = request_id.to_string();
        self
    }

    /// The CMAAD error for `refusal` while `doing` something, for this client's identity.
    pub fn refused(&self, refusal: &GraphRefusal, doing: &str) -> Error {
        refusal.to_error(doing, self.acting)
    }

    /// `GET {path}` (with `query`), retried on transient faults.
    pub fn get(&self, path: &str, query: &[(&str, &str)]) -> Result<GraphAnswer> {
        self.call(reqwest::Method::GET, path, query, None, &self.transport)
    }

    /// `PATCH {path}`, retried on transient faults (a PATCH is idempotent).
    pub fn patch(&self, path: &str, body: &Value) -> Result<GraphAnswer> {
        self.call(
            reqwest::Method::PATCH,
            path,
            &[],
            Some(body),
            &self.transport,
        )
    }

    /// `DELETE {path}`, retried on transient faults.
    pub fn delete(&self, path: &str) -> Result<GraphAnswer> {
        self.call(reqwest::Method::DELETE, path, &[], None, &self.transport)
    }

    /// `POST {path}` that creates something: repeated only after 429.
    pub fn create(&self, path: &str, body: &Value) -> Result<GraphAnswer> {
        let once = self.transport.single_attempt();
        let start = Instant::now();
        for attempt in 1u32.. {
            let answer = self.call(reqwest::Method::POST, path, &[], Some(body), &once);
            let wait = match &answer {
                Err(e) if e.code == "Throttled" => self
                    .transport
                    .retry
                    .initial_backoff
                    .saturating_mul(1 << attempt.min(4))
                    .min(self.transport.retry.max_backoff),
                _ => return answer,
            };
            if attempt >= self.transport.retry.max_attempts
                || start.elapsed() + wait > self.transport.retry.max_total
            {
                return answer;
            }
            std::thread::sleep(wait);
        }
        unreachable!("the loop returns")
    }

    /// Runs `call` again while Graph answers as if a just-created object did not exist yet,
    /// with backoff, within [`Replication::max_total`].
    pub fn replicated(&self, call: impl Fn() -> Result<GraphAnswer>) -> Result<GraphAnswer> {
        let start = Instant::now();
        let mut wait = self.replication.initial_backoff;
        loop {
            let answer = call()?;
            match &answer {
                Err(refusal)
                    if refusal.is_replication_lag()
                        && start.elapsed() + wait <= self.replication.max_total =>
                {
                    std::thread::sleep(wait);
                    wait = (wait * 2).min(self.replication.max_backoff);
                }
                _ => return Ok(answer),
            }
        }
    }

    fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
        transport: &Transport,
    ) -> Result<GraphAnswer> {
        block_on(self.send(method, path, query, body, transport))?
    }

    /// One request to `{graph}/v1.0/{path}`, as a future (polled inside [`block_on`]).
    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
        transport: &Transport,
    ) -> Result<GraphAnswer> {
        let url = format!("{}/v1.0/{path}", self.graph);
        let what = format!("the Microsoft Graph request {method} {url}");
        let build = |client: &reqwest::Client| {
            let mut b = client
                .request(method.clone(), &url)
                .bearer_auth(self.token.as_str())
                .header("client-request-id", &self.request_id)
                .header(reqwest::header::ACCEPT, "application/json");
            if !query.is_empty() {
                b = b.query(query);
            }
            match body {
                Some(v) => b.json(v),
                None => b,
            }
        };
        let reply = transport.send(&what, build).await?;
        interpret(&what, &reply, self.token.as_str())
    }
}

/// Graph's answer, or its refusal with texts scrubbed of `token` (the bearer token sent).
fn interpret(what: &str, reply: &Reply, token: &str) -> Result<GraphAnswer> {
    if reply.status == 204 || (reply.status < 300 && reply.body.is_empty()) {
        return Ok(Ok(Value::Null));
    }
    if !reply.is_json() {
        return Err(unexpected(what, reply));
    }
    if (200..300).contains(&reply.status) {
        return serde_json::from_slice(&reply.body)
            .map(Ok)
            .map_err(|_| unexpected(what, reply));
    }
    match GraphErrorBody::parse(&reply.body, &[token]) {
        Some(body) => Ok(Err(GraphRefusal {
            status: reply.status,
            code: body.error.code,
            message: body.error.message,
        })),
        None => Err(unexpected(what, reply)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replication_lag_shapes() {
        let r = |status, message: &str| GraphRefusal {
            status,
            code: "x".into(),
            message: message.into(),
        };
        assert!(r(404, "Resource 'x' does not exist").is_replication_lag());
        assert!(r(
            400,
            "The appId 'x' of the service principal does not reference a valid application object."
        )
        .is_replication_lag());
        assert!(!r(
            400,
            "Property 'x' does not exist as a declared property or extension property."
        )
        .is_replication_lag());
        assert!(!r(403, "Insufficient privileges").is_replication_lag());
        assert_eq!(
            r(403, "no")
                .to_error("creating", Acting::Administrator)
                .code,
            "GraphPermissionDenied"
        );
        let app = r(500, "no").to_error("reading", Acting::App);
        assert_eq!(
            (app.code.as_str(), app.target.as_deref()),
            ("GraphError", Some("ClientId"))
        );
    }
}
