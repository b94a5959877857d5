//! The OAuth 2.0 device authorization grant (RFC 8628) against Entra's v2.0 endpoints, in two
//! phases: `begin` asks for a code to show the person; `complete` polls the token endpoint every
//! `interval` seconds (plus 5 s after each `slow_down`) until the person signs in, declines, the
//! code expires, the caller's deadline passes or another thread cancels.

use super::AdminToken;
use crate::cloud::AzureEnvironment;
use crate::entra::errors::{entra_error, Context, EntraErrorBody};
use crate::entra::transport::{unexpected, Transport};
use crate::entra::Verifier;
use crate::error::{Error, Result, Status};
use crate::runtime::block_on;
use serde::Deserialize;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

/// RFC 8628's grant type.
const GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// Added to the interval after each `slow_down` (RFC 8628 §3.5).
const SLOW_DOWN_STEP: Duration = Duration::from_secs(5);
/// Polling never runs faster than this, whatever the server says.
const MIN_INTERVAL: Duration = Duration::from_secs(1);

/// What the person is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceCode {
    /// The code to type.
    pub user_code: String,
    /// Where to type it.
    pub verification_uri: String,
    /// Entra's ready-made instruction.
    pub message: String,
    /// Seconds the code lives.
    pub expires_in: u64,
    /// Seconds between polls.
    pub interval: u64,
}

/// A device code waiting to be redeemed. The device code itself is a secret of the sign-in.
pub struct PendingSignIn {
    environment: AzureEnvironment,
    tenant_id: String,
    client_id: String,
    device_code: Zeroizing<String>,
    interval: Duration,
    expires: Instant,
}

impl std::fmt::Debug for PendingSignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingSignIn")
            .field("tenant_id", &self.tenant_id)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

/// Cancels a `complete` running on another thread.
#[derive(Debug, Default)]
pub struct CancelToken {
    cancelled: AtomicBool,
    wake: tokio::sync::Notify,
}

impl CancelToken {
    /// Cancels; a poll in progress stops at once, later ones never start.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
        self.wake.notify_one();
    }

    /// True once cancelled.
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::SeqCst)
    }
}

