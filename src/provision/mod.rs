//! Creating the CMG's two app registrations through Microsoft Graph, as seed 003 prescribes, and
//! importing them: an administrator's sign-in ([`GraphSignIn`]: device code flow or an automation
//! app's client credentials), the server (web) and client (native) app with their service
//! principals and admin consent, rollback of a failed creation, the `http://localhost` redirect URI
//! update for older server apps, and an audit of any registration against seed 003.

// `crate::Error` carries the whole C ABI error document; it is returned unboxed crate-wide.
#![allow(clippy::result_large_err)]

mod audit;
mod create;
mod request;

pub use request::SecretValidity;

use crate::cloud::AzureEnvironment;
use crate::entra::admin::{
    AdminToken, CancelToken, GraphClient, PendingSignIn, ADMIN_SCOPES, DEFAULT_PUBLIC_CLIENT_ID,
};
use crate::error::{Error, Result, Status};
use crate::secret::SecretKey;
use crate::session::Session;
use request::{ClientCredentialsRequest, CompleteRequest, SignInRequest};
use serde_json::{json, Value};
use std::sync::Mutex;
use std::time::Duration;

/// How the administrator signed in.
enum SignInKind {
    /// A person, through the device code flow of this public client.
    DeviceCode { client_id: String },
    /// An automation app's client credentials; the secret is kept to mint new tokens.
    ClientCredentials {
        client_id: String,
        secret: SecretKey,
    },
}

/// The sign-in's mutable part.
#[derive(Default)]
struct SignInState {
    pending: Option<PendingSignIn>,
    token: Option<AdminToken>,
}

/// An administrator's Graph sign-in, held in process memory only (tokens and secrets in wiping
/// buffers). Thread-safe: `cancel` may be called while another thread completes it.
pub struct GraphSignIn {
    environment: AzureEnvironment,
    tenant_id: String,
    kind: SignInKind,
    state: Mutex<SignInState>,
    cancel: CancelToken,
}

impl std::fmt::Debug for GraphSignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "GraphSignIn({}, {})", self.environment, self.tenant_id)
    }
}

impl GraphSignIn {
    fn lock(&self) -> std::sync::MutexGuard<'_, SignInState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The tenant signed in to.
    pub fn tenant_id(&self) -> &str {
        &self.tenant_id
    }

    /// The cloud signed in to.
    pub fn environment(&self) -> AzureEnvironment {
        self.environment
    }

    /// Cancels a device code sign-in being completed on another thread.
    pub fn cancel(&self) {
        self.cancel.cancel();
    }

    /// A Graph client with a fresh token: the kept one, or (client credentials) a new one.
    fn graph(&self, session: &Session) -> Result<(GraphClient, Permissions)> {
        let mut state = self.lock();
        let fresh = state.token.as_ref().is_some_and(AdminToken::is_fresh);
        if !fresh {
            let SignInKind::ClientCredentials { client_id, secret } = &self.kind else {
                return Err(not_signed_in(state.token.is_some()));
            };
            let token = session.verifier().admin_client_credentials(
                self.environment,
                &self.tenant_id,
                client_id,
                secret,
            )?;
            state.token = Some(token);
        }
        let token = state.token.as_ref().ok_or_else(|| not_signed_in(false))?;
        let permissions = Permissions::of(token);
        Ok((
            session.verifier().admin_graph(self.environment, token)?,
            permissions,
        ))
    }

    /// The sign-in document (never the token).
    fn describe(&self) -> Value {
        let state = self.lock();
        let (kind, client_id) = match &self.kind {
            SignInKind::DeviceCode { client_id } => ("DeviceCode", client_id),
            SignInKind::ClientCredentials { client_id, .. } => ("ClientCredentials", client_id),
        };
        json!({
            "SignedIn": state.token.as_ref().is_some_and(AdminToken::is_fresh),
            "Kind": kind,
            "TenantId": self.tenant_id,
            "ClientId": client_id,
            "AzureEnvironment": self.environment.name(),
            "Scopes": state.token.as_ref().map(|t| t.scopes.clone()).unwrap_or_default(),
            "Roles": state.token.as_ref().map(|t| t.roles.clone()).unwrap_or_default(),
            "ExpiresInSeconds": state.token.as_ref().map(AdminToken::expires_in),
        })
    }
}

/// What the administrator's token allows.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Permissions {
    /// May grant application permissions (app role assignments).
    pub assign_roles: bool,
    /// May grant delegated permissions tenant-wide.
    pub grant_delegated: bool,
}

