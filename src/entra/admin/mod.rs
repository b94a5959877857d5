//! An administrator's access to Microsoft Graph, for creating app registrations: sign-in with the
//! device code flow (a person) or with client credentials (an automation app), the delegated or
//! app-only token that results (kept in wiping memory, never cached on disk), and a Graph client
//! that writes with it.

mod devicecode;

pub use devicecode::{CancelToken, DeviceCode, PendingSignIn};

use super::errors::{entra_error, Context};
use super::graph::{Acting, GraphClient};
use super::jwt::Claims;
use super::oauth::{self, Caller, Credentials};
use super::Verifier;
use crate::cloud::AzureEnvironment;
use crate::error::{Error, Result, Status};
use crate::runtime::block_on;
use crate::secret::SecretKey;
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

/// Microsoft Graph PowerShell's ("Microsoft Graph Command Line Tools") well-known public client,
/// commonly used for device code sign-ins to Graph. Tenants may block it; callers can give
/// their own public client instead.
pub const DEFAULT_PUBLIC_CLIENT_ID: &str = "14d82eec-204b-4c2f-b7e8-296a70dab67e";

/// Delegated Graph permissions a person's sign-in asks for: create apps and grant consent.
pub const ADMIN_SCOPES: [&str; 3] = [
    "Application.ReadWrite.All",
    "AppRoleAssignment.ReadWrite.All",
    "DelegatedPermissionGrant.ReadWrite.All",
];

/// A token is not used in its last two minutes (a long creation must not run out mid-way).
const EXPIRY_MARGIN: Duration = Duration::from_secs(120);

/// An administrator's Graph token and what it allows.
pub struct AdminToken {
    access_token: Zeroizing<String>,
    expires: Instant,
    /// Delegated permissions (`scp`), empty for app-only tokens.
    pub scopes: Vec<String>,
    /// Application permissions (`roles`), empty for delegated tokens.
    pub roles: Vec<String>,
}

impl std::fmt::Debug for AdminToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminToken")
            .field("scopes", &self.scopes)
            .field("roles", &self.roles)
            .finish_non_exhaustive()
    }
}

impl AdminToken {
    /// A token valid for `expires_in` from now.
    fn new(access_token: String, expires_in: Duration) -> AdminToken {
        AdminToken {
            scopes: Claims::of(&access_token).scopes(),
            roles: Claims::of(&access_token).roles,
            access_token: Zeroizing::new(access_token),
            expires: Instant::now() + expires_in,
        }
    }

    /// True while the token has more than a couple of minutes left.
    pub fn is_fresh(&self) -> bool {
        self.expires > Instant::now() + EXPIRY_MARGIN.min(self.lifetime_left() / 2)
    }

    fn lifetime_left(&self) -> Duration {
        self.expires.saturating_duration_since(Instant::now())
    }

    /// Seconds until it expires.
    pub fn expires_in(&self) -> u64 {
        self.lifetime_left().as_secs()
    }

    /// True when the token carries one of `permissions` (delegated or application).
    pub fn has_any(&self, permissions: &[&str]) -> bool {
        self.scopes
            .iter()
            .chain(self.roles.iter())
            .any(|p| permissions.iter().any(|w| w.eq_ignore_ascii_case(p)))
    }

    fn text(&self) -> &str {
        &self.access_token
    }

    /// A wiping copy of the token and its remaining lifetime, for a resource other than Graph
    /// (a site's AdminService).
    pub(crate) fn for_resource(&self) -> (Zeroizing<String>, Duration) {
        (
            Zeroizing::new(self.access_token.to_string()),
            self.lifetime_left(),
        )
    }
}

impl Verifier {
    /// Client credentials of an automation app for Microsoft Graph (`/.default`: its consented
    /// application permissions, e.g. Application.ReadWrite.All).
    pub fn admin_client_credentials(
        &self,
        environment: AzureEnvironment,
        tenant_id: &str,
        client_id: &str,
        secret: &SecretKey,
    ) -> Result<AdminToken> {
        super::check_guid(tenant_id, "TenantId")?;
        super::check_guid(client_id, "ClientId")?;
        let transport = self.transport();
        let authority = self.authority(environment);
        let request_id = uuid::Uuid::new_v4().to_string();
        let scope = self.graph_scope(environment, ".default");
        let caller = Caller {
            transport: &transport,
            authority: &authority,
            tenant: tenant_id,
            request_id: &request_id,
        };
        let creds = Credentials {
            client_id,
            secret,
            scope: &scope,
        };
        match block_on(oauth::client_credentials(&caller, &creds))?? {
            // The cache hands out tokens with at least five minutes left; re-ask it after that.
            Ok(token) => Ok(AdminToken::new(
                token.access_token.to_string(),
                Duration::from_secs(300),
            )),
            Err(body) => {
                let ctx = Context {
                    environment: environment.name(),
                    tenant: tenant_id,
                    tenant_field: "TenantId",
                    client_id,
                    scope: Some(&scope),
                    step:
                        "the automation app's client-credentials token request for Microsoft Graph",
                };
                Err(entra_error(&body, &ctx))
            }
        }
    }

    /// A Graph client writing as the administrator whose token this is.
    pub fn admin_graph(
        &self,
        environment: AzureEnvironment,
        token: &AdminToken,
    ) -> Result<GraphClient> {
        if !token.is_fresh() {
            return Err(Error::new(
                Status::VerificationFailed,
                "SignInExpired",
                "The administrator's Microsoft Graph sign-in has expired: sign in again (Connect-CMAADAzure).",
            ));
        }
        let mut client = GraphClient::new(
            self.transport(),
            self.graph(environment),
            Zeroizing::new(token.text().to_string()),
            Acting::Administrator,
        );
        // The session's TimeoutSeconds is the bound the caller stated: waiting for Graph to
        // replicate a new object never outlasts it (nor the 120 s default).
        client.replication.max_total = client.replication.max_total.min(self.request_timeout);
        Ok(client)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;

    #[test]
    fn scopes_from_a_token_and_redacted_debug() {
        let payload = URL_SAFE_NO_PAD.encode(br#"{"scp":"Application.ReadWrite.All User.Read"}"#);
        let token = AdminToken::new(format!("h.{payload}.s"), Duration::from_secs(3600));
        assert_eq!(token.scopes, vec!["Application.ReadWrite.All", "User.Read"]);
        assert!(token.has_any(&["application.readwrite.all"]));
        assert!(token.is_fresh());
        assert!(!format!("{token:?}").contains(&payload));
    }
}
