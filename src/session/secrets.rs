//! A server app's secret: storing one renewed in the portal (`Set-CMAADApplication -SecretKey`),
//! and rotating it through Microsoft Graph with no downtime (`Update-CMAADApplicationSecret`).

use super::Session;
use crate::entra::graph::{GraphClient, NewPassword};
use crate::entra::{RotatingApp, ServerAppProbe, Verification};
use crate::error::{Error, Result};
use crate::model::registration::{AppRegistration, PasswordCredential};
use crate::model::{App, AppRef};
use crate::secret::SecretKey;
use crate::store::NewSecret;
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

/// Default lifetime of a secret CMAAD adds (the console's default: one year).
pub const DEFAULT_VALIDITY_DAYS: i64 = 365;
/// Longest lifetime Entra's portal offers for a new secret (24 months).
pub const MAX_VALIDITY_DAYS: i64 = 730;
/// Default wait for a new secret to start working.
pub const DEFAULT_PROPAGATION: std::time::Duration = std::time::Duration::from_secs(60);

/// `Set-CMAADApplication -SecretKey -SecretKeyExpiry [-Verify]`: a secret renewed in the portal.
#[derive(Debug, Clone)]
pub struct SecretRenewal {
    /// The server app.
    pub app: AppRef,
    /// The new secret's expiry.
    pub secret_key_expiry: DateTime<Utc>,
    /// Verify the new secret against Entra before storing it.
    pub verify: bool,
}

/// Zero-downtime rotation of a server app's secret through Microsoft Graph.
#[derive(Debug, Clone)]
pub struct SecretRotation {
    /// The server app.
    pub app: AppRef,
    /// When the new secret expires.
    pub secret_key_expiry: DateTime<Utc>,
    /// `displayName` of the new password credential.
    pub display_name: String,
    /// Remove the old secret from Entra once the new one is stored.
    pub remove_old_secret: bool,
    /// How long to wait for the new secret to start working.
    pub propagation_timeout: std::time::Duration,
}

impl SecretRotation {
    /// A rotation of `app` with the defaults: a secret valid `validity_days` from `now`, named
    /// `CMAAD {date}`, waited for up to a minute.
    pub fn new(app: AppRef, validity_days: i64, now: DateTime<Utc>) -> SecretRotation {
        SecretRotation {
            app,
            secret_key_expiry: now + Duration::days(validity_days),
            display_name: default_display_name(now),
            remove_old_secret: false,
            propagation_timeout: DEFAULT_PROPAGATION,
        }
    }
}

/// `displayName` of a password CMAAD adds on `now`.
pub fn default_display_name(now: DateTime<Utc>) -> String {
    format!("CMAAD {}", now.format("%Y-%m-%d"))
}

/// A rotated app: the stored app with its new secret, and what happened in Entra.
#[derive(Debug, Clone)]
pub struct Rotation {
    /// The app as stored with the new secret.
    pub app: App,
    /// Graph's `keyId` of the new password.
    pub new_key_id: String,
    /// How long the new secret took to obtain a token.
    pub propagation: std::time::Duration,
    /// `keyId` of the old password, when it was identified.
    pub old_key_id: Option<String>,
    /// True when the old password was removed from Entra.
    pub old_secret_removed: bool,
    /// Why the old password was not removed, when it was asked for and was not.
    pub warnings: Vec<String>,
}

impl Session {
    /// `Set-CMAADApplication -SecretKey -SecretKeyExpiry [-Verify]`: stores a secret renewed in
    /// the portal. With `Verify`, the new secret must obtain a token first; if it does not,
    /// nothing changes.
    pub fn set_app_secret(
        &self,
        req: &SecretRenewal,
        secret: &SecretKey,
    ) -> Result<super::AppResult> {
        let app = self.resolve_server_app(&req.app)?;
        let verification = if req.verify {
            Some(self.verify_new_secret(&app, secret)?)
        } else {
            None
        };
        let new = NewSecret {
            secret,
            expiry: req.secret_key_expiry,
            key_id: None,
            verified: verification.as_ref().map(|_| Utc::now()),
        };
        let stored = self.backend().set_secret(app.id, &new, Utc::now())?;
        Ok(super::AppResult {
            app: stored,
            verification,
            warnings: Vec::new(),
        })
    }

