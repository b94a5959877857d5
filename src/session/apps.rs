//! Apps in the site: importing a server (web) or client (native) app, optionally verified
//! against Entra first (`Import-CMAADServerApplication`, `Import-CMAADClientApplication`),
//! listing (`Get-CMAADApplication`), changing the name or App ID URI (`Set-CMAADApplication`)
//! and removing (`Remove-CMAADApplication`).

use super::Session;
use crate::cloud::AzureEnvironment;
use crate::entra::{ClientAppProbe, ServerAppProbe, ServerCredentials, Verification};
use crate::error::{Error, Result};
use crate::model::{App, AppFilter, AppRef, AppType};
use crate::requirements::AppIdUri;
use crate::store::{not_a_server_app, NewApp, RemovedApp};
use chrono::{DateTime, Utc};

/// `Import-CMAADServerApplication`'s request, checked.
#[derive(Debug, Clone)]
pub struct ServerAppImport {
    /// Tenant label (friendly name or verified domain).
    pub tenant_name: String,
    /// Tenant GUID.
    pub tenant_id: String,
    /// Display name.
    pub app_name: String,
    /// Application (client) ID.
    pub client_id: String,
    /// Secret expiry.
    pub secret_key_expiry: DateTime<Utc>,
    /// App ID URI, checked with [`crate::requirements::app_id_uri`].
    pub app_id_uri: Option<AppIdUri>,
    /// The app's cloud (the session's when not given).
    pub environment: Option<AzureEnvironment>,
    /// Verify against Entra before storing.
    pub verify: bool,
}

/// Which tenant a client app joins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TenantRef {
    /// By tenant GUID (`-TenantId`).
    TenantId(String),
    /// By the server app's `ID` (`-ServerApp`).
    ServerAppId(i64),
}

/// `Import-CMAADClientApplication`'s request, checked.
#[derive(Debug, Clone)]
pub struct ClientAppImport {
    /// Display name.
    pub app_name: String,
    /// Application (client) ID.
    pub client_id: String,
    /// The tenant, by GUID or by server app.
    pub tenant: TenantRef,
    /// Verify against Entra before storing.
    pub verify: bool,
}

/// `Set-CMAADApplication -NewName -AppIdUri`: the app's settings in the site.
#[derive(Debug, Clone)]
pub struct SetApp {
    /// The app.
    pub app: AppRef,
    /// New display name.
    pub new_name: Option<String>,
    /// New App ID URI (server apps), checked once the app's tenant is known.
    pub app_id_uri: Option<String>,
}

/// An app after an operation, with the verification made and advice for the admin.
#[derive(Debug, Clone)]
pub struct AppResult {
    /// The stored app.
    pub app: App,
    /// The checks made against Entra, when the request asked for them.
    pub verification: Option<Verification>,
    /// Advice that did not stop the operation.
    pub warnings: Vec<String>,
}

impl AppResult {
    /// The app alone, with nothing verified and no advice.
    pub fn plain(app: App) -> AppResult {
        AppResult {
            app,
            verification: None,
            warnings: Vec::new(),
        }
    }
}

impl Session {
    /// `Import-CMAADServerApplication`: checks, optionally verifies, then stores the app.
    pub fn import_server_app(
        &self,
        req: &ServerAppImport,
        secret: &crate::secret::SecretKey,
    ) -> Result<AppResult> {
        let environment = req.environment.unwrap_or(self.options.environment);
        let uri = req.app_id_uri.as_ref().map(|u| u.uri.as_str());
        let new = NewApp {
            tenant_id: &req.tenant_id,
            tenant_name: &req.tenant_name,
            environment,
            name: &req.app_name,
            client_id: &req.client_id,
            app_type: AppType::ServerApplication,
            identifier_uri: uri,
            secret: Some((secret, req.secret_key_expiry)),
            server_app_id: None,
            verified: None,
        };
        let probe = ServerAppProbe {
            environment,
            tenant_id: &req.tenant_id,
            tenant_name: &req.tenant_name,
            client_id: &req.client_id,
            secret,
            app_id_uri: uri,
        };
        let verify = req
            .verify
            .then_some(|| self.verifier.verify_server_app(&probe));
        let warnings = req.app_id_uri.iter().filter_map(|u| u.warning.clone());
        self.check_verify_insert(new, verify, warnings.collect())
    }

    /// Checks that `new` may be stored, verifies it with `verify` when given (a failure stores
    /// nothing), then stores it with the time it was verified.
    fn check_verify_insert(
        &self,
        mut new: NewApp<'_>,
        verify: Option<impl FnOnce() -> Result<Verification>>,
        warnings: Vec<String>,
    ) -> Result<AppResult> {
        self.backend().check_new_app(&new)?;
        let verification = match verify {
            Some(verify) => {
                new.verified = Some(Utc::now());
                Some(verify()?)
            }
            None => None,
        };
        let app = self.backend().insert_app(&new, Utc::now())?;
        let mut warnings = warnings;
        warnings.extend(self.document_warnings());
        Ok(AppResult {
            app,
            verification,
            warnings,
        })
    }