#[derive(Deserialize)]
struct CodeBody {
    device_code: String,
    user_code: String,
    verification_uri: String,
    #[serde(default)]
    message: String,
    expires_in: serde_json::Value,
    #[serde(default)]
    interval: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct TokenBody {
    access_token: String,
    #[serde(default)]
    expires_in: Option<serde_json::Value>,
}

/// A number that may arrive as a string.
fn number(value: Option<&serde_json::Value>) -> Option<u64> {
    match value? {
        serde_json::Value::Number(n) => n.as_u64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

impl Verifier {
    /// Phase one: asks Entra for a device code for `client_id` (a public client) with `scopes`
    /// of Microsoft Graph.
    pub fn device_code_begin(
        &self,
        environment: AzureEnvironment,
        tenant_id: &str,
        client_id: &str,
        scopes: &[&str],
    ) -> Result<(DeviceCode, PendingSignIn)> {
        let scope: Vec<String> = scopes
            .iter()
            .map(|s| self.graph_scope(environment, s))
            .collect();
        self.device_code_begin_for(environment, tenant_id, client_id, &scope.join(" "))
    }

    /// Phase one for any resource: `scope` is the space-separated scopes as Entra takes them
    /// (e.g. `api://<tenant>/ConfigMgrService/.default` for a site's AdminService).
    pub fn device_code_begin_for(
        &self,
        environment: AzureEnvironment,
        tenant_id: &str,
        client_id: &str,
        scope: &str,
    ) -> Result<(DeviceCode, PendingSignIn)> {
        crate::entra::check_guid(tenant_id, "TenantId")?;
        crate::entra::check_guid(client_id, "ClientId")?;
        let transport = self.transport();
        let url = format!(
            "{}/{tenant_id}/oauth2/v2.0/devicecode",
            self.authority(environment)
        );
        let what = format!("the device code request to {url}");
        let reply = block_on(transport.send(&what, |client| {
            client
                .post(&url)
                .header(reqwest::header::ACCEPT, "application/json")
                .form(&[("client_id", client_id), ("scope", scope)])
        }))??;
        if reply.status != 200 {
            let body =
                EntraErrorBody::parse(&reply.body, &[]).ok_or_else(|| unexpected(&what, &reply))?;
            return Err(entra_error(
                &body,
                &context(
                    environment,
                    tenant_id,
                    client_id,
                    "the device code sign-in request",
                ),
            ));
        }
        let body: CodeBody =
            serde_json::from_slice(&reply.body).map_err(|_| unexpected(&what, &reply))?;
        let expires_in = number(Some(&body.expires_in)).unwrap_or(900);
        let interval = number(body.interval.as_ref()).unwrap_or(5);
        let shown = DeviceCode {
            user_code: body.user_code,
            verification_uri: body.verification_uri,
            // Entra's text, shown to the person signing in: scrubbed like any server text (the
            // device code itself must never be shown, only the user code).
            message: crate::scrub::server_text(&body.message, &[body.device_code.as_str()]),
            expires_in,
            interval,
        };
        let pending = PendingSignIn {
            environment,
            tenant_id: tenant_id.to_string(),
            client_id: client_id.to_string(),
            device_code: Zeroizing::new(body.device_code),
            interval: Duration::from_secs(interval).max(MIN_INTERVAL),
            expires: Instant::now() + Duration::from_secs(expires_in),
        };
        Ok((shown, pending))
    }

    /// Phase two: polls until the person signs in (the token), declines, the code expires,
    /// `timeout` passes or `cancel` fires.
    pub fn device_code_complete(
        &self,
        pending: &PendingSignIn,
        timeout: Duration,
        cancel: &CancelToken,
    ) -> Result<AdminToken> {
        let transport = self.transport();
        let deadline = (Instant::now() + timeout).min(pending.expires);
        block_on(poll(self, &transport, pending, deadline, cancel))?
    }
}

fn context<'a>(
    environment: AzureEnvironment,
    tenant: &'a str,
    client_id: &'a str,
    step: &'a str,
) -> Context<'a> {
    Context {
        environment: environment.name(),
        tenant,
        tenant_field: "TenantId",
        client_id,
        scope: None,
        step,
    }
}

/// One poll's outcome.
enum Poll {
    Token(AdminToken),
    Pending,
    SlowDown,
}

async fn poll(
    verifier: &Verifier,
    transport: &Transport,
    pending: &PendingSignIn,
    deadline: Instant,
    cancel: &CancelToken,
) -> Result<AdminToken> {
    let mut interval = pending.interval;
    loop {
        let wake_at = Instant::now() + interval;
        if wake_at > deadline {
            return Err(expired(pending, deadline));
        }
        // Sleeps until the next poll, or less when cancel() wakes it.
        let _ = tokio::time::timeout_at(wake_at.into(), cancel.wake.notified()).await;
        if cancel.is_cancelled() {
            return Err(cancelled());
        }
        match redeem(verifier, transport, pending).await? {
            Poll::Token(token) => return Ok(token),
            Poll::Pending => {}
            Poll::SlowDown => interval += SLOW_DOWN_STEP,
        }
    }
}

async fn redeem(
    verifier: &Verifier,
    transport: &Transport,
    pending: &PendingSignIn,
) -> Result<Poll> {
    let url = format!(
        "{}/{}/oauth2/v2.0/token",
        verifier.authority(pending.environment),
        pending.tenant_id
    );
    let what = format!("the token request to {url}");
    let form = [
        ("grant_type", GRANT),
        ("client_id", pending.client_id.as_str()),
        ("device_code", pending.device_code.as_str()),
    ];
    let reply = transport
        .send(&what, |client| {
            client
                .post(&url)
                .header(reqwest::header::ACCEPT, "application/json")
                .form(&form)
        })
        .await?;
    if reply.status == 200 {
        let body: TokenBody =
            serde_json::from_slice(&reply.body).map_err(|_| unexpected(&what, &reply))?;
        let secs = number(body.expires_in.as_ref()).unwrap_or(600);
        return Ok(Poll::Token(AdminToken::new(
            body.access_token,
            Duration::from_secs(secs),
        )));
    }
    let body = EntraErrorBody::parse(&reply.body, &[pending.device_code.as_str()])
        .ok_or_else(|| unexpected(&what, &reply))?;
    match body.error.as_str() {
        "authorization_pending" => Ok(Poll::Pending),
        "slow_down" => Ok(Poll::SlowDown),
        "expired_token" | "code_expired" => Err(refused("SignInExpired", "The sign-in code expired before anyone signed in: run the sign-in again and enter the new code within its lifetime.", &body)),
        "authorization_declined" | "access_denied" => Err(refused("SignInDeclined", "The person signing in declined the request: run the sign-in again and approve it, with an account allowed to create app registrations.", &body)),
        "bad_verification_code" => Err(refused("SignInFailed", "Entra did not recognise the device code (bad_verification_code): run the sign-in again.", &body)),
        _ => Err(entra_error(&body, &context(pending.environment, &pending.tenant_id, &pending.client_id, "the device code sign-in (token polling)"))),
    }
}

fn refused(code: &str, message: &str, body: &EntraErrorBody) -> Error {
    let mut e = Error::new(Status::VerificationFailed, code, message);
    e.entra_error_codes = body.codes();
    e.correlation_id = body.correlation_id.clone();
    e
}

fn expired(pending: &PendingSignIn, deadline: Instant) -> Error {
    let code_expired = deadline >= pending.expires;
    let message = if code_expired {
        "The sign-in code expired before anyone signed in: run the sign-in again and enter the new code within its lifetime."
    } else {
        "Nobody completed the sign-in before the timeout: complete it again with a longer TimeoutSeconds, or run the sign-in again."
    };
    Error::new(
        Status::VerificationFailed,
        if code_expired {
            "SignInExpired"
        } else {
            "SignInTimeout"
        },
        message,
    )
}

fn cancelled() -> Error {
    Error::new(
        Status::VerificationFailed,
        "SignInCancelled",
        "The sign-in was cancelled: nothing was signed in; run the sign-in again when ready.",
    )
}
