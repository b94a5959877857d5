//! Creating the CMG's two app registrations through Microsoft Graph, as the CMG documents
//! prescribe, and importing them: an administrator's sign-in ([`GraphSignIn`]: device code flow
//! or an automation app's client credentials), then [`Provisioning`] (a session with a sign-in)
//! creates the server (web) and client (native) app with their service principals and admin
//! consent, rolls back a failed creation, updates older server apps, and audits any
//! registration against what the CMG needs ([`crate::requirements`]).

mod audit;
mod create;
mod request;
mod site_audit;
mod site_secrets;

pub use audit::{AuditCheck, AuditReport};
pub use create::{
    ConsentNote, Creation, CreationPlan, RedirectUpdate, Registration, ServerAppUpdate,
};
pub use request::{
    AuditRequest, ClientCredentialsRequest, NewClientRequest, NewServerRequest, SecretValidity,
    SignInRequest, SignInResource, UpdateServerRequest,
};

use crate::cloud::AzureEnvironment;
use crate::entra::admin::{
    AdminToken, CancelToken, DeviceCode, PendingSignIn, ADMIN_SCOPES, DEFAULT_PUBLIC_CLIENT_ID,
};
use crate::entra::graph::GraphClient;
use crate::error::{Error, Result, Status};
use crate::secret::SecretKey;
use crate::session::Session;
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
    resource: SignInResource,
    kind: SignInKind,
    state: Mutex<SignInState>,
    cancel: CancelToken,
}

/// The device code to show the person signing in (`cmaad_graph_signin_begin`).
#[derive(Debug, Clone)]
pub struct DeviceCodePrompt {
    /// The code, where to type it and Entra's instruction; its lifetime and poll interval.
    pub code: DeviceCode,
    /// Tenant GUID.
    pub tenant_id: String,
    /// The public client signed in through.
    pub client_id: String,
    /// The cloud.
    pub environment: AzureEnvironment,
}

/// What a sign-in is and allows (never its token).
#[derive(Debug, Clone)]
pub struct SignInStatus {
    /// True while the sign-in holds a token with time left.
    pub signed_in: bool,
    /// `DeviceCode` or `ClientCredentials`.
    pub kind: &'static str,
    /// Tenant GUID.
    pub tenant_id: String,
    /// The public client or automation app.
    pub client_id: String,
    /// The cloud.
    pub environment: AzureEnvironment,
    /// What the token is for.
    pub resource: SignInResource,
    /// Delegated permissions of the token.
    pub scopes: Vec<String>,
    /// Application permissions of the token.
    pub roles: Vec<String>,
    /// Seconds the token has left, when there is one.
    pub expires_in_seconds: Option<u64>,
}

/// Default wait of [`GraphSignIn::complete`]: a device code lives 15 minutes.
pub const DEFAULT_SIGNIN_TIMEOUT: Duration = Duration::from_secs(900);

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
        if self.resource == SignInResource::AdminService {
            return Err(Error::invalid(
                "signin",
                "SignInNotForGraph",
                "This sign-in's token is for the ConfigMgr site's AdminService, not Microsoft Graph: sign in to Graph separately (cmaad_graph_signin_begin without \"Resource\", Connect-CMAADAzure).",
            ));
        }
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

    /// What the sign-in is and allows (never the token).
    pub fn status(&self) -> SignInStatus {
        let state = self.lock();
        let (kind, client_id) = match &self.kind {
            SignInKind::DeviceCode { client_id } => ("DeviceCode", client_id),
            SignInKind::ClientCredentials { client_id, .. } => ("ClientCredentials", client_id),
        };
        let token = state.token.as_ref();
        SignInStatus {
            signed_in: token.is_some_and(AdminToken::is_fresh),
            kind,
            tenant_id: self.tenant_id.clone(),
            client_id: client_id.clone(),
            environment: self.environment,
            resource: self.resource,
            scopes: token.map(|t| t.scopes.clone()).unwrap_or_default(),
            roles: token.map(|t| t.roles.clone()).unwrap_or_default(),
            expires_in_seconds: token.map(AdminToken::expires_in),
        }
    }

    /// Device code sign-in, phase one: asks Entra for the code to show, and returns the
    /// pending sign-in (`Connect-CMAADAzure`).
    pub fn begin(
        session: &Session,
        req: &SignInRequest,
    ) -> Result<(GraphSignIn, DeviceCodePrompt)> {
        let environment = req.environment.unwrap_or(session.options().environment);
        let (tenant_id, client_id, code, pending) = match req.resource {
            SignInResource::Graph => {
                let tenant_id = req.tenant_id.clone().unwrap_or_default();
                let client_id = req
                    .client_id
                    .clone()
                    .unwrap_or_else(|| DEFAULT_PUBLIC_CLIENT_ID.to_string());
                let (code, pending) = session.verifier().device_code_begin(
                    environment,
                    &tenant_id,
                    &client_id,
                    &ADMIN_SCOPES,
                )?;
                (tenant_id, client_id, code, pending)
            }
            SignInResource::AdminService => {
                let bearer = site_bearer(session)?;
                same_as_site(req.tenant_id.as_deref(), &bearer.tenant_id, "TenantId")?;
                same_as_site(req.client_id.as_deref(), &bearer.client_id, "ClientId")?;
                let (code, pending) = session.verifier().device_code_begin_for(
                    environment,
                    &bearer.tenant_id,
                    &bearer.client_id,
                    &bearer.scope(),
                )?;
                (bearer.tenant_id, bearer.client_id, code, pending)
            }
        };
        let prompt = DeviceCodePrompt {
            code,
            tenant_id: tenant_id.clone(),
            client_id: client_id.clone(),
            environment,
        };
        let signin = GraphSignIn {
            environment,
            tenant_id,
            resource: req.resource,
            kind: SignInKind::DeviceCode { client_id },
            state: Mutex::new(SignInState {
                pending: Some(pending),
                token: None,
            }),
            cancel: CancelToken::default(),
        };
        Ok((signin, prompt))
    }

    /// Device code sign-in, phase two: polls until the person signs in, declines, the code
    /// expires, `timeout` passes (`SignInTimeout`: it can be completed again) or [`Self::cancel`]
    /// is called. Blocks the calling thread.
    pub fn complete(&self, session: &Session, timeout: Duration) -> Result<SignInStatus> {
        let pending = self.lock().pending.take();
        let Some(pending) = pending else {
            return match self.lock().token.is_some() {
                true => Ok(self.status()),
                false => Err(Error::new(Status::InvalidArgument, "NoPendingSignIn", "This sign-in has no device code waiting (it failed, was cancelled or is being completed on another thread): begin a new sign-in.").with_target("signin")),
            };
        };
        let token = session
            .verifier()
            .device_code_complete(&pending, timeout, &self.cancel);
        match token {
            Ok(token) => {
                if self.resource == SignInResource::AdminService {
                    let (text, lifetime) = token.for_resource();
                    site_of(session)?
                        .connection()
                        .set_bearer_token(crate::site::bearer::BearerToken::new(text, lifetime));
                }
                self.lock().token = Some(token);
                Ok(self.status())
            }
            Err(e) if e.code == "SignInTimeout" => {
                self.lock().pending = Some(pending);
                Err(e)
            }
            Err(e) => Err(e),
        }
    }

    /// Client credentials of an automation app (for scheduled tasks); the sign-in keeps the
    /// secret to renew its token.
    pub fn client_credentials(
        session: &Session,
        req: &ClientCredentialsRequest,
        secret: SecretKey,
    ) -> Result<GraphSignIn> {
        let environment = req.environment.unwrap_or(session.options().environment);
        let token = session.verifier().admin_client_credentials(
            environment,
            &req.tenant_id,
            &req.client_id,
            &secret,
        )?;
        Ok(GraphSignIn {
            environment,
            tenant_id: req.tenant_id.clone(),
            resource: SignInResource::Graph,
            kind: SignInKind::ClientCredentials {
                client_id: req.client_id.clone(),
                secret,
            },
            state: Mutex::new(SignInState {
                pending: None,
                token: Some(token),
            }),
            cancel: CancelToken::default(),
        })
    }
}

