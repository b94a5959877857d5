//! Creating the server (web) and client (native) app registrations step by step, rolling back
//! what was created when a step fails, and importing the result; plus the `http://localhost`
//! redirect URI update for server apps made before ConfigMgr 2309.

use super::request::{NewClientRequest, NewServerRequest, UpdateServerRequest};
use super::{need_signin, tenant_mismatch, Permissions, Provisioning};
use crate::entra::graph::applications::password_credential;
use crate::entra::graph::{Acting, GraphAnswer, GraphClient, NewPassword};
use crate::error::{Error, Result, Status};
use crate::model::{App, AppRegistration, AppType};
use crate::requirements::{
    self, broker_uri, Outcome, DIRECTORY_READ_ALL, GRAPH_APP_ID, LOCALHOST, SIGN_IN_AUDIENCE,
    USER_IMPERSONATION, USER_READ,
};
use crate::session::AppResult;
use crate::store::NewApp;
use crate::store::NewSecret as StoredSecret;
use chrono::Utc;
use serde_json::{json, Value};

/// An object created in Entra, for rollback and reports.
#[derive(Debug, Clone)]
struct Created {
    kind: &'static str,
    id: String,
    delete_path: String,
}

/// What a creation made so far.
#[derive(Debug, Default)]
struct Tracker(Vec<Created>);

impl Tracker {
    fn add(&mut self, kind: &'static str, id: &str, delete_path: String) {
        self.0.push(Created {
            kind,
            id: id.to_string(),
            delete_path,
        });
    }

    /// Deletes everything, newest first; the objects that could not be deleted remain.
    fn rollback(&self, graph: &GraphClient) -> Vec<Value> {
        let mut remaining = Vec::new();
        for c in self.0.iter().rev() {
            let gone = match graph.replicated(|| graph.delete(&c.delete_path)) {
                Ok(Ok(_)) => true,
                Ok(Err(refusal)) => refusal.status == 404,
                Err(_) => false,
            };
            if !gone {
                remaining.push(json!({ "Kind": c.kind, "ObjectId": c.id }));
            }
        }
        remaining
    }

    /// `error` after rolling back: its details say what was removed or what remains.
    fn fail(&self, graph: &GraphClient, error: Error) -> Error {
        if self.0.is_empty() {
            return error;
        }
        let removed: Vec<Value> = self
            .0
            .iter()
            .map(|c| json!({ "Kind": c.kind, "ObjectId": c.id }))
            .collect();
        let remaining = self.rollback(graph);
        let mut e = error;
        if remaining.is_empty() {
            e.message.push_str(" Nothing was imported, and everything created in Entra by this call was deleted again.");
            e.with_details(json!({ "RolledBack": true, "Removed": removed }))
        } else {
            let list: Vec<String> = remaining
                .iter()
                .map(|r| {
                    format!(
                        "{} {}",
                        r["Kind"].as_str().unwrap_or(""),
                        r["ObjectId"].as_str().unwrap_or("")
                    )
                })
                .collect();
            e.message.push_str(&format!(" Nothing was imported, but the rollback failed: these objects still exist in Entra and must be deleted by hand (Entra admin center, App registrations / Enterprise applications): {}.", list.join(", ")));
            e.with_details(json!({ "RolledBack": false, "Remaining": remaining }))
        }
    }
}

/// `answer`'s body, or the refusal as an error while `doing`.
fn ok(answer: GraphAnswer, doing: &str) -> Result<Value> {
    answer.map_err(|refusal| refusal.to_error(doing, Acting::Administrator))
}

