//! Secret maintenance for a scheduled task: re-verify every stored app, rotate the server app
//! secrets that are due, and say plainly what needs a person. The PowerShell example script is
//! a thin wrapper over this; its exit code is the `NeedsAttention` count being non-zero.

use super::rotation::error_body;
use super::Session;
use crate::error::Result;
use crate::request::{guid, Fields};
use serde_json::{json, Value};

/// What the task does, parsed from `cmaad_maintain_secrets`'s request.
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

impl MaintenancePlan {
    /// Parses the request; NULL or empty means the defaults.
    pub fn parse(json: Option<&str>) -> Result<Self> {
        let mut f = match json {
            Some(s) if !s.trim().is_empty() => Fields::parse(s, "request")?,
            _ => Fields::empty("request"),
        };
        let rotate_within_days = days(&mut f, "RotateWithinDays", 30, 0..=365)?;
        let rotate = f.optional_bool("Rotate")?.unwrap_or(true);
        let validity_days = days(&mut f, "ValidityDays", 365, 1..=730)?;
        let remove_old_secret = f.optional_bool("RemoveOldSecret")?.unwrap_or(false);
        let tenant_id = f
            .optional_str("TenantId")?
            .map(|t| guid(&t, "TenantId"))
            .transpose()?;
        f.finish()?;
        Ok(MaintenancePlan {
            rotate_within_days,
            rotate,
            validity_days,
            remove_old_secret,
            tenant_id,
        })
    }
}

fn days(
    f: &mut Fields,
    field: &str,
    default: i64,
    range: std::ops::RangeInclusive<i64>,
) -> Result<i64> {
    Ok(f.optional_i64_in(field, range, "days")?.unwrap_or(default))
}

impl Session {
    /// Verifies every stored app (of the tenant, if given), rotates server app secrets due
    /// within `RotateWithinDays`, and returns one entry per app with its `Action` (`Verified`,
    /// `Rotated`, `RotationDue`, `NeedsAttention`) plus a summary whose `NeedsAttention` count
    /// tells a scheduled task whether a person must act.
    pub fn maintain_secrets(&self, request_json: Option<&str>) -> Result<Value> {
        let plan = MaintenancePlan::parse(request_json)?;
        let filter = plan
            .tenant_id
            .as_ref()
            .map(|t| json!({ "TenantId": t }).to_string());
        let checked = self.verify_apps(filter.as_deref())?;
        let entries: Vec<Value> = checked["value"]
            .as_array()
            .map(|apps| {
                apps.iter()
                    .map(|app| self.maintain_one(app, &plan))
                    .collect()
            })
            .unwrap_or_default();
        let count = |action: &str| entries.iter().filter(|e| e["Action"] == action).count();
        Ok(json!({
            "value": entries,
            "Summary": {
                "Total": entries.len(),
                "Verified": count("Verified"),
                "Rotated": count("Rotated"),
                "RotationDue": count("RotationDue"),
                "NeedsAttention": count("NeedsAttention"),
            },
        }))
    }

    /// Decides and carries out what one verified (or failed) app needs.
    fn maintain_one(&self, checked: &Value, plan: &MaintenancePlan) -> Value {
        let mut entry = json!({
            "ID": checked["ID"],
            "Name": checked["Name"],
            "AppType": checked["AppType"],
            "TenantID": checked["TenantID"],
            "DaysUntilSecretExpiry": checked.get("DaysUntilSecretExpiry").cloned().unwrap_or(Value::Null),
        });
        let days = checked["DaysUntilSecretExpiry"].as_i64();
        if checked["SecretExpired"] == json!(true) {
            return needs_attention(entry, "The secret has expired, so it can no longer sign in to Graph to rotate itself: create a new secret on the app's Certificates & secrets page, then Set-CMAADApplication -SecretKey -SecretKeyExpiry.", checked.get("Error"));
        }
        if checked["Verified"] != json!(true) {
            let message = checked["Error"]["Message"]
                .as_str()
                .unwrap_or("The app failed verification.")
                .to_string();
            return needs_attention(entry, &message, checked.get("Error"));
        }
        match days {
            Some(d) if d <= plan.rotate_within_days && plan.rotate => self.rotate_due(entry, plan),
            Some(d) if d <= plan.rotate_within_days => {
                entry["Action"] = json!("RotationDue");
                entry["Detail"] = json!(format!(
                    "The secret expires in {d} day(s); rotation was not requested."
                ));
                entry
            }
            _ => {
                entry["Action"] = json!("Verified");
                entry["Detail"] = json!("Verified against Entra; nothing is due.");
                entry
            }
        }
    }

    /// Rotates a due server app secret; a failure becomes a `NeedsAttention` entry.
    fn rotate_due(&self, mut entry: Value, plan: &MaintenancePlan) -> Value {
        let request = json!({
            "ID": entry["ID"],
            "ValidityDays": plan.validity_days,
            "RemoveOldSecret": plan.remove_old_secret,
        });
        match self.rotate_app_secret(&request.to_string()) {
            Ok(doc) => {
                entry["Action"] = json!("Rotated");
                entry["DaysUntilSecretExpiry"] = doc["DaysUntilSecretExpiry"].clone();
                entry["Detail"] = json!(format!(
                    "Rotated: the new secret expires {}.",
                    doc["SecretKeyExpiry"].as_str().unwrap_or("later")
                ));
                entry["Rotation"] = doc["Rotation"].clone();
                entry
            }
            Err(e) => {
                let message = format!("The secret is due but rotation failed: {}", e.message);
                needs_attention(entry, &message, Some(&error_body(&e)))
            }
        }
    }
}

fn needs_attention(mut entry: Value, detail: &str, error: Option<&Value>) -> Value {
    entry["Action"] = json!("NeedsAttention");
    entry["Detail"] = json!(detail);
    if let Some(e) = error.filter(|e| !e.is_null()) {
        entry["Error"] = e.clone();
    }
    entry
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_defaults_and_bounds() {
        let plan = MaintenancePlan::parse(None).unwrap();
        assert_eq!(
            (
                plan.rotate_within_days,
                plan.rotate,
                plan.validity_days,
                plan.remove_old_secret
            ),
            (30, true, 365, false)
        );
        let e = MaintenancePlan::parse(Some(r#"{"ValidityDays": 731}"#)).unwrap_err();
        assert_eq!(
            (e.code.as_str(), e.target.as_deref()),
            ("OutOfRange", Some("ValidityDays"))
        );
        assert_eq!(
            MaintenancePlan::parse(Some(r#"{"Rotate": 1}"#))
                .unwrap_err()
                .code,
            "WrongType"
        );
        assert_eq!(
            MaintenancePlan::parse(Some(r#"{"TenantId": "x"}"#))
                .unwrap_err()
                .code,
            "InvalidTenantId"
        );
    }
}
