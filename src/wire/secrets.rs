//! Documents of the secret operations: renewal, rotation and maintenance.

use super::apps::{app, read_app_ref};
use super::error_body;
use super::fields::Fields;
use crate::error::{Error, Result};
use crate::model::time::future_time;
use crate::model::values::{guid, name};
use crate::model::App;
use crate::session::secrets::{default_display_name, MAX_VALIDITY_DAYS};
use crate::session::{
    Action, MaintenancePlan, MaintenanceReport, Rotation, SecretRenewal, SecretRotation,
};
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

/// `cmaad_set_app_secret`'s request.
pub fn secret_renewal(json: &str, now: DateTime<Utc>) -> Result<SecretRenewal> {
    let mut f = Fields::parse(json, "request")?;
    let app = read_app_ref(&mut f)?;
    let secret_key_expiry =
        future_time(&f.required_str("SecretKeyExpiry")?, "SecretKeyExpiry", now)?;
    let verify = f.optional_bool("Verify")?.unwrap_or(false);
    f.finish()?;
    Ok(SecretRenewal {
        app,
        secret_key_expiry,
        verify,
    })
}

/// `cmaad_rotate_app_secret`'s request: `ValidityDays` or `SecretKeyExpiry` (at most 24 months
/// away), `DisplayName`, `RemoveOldSecret`, `PropagationTimeoutSeconds` (1–600).
pub fn secret_rotation(json: &str, now: DateTime<Utc>) -> Result<SecretRotation> {
    let mut f = Fields::parse(json, "request")?;
    let app = read_app_ref(&mut f)?;
    let days = f.optional_i64("ValidityDays")?;
    let expiry = f.optional_str("SecretKeyExpiry")?;
    let mut rotation =
        SecretRotation::new(app, crate::session::secrets::DEFAULT_VALIDITY_DAYS, now);
    match (days, expiry) {
        (Some(_), Some(_)) => return Err(Error::invalid("ValidityDays", "AmbiguousExpiry", "Give either ValidityDays or SecretKeyExpiry, not both.")),
        (None, Some(e)) => rotation.secret_key_expiry = future_time(&e, "SecretKeyExpiry", now)?,
        (Some(d), None) if !(1..=MAX_VALIDITY_DAYS).contains(&d) => return Err(Error::invalid("ValidityDays", "OutOfRange", format!("ValidityDays {d} is out of range: give 1 to {MAX_VALIDITY_DAYS} days (Entra recommends at most 24 months)."))),
        (Some(d), None) => rotation.secret_key_expiry = now + Duration::days(d),
        (None, None) => {}
    }
    if rotation.secret_key_expiry > now + Duration::days(MAX_VALIDITY_DAYS) + Duration::days(1) {
        return Err(Error::invalid("SecretKeyExpiry", "OutOfRange", format!("SecretKeyExpiry is more than {MAX_VALIDITY_DAYS} days away: Entra recommends secrets that live at most 24 months; pick an earlier date.")));
    }
    rotation.display_name = match f.optional_str("DisplayName")? {
        Some(n) => name(&n, "DisplayName")?,
        None => default_display_name(now),
    };
    rotation.remove_old_secret = f.optional_bool("RemoveOldSecret")?.unwrap_or(false);
    if let Some(secs) = f.optional_i64("PropagationTimeoutSeconds")? {
        if !(1..=600).contains(&secs) {
            return Err(Error::invalid(
                "PropagationTimeoutSeconds",
                "OutOfRange",
                format!("PropagationTimeoutSeconds {secs} is out of range: give 1 to 600 seconds (new secrets usually work within 20)."),
            ));
        }
        rotation.propagation_timeout = std::time::Duration::from_secs(secs as u64);
    }
    f.finish()?;
    Ok(rotation)
}

/// `cmaad_maintain_secrets`'s request; NULL or blank means the defaults.
pub fn maintenance_plan(json: Option<&str>) -> Result<MaintenancePlan> {
    let mut f = Fields::parse_optional(json, "request")?;
    let defaults = MaintenancePlan::default();
    let plan = MaintenancePlan {
        rotate_within_days: f
            .optional_i64_in("RotateWithinDays", 0..=365, "days")?
            .unwrap_or(defaults.rotate_within_days),
        rotate: f.optional_bool("Rotate")?.unwrap_or(defaults.rotate),
        validity_days: f
            .optional_i64_in("ValidityDays", 1..=MAX_VALIDITY_DAYS, "days")?
            .unwrap_or(defaults.validity_days),
        remove_old_secret: f
            .optional_bool("RemoveOldSecret")?
            .unwrap_or(defaults.remove_old_secret),
        tenant_id: f
            .optional_str("TenantId")?
            .map(|t| guid(&t, "TenantId"))
            .transpose()?,
    };
    f.finish()?;
    Ok(plan)
}