fn text(value: &Value, key: &str) -> String {
    value
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// The consent outcome of one permission.
fn consent_note(granted: bool, what: &str, app_name: &str, reason: &str) -> ConsentNote {
    ConsentNote {
        permission: what.to_string(),
        granted,
        note: (!granted).then(|| format!("Admin consent for {what} was not granted ({reason}): a Global Administrator or Privileged Role Administrator must open App registrations > {app_name} > API permissions in the Entra admin center and select 'Grant admin consent'.")),
    }
}

/// Grants a permission when the sign-in may; a permission refusal becomes a note, not a failure.
fn grant(
    graph: &GraphClient,
    allowed: bool,
    wanted: bool,
    path: &str,
    body: &Value,
    what: &str,
    app_name: &str,
) -> Result<(ConsentNote, Option<String>)> {
    if !wanted {
        return Ok((
            consent_note(false, what, app_name, "GrantAdminConsent was false"),
            None,
        ));
    }
    if !allowed {
        return Ok((
            consent_note(
                false,
                what,
                app_name,
                "the signed-in identity lacks the permission to grant consent",
            ),
            None,
        ));
    }
    match graph.replicated(|| graph.create(path, body))? {
        Ok(created) => Ok((
            consent_note(true, what, app_name, ""),
            Some(text(&created, "id")),
        )),
        Err(refusal) if refusal.is_denied() => Ok((
            consent_note(
                false,
                what,
                app_name,
                "Graph refused the signed-in identity: it may not grant tenant-wide consent",
            ),
            None,
        )),
        Err(refusal) => Err(graph.refused(&refusal, &format!("granting {what}"))),
    }
}

/// The server app's `POST /applications` body: what [`crate::requirements::server`] checks.
pub fn server_body(req: &NewServerRequest, uri: &str, scope_id: &str) -> Value {
    let name = &req.app_name;
    let mut body = json!({
        "displayName": name,
        "signInAudience": SIGN_IN_AUDIENCE,
        "identifierUris": [uri],
        "isDeviceOnlyAuthSupported": true,
        "api": { "oauth2PermissionScopes": [{
            "id": scope_id, "value": USER_IMPERSONATION, "type": "User", "isEnabled": true,
            "adminConsentDisplayName": format!("Access {name}"),
            "adminConsentDescription": format!("Allow the application to access {name} on behalf of the signed-in user."),
            "userConsentDisplayName": format!("Access {name}"),
            "userConsentDescription": format!("Allow the application to access {name} on your behalf."),
        }]},
        "web": { "implicitGrantSettings": { "enableIdTokenIssuance": true } },
        "publicClient": { "redirectUris": [LOCALHOST] },
    });
    if let Some(home) = &req.home_page_url {
        body["web"]["homePageUrl"] = json!(home);
    }
    if req.user_discovery {
        body["requiredResourceAccess"] = json!([{ "resourceAppId": GRAPH_APP_ID, "resourceAccess": [{ "id": DIRECTORY_READ_ALL, "type": "Role" }] }]);
    }
    body
}

/// The client app's `POST /applications` body: what [`crate::requirements::client`] checks
/// (the broker redirect URI follows once the app ID is known).
pub fn client_body(name: &str, server_app_id: &str, scope_id: &str) -> Value {
    json!({
        "displayName": name,
        "signInAudience": SIGN_IN_AUDIENCE,
        "isFallbackPublicClient": true,
        "web": { "implicitGrantSettings": { "enableIdTokenIssuance": true } },
        "requiredResourceAccess": [
            { "resourceAppId": server_app_id, "resourceAccess": [{ "id": scope_id, "type": "Scope" }] },
            { "resourceAppId": GRAPH_APP_ID, "resourceAccess": [{ "id": USER_READ, "type": "Scope" }] },
        ],
    })
}

/// The new secret's name: `CMAAD {year-month of its end}`.
fn password_name(end: chrono::DateTime<Utc>) -> String {
    format!("CMAAD {}", end.format("%Y-%m"))
}

fn password_body(validity: super::SecretValidity) -> Value {
    let end = validity.end(Utc::now());
    password_credential(&password_name(end), end)
}

/// Admin consent for one permission, as creation reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentNote {
    /// The permission, in words.
    pub permission: String,
    /// True when consent was granted.
    pub granted: bool,
    /// What an administrator must do when it was not.
    pub note: Option<String>,
}