    /// Checks `secret` for stored server app `app` against Entra.
    fn verify_new_secret(&self, app: &App, secret: &SecretKey) -> Result<Verification> {
        let probe = ServerAppProbe {
            environment: app.environment,
            tenant_id: &app.tenant_id,
            tenant_name: &app.tenant_name,
            client_id: &app.client_id,
            secret,
            app_id_uri: app.identifier_uri.as_deref(),
        };
        self.verifier.verify_server_app(&probe)
    }

    /// Rotates a server app's secret with no downtime: a Graph token from the stored secret,
    /// `addPassword`, a wait until the new secret obtains a token, storing it, and only then
    /// (with `RemoveOldSecret`) `removePassword` of the old one. Until the new secret is stored
    /// every failure leaves the stored secret as it was (a password already added is removed
    /// again) and the error's `Details.Step` names the step; a failure to remove the old secret
    /// afterwards is reported, not fatal.
    pub fn rotate_app_secret(&self, req: &SecretRotation) -> Result<Rotation> {
        let app = self.resolve_server_app(&req.app)?;
        let old = self.backend().server_secret(&app)?;
        let graph = self
            .verifier
            .graph_access(&rotating(&app, &old))
            .map_err(|e| step(e, "GraphToken"))?;
        let new = self.add_working_password(graph, &app, req)?;
        let stored = NewSecret {
            secret: &new.added.secret,
            expiry: new.expiry(req),
            key_id: Some(&new.added.key_id),
            verified: Some(Utc::now()),
        };
        let stored = self
            .backend()
            .set_secret(app.id, &stored, Utc::now())
            .map_err(|e| new.undo(e, "StoreNewSecret"))?;
        Ok(new.finish(stored, &app, Some(&old), req))
    }

    /// The steps every rotation shares once it has `graph` (a Graph client with the current
    /// secret, or an administrator's sign-in), until a new password works: the registration
    /// (`ReadRegistration`), `addPassword` (`AddPassword`), and the wait until the new password
    /// obtains a token (`VerifyNewSecret`, at most `req.propagation_timeout`). A failure names
    /// its step; after `AddPassword` the new password is removed again.
    pub(super) fn add_working_password(
        &self,
        graph: GraphClient,
        app: &App,
        req: &SecretRotation,
    ) -> Result<WorkingPassword> {
        let registration = graph
            .registration(&app.client_id)
            .map_err(|e| step(e, "ReadRegistration"))?;
        let added = graph
            .add_password(&registration.id, &req.display_name, req.secret_key_expiry)
            .map_err(|e| step(e, "AddPassword"))?;
        let mut new = WorkingPassword {
            graph,
            registration,
            added,
            propagation: std::time::Duration::ZERO,
        };
        new.propagation = self
            .verifier
            .wait_for_secret(&rotating(app, &new.added.secret), req.propagation_timeout)
            .map_err(|e| new.undo(e, "VerifyNewSecret"))?;
        Ok(new)
    }
}

/// A password added to the app registration that already obtains tokens.
pub(super) struct WorkingPassword {
    graph: GraphClient,
    registration: AppRegistration,
    /// The new password (its secret, `keyId` and end).
    pub(super) added: NewPassword,
    propagation: std::time::Duration,
}

impl WorkingPassword {
    /// When the new secret expires: as Graph reports it, else as asked.
    pub(super) fn expiry(&self, req: &SecretRotation) -> DateTime<Utc> {
        self.added.end.unwrap_or(req.secret_key_expiry)
    }

    /// A later step failed at `at`: the new password is removed again and the error says so.
    pub(super) fn undo(&self, error: Error, at: &str) -> Error {
        step(
            undo_add(&self.graph, &self.registration, &self.added, error),
            at,
        )
    }

    /// The rotation once `stored` holds the new secret, with the old password (the secret
    /// `old` when known) removed when the request asks for it.
    pub(super) fn finish(
        &self,
        stored: App,
        app: &App,
        old: Option<&SecretKey>,
        req: &SecretRotation,
    ) -> Rotation {
        let mut rotation = Rotation {
            app: stored,
            new_key_id: self.added.key_id.clone(),
            propagation: self.propagation,
            old_key_id: None,
            old_secret_removed: false,
            warnings: Vec::new(),
        };
        if req.remove_old_secret {
            remove_old(
                &self.graph,
                &self.registration,
                app,
                old,
                &self.added,
                &mut rotation,
            );
        }
        rotation
    }
}

