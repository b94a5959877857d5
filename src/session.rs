//! A session: one open site store plus the cloud and network settings, serving the four
//! operations of ConfigMgr's Azure-services cmdlets. A session is `Send + Sync`; many threads
//! (PowerShell runspaces) may call it at once.

use crate::cloud::{check_endpoint_url, AzureEnvironment, Endpoints};
use crate::entra::{ClientAppProbe, ServerAppProbe, ServerCredentials, Verification, Verifier};
use crate::error::{Error, Result};
use crate::model::{App, AppType, CloudService};
use crate::request::{
    environment, AppFilter, ClientAppRequest, Fields, ServerAppRequest, ServiceRequest, TenantRef,
};
use crate::runtime::NetConfig;
use crate::secret::SecretKey;
use crate::store::seal::KeySource;
use crate::store::{NewApp, Store};
use chrono::Utc;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::time::Duration;

mod lifecycle;
mod maintenance;
mod rotation;

/// Environment variable naming the store file when `StorePath` is not given.
pub const STORE_ENV: &str = "CMAAD_STORE";

/// Checked session options (`cmaad_session_open`'s `options_json`).
#[derive(Debug, Clone, PartialEq)]
pub struct SessionOptions {
    /// The store file.
    pub store_path: PathBuf,
    /// Default cloud for requests that do not name one.
    pub environment: AzureEnvironment,
    /// Host overrides.
    pub endpoints: Endpoints,
    /// Explicit proxy.
    pub proxy: Option<String>,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Extra trusted CA certificates (PEM) read from `TrustedCaPath`.
    pub trusted_ca_pem: Option<Vec<u8>>,
    /// Hosts reached without the explicit proxy (`NoProxy`, `NO_PROXY` syntax).
    pub no_proxy: Option<String>,
    /// False when the caller passes its settings explicitly (`"ProcessEnvironment": false`):
    /// `CMAAD_STORE`, `CMAAD_SITE_KEY` and the proxy variables of the process are not read.
    pub process_environment: bool,
    /// Where the site key comes from (`cmaad_session_open_with_site_key` gives it).
    pub site_key: KeySource,
}

impl SessionOptions {
    /// Parses options; `None` or empty means all defaults.
    pub fn parse(json: Option<&str>) -> Result<Self> {
        let mut f = match json {
            Some(s) if !s.trim().is_empty() => Fields::parse(s, "options")?,
            _ => Fields::empty("options"),
        };
        let process_environment = f.optional_bool("ProcessEnvironment")?.unwrap_or(true);
        let store_path = match f.optional_str("StorePath")? {
            Some(p) if p.trim().is_empty() => {
                return Err(Error::invalid(
                    "StorePath",
                    "EmptyPath",
                    "StorePath is empty: give a file path, or omit it for the default.",
                ))
            }
            Some(p) => PathBuf::from(p),
            None if process_environment => default_store_path()?,
            None => default_store_folder_path()?,
        };
        let environment = environment(&mut f, "AzureEnvironment")?.unwrap_or_default();
        let authority_host = f
            .optional_str("AuthorityHost")?
            .map(|u| check_endpoint_url(&u, "AuthorityHost"))
            .transpose()?;
        let graph_host = f
            .optional_str("GraphHost")?
            .map(|u| check_endpoint_url(&u, "GraphHost"))
            .transpose()?;
        let proxy = f
            .optional_str("Proxy")?
            .map(|u| check_proxy(&u))
            .transpose()?;
        let timeout = Duration::from_secs(
            f.optional_i64_in("TimeoutSeconds", 1..=600, "seconds")?
                .unwrap_or(30) as u64,
        );
        let no_proxy = f.optional_str("NoProxy")?;
        let trusted_ca_pem = f
            .optional_str("TrustedCaPath")?
            .map(|p| read_trusted_roots(&p))
            .transpose()?;
        f.finish()?;
        Ok(SessionOptions {
            trusted_ca_pem,
            no_proxy,
            process_environment,
            site_key: if process_environment {
                KeySource::Environment
            } else {
                KeySource::KeyFile
            },
            store_path,
            environment,
            endpoints: Endpoints {
                authority_host,
                graph_host,
            },
            proxy,
            timeout,
        })
    }
}

