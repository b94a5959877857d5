//! Keeping stored apps working: re-verification of every stored app (a nightly task) with
//! bounded parallelism, and zero-downtime rotation of a server app's secret through Microsoft
//! Graph.

use super::Session;
use crate::entra::{
    ClientAppProbe, GraphAccess, NewPassword, Registration, RotatingApp, ServerAppProbe,
    ServerCredentials, Verification,
};
use crate::error::{Error, Result};
use crate::model::{App, AppType};
use crate::request::{AppFilter, RotateRequest};
use crate::runtime::{block_on, join_bounded};
use crate::secret::SecretKey;
use crate::store::NewSecret;
use chrono::Utc;
use serde_json::{json, Value};

/// At most this many apps are verified at once.
pub const MAX_PARALLEL_VERIFICATIONS: usize = 8;

impl Session {
    /// `Test-CMAADApplication -Stored`: verifies every app matching the filter against Entra,
    /// at most [`MAX_PARALLEL_VERIFICATIONS`] at a time, records `LastVerified` for those that
    /// pass, and returns `{"value": [per-app results], "Summary": {...}}`. One app failing does
    /// not stop the others; only a bad filter or an unreadable store fails the call.
    pub fn verify_apps(&self, filter_json: Option<&str>) -> Result<Value> {
        let filter = AppFilter::parse(filter_json)?;
        let apps = self.store.find_apps(&filter, Utc::now())?;
        let checks = apps.iter().map(|app| self.verify_stored(app));
        let outcomes = block_on(join_bounded(checks, MAX_PARALLEL_VERIFICATIONS))?;
        let mut results = Vec::with_capacity(apps.len());
        let mut verified = 0usize;
        for (app, outcome) in apps.iter().zip(outcomes) {
            let mut app = app.clone();
            let outcome = outcome.unwrap_or_else(|| {
                Err(Error::internal(
                    "Verifying this app hit an internal error; the other apps were verified. Please report it.",
                ))
            });
            let outcome = outcome.and_then(|v| {
                let at = Utc::now();
                self.store.mark_verified(app.id, at)?;
                app.last_verified = Some(at);
                Ok(v)
            });
            verified += usize::from(outcome.is_ok());
            results.push(verify_result(&app, outcome));
        }
        Ok(json!({
            "value": results,
            "Summary": {
                "Total": apps.len(),
                "Verified": verified,
                "Failed": apps.len() - verified,
                "ExpiredSecrets": results.iter().filter(|r| r["SecretExpired"] == json!(true)).count(),
            },
        }))
    }