impl Permissions {
    fn of(token: &AdminToken) -> Permissions {
        Permissions {
            assign_roles: token
                .has_any(&["AppRoleAssignment.ReadWrite.All", "Directory.ReadWrite.All"]),
            grant_delegated: token.has_any(&[
                "DelegatedPermissionGrant.ReadWrite.All",
                "Directory.ReadWrite.All",
            ]),
        }
    }
}

fn not_signed_in(expired: bool) -> Error {
    let (code, message) = if expired {
        ("SignInExpired", "The administrator's Microsoft Graph sign-in has expired: sign in again (Connect-CMAADAzure).")
    } else {
        ("NotSignedIn", "The administrator has not completed the Microsoft Graph sign-in: complete it (cmaad_graph_signin_complete) or sign in again (Connect-CMAADAzure).")
    };
    Error::new(Status::InvalidArgument, code, message).with_target("signin")
}

impl Session {
    /// The session's default cloud.
    fn default_environment(&self) -> AzureEnvironment {
        let described = self.describe();
        AzureEnvironment::parse(
            described["AzureEnvironment"].as_str().unwrap_or_default(),
            "AzureEnvironment",
        )
        .unwrap_or_default()
    }

    /// Device code sign-in, phase one: the code to show and the pending sign-in.
    pub fn graph_signin_begin(&self, request_json: &str) -> Result<(GraphSignIn, Value)> {
        let req = SignInRequest::parse(request_json)?;
        let environment = req
            .environment
            .unwrap_or_else(|| self.default_environment());
        let client_id = req
            .client_id
            .unwrap_or_else(|| DEFAULT_PUBLIC_CLIENT_ID.to_string());
        let (code, pending) = self.verifier().device_code_begin(
            environment,
            &req.tenant_id,
            &client_id,
            &ADMIN_SCOPES,
        )?;
        let doc = json!({
            "UserCode": code.user_code,
            "VerificationUri": code.verification_uri,
            "Message": code.message,
            "ExpiresIn": code.expires_in,
            "Interval": code.interval,
            "TenantId": req.tenant_id,
            "ClientId": client_id,
            "AzureEnvironment": environment.name(),
        });
        let signin = GraphSignIn {
            environment,
            tenant_id: req.tenant_id,
            kind: SignInKind::DeviceCode { client_id },
            state: Mutex::new(SignInState {
                pending: Some(pending),
                token: None,
            }),
            cancel: CancelToken::default(),
        };
        Ok((signin, doc))
    }

    /// Device code sign-in, phase two: polls until signed in, declined, expired, timed out or
    /// cancelled.
    pub fn graph_signin_complete(
        &self,
        signin: &GraphSignIn,
        request_json: Option<&str>,
    ) -> Result<Value> {
        let req = CompleteRequest::parse(request_json)?;
        let pending = signin.lock().pending.take();
        let Some(pending) = pending else {
            return match signin.lock().token.is_some() {
                true => Ok(signin.describe()),
                false => Err(Error::new(Status::InvalidArgument, "NoPendingSignIn", "This sign-in has no device code waiting (it failed, was cancelled or is being completed on another thread): begin a new sign-in.").with_target("signin")),
            };
        };
        let timeout = Duration::from_secs(req.timeout_seconds);
        let token = self
            .verifier()
            .device_code_complete(&pending, timeout, &signin.cancel);
        match token {
            Ok(token) => {
                signin.lock().token = Some(token);
                Ok(signin.describe())
            }
            Err(e) if e.code == "SignInTimeout" => {
                signin.lock().pending = Some(pending);
                Err(e)
            }
            Err(e) => Err(e),
        }
    }

    /// Client credentials of an automation app (for scheduled tasks).
    pub fn graph_signin_client_credentials(
        &self,
        request_json: &str,
        secret: SecretKey,
    ) -> Result<(GraphSignIn, Value)> {
        let req = ClientCredentialsRequest::parse(request_json)?;
        let environment = req
            .environment
            .unwrap_or_else(|| self.default_environment());
        let token = self.verifier().admin_client_credentials(
            environment,
            &req.tenant_id,
            &req.client_id,
            &secret,
        )?;
        let signin = GraphSignIn {
            environment,
            tenant_id: req.tenant_id,
            kind: SignInKind::ClientCredentials {
                client_id: req.client_id,
                secret,
            },
            state: Mutex::new(SignInState {
                pending: None,
                token: Some(token),
            }),
            cancel: CancelToken::default(),
        };
        let doc = signin.describe();
        Ok((signin, doc))
    }

    /// The sign-in's description.
    pub fn graph_signin_describe(&self, signin: &GraphSignIn) -> Value {
        signin.describe()
    }
}