/// Removes a password just added after a later step failed, and says so in the error.
fn undo_add(
    graph: &GraphClient,
    registration: &AppRegistration,
    added: &NewPassword,
    error: Error,
) -> Error {
    let mut e = error;
    match graph.remove_password(&registration.id, &added.key_id) {
        Ok(()) => e.message.push_str(" The stored secret was not changed, and the new password was removed from Entra again."),
        Err(_) => e.message.push_str(&format!(" The stored secret was not changed; the new password (keyId {}) could not be removed from Entra: delete it on the app's Certificates & secrets page.", added.key_id)),
    }
    e
}

/// Removes the previously stored secret from Entra, recording the outcome in `rotation`.
fn remove_old(
    graph: &GraphClient,
    registration: &AppRegistration,
    app: &App,
    old: Option<&SecretKey>,
    added: &NewPassword,
    rotation: &mut Rotation,
) {
    let key_id = match old_key_id(registration, app, old, &added.key_id) {
        Ok(k) => k,
        Err(reason) => {
            rotation.warnings.push(reason);
            return;
        }
    };
    rotation.old_key_id = Some(key_id.clone());
    match graph.remove_password(&registration.id, &key_id) {
        Ok(()) => rotation.old_secret_removed = true,
        Err(e) => rotation.warnings.push(format!("The new secret is stored and works, but the old one (keyId {key_id}) was not removed: {} Remove it on the app's Certificates & secrets page.", e.message)),
    }
}

/// The old secret's `keyId`: the one CMAAD stored, else the only other password whose hint
/// matches the old secret (and whose end matches the stored expiry when several do); without
/// the old secret (a site's, rotated with a sign-in), the only other password whose end matches
/// the stored expiry.
fn old_key_id(
    registration: &AppRegistration,
    app: &App,
    old: Option<&SecretKey>,
    new_key_id: &str,
) -> std::result::Result<String, String> {
    if let Some(k) = &app.secret_key_id {
        return Ok(k.clone());
    }
    let hint: Option<String> = old.map(|o| o.expose().chars().take(3).collect());
    let same_hint: Vec<_> = registration
        .password_credentials
        .iter()
        .filter(|p| {
            p.key_id != new_key_id && hint.as_deref().is_none_or(|h| p.hint.as_deref() == Some(h))
        })
        .collect();
    let close = |p: &&PasswordCredential| match (p.end(), app.secret_key_expiry) {
        (Some(a), Some(b)) => (a - b).num_hours().abs() <= 24,
        _ => false,
    };
    let candidates: Vec<_> = if same_hint.len() > 1 || hint.is_none() {
        same_hint.into_iter().filter(close).collect()
    } else {
        same_hint
    };
    match candidates.as_slice() {
        [one] => Ok(one.key_id.clone()),
        [] => Err("The new secret is stored and works; the old secret was not removed because no password on the app matches it (it may be gone already). Check the app's Certificates & secrets page.".to_string()),
        _ => Err("The new secret is stored and works; the old secret was not removed because several passwords on the app match it. Remove the old one on the app's Certificates & secrets page.".to_string()),
    }
}

pub(super) fn rotating<'a>(app: &'a App, secret: &'a SecretKey) -> RotatingApp<'a> {
    RotatingApp {
        environment: app.environment,
        tenant_id: &app.tenant_id,
        client_id: &app.client_id,
        secret,
    }
}

/// Marks which rotation step failed (`Details.Step`) and that the stored secret is unchanged.
pub(super) fn step(error: Error, at: &str) -> Error {
    let mut details = match error.details.clone() {
        Some(Value::Object(map)) => map,
        Some(other) => {
            let mut m = serde_json::Map::new();
            m.insert("Verification".into(), other);
            m
        }
        None => serde_json::Map::new(),
    };
    details.insert("Step".into(), json!(at));
    details.insert("StoredSecretChanged".into(), json!(false));
    error.with_details(Value::Object(details))
}
