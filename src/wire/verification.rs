//! The document of a bulk verification (`cmaad_verify_apps`).

use super::apps::AppView;
use super::error_body;
use crate::model::AppType;
use crate::session::AppVerification;
use chrono::Utc;
use serde_json::{json, Value};

/// `{"value": [{"ID", "Name", "AppType", "ClientID", "TenantID", "Verified", "LastVerified",
/// "Verification" | "Error", and for server apps "SecretKeyExpiry", "DaysUntilSecretExpiry",
/// "SecretExpired"}], "Summary": {"Total", "Verified", "Failed", "ExpiredSecrets"}}`.
pub fn verification_report(results: &[AppVerification]) -> Value {
    let now = Utc::now();
    let entries: Vec<Value> = results
        .iter()
        .map(|r| {
            let app = &r.app;
            let full = serde_json::to_value(AppView::new(app, now)).unwrap_or(Value::Null);
            let mut doc = json!({
                "ID": app.id,
                "Name": app.name,
                "AppType": app.app_type.name(),
                "ClientID": app.client_id,
                "TenantID": app.tenant_id,
                "Verified": r.outcome.is_ok(),
                "LastVerified": full["LastVerified"],
            });
            if app.app_type == AppType::ServerApplication {
                for key in ["SecretKeyExpiry", "DaysUntilSecretExpiry", "SecretExpired"] {
                    doc[key] = full[key].clone();
                }
            }
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