/// What creating a registration made in Entra (the import is the app result beside it).
#[derive(Debug, Clone)]
pub struct Registration {
    /// The application's object ID.
    pub object_id: String,
    /// Its application (client) ID.
    pub app_id: String,
    /// Its service principal's object ID.
    pub service_principal_id: String,
    /// The App ID URI (server app).
    pub identifier_uri: Option<String>,
    /// The broker redirect URI (client app).
    pub redirect_uri: Option<String>,
    /// The server app's `user_impersonation` scope ID.
    pub user_impersonation_scope_id: String,
    /// Graph's `keyId` of the secret (server app; the secret itself goes to the store only).
    pub secret_key_id: Option<String>,
    /// When the secret expires (server app).
    pub secret_key_expiry: Option<chrono::DateTime<Utc>>,
    /// Consent per permission.
    pub admin_consent: Vec<ConsentNote>,
}

/// What a `WhatIf` creation would send to Graph (Graph's own request bodies).
#[derive(Debug, Clone)]
pub struct CreationPlan {
    /// Server or client app.
    pub app_type: AppType,
    /// Tenant GUID.
    pub tenant_id: String,
    /// The `POST /applications` body.
    pub application: Value,
    /// The `addPassword` body (server app).
    pub password: Option<Value>,
    /// The `PATCH` after creation (client app).
    pub patch: Option<Value>,
    /// Consent that would be granted, in words.
    pub admin_consent: Vec<String>,
}

/// The outcome of a creation request.
#[derive(Debug, Clone)]
pub enum Creation {
    /// `WhatIf`: nothing was created.
    Planned(CreationPlan),
    /// Created in Entra and imported.
    Created {
        /// The imported app, with warnings.
        app: Box<AppResult>,
        /// What was made in Entra.
        registration: Registration,
    },
}

/// One server app's update: the `http://localhost` redirect URI and device-only tokens.
#[derive(Debug, Clone)]
pub struct RedirectUpdate {
    /// The stored app.
    pub app: App,
    /// True when Entra was changed.
    pub changed: bool,
    /// True when the URI or the device-only setting was missing (what `WhatIf` would change).
    pub would_change: bool,
    /// The app's public client redirect URIs after the update.
    pub redirect_uris: Vec<String>,
    /// `isDeviceOnlyAuthSupported` after the update.
    pub device_only_auth: bool,
}

/// The outcome of `cmaad_update_server_app`.
#[derive(Debug, Clone)]
pub struct ServerAppUpdate {
    /// One entry per server app.
    pub apps: Vec<RedirectUpdate>,
    /// True when nothing was changed on purpose.
    pub what_if: bool,
}

