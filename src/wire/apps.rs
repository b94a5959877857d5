//! Documents of the app operations: import requests, filters and app references in; the app
//! document (`SMS_AAD_Application_Ex` shape) and lists out.

use super::fields::{environment, Fields};
use crate::error::{Error, Result};
use crate::model::time::future_time;
use crate::model::values::{guid, name};
use crate::model::{format_time, App, AppFilter, AppRef, AppType};
use crate::session::{AppResult, ClientAppImport, ServerAppImport, SetApp, TenantRef};
use crate::store::RemovedApp;
use chrono::{DateTime, Utc};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{json, Value};

/// `cmaad_import_server_app`'s request.
pub fn server_app_import(json: &str, now: DateTime<Utc>) -> Result<ServerAppImport> {
    let mut f = Fields::parse(json, "request")?;
    let tenant_name = name(&f.required_str("TenantName")?, "TenantName")?;
    let tenant_id = guid(&f.required_str("TenantId")?, "TenantId")?;
    let app_name = name(&f.required_str("AppName")?, "AppName")?;
    let client_id = guid(&f.required_str("ClientId")?, "ClientId")?;
    let secret_key_expiry =
        future_time(&f.required_str("SecretKeyExpiry")?, "SecretKeyExpiry", now)?;
    let app_id_uri = f
        .optional_str("AppIdUri")?
        .map(|u| crate::requirements::app_id_uri(&u, &tenant_id, &client_id))
        .transpose()?;
    let environment = environment(&mut f, "AzureEnvironmentOption")?;
    let verify = f.optional_bool("Verify")?.unwrap_or(false);
    f.finish()?;
    Ok(ServerAppImport {
        tenant_name,
        tenant_id,
        app_name,
        client_id,
        secret_key_expiry,
        app_id_uri,
        environment,
        verify,
    })
}

/// `cmaad_import_client_app`'s request.
pub fn client_app_import(json: &str) -> Result<ClientAppImport> {
    let mut f = Fields::parse(json, "request")?;
    let app_name = name(&f.required_str("AppName")?, "AppName")?;
    let client_id = guid(&f.required_str("ClientId")?, "ClientId")?;
    let tenant_id = f.optional_str("TenantId")?;
    let server_app_id = f.optional_i64("ServerAppId")?;
    let tenant = match (tenant_id, server_app_id) {
        (Some(_), Some(_)) => return Err(Error::invalid("ServerAppId", "AmbiguousTenant", "Give either TenantId or ServerAppId, not both: they are two parameter sets (ById, ByServerApp).")),
        (None, None) => return Err(Error::invalid("TenantId", "MissingField", "TenantId or ServerAppId is missing: give the tenant GUID, or the ID of the tenant's server app.")),
        (Some(t), None) => TenantRef::TenantId(guid(&t, "TenantId")?),
        (None, Some(id)) => TenantRef::ServerAppId(id),
    };
    let verify = f.optional_bool("Verify")?.unwrap_or(false);
    f.finish()?;
    Ok(ClientAppImport {
        app_name,
        client_id,
        tenant,
        verify,
    })
}

/// An app filter (`cmaad_get_apps`, `cmaad_verify_apps`); NULL or blank means every app.
pub fn app_filter(json: Option<&str>) -> Result<AppFilter> {
    let mut f = Fields::parse_optional(json, "filter")?;
    let app_name = f
        .optional_str("AppName")?
        .map(|v| name(&v, "AppName"))
        .transpose()?;
    let app_type = f
        .optional_str("AppType")?
        .map(|v| AppType::parse(&v, "AppType"))
        .transpose()?;
    let client_id = f
        .optional_str("ClientId")?
        .map(|v| guid(&v, "ClientId"))
        .transpose()?;
    let tenant_id = f
        .optional_str("TenantId")?
        .map(|v| guid(&v, "TenantId"))
        .transpose()?;
    let tenant_name = f
        .optional_str("TenantName")?
        .map(|v| name(&v, "TenantName"))
        .transpose()?;
    let expiring_within_days = f.optional_i64_in("ExpiringWithinDays", 0..=36_500, "days")?;
    f.finish()?;
    Ok(AppFilter {
        app_name,
        app_type,
        client_id,
        tenant_id,
        tenant_name,
        expiring_within_days,
    })
}

/// Reads `ID`, or `ClientId` + `TenantId`, from a request.
pub fn read_app_ref(f: &mut Fields) -> Result<AppRef> {
    let id = f.optional_i64("ID")?;
    let client_id = f.optional_str("ClientId")?;
    let tenant_id = f.optional_str("TenantId")?;
    match (id, client_id, tenant_id) {
        (Some(id), None, None) => Ok(AppRef::Id(id)),
        (Some(_), _, _) => Err(Error::invalid("ID", "AmbiguousApp", "Give either ID, or ClientId with TenantId, not both: they name the app two ways.")),
        (None, Some(c), Some(t)) => Ok(AppRef::ClientId {
            tenant_id: guid(&t, "TenantId")?,
            client_id: guid(&c, "ClientId")?,
        }),
        (None, Some(_), None) => Err(Error::invalid("TenantId", "MissingField", "TenantId is missing: a ClientId names an app only together with its tenant's GUID (or give the app's ID).")),
        (None, None, Some(_)) => Err(Error::invalid("ClientId", "MissingField", "ClientId is missing: give the app's ClientId with the TenantId (or give the app's ID).")),
        (None, None, None) => Err(Error::invalid("ID", "MissingField", "ID is missing: give the app's ID (from Get-CMAADApplication), or its ClientId and TenantId.")),
    }
}

