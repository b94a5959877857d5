//! Creating the server (web) and client (native) app registrations step by step, rolling back
//! what was created when a step fails, and importing the result; plus the `http://localhost`
//! redirect URI update for server apps made before ConfigMgr 2309.

use super::request::{NewClientRequest, NewServerRequest, UpdateServerRequest};
use super::{GraphSignIn, Permissions};
use crate::entra::admin::{GraphAnswer, GraphClient};
use crate::error::{Error, Result, Status};
use crate::model::{App, AppType};
use crate::session::{app_document, Session};
use crate::store::NewApp;
use crate::store::NewSecret as StoredSecret;
use chrono::Utc;
use serde_json::{json, Value};

/// Microsoft Graph's application ID.
pub const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";
/// Graph's `Directory.Read.All` application permission.
pub const DIRECTORY_READ_ALL: &str = "7ab1d382-f21e-4acd-a863-ba3e13f7da61";
/// Graph's `User.Read` delegated permission.
pub const USER_READ: &str = "e1fe6dd8-ba31-4d61-89e7-88639da4683d";
/// The server app's public client redirect URI (ConfigMgr 2309 and later).
pub const LOCALHOST: &str = "http://localhost";

/// The client app's broker redirect URI.
pub fn broker_uri(app_id: &str) -> String {
    format!("ms-appx-web://Microsoft.AAD.BrokerPlugin/{app_id}")
}

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
    answer.map_err(|refusal| refusal.to_error(doing))
}

