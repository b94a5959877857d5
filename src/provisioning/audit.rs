//! The audit: an existing registration (by client ID, read through Graph) checked against every
//! requirement of seed 003 for its kind, each check Passed, Failed (with the fix) or NotChecked.

use super::create::{broker_uri, DIRECTORY_READ_ALL, GRAPH_APP_ID, LOCALHOST};
use super::request::AuditRequest;
use super::{GraphSignIn, Provisioning};
use crate::entra::admin::GraphClient;
use crate::entra::Outcome;
use crate::error::{Error, Result};
use crate::model::AppType;
use chrono::{DateTime, Utc};
use serde_json::Value;

/// One requirement checked on a registration.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditCheck {
    /// The requirement (`SignInAudience`, `AppIdUri`, ...).
    pub name: String,
    /// What came of it.
    pub outcome: Outcome,
    /// What was seen.
    pub detail: String,
    /// How to fix a failed check.
    pub fix: Option<String>,
}

/// A registration checked against what the CMG needs of its kind.
#[derive(Debug, Clone)]
pub struct AuditReport {
    /// The registration's client ID.
    pub client_id: String,
    /// Its display name, as Graph gave it.
    pub display_name: Option<String>,
    /// The kind it was checked as.
    pub app_type: AppType,
    /// The tenant.
    pub tenant_id: String,
    /// Every check, in the order made.
    pub checks: Vec<AuditCheck>,
}

impl AuditReport {
    /// True when no check failed.
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.outcome != Outcome::Failed)
    }
}

/// The checks made so far.
#[derive(Default)]
struct Audit(Vec<AuditCheck>);

impl Audit {
    /// Records check `name`: passed when `passed`, else failed with `fix`.
    /// Records a check; `detail` quotes what Graph holds (URIs, names), so it is scrubbed of
    /// anything credential-looking first ([`crate::scrub::server_text`]).
    fn check(&mut self, name: &str, passed: bool, detail: String, fix: &str) {
        let outcome = if passed {
            Outcome::Passed
        } else {
            Outcome::Failed
        };
        self.0.push(AuditCheck {
            name: name.to_string(),
            outcome,
            detail: crate::scrub::server_text(&detail, &[]),
            fix: (!passed).then(|| fix.to_string()),
        });
    }

    fn skip(&mut self, name: &str, detail: String) {
        self.0.push(AuditCheck {
            name: name.to_string(),
            outcome: Outcome::NotChecked,
            detail,
            fix: None,
        });
    }
}