/// `{"NewKeyId", "PropagationSeconds", "OldKeyId", "OldSecretRemoved", "Warnings"?}`.
fn rotation_details(r: &Rotation) -> Value {
    let mut doc = json!({
        "NewKeyId": r.new_key_id,
        "PropagationSeconds": r.propagation.as_secs(),
        "OldKeyId": r.old_key_id,
        "OldSecretRemoved": r.old_secret_removed,
    });
    if !r.warnings.is_empty() {
        doc["Warnings"] = json!(r.warnings);
    }
    doc
}

/// The rotated app's document with `Rotation`.
pub fn rotation(r: &Rotation) -> Value {
    let mut doc = app(&r.app, Utc::now());
    doc["Rotation"] = rotation_details(r);
    doc
}

/// One app's line of a maintenance or expiry report: `{"ID", "Name", "AppType", "TenantID",
/// "DaysUntilSecretExpiry", "Action", "Detail"}`.
pub(super) fn maintenance_entry(app: &App, days: Option<i64>, action: &str, detail: &str) -> Value {
    json!({
        "ID": app.id,
        "Name": app.name,
        "AppType": app.app_type.name(),
        "TenantID": app.tenant_id,
        "DaysUntilSecretExpiry": days,
        "Action": action,
        "Detail": detail,
    })
}

/// `{"value": [{"ID", "Name", "AppType", "TenantID", "DaysUntilSecretExpiry", "Action",
/// "Detail", "Error"?, "Rotation"?}], "Summary": {...}}`.
pub fn maintenance_report(report: &MaintenanceReport) -> Value {
    let entries: Vec<Value> = report
        .entries
        .iter()
        .map(|e| {
            let mut doc = maintenance_entry(
                &e.app,
                e.days_until_secret_expiry,
                e.action.name(),
                &e.detail,
            );
            if let Some(error) = &e.error {
                doc["Error"] = error_body(error);
            }
            if let Some(r) = &e.rotation {
                doc["Rotation"] = rotation_details(r);
            }
            doc
        })
        .collect();
    json!({
        "value": entries,
        "Summary": {
            "Total": report.entries.len(),
            "Verified": report.count(Action::Verified),
            "Rotated": report.count(Action::Rotated),
            "RotationDue": report.count(Action::RotationDue),
            "NeedsAttention": report.count(Action::NeedsAttention),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_defaults_and_bounds() {
        let plan = maintenance_plan(None).unwrap();
        assert_eq!(
            (
                plan.rotate_within_days,
                plan.rotate,
                plan.validity_days,
                plan.remove_old_secret
            ),
            (30, true, 365, false)
        );
        let e = maintenance_plan(Some(r#"{"ValidityDays": 731}"#)).unwrap_err();
        assert_eq!(
            (e.code.as_str(), e.target.as_deref()),
            ("OutOfRange", Some("ValidityDays"))
        );
        assert_eq!(
            maintenance_plan(Some(r#"{"Rotate": 1}"#)).unwrap_err().code,
            "WrongType"
        );
        assert_eq!(
            maintenance_plan(Some(r#"{"TenantId": "x"}"#))
                .unwrap_err()
                .code,
            "InvalidTenantId"
        );
    }

    #[test]
    fn rotation_expiry() {
        let now = Utc::now();
        let r = secret_rotation(r#"{"ID":1}"#, now).unwrap();
        assert_eq!(r.secret_key_expiry, now + Duration::days(365));
        assert!(!r.remove_old_secret);
        let e = secret_rotation(r#"{"ID":1,"ValidityDays":731}"#, now).unwrap_err();
        assert_eq!(e.target.as_deref(), Some("ValidityDays"));
        let e = secret_rotation(r#"{"ID":1,"PropagationTimeoutSeconds":0}"#, now).unwrap_err();
        assert_eq!(e.target.as_deref(), Some("PropagationTimeoutSeconds"));
    }
}