impl Provisioning<'_> {
    /// `New-CMAADServerApplication`: creates the web app as the CMG documents list, its secret,
    /// service principal and (optionally) Directory.Read.All with consent, then imports it.
    pub fn new_server_app(&self, req: &NewServerRequest) -> Result<Creation> {
        let tenant_id = match (self.signin, &req.tenant_id) {
            (Some(s), Some(t)) if s.tenant_id() != t => return Err(tenant_mismatch(s, t)),
            (Some(s), _) => s.tenant_id().to_string(),
            (None, Some(t)) if req.what_if => t.clone(),
            _ => return Err(need_signin()),
        };
        let (uri, warning) = req.identifier_uri(&tenant_id)?;
        let scope_id = uuid::Uuid::new_v4().to_string();
        let body = server_body(req, &uri, &scope_id);
        if req.what_if {
            return Ok(Creation::Planned(CreationPlan {
                app_type: AppType::ServerApplication,
                tenant_id,
                application: body,
                password: Some(password_body(req.validity)),
                patch: None,
                admin_consent: if req.user_discovery {
                    vec!["Microsoft Graph Directory.Read.All (application)".to_string()]
                } else {
                    Vec::new()
                },
            }));
        }
        let signin = self.signin()?;
        let tenant_name = self.tenant_label(&tenant_id, req.tenant_name.as_deref())?;
        self.session.backend().check_tenant(
            &tenant_id,
            &tenant_name,
            signin.environment(),
            AppType::ServerApplication,
        )?;
        let (graph, permissions) = signin.graph(self.session)?;
        check_uri_free(&graph, &uri)?;
        let mut tracker = Tracker::default();
        let made = create_server(&graph, permissions, req, &body, &mut tracker)
            .map_err(|e| tracker.fail(&graph, e))?;
        let new = NewApp {
            tenant_id: &tenant_id,
            tenant_name: &tenant_name,
            environment: signin.environment(),
            name: &req.app_name,
            client_id: &made.app_id,
            app_type: AppType::ServerApplication,
            identifier_uri: Some(&uri),
            secret: Some((&made.secret.secret, made.end)),
            server_app_id: None,
            verified: None,
        };
        let app = self
            .import_created(&new, Some(&made.secret))
            .map_err(|e| tracker.fail(&graph, e))?;
        let warnings: Vec<String> = warning.into_iter().chain(made.warnings()).collect();
        Ok(Creation::Created {
            app: Box::new(AppResult {
                app,
                verification: None,
                warnings,
            }),
            registration: Registration {
                object_id: made.object_id,
                app_id: made.app_id,
                service_principal_id: made.sp_id,
                identifier_uri: Some(uri),
                redirect_uri: None,
                user_impersonation_scope_id: scope_id,
                secret_key_id: Some(made.secret.key_id.clone()),
                secret_key_expiry: Some(made.end),
                admin_consent: made.consent,
            },
        })
    }

    /// `New-CMAADClientApplication`: creates the native app for stored server app `ServerAppId`,
    /// its broker redirect URI, service principal and consent, then imports it.
    pub fn new_client_app(&self, req: &NewClientRequest) -> Result<Creation> {
        let server = self.session.server_app_by_id(req.server_app_id)?;
        if let Some(s) = self.signin {
            if s.tenant_id() != server.tenant_id {
                return Err(tenant_mismatch(s, &server.tenant_id));
            }
        }
        if req.what_if && self.signin.is_none() {
            let body = client_body(
                &req.app_name,
                &server.client_id,
                "<user_impersonation scope ID of the server app>",
            );
            return Ok(what_if_client(&server, body));
        }
        let signin = self.signin()?;
        let (graph, permissions) = signin.graph(self.session)?;
        let scope_id = server_scope_id(&graph, &server)?;
        let body = client_body(&req.app_name, &server.client_id, &scope_id);
        if req.what_if {
            return Ok(what_if_client(&server, body));
        }
        self.session.backend().check_tenant(
            &server.tenant_id,
            &server.tenant_name,
            signin.environment(),
            AppType::ClientApplication,
        )?;
        let mut tracker = Tracker::default();
        let made = create_client(&graph, permissions, req, &server, &body, &mut tracker)
            .map_err(|e| tracker.fail(&graph, e))?;
        let new = NewApp {
            tenant_id: &server.tenant_id,
            tenant_name: &server.tenant_name,
            environment: server.environment,
            name: &req.app_name,
            client_id: &made.app_id,
            app_type: AppType::ClientApplication,
            identifier_uri: None,
            secret: None,
            server_app_id: Some(server.id),
            verified: None,
        };
        let app = self
            .import_created(&new, None)
            .map_err(|e| tracker.fail(&graph, e))?;
        Ok(Creation::Created {
            app: Box::new(AppResult::plain(app)),
            registration: Registration {
                redirect_uri: Some(broker_uri(&made.app_id)),
                object_id: made.object_id,
                app_id: made.app_id,
                service_principal_id: made.sp_id,
                identifier_uri: None,
                user_impersonation_scope_id: scope_id,
                secret_key_id: None,
                secret_key_expiry: None,
                admin_consent: made.consent,
            },
        })
    }

    /// `Set-UpdateServerApplication -TenantId`: adds `http://localhost` to the public client
    /// redirect URIs of the tenant's stored server apps (or one by `ID`) in Entra.
    pub fn update_server_app(&self, req: &UpdateServerRequest) -> Result<ServerAppUpdate> {
        let apps = match (req.id, &req.tenant_id) {
            (Some(id), _) => vec![self.session.server_app_by_id(id)?],
            (None, Some(t)) => self.session.backend().server_apps_of(t)?,
            (None, None) => Vec::new(),
        };
        if apps.is_empty() {
            return Err(Error::not_found(
                "TenantId",
                "NoServerApp",
                "The tenant has no server app in the site store: import or create one first.",
            ));
        }
        let signin = self.signin()?;
        let (graph, _) = signin.graph(self.session)?;
        let mut results = Vec::new();
        for app in apps {
            if app.tenant_id != signin.tenant_id() {
                return Err(tenant_mismatch(signin, &app.tenant_id));
            }
            results.push(update_server_settings(&graph, app, req.what_if)?);
        }
        Ok(ServerAppUpdate {
            apps: results,
            what_if: req.what_if,
        })
    }

    /// The tenant's label: the one given, the stored one, or the tenant GUID.
    fn tenant_label(&self, tenant_id: &str, given: Option<&str>) -> Result<String> {
        Ok(match (given, self.session.backend().tenant(tenant_id)?) {
            (Some(g), _) => g.to_string(),
            (None, Some(t)) => t.name,
            (None, None) => tenant_id.to_string(),
        })
    }

    /// Imports a created app into the session's site (a ConfigMgr site or the store); the
    /// store also keeps a server app's Graph key ID of its secret (a site has no property
    /// for it).
    fn import_created(&self, new: &NewApp<'_>, secret: Option<&NewPassword>) -> Result<App> {
        let app = self.session.backend().insert_app(new, Utc::now())?;
        let store = self.session.store();
        match (secret, new.secret, self.session.site()) {
            (Some(s), Some((_, expiry)), None) => {
                let stored = StoredSecret {
                    secret: &s.secret,
                    expiry,
                    key_id: Some(&s.key_id),
                    verified: None,
                };
                // The app is stored already; without the key ID only rotation's cleanup is poorer.
                Ok(store.set_secret(app.id, &stored, Utc::now()).unwrap_or(app))
            }
            _ => Ok(app),
        }
    }
}

