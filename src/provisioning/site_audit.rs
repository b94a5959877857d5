//! `Test-CMAADApplication -Stored` with a Graph sign-in, for a ConfigMgr site's apps: the site
//! keeps their secret, so besides the session's checks (the app exists) each registration is
//! audited through Graph with the administrator's sign-in ([`Provisioning::audit_app`]), and a
//! server app's `SiteSecretOnRegistration` check tells whether a password on the registration
//! ends when the site says its secret does: a password removed in Entra while the site still
//! holds it stops the CMG.

use super::{AuditCheck, AuditReport, AuditRequest, GraphSignIn, Provisioning};
use crate::entra::{Check, Verification};
use crate::error::{Error, Result, Status};
use crate::model::{format_time, App, AppFilter, AppType};
use crate::requirements::Outcome;
use crate::session::AppVerification;
use chrono::Duration;

/// How far a password's end may lie from the site's `SecretKeyExpiry` and still be taken for
/// the site's secret (the console takes a date; Entra keeps a time).
const EXPIRY_TOLERANCE_HOURS: i64 = 48;

impl Provisioning<'_> {
    /// Verifies every app matching `filter` as [`crate::session::Session::verify_apps`] does;
    /// on a ConfigMgr site, each app that exists is also audited through Graph with the
    /// sign-in (apps of another tenant say so, `NotChecked`). A failed audit check fails the
    /// app; an audit that cannot be made is `NotChecked`.
    ///
    /// # Errors
    /// `NotSignedIn` without a sign-in; otherwise as `verify_apps`.
    pub fn verify_apps(&self, filter: &AppFilter) -> Result<Vec<AppVerification>> {
        let signin = self.signin()?;
        let results = self.session.verify_apps(filter)?;
        if self.session.site().is_none() {
            return Ok(results);
        }
        Ok(results
            .into_iter()
            .map(|r| self.audited(r, signin))
            .collect())
    }

    /// `checked` with the registration's audit added.
    fn audited(&self, checked: AppVerification, signin: &GraphSignIn) -> AppVerification {
        let Ok(verification) = &checked.outcome else {
            return checked;
        };
        let mut checks = verification.checks.clone();
        let app = &checked.app;
        if !app.tenant_id.eq_ignore_ascii_case(signin.tenant_id()) {
            checks.push(not_checked(format!("The Graph sign-in is for tenant {}, not the app's tenant {}: sign in to that tenant to audit the registration.", signin.tenant_id(), app.tenant_id)));
            return AppVerification {
                outcome: finish(checks),
                app: checked.app,
            };
        }
        match self.audit_app(&self.audit_request(app)) {
            Ok(report) => {
                for c in &report.checks {
                    merge(&mut checks, c);
                }
                if app.app_type == AppType::ServerApplication {
                    checks.push(site_secret_check(app, &report));
                }
            }
            Err(e) => checks.push(not_checked(format!(
                "The registration could not be audited through Graph: {}",
                e.message
            ))),
        }
        AppVerification {
            outcome: finish(checks),
            app: checked.app,
        }
    }

    /// The audit of `app` as its kind, a client app against its own server app.
    fn audit_request(&self, app: &App) -> AuditRequest {
        let server_client_id = app
            .server_app_id
            .and_then(|id| self.session.backend().app(id).ok().flatten())
            .map(|s| s.client_id);
        AuditRequest {
            client_id: app.client_id.clone(),
            app_type: Some(app.app_type),
            server_client_id,
        }
    }
}

/// An audit check in the verification: it replaces a check of that name that could not be
/// made, or joins the list; a failed one carries its fix.
fn merge(checks: &mut Vec<Check>, audit: &AuditCheck) {
    let detail = match &audit.fix {
        Some(fix) => format!("{} {fix}", audit.detail),
        None => audit.detail.clone(),
    };
    let check = Check {
        name: audit.name.clone(),
        outcome: audit.outcome,
        detail,
    };
    match checks
        .iter_mut()
        .find(|c| c.name == audit.name && c.outcome == Outcome::NotChecked)
    {
        Some(slot) => *slot = check,
        None => checks.push(check),
    }
}

/// `SiteSecretOnRegistration`: a password on the registration ends within
/// [`EXPIRY_TOLERANCE_HOURS`] of the site's `SecretKeyExpiry`.
fn site_secret_check(app: &App, report: &AuditReport) -> Check {
    let name = "SiteSecretOnRegistration".to_string();
    let Some(expiry) = app.secret_key_expiry else {
        return Check {
            name,
            outcome: Outcome::NotChecked,
            detail: "The site holds no SecretKeyExpiry for this app.".into(),
        };
    };
    let close = report
        .password_ends
        .iter()
        .find(|end| (**end - expiry).abs() <= Duration::hours(EXPIRY_TOLERANCE_HOURS));
    match close {
        Some(end) => Check {
            name,
            outcome: Outcome::Passed,
            detail: format!("A password on the registration ends {}, as the site's SecretKeyExpiry ({}) says: the secret the site holds is most likely still on the app.", format_time(end), format_time(&expiry)),
        },
        None => Check {
            name,
            outcome: Outcome::Failed,
            detail: format!("No password on the registration ends within two days of the site's SecretKeyExpiry ({}): the secret the site holds may have been removed in Entra, which stops the CMG. Add a secret on the app's Certificates & secrets page and give it to the site (Set-CMAADApplication -SecretKey -SecretKeyExpiry), or rotate with the site rotation.", format_time(&expiry)),
        },
    }
}

fn not_checked(detail: String) -> Check {
    Check {
        name: "Registration".into(),
        outcome: Outcome::NotChecked,
        detail,
    }
}

/// The verification of `checks`, or a `VerificationFailed` error carrying them when one failed.
fn finish(checks: Vec<Check>) -> Result<Verification> {
    let verification = Verification {
        verified: checks.iter().all(|c| c.outcome != Outcome::Failed),
        checks,
    };
    let failed: Vec<&Check> = verification
        .checks
        .iter()
        .filter(|c| c.outcome == Outcome::Failed)
        .collect();
    let Some(first) = failed.first() else {
        return Ok(verification);
    };
    let message = failed
        .iter()
        .map(|c| c.detail.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let code = format!("{}Failed", first.name);
    let details = serde_json::to_value(&verification).unwrap_or_default();
    Err(Error::new(Status::VerificationFailed, &code, message)
        .with_target("ClientId")
        .with_details(details))
}