/// Reads and checks the extra CA bundle named by `TrustedCaPath`.
fn read_trusted_roots(path: &str) -> Result<Vec<u8>> {
    let pem = std::fs::read(path).map_err(|e| {
        Error::invalid(
            "TrustedCaPath",
            "UnreadableFile",
            format!("TrustedCaPath '{path}' cannot be read ({e}): give the path of a PEM file holding the CA certificate."),
        )
    })?;
    crate::runtime::trusted_roots(&pem)?;
    Ok(pem)
}

/// Checks the `Proxy` option: an absolute `http`, `https` or `socks5` URL. Messages show it
/// redacted ([`crate::proxy::redacted`]): a proxy URL may carry the proxy account's password.
fn check_proxy(value: &str) -> Result<String> {
    let shown = crate::proxy::redacted(value.trim());
    let url = reqwest::Url::parse(value.trim()).map_err(|e| {
        Error::invalid(
            "Proxy",
            "InvalidProxy",
            format!(
                "Proxy '{shown}' is not a URL ({e}): give it as http://proxy.contoso.com:8080."
            ),
        )
    })?;
    match url.scheme() {
        "http" | "https" | "socks5" => Ok(value.trim().to_string()),
        other => Err(Error::invalid(
            "Proxy",
            "InvalidProxy",
            format!("Proxy '{shown}' has scheme '{other}': use http:// or https://."),
        )),
    }
}

/// The per-user default store file.
pub fn default_store_path() -> Result<PathBuf> {
    if let Some(p) = std::env::var_os(STORE_ENV).filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    default_store_folder_path()
}

/// The store file in the per-user data folder (what `CMAAD_STORE` overrides).
fn default_store_folder_path() -> Result<PathBuf> {
    let missing = || {
        Error::invalid(
            "StorePath",
            "NoDefaultStorePath",
            format!("No per-user data folder was found: give StorePath, or set {STORE_ENV}."),
        )
    };
    let var = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if cfg!(windows) {
        return var("LOCALAPPDATA")
            .map(|d| d.join("CMAAD").join("site.db"))
            .ok_or_else(missing);
    }
    if cfg!(target_os = "macos") {
        return var("HOME")
            .map(|h| h.join("Library/Application Support/CMAAD/site.db"))
            .ok_or_else(missing);
    }
    var("XDG_DATA_HOME")
        .map(|d| d.join("cmaad"))
        .or_else(|| var("HOME").map(|h| h.join(".local/share/cmaad")))
        .map(|d| d.join("site.db"))
        .ok_or_else(missing)
}

/// An open site.
#[derive(Debug)]
pub struct Session {
    options: SessionOptions,
    store: Store,
    verifier: Verifier,
}

impl Session {
    /// Opens the store and prepares the network settings (nothing is contacted yet).
    pub fn open(options: SessionOptions) -> Result<Session> {
        let store = Store::open_with_key(&options.store_path, &options.site_key)?;
        let net = NetConfig {
            proxy: options.proxy.clone(),
            no_proxy: options.no_proxy.clone(),
            ignore_environment: !options.process_environment,
            connect_timeout: options.timeout.min(Duration::from_secs(10)),
            extra_roots_pem: options.trusted_ca_pem.clone(),
        };
        let verifier = Verifier::new(options.endpoints.clone(), net, options.timeout);
        Ok(Session {
            options,
            store,
            verifier,
        })
    }

    /// The session's description (`cmaad_session_open`'s result document).
    pub fn describe(&self) -> Value {
        json!({
            "StorePath": self.store.path().display().to_string(),
            "AzureEnvironment": self.options.environment.name(),
            "AuthorityHost": self.options.endpoints.authority(self.options.environment),
            "GraphHost": self.options.endpoints.graph(self.options.environment),
            "Proxy": self.options.proxy.as_deref().map(crate::proxy::redacted),
            "TimeoutSeconds": self.options.timeout.as_secs(),
            "Version": crate::VERSION,
        })
    }