/// The session's ConfigMgr site, for a sign-in to its AdminService.
fn site_of(session: &Session) -> Result<&crate::site::AdminServiceSite> {
    session.site().ok_or_else(|| {
        Error::invalid(
            "Resource",
            "NoSite",
            "Resource AdminService signs in to the session's ConfigMgr site, and the session has none: open it with \"Site\": {..., \"Authentication\": \"Bearer\"}.",
        )
    })
}

/// The session site's Bearer settings.
fn site_bearer(session: &Session) -> Result<crate::site::bearer::BearerSettings> {
    site_of(session)?
        .connection()
        .options()
        .bearer
        .clone()
        .ok_or_else(|| {
            Error::invalid(
                "Resource",
                "SiteNotBearer",
                "Resource AdminService is for a site reached with an Entra token, but the session's Site.Authentication is not Bearer: open the session with \"Authentication\": \"Bearer\" (and TenantId, ClientId, AppIdUri), or sign in to Graph without Resource.",
            )
        })
}

/// A `TenantId` or `ClientId` given with Resource AdminService must be the site's.
fn same_as_site(given: Option<&str>, site: &str, field: &str) -> Result<()> {
    match given {
        Some(g) if !g.eq_ignore_ascii_case(site) => Err(Error::invalid(
            field,
            "NotTheSitesApp",
            format!("{field} '{g}' is not the session's Site.{field} '{site}': a sign-in to the site's AdminService goes through the site's own tenant and client app; omit {field}."),
        )),
        _ => Ok(()),
    }
}

/// A session with an administrator's sign-in: creates, updates and audits app registrations.
/// The sign-in may be absent for `WhatIf` requests, which read nothing from Graph.
#[derive(Debug, Clone, Copy)]
pub struct Provisioning<'a> {
    session: &'a Session,
    signin: Option<&'a GraphSignIn>,
}

impl<'a> Provisioning<'a> {
    /// Provisioning in `session` as `signin`.
    pub fn new(session: &'a Session, signin: Option<&'a GraphSignIn>) -> Self {
        Provisioning { session, signin }
    }

    /// The sign-in, or the error that says one is needed.
    fn signin(&self) -> Result<&'a GraphSignIn> {
        self.signin.ok_or_else(need_signin)
    }
}

fn need_signin() -> Error {
    Error::invalid("signin", "NotSignedIn", "No administrator sign-in was given: sign in to Microsoft Graph first (Connect-CMAADAzure), or use WhatIf with a TenantId to see the registration without creating it.")
}

fn tenant_mismatch(signin: &GraphSignIn, tenant: &str) -> Error {
    Error::invalid("TenantId", "TenantMismatch", format!("The administrator signed in to tenant {}, but the app belongs to tenant {tenant}: sign in to that tenant.", signin.tenant_id()))
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