fn what_if_client(server: &App, body: Value) -> Creation {
    Creation::Planned(CreationPlan {
        app_type: AppType::ClientApplication,
        tenant_id: server.tenant_id.clone(),
        application: body,
        password: None,
        patch: Some(
            json!({ "publicClient": { "redirectUris": [broker_uri("<appId of the new app>")] } }),
        ),
        admin_consent: vec![
            format!("{} user_impersonation (delegated, all users)", server.name),
            "Microsoft Graph User.Read (delegated, all users)".to_string(),
        ],
    })
}

/// Fails when an app of the tenant already holds `uri` (Graph would refuse it anyway).
fn check_uri_free(graph: &GraphClient, uri: &str) -> Result<()> {
    let filter = format!("identifierUris/any(x:x eq '{}')", uri.replace('\'', "''"));
    let found = ok(
        graph.get(
            "applications",
            &[("$filter", &filter), ("$select", "id,appId,displayName")],
        )?,
        "looking up the App ID URI",
    )?;
    match found["value"].as_array().and_then(|v| v.first()) {
        None => Ok(()),
        Some(app) => Err(Error::new(Status::AlreadyExists, "AppIdUriInUse", format!("App ID URI '{uri}' is already used by app '{}' ({}) in the tenant: choose another AppIdUri or AppName.", crate::scrub::server_text(&text(app, "displayName"), &[]), text(app, "appId"))).with_target("AppIdUri")),
    }
}

/// What creating an app made.
struct Made {
    object_id: String,
    app_id: String,
    sp_id: String,
    consent: Vec<ConsentNote>,
}

/// What creating a server app made, with its secret.
struct MadeServer {
    object_id: String,
    app_id: String,
    sp_id: String,
    secret: NewPassword,
    end: chrono::DateTime<Utc>,
    consent: Vec<ConsentNote>,
}

