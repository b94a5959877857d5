//! Secret maintenance for a scheduled task: re-verify every stored app, rotate the server app
//! secrets that are due, and say plainly what needs a person. The PowerShell example script is
//! a thin wrapper over this; its exit code is the `NeedsAttention` count being non-zero.

use super::secrets::{Rotation, SecretRotation, DEFAULT_VALIDITY_DAYS};
use super::verification::AppVerification;
use super::Session;
use crate::error::{Error, Result};
use crate::model::{format_time, App, AppFilter, AppRef};
use chrono::Utc;

/// What the task does (`cmaad_maintain_secrets`'s request).
#[derive(Debug, Clone, PartialEq)]
pub struct MaintenancePlan {
    /// Server app secrets expiring within this many days are rotated (default 30).
    pub rotate_within_days: i64,
    /// Rotate at all (false: only report what is due).
    pub rotate: bool,
    /// Validity of new secrets in days (default 365).
    pub validity_days: i64,
    /// Remove the old password from Entra after a rotation.
    pub remove_old_secret: bool,
    /// Only this tenant's apps.
    pub tenant_id: Option<String>,
}

impl Default for MaintenancePlan {
    fn default() -> Self {
        MaintenancePlan {
            rotate_within_days: 30,
            rotate: true,
            validity_days: DEFAULT_VALIDITY_DAYS,
            remove_old_secret: false,
            tenant_id: None,
        }
    }
}

/// A rotation of a ConfigMgr site's due secret without its current secret (with a Graph
/// sign-in), as [`Session::maintain_secrets_with`] is given it.
pub(crate) type SiteRotation<'a> = dyn Fn(&SecretRotation) -> Result<Rotation> + 'a;

/// What maintenance did for one app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Verified; nothing is due.
    Verified,
    /// The secret was rotated.
    Rotated,
    /// Rotation is due but was not requested.
    RotationDue,
    /// A person must act (`Detail` says what).
    NeedsAttention,
}

impl Action {
    /// The name used in documents.
    pub fn name(self) -> &'static str {
        match self {
            Action::Verified => "Verified",
            Action::Rotated => "Rotated",
            Action::RotationDue => "RotationDue",
            Action::NeedsAttention => "NeedsAttention",
        }
    }
}

/// One app's line in the maintenance report.
#[derive(Debug, Clone)]
pub struct MaintenanceEntry {
    /// The app as verified (before any rotation).
    pub app: App,
    /// Days until its secret expires (after a rotation: the new secret's), server apps only.
    pub days_until_secret_expiry: Option<i64>,
    /// What was done.
    pub action: Action,
    /// What was done or what a person must do, in words.
    pub detail: String,
    /// The failure behind `NeedsAttention`, when there was one.
    pub error: Option<Error>,
    /// The rotation, for `Rotated`.
    pub rotation: Option<Rotation>,
}

/// The outcome of a maintenance run, one entry per stored app.
#[derive(Debug, Clone, Default)]
pub struct MaintenanceReport {
    /// Per-app entries.
    pub entries: Vec<MaintenanceEntry>,
}

impl MaintenanceReport {
    /// How many entries took `action`.
    pub fn count(&self, action: Action) -> usize {
        self.entries.iter().filter(|e| e.action == action).count()
    }
}

impl Session {
    /// Verifies every stored app (of the tenant, if given), rotates server app secrets due
    /// within `rotate_within_days`, and reports one entry per app with its [`Action`]; the
    /// `NeedsAttention` count tells a scheduled task whether a person must act.
    pub fn maintain_secrets(&self, plan: &MaintenancePlan) -> Result<MaintenanceReport> {
        self.maintain_secrets_with(plan, None)
    }

    /// [`Session::maintain_secrets`] with `site_rotation`, which rotates a ConfigMgr site's due
    /// secret without the current secret (with a Graph sign-in); without it such a secret needs
    /// a person.
    pub(crate) fn maintain_secrets_with(
        &self,
        plan: &MaintenancePlan,
        site_rotation: Option<&SiteRotation<'_>>,
    ) -> Result<MaintenanceReport> {
        let filter = plan
            .tenant_id
            .as_deref()
            .map(AppFilter::tenant)
            .unwrap_or_default();
        let checked = self.verify_apps(&filter)?;
        Ok(MaintenanceReport {
            entries: checked
                .into_iter()
                .map(|c| self.maintain_one(c, plan, site_rotation))
                .collect(),
        })
    }