    /// One app's verification with its stored credentials.
    async fn verify_stored(&self, app: &App) -> Result<Verification> {
        match app.app_type {
            AppType::ServerApplication => {
                let secret = self.store.server_secret(app)?;
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
                    .map(|s| self.store.server_secret(s))
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

    /// The server app whose credentials read a client app: the one it was imported with, else
    /// the tenant's first.
    fn client_server_app(&self, app: &App) -> Result<Option<App>> {
        if let Some(server) = app.server_app_id.map(|id| self.store.app(id)).transpose()? {
            return Ok(server);
        }
        Ok(self
            .store
            .server_apps_of(&app.tenant_id)?
            .into_iter()
            .next())
    }
}

impl Session {
    /// Rotates a server app's secret with no downtime: a Graph token from the stored secret,
    /// `addPassword`, a wait until the new secret obtains a token, storing it, and only then
    /// (with `RemoveOldSecret`) `removePassword` of the old one. Until the new secret is stored
    /// every failure leaves the stored secret as it was (a password already added is removed
    /// again); a failure to remove the old secret afterwards is reported, not fatal.
    pub fn rotate_app_secret(&self, request_json: &str) -> Result<Value> {
        let req = RotateRequest::parse(request_json, Utc::now())?;
        let app = self.resolve_server_app(&req.app)?;
        let old = self.store.server_secret(&app)?;
        let current = rotating(&app, &old);
        let graph = self
            .verifier
            .graph_access(&current)
            .map_err(|e| step(e, "GraphToken"))?;
        let registration = graph
            .registration(&app.client_id)
            .map_err(|e| step(e, "ReadRegistration"))?;
        let added = graph
            .add_password(&registration.id, &req.display_name, req.secret_key_expiry)
            .map_err(|e| step(e, "AddPassword"))?;
        let undo = |e: Error, at: &str| step(self.undo_add(&graph, &registration, &added, e), at);
        let waited = self
            .verifier
            .wait_for_secret(&rotating(&app, &added.secret), req.propagation_timeout)
            .map_err(|e| undo(e, "VerifyNewSecret"))?;
        let new = NewSecret {
            secret: &added.secret,
            expiry: added.end_date_time,
            key_id: Some(&added.key_id),
            verified: Some(Utc::now()),
        };
        let stored = self
            .store
            .set_secret(app.id, &new, Utc::now())
            .map_err(|e| undo(e, "StoreNewSecret"))?;
        let mut doc = super::app_document(&stored, None, &[]);
        let mut rotation = json!({
            "NewKeyId": added.key_id,
            "PropagationSeconds": waited.as_secs(),
            "OldKeyId": Value::Null,
            "OldSecretRemoved": false,
        });
        if req.remove_old_secret {
            self.remove_old(&graph, &registration, &app, &old, &added, &mut rotation);
        }
        doc["Rotation"] = rotation;
        Ok(doc)
    }

    /// Removes a password just added after a later step failed, and says so in the error.
    fn undo_add(
        &self,
        graph: &GraphAccess,
        registration: &Registration,
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
        &self,
        graph: &GraphAccess,
        registration: &Registration,
        app: &App,
        old: &SecretKey,
        added: &NewPassword,
        rotation: &mut Value,
    ) {
        let key_id = match old_key_id(registration, app, old, &added.key_id) {
            Ok(k) => k,
            Err(reason) => {
                rotation["Warnings"] = json!([reason]);
                return;
            }
        };
        rotation["OldKeyId"] = json!(key_id);
        match graph.remove_password(&registration.id, &key_id) {
            Ok(()) => rotation["OldSecretRemoved"] = json!(true),
            Err(e) => {
                rotation["Warnings"] = json!([format!("The new secret is stored and works, but the old one (keyId {key_id}) was not removed: {} Remove it on the app's Certificates & secrets page.", e.message)]);
            }
        }
    }
}

/// The old secret's `keyId`: the one CMAAD stored, else the only other password whose hint
/// matches the old secret (and whose end matches the stored expiry when several do).
fn old_key_id(
    registration: &Registration,
    app: &App,
    old: &SecretKey,
    new_key_id: &str,
) -> std::result::Result<String, String> {
    if let Some(k) = &app.secret_key_id {
        return Ok(k.clone());
    }
    let hint: String = old.expose().chars().take(3).collect();
    let same_hint: Vec<_> = registration
        .password_credentials
        .iter()
        .filter(|p| p.key_id != new_key_id && p.hint.as_deref() == Some(hint.as_str()))
        .collect();
    let close = |p: &&crate::entra::PasswordCredential| match (p.end(), app.secret_key_expiry) {
        (Some(a), Some(b)) => (a - b).num_hours().abs() <= 24,
        _ => false,
    };
    let candidates: Vec<_> = if same_hint.len() > 1 {
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

fn rotating<'a>(app: &'a App, secret: &'a SecretKey) -> RotatingApp<'a> {
    RotatingApp {
        environment: app.environment,
        tenant_id: &app.tenant_id,
        client_id: &app.client_id,
        secret,
    }
}

/// Marks which rotation step failed (`Details.Step`) and that the stored secret is unchanged.
fn step(error: Error, at: &str) -> Error {
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

/// The per-app result document: `{ID, Name, AppType, ClientID, TenantID, Verified,
/// LastVerified, Verification | Error}` plus the expiry fields of a server app.
fn verify_result(app: &App, outcome: Result<Verification>) -> Value {
    let now = Utc::now();
    let full = app.to_json(now);
    let mut doc = json!({
        "ID": app.id,
        "Name": app.name,
        "AppType": app.app_type.name(),
        "ClientID": app.client_id,
        "TenantID": app.tenant_id,
        "Verified": outcome.is_ok(),
        "LastVerified": full["LastVerified"],
    });
    if app.app_type == AppType::ServerApplication {
        for key in ["SecretKeyExpiry", "DaysUntilSecretExpiry", "SecretExpired"] {
            doc[key] = full[key].clone();
        }
    }
    match outcome {
        Ok(v) => doc["Verification"] = serde_json::to_value(v).unwrap_or(Value::Null),
        Err(e) => doc["Error"] = error_body(&e),
    }
    doc
}

/// The inside of an error document (`{"Status", "Code", ...}`).
pub(crate) fn error_body(e: &Error) -> Value {
    e.to_document()
        .get_mut("Error")
        .map(Value::take)
        .unwrap_or(Value::Null)
}