impl MadeServer {
    fn warnings(&self) -> Vec<String> {
        self.consent.iter().filter_map(|c| c.note.clone()).collect()
    }
}

/// `POST /applications`, tracked for rollback.
fn create_application(
    graph: &GraphClient,
    body: &Value,
    tracker: &mut Tracker,
) -> Result<(String, String)> {
    let created = ok(
        graph.create("applications", body)?,
        "creating the app registration",
    )?;
    let (object_id, app_id) = (text(&created, "id"), text(&created, "appId"));
    if object_id.is_empty() || app_id.is_empty() {
        return Err(Error::new(
            Status::Network,
            "MalformedResponse",
            "Microsoft Graph created the app registration but its answer lacks id or appId.",
        ));
    }
    tracker.add(
        "Application",
        &object_id,
        format!("applications/{object_id}"),
    );
    Ok((object_id, app_id))
}

/// `POST /servicePrincipals`, repeated while the new app replicates; tracked for rollback.
fn create_service_principal(
    graph: &GraphClient,
    app_id: &str,
    tracker: &mut Tracker,
) -> Result<String> {
    let body = json!({ "appId": app_id });
    let created = ok(
        graph.replicated(|| graph.create("servicePrincipals", &body))?,
        "creating the service principal",
    )?;
    let sp_id = text(&created, "id");
    tracker.add(
        "ServicePrincipal",
        &sp_id,
        format!("servicePrincipals/{sp_id}"),
    );
    Ok(sp_id)
}

/// The service principal of `app_id` in the tenant (Graph's own is always there).
fn service_principal_id(graph: &GraphClient, app_id: &str) -> Result<String> {
    let path = format!("servicePrincipals(appId='{app_id}')");
    let sp = ok(
        graph.replicated(|| graph.get(&path, &[("$select", "id,appId")]))?,
        "looking up a service principal",
    )?;
    Ok(text(&sp, "id"))
}

fn create_server(
    graph: &GraphClient,
    permissions: Permissions,
    req: &NewServerRequest,
    body: &Value,
    tracker: &mut Tracker,
) -> Result<MadeServer> {
    let (object_id, app_id) = create_application(graph, body, tracker)?;
    let end = req.validity.end(Utc::now());
    let password = graph.add_password(&object_id, &password_name(end), end)?;
    let end = password.end.unwrap_or(end);
    let sp_id = create_service_principal(graph, &app_id, tracker)?;
    let mut consent = Vec::new();
    if req.user_discovery {
        let graph_sp = service_principal_id(graph, GRAPH_APP_ID)?;
        let body = json!({ "principalId": sp_id, "resourceId": graph_sp, "appRoleId": DIRECTORY_READ_ALL });
        let path = format!("servicePrincipals/{graph_sp}/appRoleAssignedTo");
        let (note, id) = grant(
            graph,
            permissions.assign_roles,
            req.grant_consent,
            &path,
            &body,
            "Microsoft Graph Directory.Read.All (application)",
            &req.app_name,
        )?;
        if let Some(id) = id {
            tracker.add("AppRoleAssignment", &id, format!("{path}/{id}"));
        }
        consent.push(note);
    }
    Ok(MadeServer {
        object_id,
        app_id,
        sp_id,
        secret: password,
        end,
        consent,
    })
}

/// The server app's `user_impersonation` scope ID, read through Graph.
fn server_scope_id(graph: &GraphClient, server: &App) -> Result<String> {
    let path = format!("applications(appId='{}')", server.client_id);
    let app = ok(
        graph.replicated(|| graph.get(&path, &[("$select", "id,appId,api")]))?,
        "reading the server app",
    )?;
    let scopes = app
        .pointer("/api/oauth2PermissionScopes")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    scopes.iter().find(|s| s["value"] == "user_impersonation").map(|s| text(s, "id")).ok_or_else(|| {
        Error::new(Status::VerificationFailed, "UserImpersonationMissing", format!("Server app '{}' ({}) exposes no user_impersonation scope: add it on the app's Expose an API page (Admins and users may consent), or create the server app with CMAAD.", server.name, server.client_id)).with_target("ServerAppId")
    })
}