    /// The store, for operations beyond the four cmdlets.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The session's Entra verifier.
    pub fn verifier(&self) -> &Verifier {
        &self.verifier
    }

    /// `Import-CMAADServerApplication`: checks, optionally verifies, then stores the app.
    pub fn import_server_app(&self, request_json: &str, secret: &SecretKey) -> Result<Value> {
        let now = Utc::now();
        let req = ServerAppRequest::parse(request_json, now)?;
        let environment = req.environment.unwrap_or(self.options.environment);
        let mut new = NewApp {
            tenant_id: &req.tenant_id,
            tenant_name: &req.tenant_name,
            environment,
            name: &req.app_name,
            client_id: &req.client_id,
            app_type: AppType::ServerApplication,
            identifier_uri: req.app_id_uri.as_deref(),
            secret: Some((secret, req.secret_key_expiry)),
            server_app_id: None,
            verified: None,
        };
        self.store.check_new_app(&new)?;
        let verification = if req.verify {
            let probe = ServerAppProbe {
                environment,
                tenant_id: &req.tenant_id,
                tenant_name: &req.tenant_name,
                client_id: &req.client_id,
                secret,
                app_id_uri: req.app_id_uri.as_deref(),
            };
            new.verified = Some(Utc::now());
            Some(self.verifier.verify_server_app(&probe)?)
        } else {
            None
        };
        let app = self.store.insert_app(&new, Utc::now())?;
        Ok(app_document(&app, verification, &req.warnings))
    }

