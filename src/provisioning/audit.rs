//! The audit: an existing registration (by client ID, read through Graph) checked against every
//! requirement the CMG has of its kind ([`crate::requirements`]), plus its service principal
//! and (client app) admin consent; each check Passed, Failed (with the fix) or NotChecked.

use super::request::AuditRequest;
use super::{GraphSignIn, Provisioning};
use crate::entra::graph::GraphClient;
use crate::error::{Error, Result};
use crate::model::{AppRegistration, AppType};
use crate::requirements::{self, Finding, Outcome, USER_IMPERSONATION};
use chrono::Utc;
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
    /// When each of the registration's passwords ends (`passwordCredentials[].endDateTime`).
    pub password_ends: Vec<chrono::DateTime<Utc>>,
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

    /// Records a requirement's finding ([`crate::requirements`]).
    fn record(&mut self, f: Finding) {
        match f.outcome {
            Outcome::NotChecked => self.skip(f.name, f.detail),
            outcome => self.check(f.name, outcome == Outcome::Passed, f.detail, &f.fix),
        }
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

fn read(graph: &GraphClient, path: &str, doing: &str) -> Result<Option<Value>> {
    match graph.get(path, &[])? {
        Ok(v) => Ok(Some(v)),
        Err(r) if r.status == 404 => Ok(None),
        Err(r) => Err(graph.refused(&r, doing)),
    }
}

impl Provisioning<'_> {
    /// `Test-CMAADApplication`: checks registration `ClientId` against what the CMG needs of
    /// its kind; a failed check is part of the report, not an error.
    pub fn audit_app(&self, req: &AuditRequest) -> Result<AuditReport> {
        let signin = self.signin()?;
        let (graph, _) = signin.graph(self.session)?;
        let path = format!("applications(appId='{}')", req.client_id);
        let app = read_registration(&graph, &path, "reading the app registration")?.ok_or_else(|| {
            Error::not_found("ClientId", "AppNotFound", format!("No app registration with client ID {} exists in tenant {}: check the Application (client) ID and the tenant.", req.client_id, signin.tenant_id()))
        })?;
        let kind = req.app_type.unwrap_or_else(|| guess_kind(&app));
        let mut findings = requirements::common(&app);
        match kind {
            AppType::ServerApplication => {
                findings.extend(requirements::server(&app, signin.tenant_id(), Utc::now()))
            }
            AppType::ClientApplication => {
                let server = self.audit_server_of(&graph, signin, req)?;
                let scope_id = server
                    .as_ref()
                    .and_then(|s| s.scope(USER_IMPERSONATION))
                    .map(|s| s.id.as_str());
                let server_id = server.as_ref().map(|s| s.app_id.as_str());
                findings.extend(requirements::client(&app, server_id, scope_id));
            }
        }
        let mut audit = Audit::default();
        for f in findings {
            audit.record(f);
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
            display_name: app.display_name.clone(),
            app_type: kind,
            tenant_id: signin.tenant_id().to_string(),
            checks: audit.0,
            password_ends: app
                .password_credentials
                .iter()
                .filter_map(|p| p.end())
                .collect(),
        })
    }

    /// The server app a client app should use: `ServerClientId`, else the tenant's stored one.
    fn audit_server_of(
        &self,
        graph: &GraphClient,
        signin: &GraphSignIn,
        req: &AuditRequest,
    ) -> Result<Option<AppRegistration>> {
        let server_id = match &req.server_client_id {
            Some(id) => Some(id.clone()),
            None => self
                .session
                .backend()
                .server_apps_of(signin.tenant_id())?
                .first()
                .map(|a| a.client_id.clone()),
        };
        match server_id {
            Some(id) => read_registration(
                graph,
                &format!("applications(appId='{id}')"),
                "reading the server app",
            ),
            None => Ok(None),
        }
    }
}

/// An app exposing `user_impersonation` is a server app; anything else is checked as a client.
fn guess_kind(app: &AppRegistration) -> AppType {
    if app.scope(USER_IMPERSONATION).is_some() {
        AppType::ServerApplication
    } else {
        AppType::ClientApplication
    }
}

/// An app registration read through Graph, or `None` when Graph answers 404.
fn read_registration(
    graph: &GraphClient,
    path: &str,
    doing: &str,
) -> Result<Option<AppRegistration>> {
    read(graph, path, doing)?
        .map(|v| {
            serde_json::from_value(v).map_err(|e| {
                Error::new(
                    crate::error::Status::Network,
                    "MalformedResponse",
                    format!("Microsoft Graph answered {doing} with an application CMAAD cannot read ({e})."),
                )
            })
        })
        .transpose()
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
        Err(r) => return Err(graph.refused(&r, "reading the app's permission grants")),
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
