//! Re-verification of stored apps against Entra with their stored credentials (a nightly task,
//! `Test-CMAADApplication -Stored`), with bounded parallelism on the caller's thread. A
//! ConfigMgr site's apps are verified as far as their secret, which the site keeps, allows.

use super::Session;
use crate::entra::{ClientAppProbe, ServerAppProbe, ServerCredentials, Verification};
use crate::error::{Error, Result};
use crate::model::{App, AppFilter, AppType};
use crate::runtime::{block_on, join_bounded};
use chrono::Utc;

/// At most this many apps are verified at once.
pub const MAX_PARALLEL_VERIFICATIONS: usize = 8;

/// One stored app and what its verification came to (`LastVerified` is updated on success).
#[derive(Debug, Clone)]
pub struct AppVerification {
    /// The app, as stored after the check.
    pub app: App,
    /// The checks, or why the app failed.
    pub outcome: Result<Verification>,
}

impl Session {
    /// Verifies every app matching the filter against Entra, at most
    /// [`MAX_PARALLEL_VERIFICATIONS`] at a time, and records `LastVerified` for those that pass.
    /// One app failing does not stop the others; only an unreadable store fails the call.
    pub fn verify_apps(&self, filter: &AppFilter) -> Result<Vec<AppVerification>> {
        let apps = self.backend().find_apps(filter, Utc::now())?;
        let checks = apps.iter().map(|app| self.verify_stored(app));
        let outcomes = block_on(join_bounded(checks, MAX_PARALLEL_VERIFICATIONS))?;
        let mut results = Vec::with_capacity(apps.len());
        for (app, outcome) in apps.into_iter().zip(outcomes) {
            let mut app = app;
            let outcome = outcome.unwrap_or_else(|| {
                Err(Error::internal(
                    "Verifying this app hit an internal error; the other apps were verified. Please report it.",
                ))
            });
            let outcome = outcome.and_then(|v| {
                let at = Utc::now();
                self.backend().mark_verified(app.id, at)?;
                app.last_verified = Some(at);
                Ok(v)
            });
            results.push(AppVerification { app, outcome });
        }
        Ok(results)
    }

    /// One app's verification with its stored credentials.
    async fn verify_stored(&self, app: &App) -> Result<Verification> {
        if let Some(site) = self.site() {
            let site_code = &site.connection().options().site_code;
            return self.verify_site_app(app, site_code).await;
        }
        match app.app_type {
            AppType::ServerApplication => {
                let secret = self.backend().server_secret(app)?;
                let probe = ServerAppProbe {
                    environment: app.environment,
                    tenant_id: &app.tenant_id,
                    tenant_name: &app.tenant_name,
                    client_id: &app.client_id,
                    secret: &secret,
                    app_id_uri: app.identifier_uri.as_deref(),
                };
                self.verifier.server_app_checks(&probe).await
            }
            AppType::ClientApplication => {
                let server = self.client_server_app(app)?;
                let secret = server
                    .as_ref()
                    .map(|s| self.backend().server_secret(s))
                    .transpose()?;
                let credentials =
                    server
                        .as_ref()
                        .zip(secret.as_ref())
                        .map(|(s, secret)| ServerCredentials {
                            client_id: &s.client_id,
                            secret,
                        });
                let probe = ClientAppProbe {
                    environment: app.environment,
                    tenant_id: &app.tenant_id,
                    client_id: &app.client_id,
                    server: credentials,
                };
                self.verifier.client_app_checks(&probe).await
            }
        }
    }

    /// What can be verified of a site's app without its secret, which the site never returns:
    /// that the app exists in the tenant. The checks that need the secret are `NotChecked`,
    /// saying so.
    async fn verify_site_app(&self, app: &App, site_code: &str) -> Result<Verification> {
        let audit = "Test-CMAADApplication -ClientId with a Graph sign-in (cmaad_audit_app) checks the registration's settings";
        let not_checked: Vec<(&str, String)> = match app.app_type {
            AppType::ServerApplication => vec![
                ("SecretKey", format!("Site {site_code} holds the secret and never returns it, so it was not tried here; {audit}.")),
                ("AppIdUri", format!("A token for the App ID URI needs the secret, which site {site_code} holds; {audit}.")),
            ],
            AppType::ClientApplication => ["PublicClientFlows", "BrokerRedirectUri", "UserImpersonation"]
                .into_iter()
                .map(|name| (name, format!("Graph is read with the server app's credentials, whose secret site {site_code} holds; {audit}.")))
                .collect(),
        };
        self.verifier
            .existence_checks(
                app.environment,
                &app.tenant_id,
                &app.client_id,
                &not_checked,
            )
            .await
    }

    /// The server app whose credentials read a client app: the one it was imported with, else
    /// the tenant's first.
    fn client_server_app(&self, app: &App) -> Result<Option<App>> {
        if let Some(server) = app
            .server_app_id
            .map(|id| self.backend().app(id))
            .transpose()?
        {
            return Ok(server);
        }
        Ok(self
            .backend()
            .server_apps_of(&app.tenant_id)?
            .into_iter()
            .next())
    }
}