fn strings(app: &Value, pointer: &str) -> Vec<String> {
    app.pointer(pointer)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn flag(app: &Value, pointer: &str) -> bool {
    app.pointer(pointer)
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

/// The permission entries `app` requires of `resource_app_id`: (id, type).
fn required(app: &Value, resource_app_id: &str) -> Vec<(String, String)> {
    let all = app["requiredResourceAccess"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    all.iter()
        .filter(|r| {
            r["resourceAppId"]
                .as_str()
                .is_some_and(|id| id.eq_ignore_ascii_case(resource_app_id))
        })
        .flat_map(|r| r["resourceAccess"].as_array().cloned().unwrap_or_default())
        .map(|a| {
            (
                a["id"].as_str().unwrap_or_default().to_string(),
                a["type"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn read(graph: &GraphClient, path: &str, doing: &str) -> Result<Option<Value>> {
    match graph.get(path, &[])? {
        Ok(v) => Ok(Some(v)),
        Err(r) if r.status == 404 => Ok(None),
        Err(r) => Err(r.to_error(doing)),
    }
}

impl Provisioning<'_> {
    /// `Test-CMAADApplication`: checks registration `ClientId` against what the CMG needs of
    /// its kind; a failed check is part of the report, not an error.
    pub fn audit_app(&self, req: &AuditRequest) -> Result<AuditReport> {
        let signin = self.signin()?;
        let (graph, _) = signin.graph(self.session)?;
        let path = format!("applications(appId='{}')", req.client_id);
        let app = read(&graph, &path, "reading the app registration")?.ok_or_else(|| {
            Error::not_found("ClientId", "AppNotFound", format!("No app registration with client ID {} exists in tenant {}: check the Application (client) ID and the tenant.", req.client_id, signin.tenant_id()))
        })?;
        let kind = req.app_type.unwrap_or_else(|| guess_kind(&app));
        let mut audit = Audit::default();
        common_checks(&mut audit, &app);
        match kind {
            AppType::ServerApplication => server_checks(&mut audit, &app, signin.tenant_id()),
            AppType::ClientApplication => {
                let server = self.audit_server_of(&graph, signin, req)?;
                client_checks(&mut audit, &app, server.as_ref())
            }
        }
        let sp = read(
            &graph,
            &format!("servicePrincipals(appId='{}')", req.client_id),
            "reading the service principal",
        )?;
        audit.check("ServicePrincipal", sp.is_some(), match &sp { Some(s) => format!("Service principal {} exists.", s["id"].as_str().unwrap_or("")), None => "The app has no service principal (enterprise application) in the tenant.".into() }, "Create it: open the app's Overview page and select 'Create Service Principal' (or New-MgServicePrincipal -AppId), then grant admin consent.");
        if kind == AppType::ClientApplication {
            consent_check(&mut audit, &graph, sp.as_ref())?;
        }
        Ok(AuditReport {
            client_id: req.client_id.clone(),
            display_name: app["displayName"].as_str().map(str::to_string),
            app_type: kind,
            tenant_id: signin.tenant_id().to_string(),
            checks: audit.0,
        })
    }

    /// The server app a client app should use: `ServerClientId`, else the tenant's stored one.
    fn audit_server_of(
        &self,
        graph: &GraphClient,
        signin: &GraphSignIn,
        req: &AuditRequest,
    ) -> Result<Option<Value>> {
        let server_id = match &req.server_client_id {
            Some(id) => Some(id.clone()),
            None => self
                .session
                .store()
                .server_apps_of(signin.tenant_id())?
                .first()
                .map(|a| a.client_id.clone()),
        };
        match server_id {
            Some(id) => read(
                graph,
                &format!("applications(appId='{id}')"),
                "reading the server app",
            ),
            None => Ok(None),
        }
    }
}

/// An app exposing `user_impersonation` is a server app; anything else is checked as a client.
fn guess_kind(app: &Value) -> AppType {
    let scopes = app
        .pointer("/api/oauth2PermissionScopes")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if scopes.iter().any(|s| s["value"] == "user_impersonation") {
        AppType::ServerApplication
    } else {
        AppType::ClientApplication
    }
}

fn common_checks(audit: &mut Audit, app: &Value) {
    let audience = app["signInAudience"].as_str().unwrap_or_default();
    audit.check("SignInAudience", audience == "AzureADMyOrg", format!("signInAudience is '{audience}'."), "Set 'Supported account types' to 'Accounts in this organizational directory only' (manifest signInAudience AzureADMyOrg).");
    let id_tokens = flag(app, "/web/implicitGrantSettings/enableIdTokenIssuance");
    audit.check("IdTokenIssuance", id_tokens, format!("ID token issuance (oauth2AllowIdTokenImplicitFlow) is {}.", if id_tokens { "on" } else { "off" }), "In the app's Manifest set oauth2AllowIdTokenImplicitFlow to true (Authentication > Implicit grant > ID tokens).");
}

fn server_checks(audit: &mut Audit, app: &Value, tenant_id: &str) {
    let uris = strings(app, "/identifierUris");
    let recommended = uris.iter().any(|u| {
        u.starts_with(&format!("api://{tenant_id}/"))
            || (u.starts_with("https://") && u.matches('/').count() >= 3)
    });
    audit.check("AppIdUri", recommended, format!("identifierUris: {uris:?}."), &format!("On Expose an API set the Application ID URI to api://{tenant_id}/<name> or https://<verified domain>/<name>."));
    let scopes = app
        .pointer("/api/oauth2PermissionScopes")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let scope = scopes.iter().find(|s| s["value"] == "user_impersonation");
    let good = scope.is_some_and(|s| s["type"] == "User" && s["isEnabled"] == true);
    let detail = match scope {
        None => "No user_impersonation scope is exposed.".to_string(),
        Some(s) => format!(
            "user_impersonation: type {}, enabled {}.",
            s["type"], s["isEnabled"]
        ),
    };
    audit.check("UserImpersonationScope", good, detail, "On Expose an API add the scope user_impersonation, who can consent: Admins and users, with admin consent display name and description, enabled.");
    let redirects = strings(app, "/publicClient/redirectUris");
    audit.check("LocalhostRedirectUri", redirects.iter().any(|u| u == LOCALHOST), format!("Public client redirect URIs: {redirects:?}."), "Add the redirect URI http://localhost for 'Mobile and desktop applications' (Set-UpdateServerApplication does it).");
    secret_check(audit, app);
    let graph = required(app, GRAPH_APP_ID);
    if graph
        .iter()
        .any(|(id, t)| id == DIRECTORY_READ_ALL && t == "Role")
    {
        let user_read = graph.iter().any(|(id, _)| id == super::create::USER_READ);
        audit.check("DirectoryReadAll", !user_read, "Microsoft Graph Directory.Read.All (application) is requested.".into(), "Remove the delegated User.Read permission, as the documents prescribe for user discovery.");
    } else {
        audit.skip("DirectoryReadAll", "Microsoft Graph Directory.Read.All (application) is not requested; it is needed only for Entra user discovery.".into());
    }
}

fn secret_check(audit: &mut Audit, app: &Value) {
    let now = Utc::now();
    let ends: Vec<DateTime<Utc>> = app["passwordCredentials"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|p| {
            p["endDateTime"]
                .as_str()
                .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                .map(|t| t.with_timezone(&Utc))
        })
        .collect();
    let latest = ends.iter().max().copied();
    let valid = latest.is_some_and(|e| e > now);
    let detail = match latest {
        None => "The app has no client secret.".to_string(),
        Some(e) => format!(
            "The latest client secret ends {}.",
            crate::model::format_time(&e)
        ),
    };
    audit.check("ClientSecret", valid, detail, "On Certificates & secrets add a client secret valid 12 or 24 months, then store it with Set-CMAADApplication -SecretKey.");
}

fn client_checks(audit: &mut Audit, app: &Value, server: Option<&Value>) {
    let app_id = app["appId"].as_str().unwrap_or_default();
    let redirects = strings(app, "/publicClient/redirectUris");
    let broker = broker_uri(app_id);
    audit.check(
        "BrokerRedirectUri",
        redirects.iter().any(|u| u.eq_ignore_ascii_case(&broker)),
        format!("Public client redirect URIs: {redirects:?}."),
        &format!(
            "Under Authentication add the 'Mobile and desktop applications' redirect URI {broker}."
        ),
    );
    let public = flag(app, "/isFallbackPublicClient");
    audit.check(
        "PublicClientFlows",
        public,
        format!(
            "'Allow public client flows' is {}.",
            if public { "Yes" } else { "No" }
        ),
        "Under Authentication > Advanced settings set 'Allow public client flows' to Yes.",
    );
    match server {
        None => audit.skip("UserImpersonation", "No server app is known to compare with: give ServerClientId, or import the tenant's server app.".into()),
        Some(server) => {
            let server_id = server["appId"].as_str().unwrap_or_default();
            let scope = server.pointer("/api/oauth2PermissionScopes").and_then(Value::as_array).and_then(|s| s.iter().find(|s| s["value"] == "user_impersonation")).map(|s| s["id"].as_str().unwrap_or_default().to_string());
            let has = scope.as_ref().is_some_and(|sid| required(app, server_id).iter().any(|(id, t)| id == sid && t == "Scope"));
            audit.check("UserImpersonation", has, format!("Delegated user_impersonation of server app {server_id} is {}requested.", if has { "" } else { "not " }), "On API permissions add a permission > My APIs > the server app > user_impersonation, then grant admin consent.");
        }
    }
}

/// The client app's tenant-wide delegated consent on the server app.
fn consent_check(audit: &mut Audit, graph: &GraphClient, sp: Option<&Value>) -> Result<()> {
    let Some(sp_id) = sp.and_then(|s| s["id"].as_str()) else {
        audit.skip(
            "AdminConsent",
            "Without a service principal there is no consent to check.".into(),
        );
        return Ok(());
    };
    let filter = format!("clientId eq '{sp_id}'");
    let grants = match graph.get("oauth2PermissionGrants", &[("$filter", &filter)])? {
        Ok(v) => v["value"].as_array().cloned().unwrap_or_default(),
        Err(r) if r.is_denied() => {
            audit.skip(
                "AdminConsent",
                "The signed-in identity may not read permission grants.".into(),
            );
            return Ok(());
        }
        Err(r) => return Err(r.to_error("reading the app's permission grants")),
    };
    let granted = grants.iter().any(|g| {
        g["consentType"] == "AllPrincipals"
            && g["scope"]
                .as_str()
                .is_some_and(|s| s.split_whitespace().any(|x| x == "user_impersonation"))
    });
    audit.check(
        "AdminConsent",
        granted,
        format!("{} tenant-wide grant(s) found.", grants.len()),
        "On API permissions select 'Grant admin consent for <tenant>'.",
    );
    Ok(())
}