fn text(value: &Value, key: &str) -> String {
    value
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// The consent outcome of one permission.
fn consent_note(granted: bool, what: &str, app_name: &str, reason: &str) -> Value {
    if granted {
        json!({ "Permission": what, "Granted": true, "Note": null })
    } else {
        json!({ "Permission": what, "Granted": false, "Note": format!("Admin consent for {what} was not granted ({reason}): a Global Administrator or Privileged Role Administrator must open App registrations > {app_name} > API permissions in the Entra admin center and select 'Grant admin consent'.") })
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
) -> Result<(Value, Option<String>)> {
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
        Err(refusal) => Err(refusal.to_error(&format!("granting {what}"))),
    }
}

/// The server app's `POST /applications` body.
pub fn server_body(req: &NewServerRequest, uri: &str, scope_id: &str) -> Value {
    let name = &req.app_name;
    let mut body = json!({
        "displayName": name,
        "signInAudience": "AzureADMyOrg",
        "identifierUris": [uri],
        "api": { "oauth2PermissionScopes": [{
            "id": scope_id, "value": "user_impersonation", "type": "User", "isEnabled": true,
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

/// The client app's `POST /applications` body.
pub fn client_body(name: &str, server_app_id: &str, scope_id: &str) -> Value {
    json!({
        "displayName": name,
        "signInAudience": "AzureADMyOrg",
        "isFallbackPublicClient": true,
        "web": { "implicitGrantSettings": { "enableIdTokenIssuance": true } },
        "requiredResourceAccess": [
            { "resourceAppId": server_app_id, "resourceAccess": [{ "id": scope_id, "type": "Scope" }] },
            { "resourceAppId": GRAPH_APP_ID, "resourceAccess": [{ "id": USER_READ, "type": "Scope" }] },
        ],
    })
}

fn password_body(validity: super::SecretValidity) -> Value {
    let end = validity.end(Utc::now());
    json!({ "passwordCredential": { "displayName": format!("CMAAD {}", end.format("%Y-%m")), "endDateTime": end.to_rfc3339() } })
}

impl Session {
    /// `New-CMAADServerApplication`: creates the web app as seed 003 lists, its secret, service
    /// principal and (optionally) Directory.Read.All with consent, then imports it.
    pub fn new_server_app(
        &self,
        signin: Option<&GraphSignIn>,
        request_json: &str,
    ) -> Result<Value> {
        let req = NewServerRequest::parse(request_json)?;
        let tenant_id = match (signin, &req.tenant_id) {
            (Some(s), Some(t)) if s.tenant_id() != t => return Err(tenant_mismatch(s, t)),
            (Some(s), _) => s.tenant_id().to_string(),
            (None, Some(t)) if req.what_if => t.clone(),
            _ => return Err(need_signin()),
        };
        let (uri, warning) = req.identifier_uri(&tenant_id)?;
        let scope_id = uuid::Uuid::new_v4().to_string();
        let body = server_body(&req, &uri, &scope_id);
        if req.what_if {
            return Ok(
                json!({ "WhatIf": true, "AppType": "ServerApplication", "TenantId": tenant_id, "Application": body,
                "Password": password_body(req.validity), "ServicePrincipal": true,
                "AdminConsent": if req.user_discovery { json!(["Microsoft Graph Directory.Read.All (application)"]) } else { json!([]) } }),
            );
        }
        let signin = signin.ok_or_else(need_signin)?;
        let tenant_name = self.tenant_label(&tenant_id, req.tenant_name.as_deref())?;
        self.preflight(&tenant_id, &tenant_name, signin, AppType::ServerApplication)?;
        let (graph, permissions) = signin.graph(self)?;
        check_uri_free(&graph, &uri)?;
        let mut tracker = Tracker::default();
        let made = create_server(&graph, permissions, &req, &body, &mut tracker)
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
        let mut doc = app_document(&app, None, &warnings);
        doc["Registration"] = json!({ "ObjectId": made.object_id, "AppId": made.app_id, "ServicePrincipalId": made.sp_id,
            "IdentifierUri": uri, "UserImpersonationScopeId": scope_id, "SecretKeyId": made.secret.key_id,
            "SecretKeyExpiry": crate::model::format_time(&made.end), "AdminConsent": made.consent });
        Ok(doc)
    }

    /// `New-CMAADClientApplication`: creates the native app for stored server app `ServerAppId`,
    /// its broker redirect URI, service principal and consent, then imports it.
    pub fn new_client_app(
        &self,
        signin: Option<&GraphSignIn>,
        request_json: &str,
    ) -> Result<Value> {
        let req = NewClientRequest::parse(request_json)?;
        let server = self.stored_server_app(req.server_app_id)?;
        if let Some(s) = signin {
            if s.tenant_id() != server.tenant_id {
                return Err(tenant_mismatch(s, &server.tenant_id));
            }
        }
        if req.what_if && signin.is_none() {
            let body = client_body(
                &req.app_name,
                &server.client_id,
                "<user_impersonation scope ID of the server app>",
            );
            return Ok(what_if_client(&server, body));
        }
        let signin = signin.ok_or_else(need_signin)?;
        let (graph, permissions) = signin.graph(self)?;
        let scope_id = server_scope_id(&graph, &server)?;
        let body = client_body(&req.app_name, &server.client_id, &scope_id);
        if req.what_if {
            return Ok(what_if_client(&server, body));
        }
        self.preflight(
            &server.tenant_id,
            &server.tenant_name,
            signin,
            AppType::ClientApplication,
        )?;
        let mut tracker = Tracker::default();
        let made = create_client(&graph, permissions, &req, &server, &body, &mut tracker)
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
        let mut doc = app_document(&app, None, &[]);
        doc["Registration"] = json!({ "ObjectId": made.object_id, "AppId": made.app_id, "ServicePrincipalId": made.sp_id,
            "RedirectUri": broker_uri(&made.app_id), "UserImpersonationScopeId": scope_id, "AdminConsent": made.consent });
        Ok(doc)
    }

    /// `Set-UpdateServerApplication -TenantId`: adds `http://localhost` to the public client
    /// redirect URIs of the tenant's stored server apps (or one by `ID`) in Entra.
    pub fn update_server_app(
        &self,
        signin: Option<&GraphSignIn>,
        request_json: &str,
    ) -> Result<Value> {
        let req = UpdateServerRequest::parse(request_json)?;
        let apps = match (req.id, &req.tenant_id) {
            (Some(id), _) => vec![self.stored_server_app(id)?],
            (None, Some(t)) => self.store().server_apps_of(t)?,
            (None, None) => Vec::new(),
        };
        if apps.is_empty() {
            return Err(Error::not_found(
                "TenantId",
                "NoServerApp",
                "The tenant has no server app in the site store: import or create one first.",
            ));
        }
        let signin = signin.ok_or_else(need_signin)?;
        let (graph, _) = signin.graph(self)?;
        let mut results = Vec::new();
        for app in &apps {
            if app.tenant_id != signin.tenant_id() {
                return Err(tenant_mismatch(signin, &app.tenant_id));
            }
            results.push(add_localhost(&graph, app, req.what_if)?);
        }
        Ok(json!({ "value": results, "WhatIf": req.what_if }))
    }

    fn stored_server_app(&self, id: i64) -> Result<App> {
        let app = self.store().app(id)?.ok_or_else(|| {
            Error::not_found("ServerAppId", "ServerAppNotFound", format!("ServerApp ID {id} is not in the site store: get the server app with Get-CMAADApplication -AppType ServerApplication."))
        })?;
        if app.app_type != AppType::ServerApplication {
            return Err(Error::invalid(
                "ServerAppId",
                "NotAServerApp",
                format!(
                    "App {id} '{}' is a client app: pass the tenant's server (web) app.",
                    app.name
                ),
            ));
        }
        Ok(app)
    }

    /// The tenant's label: the one given, the stored one, or the tenant GUID.
    fn tenant_label(&self, tenant_id: &str, given: Option<&str>) -> Result<String> {
        Ok(match (given, self.store().tenant(tenant_id)?) {
            (Some(g), _) => g.to_string(),
            (None, Some(t)) => t.name,
            (None, None) => tenant_id.to_string(),
        })
    }

    /// Refuses early what the import would refuse (tenant name or cloud mismatch), before
    /// anything is created in Entra.
    fn preflight(
        &self,
        tenant_id: &str,
        tenant_name: &str,
        signin: &GraphSignIn,
        kind: AppType,
    ) -> Result<()> {
        let placeholder = uuid::Uuid::new_v4().to_string();
        self.store().check_new_app(&NewApp {
            tenant_id,
            tenant_name,
            environment: signin.environment(),
            name: "preflight",
            client_id: &placeholder,
            app_type: kind,
            identifier_uri: None,
            secret: None,
            server_app_id: None,
            verified: None,
        })
    }

    /// Stores a created app; for a server app also the Graph key ID of its secret.
    fn import_created(
        &self,
        new: &NewApp<'_>,
        secret: Option<&crate::entra::admin::NewSecret>,
    ) -> Result<App> {
        let app = self.store().insert_app(new, Utc::now())?;
        match (secret, new.secret) {
            (Some(s), Some((_, expiry))) => {
                let stored = StoredSecret {
                    secret: &s.secret,
                    expiry,
                    key_id: Some(&s.key_id),
                    verified: None,
                };
                // The app is stored already; without the key ID only rotation's cleanup is poorer.
                Ok(self
                    .store()
                    .set_secret(app.id, &stored, Utc::now())
                    .unwrap_or(app))
            }
            _ => Ok(app),
        }
    }
}

fn need_signin() -> Error {
    Error::invalid("signin", "NotSignedIn", "No administrator sign-in was given: sign in to Microsoft Graph first (Connect-CMAADAzure), or use WhatIf with a TenantId to see the registration without creating it.")
}

fn tenant_mismatch(signin: &GraphSignIn, tenant: &str) -> Error {
    Error::invalid("TenantId", "TenantMismatch", format!("The administrator signed in to tenant {}, but the app belongs to tenant {tenant}: sign in to that tenant.", signin.tenant_id()))
}

fn what_if_client(server: &App, body: Value) -> Value {
    json!({ "WhatIf": true, "AppType": "ClientApplication", "TenantId": server.tenant_id, "Application": body,
        "Patch": { "publicClient": { "redirectUris": [broker_uri("<appId of the new app>")] } }, "ServicePrincipal": true,
        "AdminConsent": [format!("{} user_impersonation (delegated, all users)", server.name), "Microsoft Graph User.Read (delegated, all users)"] })
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
        Some(app) => Err(Error::new(Status::AlreadyExists, "AppIdUriInUse", format!("App ID URI '{uri}' is already used by app '{}' ({}) in the tenant: choose another AppIdUri or AppName.", text(app, "displayName"), text(app, "appId"))).with_target("AppIdUri")),
    }
}

/// What creating an app made.
struct Made {
    object_id: String,
    app_id: String,
    sp_id: String,
    consent: Vec<Value>,
}

/// What creating a server app made, with its secret.
struct MadeServer {
    object_id: String,
    app_id: String,
    sp_id: String,
    secret: crate::entra::admin::NewSecret,
    end: chrono::DateTime<Utc>,
    consent: Vec<Value>,
}

impl MadeServer {
    fn warnings(&self) -> Vec<String> {
        self.consent
            .iter()
            .filter_map(|c| c["Note"].as_str().map(str::to_string))
            .collect()
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
    let password = graph
        .add_password(&object_id, &password_body(req.validity))?
        .map_err(|r| r.to_error("adding the client secret"))?;
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

/// Adds `http://localhost` to one server app's public client redirect URIs, when missing.
fn add_localhost(graph: &GraphClient, app: &App, what_if: bool) -> Result<Value> {
    let path = format!("applications(appId='{}')", app.client_id);
    let found = graph.get(&path, &[("$select", "id,appId,publicClient")])?;
    let current = ok(found, &format!("reading server app '{}'", app.name))?;
    let mut uris: Vec<String> = current
        .pointer("/publicClient/redirectUris")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let missing = !uris.iter().any(|u| u.eq_ignore_ascii_case(LOCALHOST));
    if missing {
        uris.push(LOCALHOST.to_string());
        if !what_if {
            let body = json!({ "publicClient": { "redirectUris": uris } });
            let object = format!("applications/{}", text(&current, "id"));
            ok(
                graph.patch(&object, &body)?,
                &format!("updating server app '{}'", app.name),
            )?;
        }
    }
    Ok(
        json!({ "ID": app.id, "Name": app.name, "ClientID": app.client_id, "Changed": missing && !what_if, "WouldChange": missing, "RedirectUris": uris }),
    )
}