    /// `Import-CMAADClientApplication`: by tenant GUID or by server app.
    pub fn import_client_app(&self, request_json: &str) -> Result<Value> {
        let req = ClientAppRequest::parse(request_json)?;
        let server = self.client_tenant_server_app(&req.tenant)?;
        let mut new = NewApp {
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
        self.store.check_new_app(&new)?;
        let verification = if req.verify {
            let secret = self.store.server_secret(&server)?;
            let probe = ClientAppProbe {
                environment: server.environment,
                tenant_id: &server.tenant_id,
                client_id: &req.client_id,
                server: Some(ServerCredentials {
                    client_id: &server.client_id,
                    secret: &secret,
                }),
            };
            new.verified = Some(Utc::now());
            Some(self.verifier.verify_client_app(&probe)?)
        } else {
            None
        };
        let app = self.store.insert_app(&new, Utc::now())?;
        Ok(app_document(&app, verification, &[]))
    }

    /// The server app a client app request points at (directly or through its tenant).
    fn client_tenant_server_app(&self, tenant: &TenantRef) -> Result<App> {
        match tenant {
            TenantRef::ServerAppId(id) => {
                let app = self.store.app(*id)?.ok_or_else(|| {
                    Error::not_found("ServerAppId", "ServerAppNotFound", format!("ServerApp ID {id} is not in the site store: get the server app with Get-CMAADApplication -AppType ServerApplication."))
                })?;
                if app.app_type != AppType::ServerApplication {
                    return Err(Error::invalid("ServerAppId", "NotAServerApp", format!("App {id} '{}' is a client app: pass the tenant's server (web) app as ServerApp.", app.name)));
                }
                Ok(app)
            }
            TenantRef::TenantId(guid) => self.store.server_apps_of(guid)?.into_iter().next().ok_or_else(|| {
                Error::not_found("TenantId", "NoServerApp", format!("Tenant {guid} has no server app in the site: import the tenant's server app first (Import-CMAADServerApplication), then the client app."))
            }),
        }
    }

    /// `Get-CMAADApplication`: every app matching all given filters, as `{"value": [...]}`.
    pub fn get_apps(&self, filter_json: Option<&str>) -> Result<Value> {
        let (apps, now) = self.find_apps(filter_json)?;
        Ok(json!({ "value": apps.iter().map(|a| a.to_json(now)).collect::<Vec<_>>() }))
    }

    /// [`Session::get_apps`] as the document's text, written app by app without a JSON tree of
    /// the whole list (a store of 100,000 apps answers with a 50 MB document).
    pub fn get_apps_text(&self, filter_json: Option<&str>) -> Result<String> {
        let (apps, now) = self.find_apps(filter_json)?;
        let list = AppList {
            value: apps.iter().map(|a| a.view(now)).collect(),
        };
        serde_json::to_string(&list)
            .map_err(|e| Error::internal(format!("The app list could not be written: {e}.")))
    }

    fn find_apps(&self, filter_json: Option<&str>) -> Result<(Vec<App>, chrono::DateTime<Utc>)> {
        let filter = AppFilter::parse(filter_json)?;
        let now = Utc::now();
        Ok((self.store.find_apps(&filter, now)?, now))
    }

    /// `New-CMCloudManagementAzureService`.
    pub fn new_cloud_management_service(&self, request_json: &str) -> Result<Value> {
        let req = ServiceRequest::parse(request_json)?;
        let server =
            self.service_app(req.server_app_id, "ServerAppId", AppType::ServerApplication)?;
        let client =
            self.service_app(req.client_app_id, "ClientAppId", AppType::ClientApplication)?;
        if server.tenant_id != client.tenant_id {
            return Err(Error::invalid(
                "ClientAppId",
                "AppsInDifferentTenants",
                format!("Server app '{}' is in tenant {} but client app '{}' is in tenant {}: both apps of a service must be in the same tenant.", server.name, server.tenant_id, client.name, client.tenant_id),
            ));
        }
        let environment = match req.environment {
            Some(e) if e != server.environment => {
                return Err(Error::invalid(
                    "AzureEnvironmentOption",
                    "EnvironmentMismatch",
                    format!(
                        "The apps are in {}, not {e}: omit AzureEnvironmentOption or give {}.",
                        server.environment, server.environment
                    ),
                ))
            }
            _ => server.environment,
        };
        if let Some(existing) = self.store.service_by_name(&req.name)? {
            return Err(crate::store::service_exists(&existing));
        }
        let service = CloudService {
            id: 0,
            name: req.name,
            description: req.description,
            tenant_id: server.tenant_id.clone(),
            server_app_id: server.id,
            client_app_id: client.id,
            environment,
            discovery: req.discovery,
            enable_aad_group_sync: false,
            disable_aad_authentication: false,
            created: Utc::now(),
            updated: None,
        };
        Ok(self.store.insert_service(&service)?.to_json())
    }

    fn service_app(&self, id: i64, field: &str, kind: AppType) -> Result<App> {
        let param = if kind == AppType::ServerApplication {
            "ServerApp"
        } else {
            "ClientApp"
        };
        let app = self.store.app(id)?.ok_or_else(|| {
            Error::not_found(field, "AppNotFound", format!("{param} ID {id} is not in the site store: get it with Get-CMAADApplication -AppType {}.", kind.name()))
        })?;
        if app.app_type != kind {
            return Err(Error::invalid(
                field,
                if kind == AppType::ServerApplication {
                    "NotAServerApp"
                } else {
                    "NotAClientApp"
                },
                format!(
                    "App {id} '{}' is a {}, but {param} must be a {}: pass the tenant's {} app.",
                    app.name,
                    app.app_type.name(),
                    kind.name(),
                    if kind == AppType::ServerApplication {
                        "server (web)"
                    } else {
                        "client (native)"
                    }
                ),
            ));
        }
        Ok(app)
    }
}

/// `{"value": [apps]}` as written by [`Session::get_apps_text`].
#[derive(serde::Serialize)]
struct AppList<'a> {
    value: Vec<crate::model::AppView<'a>>,
}

/// An app document with the verification report and warnings, when there are any.
pub(crate) fn app_document(
    app: &App,
    verification: Option<Verification>,
    warnings: &[String],
) -> Value {
    let mut doc = app.to_json(Utc::now());
    if let Some(v) = verification {
        doc["Verification"] = serde_json::to_value(v).unwrap_or(Value::Null);
    }
    if !warnings.is_empty() {
        doc["Warnings"] = json!(warnings);
    }
    doc
}
