//! What secret rotation needs of Entra: a Graph client with the app's own credentials (the
//! password calls are [`super::graph::applications`]'), and waiting until a new secret obtains a
//! token (Entra needs seconds to propagate one). Each call either completes or returns an
//! error; the caller decides what to undo.

use super::errors::{entra_error, Context};
use super::graph::{Acting, GraphClient};
use super::oauth::{self, Caller, Credentials};
use super::Verifier;
use crate::cloud::AzureEnvironment;
use crate::error::{Error, Result};
use crate::runtime::block_on;
use crate::secret::SecretKey;
use std::time::{Duration, Instant};

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

impl Verifier {
    /// A Microsoft Graph token with the app's own credentials (client credentials, Graph
    /// `/.default`). Rotation needs the app to hold `Application.ReadWrite.OwnedBy` (and own
    /// itself) or `Application.ReadWrite.All`, admin-consented.
    pub fn graph_access(&self, app: &RotatingApp<'_>) -> Result<GraphClient> {
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
        Ok(
            GraphClient::new(transport, self.graph(app.environment), token, Acting::App)
                .with_request_id(&request_id),
        )
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
