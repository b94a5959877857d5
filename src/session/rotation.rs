//! Keeping stored apps working: re-verification of every stored app (a nightly task) with
//! bounded parallelism, and zero-downtime rotation of a server app's secret through Microsoft
//! Graph.

use super::Session;
use crate::entra::{ClientAppProbe, ServerAppProbe, ServerCredentials, Verification};
use crate::error::{Error, Result};
use crate::model::{App, AppType};
use crate::request::AppFilter;
use chrono::Utc;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

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
        let outcomes = parallel_map(&apps, MAX_PARALLEL_VERIFICATIONS, |app| {
            self.verify_stored(app)
        });
        let mut results = Vec::with_capacity(apps.len());
        let mut verified = 0usize;
        for (app, outcome) in apps.iter().zip(outcomes) {
            let outcome = outcome.and_then(|v| {
                self.store.mark_verified(app.id, Utc::now())?;
                Ok(v)
            });
            verified += usize::from(outcome.is_ok());
            results.push(self.verify_result(app, outcome)?);
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
    fn verify_stored(&self, app: &App) -> Result<Verification> {
        match app.app_type {
            AppType::ServerApplication => {
                let secret = self.store.server_secret(app)?;
                self.verifier.verify_server_app(&ServerAppProbe {
                    environment: app.environment,
                    tenant_id: &app.tenant_id,
                    tenant_name: &app.tenant_name,
                    client_id: &app.client_id,
                    secret: &secret,
                    app_id_uri: app.identifier_uri.as_deref(),
                })
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
                self.verifier.verify_client_app(&ClientAppProbe {
                    environment: app.environment,
                    tenant_id: &app.tenant_id,
                    client_id: &app.client_id,
                    server: credentials,
                })
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

    /// The per-app result document: `{ID, Name, AppType, ClientID, TenantID, Verified,
    /// LastVerified, Verification | Error}` plus the expiry fields of a server app.
    fn verify_result(&self, app: &App, outcome: Result<Verification>) -> Result<Value> {
        let now = Utc::now();
        let current = self.store.app(app.id)?.unwrap_or_else(|| app.clone());
        let full = current.to_json(now);
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
        Ok(doc)
    }
}

/// The inside of an error document (`{"Status", "Code", ...}`).
pub(crate) fn error_body(e: &Error) -> Value {
    e.to_document()
        .get_mut("Error")
        .map(Value::take)
        .unwrap_or(Value::Null)
}

/// Runs `f` over `items` on at most `limit` scoped threads; results keep the items' order. A
/// panic in `f` becomes that item's `Internal` error.
fn parallel_map<T: Sync, R: Send>(
    items: &[T],
    limit: usize,
    f: impl Fn(&T) -> Result<R> + Sync,
) -> Vec<Result<R>> {
    let slots: Vec<Mutex<Option<Result<R>>>> = items.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let worker = || loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let Some(item) = items.get(i) else { break };
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(item)))
            .unwrap_or_else(|_| {
                Err(Error::internal(
                    "Verifying this app hit an internal error; the other apps were verified. Please report it.",
                ))
            });
        *slots[i].lock().unwrap_or_else(|p| p.into_inner()) = Some(result);
    };
    std::thread::scope(|scope| {
        for _ in 0..limit.min(items.len()).max(1) {
            scope.spawn(worker);
        }
    });
    slots
        .into_iter()
        .map(|slot| {
            slot.into_inner()
                .unwrap_or_else(|p| p.into_inner())
                .unwrap_or_else(|| Err(Error::internal("An app was left unverified.")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::time::Duration;

    #[test]
    fn parallel_map_keeps_order_and_bounds_concurrency() {
        let running = AtomicUsize::new(0);
        let peak = AtomicUsize::new(0);
        let items: Vec<usize> = (0..40).collect();
        let out = parallel_map(&items, 8, |i| {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(5));
            running.fetch_sub(1, Ordering::SeqCst);
            if *i == 7 {
                panic!("boom");
            }
            Ok(i * 2)
        });
        assert!(peak.load(Ordering::SeqCst) <= 8);
        assert_eq!(out[3].as_ref().unwrap(), &6);
        assert_eq!(out[7].as_ref().unwrap_err().code, "InternalError");
        assert_eq!(out.len(), 40);
    }
}