fn create_client(
    graph: &GraphClient,
    permissions: Permissions,
    req: &NewClientRequest,
    server: &App,
    body: &Value,
    tracker: &mut Tracker,
) -> Result<Made> {
    let (object_id, app_id) = create_application(graph, body, tracker)?;
    let patch = json!({ "publicClient": { "redirectUris": [broker_uri(&app_id)] } });
    let path = format!("applications/{object_id}");
    ok(
        graph.replicated(|| graph.patch(&path, &patch))?,
        "adding the broker redirect URI",
    )?;
    let sp_id = create_service_principal(graph, &app_id, tracker)?;
    let mut consent = Vec::new();
    for (resource_app, scope, what) in [
        (
            server.client_id.as_str(),
            "user_impersonation",
            format!("{} user_impersonation (delegated)", server.name),
        ),
        (
            GRAPH_APP_ID,
            "User.Read",
            "Microsoft Graph User.Read (delegated)".to_string(),
        ),
    ] {
        let resource = service_principal_id(graph, resource_app)?;
        let body = json!({ "clientId": sp_id, "consentType": "AllPrincipals", "resourceId": resource, "scope": scope });
        let (note, id) = grant(
            graph,
            permissions.grant_delegated,
            req.grant_consent,
            "oauth2PermissionGrants",
            &body,
            &what,
            &req.app_name,
        )?;
        if let Some(id) = id {
            tracker.add(
                "OAuth2PermissionGrant",
                &id,
                format!("oauth2PermissionGrants/{id}"),
            );
        }
        consent.push(note);
    }
    Ok(Made {
        object_id,
        app_id,
        sp_id,
        consent,
    })
}

/// Brings one server app up to what the CMG needs since ConfigMgr 2309: the `http://localhost`
/// public client redirect URI ([`crate::requirements::server`]'s `LocalhostRedirectUri`) and
/// device-only tokens (`DeviceOnlyAuth`). Only what is missing is sent, in one `PATCH`; an app
/// that has both is left alone, so the update can run any number of times.
fn update_server_settings(graph: &GraphClient, app: App, what_if: bool) -> Result<RedirectUpdate> {
    let path = format!("applications(appId='{}')", app.client_id);
    let select = "id,appId,publicClient,isDeviceOnlyAuthSupported";
    let found = graph.get(&path, &[("$select", select)])?;
    let current = ok(found, &format!("reading server app '{}'", app.name))?;
    let current: AppRegistration = serde_json::from_value(current).map_err(|e| {
        Error::new(
            Status::Network,
            "MalformedResponse",
            format!(
                "Microsoft Graph answered with server app '{}' in a shape CMAAD cannot read ({e}).",
                app.name
            ),
        )
    })?;
    let mut uris = current.public_client.redirect_uris.clone();
    let missing_uri = !uris.iter().any(|u| u.eq_ignore_ascii_case(LOCALHOST));
    let device_only_off = requirements::device_only_auth(&current).outcome != Outcome::Passed;
    let mut body = serde_json::Map::new();
    if missing_uri {
        uris.push(LOCALHOST.to_string());
        body.insert("publicClient".into(), json!({ "redirectUris": uris }));
    }
    if device_only_off {
        body.insert("isDeviceOnlyAuthSupported".into(), json!(true));
    }
    let would_change = !body.is_empty();
    if would_change && !what_if {
        let object = format!("applications/{}", current.id);
        ok(
            graph.patch(&object, &Value::Object(body))?,
            &format!("updating server app '{}'", app.name),
        )?;
    }
    Ok(RedirectUpdate {
        app,
        changed: would_change && !what_if,
        would_change,
        redirect_uris: uris,
        device_only_auth: !device_only_off || !what_if,
    })
}