    /// `Import-CMAADClientApplication`: by tenant GUID or by server app.
    pub fn import_client_app(&self, req: &ClientAppImport) -> Result<AppResult> {
        let server = self.client_tenant_server_app(&req.tenant)?;
        let new = NewApp {
            tenant_id: &server.tenant_id,
            tenant_name: &server.tenant_name,
            environment: server.environment,
            name: &req.app_name,
            client_id: &req.client_id,
            app_type: AppType::ClientApplication,
            identifier_uri: None,
            secret: None,
            server_app_id: Some(server.id),
            verified: None,
        };
        let verify = req.verify.then_some(|| {
            // A ConfigMgr site never gives its secret back: the client app is then checked
            // without the server app's Graph audit.
            let secret = match self.site() {
                Some(_) => None,
                None => Some(self.backend().server_secret(&server)?),
            };
            let probe = ClientAppProbe {
                environment: server.environment,
                tenant_id: &server.tenant_id,
                client_id: &req.client_id,
                server: secret.as_ref().map(|secret| ServerCredentials {
                    client_id: &server.client_id,
                    secret,
                }),
            };
            self.verifier.verify_client_app(&probe)
        });
        self.check_verify_insert(new, verify, Vec::new())
    }

    /// The server app a client app request points at (directly or through its tenant).
    fn client_tenant_server_app(&self, tenant: &TenantRef) -> Result<App> {
        match tenant {
            TenantRef::ServerAppId(id) => self.server_app_by_id(*id),
            TenantRef::TenantId(guid) => self.backend().server_apps_of(guid)?.into_iter().next().ok_or_else(|| {
                Error::not_found("TenantId", "NoServerApp", format!("Tenant {guid} has no server app in the site: import the tenant's server app first (Import-CMAADServerApplication), then the client app."))
            }),
        }
    }

    /// Stored server app `id` (the request's `ServerAppId`); a client app is refused.
    pub(crate) fn server_app_by_id(&self, id: i64) -> Result<App> {
        let app = self.backend().app(id)?.ok_or_else(|| {
            Error::not_found("ServerAppId", "ServerAppNotFound", format!("ServerApp ID {id} is not in the site store: get the server app with Get-CMAADApplication -AppType ServerApplication."))
        })?;
        if app.app_type != AppType::ServerApplication {
            return Err(Error::invalid("ServerAppId", "NotAServerApp", format!("App {id} '{}' is a client app: pass the tenant's server (web) app as ServerApp.", app.name)));
        }
        Ok(app)
    }

    /// `Get-CMAADApplication`: every app matching all given filters.
    pub fn get_apps(&self, filter: &AppFilter) -> Result<Vec<App>> {
        self.backend().find_apps(filter, Utc::now())
    }

    /// The stored app a request names, or `NotFound` on the field that named it.
    pub fn resolve_app(&self, app: &AppRef) -> Result<App> {
        let found = match app {
            AppRef::Id(id) => self.backend().app(*id)?,
            AppRef::ClientId {
                tenant_id,
                client_id,
            } => self.backend().app_by_client_id(tenant_id, client_id)?,
        };
        found.ok_or_else(|| {
            Error::not_found(
                app.field(),
                "AppNotFound",
                format!(
                    "{} is not in the site store: list the apps with Get-CMAADApplication.",
                    app.describe()
                ),
            )
        })
    }

    /// The stored server app a request names; a client app is refused (it has no secret).
    pub fn resolve_server_app(&self, app: &AppRef) -> Result<App> {
        let found = self.resolve_app(app)?;
        if found.app_type != AppType::ServerApplication {
            return Err(not_a_server_app(&found).with_target(app.field()));
        }
        Ok(found)
    }

    /// `Set-CMAADApplication -NewName -AppIdUri`: the app's name and App ID URI in the site
    /// (Entra is not changed; set the same URI on the app's Expose an API page).
    pub fn set_app(&self, req: &SetApp) -> Result<AppResult> {
        let app = self.resolve_app(&req.app)?;
        if req.app_id_uri.is_some() && app.app_type != AppType::ServerApplication {
            return Err(Error::invalid(
                "AppIdUri",
                "NotAServerApp",
                format!("App {} '{}' is a client app, which has no App ID URI: set AppIdUri on the tenant's server app.", app.id, app.name),
            ));
        }
        let checked = req
            .app_id_uri
            .as_deref()
            .map(|u| crate::requirements::app_id_uri(u, &app.tenant_id, &app.client_id))
            .transpose()?;
        let warnings: Vec<String> = checked.iter().filter_map(|c| c.warning.clone()).collect();
        let stored = self.backend().update_app(
            app.id,
            req.new_name.as_deref(),
            checked.as_ref().map(|c| c.uri.as_str()),
            Utc::now(),
        )?;
        Ok(AppResult {
            app: stored,
            verification: None,
            warnings,
        })
    }

    /// `Remove-CMAADApplication`: removes the app from the site, never from Entra. Refused while
    /// a service uses it, and for a server app while client apps were imported with it.
    pub fn remove_app(&self, app: &AppRef) -> Result<RemovedApp> {
        let app = self.resolve_app(app)?;
        self.backend().remove_app(app.id)
    }
}