    /// Decides and carries out what one verified (or failed) app needs.
    fn maintain_one(
        &self,
        checked: AppVerification,
        plan: &MaintenancePlan,
        site_rotation: Option<&SiteRotation<'_>>,
    ) -> MaintenanceEntry {
        let now = Utc::now();
        let days = checked.app.days_until_secret_expiry(now);
        let entry = |action, detail: String, error| MaintenanceEntry {
            app: checked.app.clone(),
            days_until_secret_expiry: days,
            action,
            detail,
            error,
            rotation: None,
        };
        if checked.app.secret_expired(now) {
            return entry(Action::NeedsAttention, "The secret has expired, so it can no longer sign in to Graph to rotate itself: create a new secret on the app's Certificates & secrets page, then Set-CMAADApplication -SecretKey -SecretKeyExpiry.".into(), checked.outcome.err());
        }
        if let Err(e) = checked.outcome {
            return entry(Action::NeedsAttention, e.message.clone(), Some(e));
        }
        match days {
            Some(d) if d <= plan.rotate_within_days && plan.rotate => self.rotate_due(
                entry(Action::Rotated, String::new(), None),
                plan,
                site_rotation,
            ),
            Some(d) if d <= plan.rotate_within_days => entry(
                Action::RotationDue,
                format!("The secret expires in {d} day(s); rotation was not requested."),
                None,
            ),
            _ => entry(Action::Verified, self.nothing_due(), None),
        }
    }

    /// What a `Verified` entry says.
    fn nothing_due(&self) -> String {
        match self.site() {
            Some(site) => format!("The app exists in Entra (site {} holds its secret, which was not tried); nothing is due.", site.connection().options().site_code),
            None => "Verified against Entra; nothing is due.".into(),
        }
    }

    /// Rotates a due server app secret; a failure becomes a `NeedsAttention` entry. A site's
    /// secret is rotated by the site rotation through `site_rotation` (a Graph sign-in); without
    /// one (the site never returns the current secret) the entry says how and needs a person.
    fn rotate_due(
        &self,
        mut entry: MaintenanceEntry,
        plan: &MaintenancePlan,
        site_rotation: Option<&SiteRotation<'_>>,
    ) -> MaintenanceEntry {
        let mut rotation =
            SecretRotation::new(AppRef::Id(entry.app.id), plan.validity_days, Utc::now());
        rotation.remove_old_secret = plan.remove_old_secret;
        let done = match (self.site(), site_rotation) {
            (None, _) => self.rotate_app_secret(&rotation),
            (Some(_), Some(rotate)) => rotate(&rotation),
            (Some(site), None) => {
                entry.action = Action::NeedsAttention;
                entry.detail = format!("The secret expires in {} day(s). Site {} holds it and never returns it, so maintenance cannot rotate it without a Graph sign-in: run maintenance signed in (an automation app allowed to change the app's passwords, cmaad_maintain_secrets_with_signin), rotate it with the site rotation (cmaad_rotate_site_app_secret with the current secret), or choose Renew Secret Key in the console (Administration > Cloud Services > Microsoft Entra Tenants).", entry.days_until_secret_expiry.unwrap_or_default(), site.connection().options().site_code);
                return entry;
            }
        };
        match done {
            Ok(done) => {
                entry.days_until_secret_expiry = done.app.days_until_secret_expiry(Utc::now());
                entry.detail = format!(
                    "Rotated: the new secret expires {}.",
                    done.app
                        .secret_key_expiry
                        .as_ref()
                        .map(format_time)
                        .unwrap_or_else(|| "later".into())
                );
                entry.rotation = Some(done);
            }
            Err(e) => {
                entry.action = Action::NeedsAttention;
                entry.detail = format!("The secret is due but rotation failed: {}", e.message);
                entry.error = Some(e);
            }
        }
        entry
    }
}