/// A request that only names an app (`cmaad_remove_app`).
pub fn app_ref(json: &str) -> Result<AppRef> {
    let mut f = Fields::parse(json, "request")?;
    let app = read_app_ref(&mut f)?;
    f.finish()?;
    Ok(app)
}

/// `cmaad_set_app`'s request; at least one setting must be given.
pub fn set_app(json: &str) -> Result<SetApp> {
    let mut f = Fields::parse(json, "request")?;
    let app = read_app_ref(&mut f)?;
    let new_name = f
        .optional_str("NewName")?
        .map(|n| name(&n, "NewName"))
        .transpose()?;
    let app_id_uri = f.optional_str("AppIdUri")?;
    f.finish()?;
    if new_name.is_none() && app_id_uri.is_none() {
        return Err(Error::invalid(
            "NewName",
            "NothingToChange",
            "The request changes nothing: give NewName, AppIdUri, or both.",
        ));
    }
    Ok(SetApp {
        app,
        new_name,
        app_id_uri,
    })
}

/// An [`App`] as its document, serialized field by field in the contract's order, without a
/// JSON tree (a list of 100,000 apps is written app by app).
pub struct AppView<'a> {
    app: &'a App,
    now: DateTime<Utc>,
}

impl<'a> AppView<'a> {
    /// The document of `app` as of `now` (for `DaysUntilSecretExpiry` and `SecretExpired`).
    pub fn new(app: &'a App, now: DateTime<Utc>) -> Self {
        AppView { app, now }
    }
}

impl Serialize for AppView<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let (a, now) = (self.app, self.now);
        let time = |t: &Option<DateTime<Utc>>| t.as_ref().map(format_time);
        let mut m = serializer.serialize_map(None)?;
        m.serialize_entry("ID", &a.id)?;
        m.serialize_entry("Name", &a.name)?;
        m.serialize_entry("ClientID", &a.client_id)?;
        m.serialize_entry("TenantID", &a.tenant_id)?;
        m.serialize_entry("TenantName", &a.tenant_name)?;
        m.serialize_entry("IsClientApp", &a.app_type.is_client())?;
        m.serialize_entry("AppType", a.app_type.name())?;
        match a.app_type {
            AppType::ServerApplication => {
                m.serialize_entry("IdentifierUri", &a.identifier_uri)?;
                m.serialize_entry("SecretKeyExpiry", &time(&a.secret_key_expiry))?;
                m.serialize_entry("SecretKeyCreationTime", &time(&a.secret_key_creation_time))?;
                m.serialize_entry("SecretKeyId", &a.secret_key_id)?;
                m.serialize_entry("DaysUntilSecretExpiry", &a.days_until_secret_expiry(now))?;
                m.serialize_entry("SecretExpired", &a.secret_expired(now))?;
            }
            AppType::ClientApplication => m.serialize_entry("ServerAppID", &a.server_app_id)?,
        }
        m.serialize_entry("AzureEnvironment", a.environment.name())?;
        m.serialize_entry("LastVerified", &time(&a.last_verified))?;
        m.serialize_entry("ApplicationCreationTime", &format_time(&a.created))?;
        m.serialize_entry("LastUpdateTime", &format_time(&a.updated))?;
        m.end()
    }
}

/// The app document (`SMS_AAD_Application_Ex` shape) as of `now`. Never contains the secret.
pub fn app(app: &App, now: DateTime<Utc>) -> Value {
    serde_json::to_value(AppView::new(app, now)).unwrap_or(Value::Null)
}

/// An app document with the verification report and warnings, when there are any.
pub fn app_result(result: &AppResult) -> Value {
    let mut doc = app(&result.app, Utc::now());
    if let Some(v) = &result.verification {
        doc["Verification"] = serde_json::to_value(v).unwrap_or(Value::Null);
    }
    if !result.warnings.is_empty() {
        doc["Warnings"] = json!(result.warnings);
    }
    doc
}

/// `{"value": [apps]}` as text, written app by app.
pub fn app_list(apps: &[App]) -> Result<String> {
    #[derive(serde::Serialize)]
    struct AppList<'a> {
        value: Vec<AppView<'a>>,
    }
    let now = Utc::now();
    let list = AppList {
        value: apps.iter().map(|a| AppView::new(a, now)).collect(),
    };
    serde_json::to_string(&list)
        .map_err(|e| Error::internal(format!("The app list could not be written: {e}.")))
}

/// A removed app's document with `"Removed": true` and `TenantRemoved`.
pub fn removed_app(removed: &RemovedApp) -> Value {
    let mut doc = app(&removed.app, Utc::now());
    doc["Removed"] = json!(true);
    doc["TenantRemoved"] = json!(removed.tenant_removed);
    doc
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn server_document_has_contract_fields() {
        let now = Utc::now();
        let server = App::sample_server(Some(now + Duration::days(10)));
        let doc = app(&server, now);
        for key in [
            "ID",
            "Name",
            "ClientID",
            "TenantID",
            "TenantName",
            "IsClientApp",
            "AppType",
            "IdentifierUri",
            "SecretKeyExpiry",
            "SecretKeyCreationTime",
            "DaysUntilSecretExpiry",
            "AzureEnvironment",
            "LastVerified",
            "ApplicationCreationTime",
            "LastUpdateTime",
        ] {
            assert!(doc.get(key).is_some(), "missing {key}");
        }
        assert_eq!(doc["SecretExpired"], json!(false));
    }
}
