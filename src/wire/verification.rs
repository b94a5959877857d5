//! The document of a bulk verification (`cmaad_verify_apps`).

use super::apps::AppView;
use super::error_body;
use crate::session::AppVerification;
use chrono::Utc;
use serde_json::{json, Value};

/// `{"value": [{every field of the app's document as `cmaad_get_apps` gives it ("ID", "Name",
/// "AppType", "IsClientApp", "ClientID", "TenantID", "TenantName", "ServerAppID", "LastVerified",
/// "SecretKeyExpiry", ...), "Verified", "Verification" | "Error"}],
/// "Summary": {"Total", "Verified", "Failed", "ExpiredSecrets"}}`.
pub fn verification_report(results: &[AppVerification]) -> Value {
    let now = Utc::now();
    let entries: Vec<Value> = results
        .iter()
        .map(|r| {
            let mut doc = serde_json::to_value(AppView::new(&r.app, now)).unwrap_or(Value::Null);
            doc["Verified"] = json!(r.outcome.is_ok());
            match &r.outcome {
                Ok(v) => doc["Verification"] = serde_json::to_value(v).unwrap_or(Value::Null),
                Err(e) => doc["Error"] = error_body(e),
            }
            doc
        })
        .collect();
    let verified = results.iter().filter(|r| r.outcome.is_ok()).count();
    json!({
        "Summary": {
            "Total": results.len(),
            "Verified": verified,
            "Failed": results.len() - verified,
            "ExpiredSecrets": results.iter().filter(|r| r.app.secret_expired(now)).count(),
        },
        "value": entries,
    })
}
