//! Requests of the lifecycle operations: renewing and rotating secrets, changing and removing
//! apps, services and tenants. Same conventions as the import requests: property names are the
//! cmdlet parameter names, and every error names its field.

use super::{app_id_uri, future_time, guid, name, DiscoveryChange, Fields};
use crate::error::{Error, Result};
use chrono::{DateTime, Duration, Utc};

/// Which stored app a request is about: `ID`, or `ClientId` with `TenantId`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppRef {
    /// The app's `ID`.
    Id(i64),
    /// The app's client ID in a tenant.
    ClientId {
        /// Tenant GUID.
        tenant_id: String,
        /// Application (client) ID.
        client_id: String,
    },
}

impl AppRef {
    /// Reads `ID`, or `ClientId` + `TenantId`, from a request.
    pub fn read(f: &mut Fields) -> Result<Self> {
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

    /// The field errors about this reference point at.
    pub fn field(&self) -> &'static str {
        match self {
            AppRef::Id(_) => "ID",
            AppRef::ClientId { .. } => "ClientId",
        }
    }

    /// How the reference reads in messages.
    pub fn describe(&self) -> String {
        match self {
            AppRef::Id(id) => format!("App ID {id}"),
            AppRef::ClientId {
                tenant_id,
                client_id,
            } => format!("ClientId {client_id} in tenant {tenant_id}"),
        }
    }
}

/// Parses a request that only names an app (`Remove-CMAADApplication`).
pub fn app_ref_request(json: &str) -> Result<AppRef> {
    let mut f = Fields::parse(json, "request")?;
    let app = AppRef::read(&mut f)?;
    f.finish()?;
    Ok(app)
}

/// `Set-CMAADApplication -SecretKey -SecretKeyExpiry [-Verify]`: a secret renewed in the portal.
#[derive(Debug, Clone)]
pub struct SetSecretRequest {
    /// The server app.
    pub app: AppRef,
    /// The new secret's expiry.
    pub secret_key_expiry: DateTime<Utc>,
    /// Verify the new secret against Entra before storing it.
    pub verify: bool,
}

impl SetSecretRequest {
    /// Parses and checks the request.
    pub fn parse(json: &str, now: DateTime<Utc>) -> Result<Self> {
        let mut f = Fields::parse(json, "request")?;
        let app = AppRef::read(&mut f)?;
        let secret_key_expiry =
            future_time(&f.required_str("SecretKeyExpiry")?, "SecretKeyExpiry", now)?;
        let verify = f.optional_bool("Verify")?.unwrap_or(false);
        f.finish()?;
        Ok(SetSecretRequest {
            app,
            secret_key_expiry,
            verify,
        })
    }
}

/// `Set-CMAADApplication -NewName -AppIdUri`: the app's settings in the site.
#[derive(Debug, Clone)]
pub struct SetAppRequest {
    /// The app.
    pub app: AppRef,
    /// New display name.
    pub new_name: Option<String>,
    /// New App ID URI (server apps), unchecked until the app's tenant is known.
    pub app_id_uri: Option<String>,
}

impl SetAppRequest {
    /// Parses the request; at least one setting must be given.
    pub fn parse(json: &str) -> Result<Self> {
        let mut f = Fields::parse(json, "request")?;
        let app = AppRef::read(&mut f)?;
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
        Ok(SetAppRequest {
            app,
            new_name,
            app_id_uri,
        })
    }

    /// The checked App ID URI for the app's tenant and client ID, with any warning.
    pub fn checked_uri(&self, tenant_id: &str, client_id: &str) -> Result<Option<super::AppIdUri>> {
        self.app_id_uri
            .as_deref()
            .map(|u| app_id_uri(u, tenant_id, client_id))
            .transpose()
    }
}

/// Default lifetime of a secret CMAAD adds (the console's default: one year).
pub const DEFAULT_VALIDITY_DAYS: i64 = 365;
/// Longest lifetime Entra's portal offers for a new secret (24 months).
pub const MAX_VALIDITY_DAYS: i64 = 730;
/// Default wait for a new secret to start working.
pub const DEFAULT_PROPAGATION_SECS: i64 = 60;

/// Zero-downtime rotation of a server app's secret through Microsoft Graph.
#[derive(Debug, Clone)]
pub struct RotateRequest {
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

impl RotateRequest {
    /// Parses and checks the request.
    pub fn parse(json: &str, now: DateTime<Utc>) -> Result<Self> {
        let mut f = Fields::parse(json, "request")?;
        let app = AppRef::read(&mut f)?;
        let days = f.optional_i64("ValidityDays")?;
        let expiry = f.optional_str("SecretKeyExpiry")?;
        let secret_key_expiry = match (days, expiry) {
            (Some(_), Some(_)) => return Err(Error::invalid("ValidityDays", "AmbiguousExpiry", "Give either ValidityDays or SecretKeyExpiry, not both.")),
            (None, Some(e)) => future_time(&e, "SecretKeyExpiry", now)?,
            (Some(d), None) if !(1..=MAX_VALIDITY_DAYS).contains(&d) => return Err(Error::invalid("ValidityDays", "OutOfRange", format!("ValidityDays {d} is out of range: give 1 to {MAX_VALIDITY_DAYS} days (Entra recommends at most 24 months)."))),
            (d, None) => now + Duration::days(d.unwrap_or(DEFAULT_VALIDITY_DAYS)),
        };
        if secret_key_expiry > now + Duration::days(MAX_VALIDITY_DAYS) + Duration::days(1) {
            return Err(Error::invalid("SecretKeyExpiry", "OutOfRange", format!("SecretKeyExpiry is more than {MAX_VALIDITY_DAYS} days away: Entra recommends secrets that live at most 24 months; pick an earlier date.")));
        }
        let display_name = match f.optional_str("DisplayName")? {
            Some(n) => name(&n, "DisplayName")?,
            None => format!("CMAAD {}", now.format("%Y-%m-%d")),
        };
        let remove_old_secret = f.optional_bool("RemoveOldSecret")?.unwrap_or(false);
        let secs = f
            .optional_i64("PropagationTimeoutSeconds")?
            .unwrap_or(DEFAULT_PROPAGATION_SECS);
        if !(1..=600).contains(&secs) {
            return Err(Error::invalid(
                "PropagationTimeoutSeconds",
                "OutOfRange",
                format!("PropagationTimeoutSeconds {secs} is out of range: give 1 to 600 seconds (new secrets usually work within 20)."),
            ));
        }
        f.finish()?;
        Ok(RotateRequest {
            app,
            secret_key_expiry,
            display_name,
            remove_old_secret,
            propagation_timeout: std::time::Duration::from_secs(secs as u64),
        })
    }
}

/// Which service a request is about: `ID` or `Name` (case-insensitive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServiceRef {
    /// The service's `ID`.
    Id(i64),
    /// The service's name.
    Name(String),
}

impl ServiceRef {
    /// Reads `ID` or `Name` from a request.
    pub fn read(f: &mut Fields) -> Result<Self> {
        let id = f.optional_i64("ID")?;
        let service_name = f.optional_str("Name")?;
        match (id, service_name) {
            (Some(_), Some(_)) => Err(Error::invalid(
                "ID",
                "AmbiguousService",
                "Give either ID or Name, not both: they name the service two ways.",
            )),
            (Some(id), None) => Ok(ServiceRef::Id(id)),
            (None, Some(n)) => Ok(ServiceRef::Name(name(&n, "Name")?)),
            (None, None) => Err(Error::invalid(
                "ID",
                "MissingField",
                "ID is missing: give the service's ID or Name (from Get-CMAzureService).",
            )),
        }
    }

    /// The field errors about this reference point at.
    pub fn field(&self) -> &'static str {
        match self {
            ServiceRef::Id(_) => "ID",
            ServiceRef::Name(_) => "Name",
        }
    }
}

/// Parses a request that only names a service (`Remove-CMAzureService`).
pub fn service_ref_request(json: &str) -> Result<ServiceRef> {
    let mut f = Fields::parse(json, "request")?;
    let service = ServiceRef::read(&mut f)?;
    f.finish()?;
    Ok(service)
}

/// Filters of `Get-CMAzureService`: `ID`, or `Name` with `*` and `?` wildcards.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceFilter {
    /// The service's `ID`.
    pub id: Option<i64>,
    /// Name pattern, case-insensitive.
    pub name: Option<String>,
}

impl ServiceFilter {
    /// Parses a filter; `None` or an empty string means every service.
    pub fn parse(json: Option<&str>) -> Result<Self> {
        let mut f = optional_fields(json, "filter")?;
        let id = f.optional_i64("ID")?;
        let pattern = f
            .optional_str("Name")?
            .map(|n| name(&n, "Name"))
            .transpose()?;
        f.finish()?;
        Ok(ServiceFilter { id, name: pattern })
    }
}

/// `Set-CMCloudManagementAzureService`: absent fields keep their value.
#[derive(Debug, Clone)]
pub struct SetServiceRequest {
    /// The service.
    pub service: ServiceRef,
    /// New unique name.
    pub new_name: Option<String>,
    /// New description; `Some(None)` (an empty string) clears it.
    pub description: Option<Option<String>>,
    /// Collection sync to Entra groups.
    pub enable_aad_group_sync: Option<bool>,
    /// Discovery changes.
    pub discovery: DiscoveryChange,
}

impl SetServiceRequest {
    /// Parses the request; the discovery rules apply once the stored settings are known.
    pub fn parse(json: &str) -> Result<Self> {
        let mut f = Fields::parse(json, "request")?;
        let service = ServiceRef::read(&mut f)?;
        let new_name = f
            .optional_str("NewName")?
            .map(|n| name(&n, "NewName"))
            .transpose()?;
        let description = f
            .optional_str("Description")?
            .map(|d| super::description(&d))
            .transpose()?;
        let enable_aad_group_sync = f.optional_bool("EnableAADGroupSync")?;
        let discovery = DiscoveryChange::parse_update(&mut f)?;
        f.finish()?;
        if new_name.is_none()
            && description.is_none()
            && enable_aad_group_sync.is_none()
            && discovery.is_empty()
        {
            return Err(Error::invalid("request", "NothingToChange", "The request changes nothing: give NewName, Description, EnableAADGroupSync or discovery settings."));
        }
        Ok(SetServiceRequest {
            service,
            new_name,
            description,
            enable_aad_group_sync,
            discovery,
        })
    }
}

/// Filters of `Get-CMAADTenant`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TenantFilter {
    /// Tenant GUID.
    pub tenant_id: Option<String>,
    /// Tenant label, case-insensitive.
    pub tenant_name: Option<String>,
}

impl TenantFilter {
    /// Parses a filter; `None` or an empty string means every tenant.
    pub fn parse(json: Option<&str>) -> Result<Self> {
        let mut f = optional_fields(json, "filter")?;
        let tenant_id = f
            .optional_str("TenantId")?
            .map(|v| guid(&v, "TenantId"))
            .transpose()?;
        let tenant_name = f
            .optional_str("TenantName")?
            .map(|v| name(&v, "TenantName"))
            .transpose()?;
        f.finish()?;
        Ok(TenantFilter {
            tenant_id,
            tenant_name,
        })
    }
}

/// Changes to a tenant: its label, and "Disable Microsoft Entra authentication for this tenant".
#[derive(Debug, Clone)]
pub struct SetTenantRequest {
    /// Tenant GUID.
    pub tenant_id: String,
    /// New label.
    pub new_name: Option<String>,
    /// Disable (true) or enable (false) Entra authentication for the tenant.
    pub disable_aad_authentication: Option<bool>,
}

impl SetTenantRequest {
    /// Parses the request; at least one change must be given.
    pub fn parse(json: &str) -> Result<Self> {
        let mut f = Fields::parse(json, "request")?;
        let tenant_id = guid(&f.required_str("TenantId")?, "TenantId")?;
        let new_name = f
            .optional_str("NewName")?
            .map(|n| name(&n, "NewName"))
            .transpose()?;
        let disable_aad_authentication = f.optional_bool("DisableAADAuthentication")?;
        f.finish()?;
        if new_name.is_none() && disable_aad_authentication.is_none() {
            return Err(Error::invalid(
                "DisableAADAuthentication",
                "NothingToChange",
                "The request changes nothing: give DisableAADAuthentication, NewName, or both.",
            ));
        }
        Ok(SetTenantRequest {
            tenant_id,
            new_name,
            disable_aad_authentication,
        })
    }
}

/// A filter document that may be NULL or empty.
fn optional_fields(json: Option<&str>, what: &'static str) -> Result<Fields> {
    match json {
        Some(s) if !s.trim().is_empty() => Fields::parse(s, what),
        _ => Ok(Fields::empty(what)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_refs() {
        let t = "05a349fa-0d5c-4a1c-9f3e-1c2d3e4f5a6b";
        assert_eq!(app_ref_request(r#"{"ID":3}"#).unwrap(), AppRef::Id(3));
        let e = app_ref_request(&format!(r#"{{"ClientId":"{t}"}}"#)).unwrap_err();
        assert_eq!(
            (e.code.as_str(), e.target.as_deref()),
            ("MissingField", Some("TenantId"))
        );
        let e = app_ref_request(&format!(r#"{{"ID":1,"TenantId":"{t}"}}"#)).unwrap_err();
        assert_eq!(e.code, "AmbiguousApp");
        assert_eq!(
            app_ref_request("{}").unwrap_err().target.as_deref(),
            Some("ID")
        );
    }

    #[test]
    fn rotation_expiry() {
        let now = Utc::now();
        let r = RotateRequest::parse(r#"{"ID":1}"#, now).unwrap();
        assert_eq!(r.secret_key_expiry, now + Duration::days(365));
        assert!(!r.remove_old_secret);
        let e = RotateRequest::parse(r#"{"ID":1,"ValidityDays":731}"#, now).unwrap_err();
        assert_eq!(e.target.as_deref(), Some("ValidityDays"));
        let e = RotateRequest::parse(r#"{"ID":1,"PropagationTimeoutSeconds":0}"#, now).unwrap_err();
        assert_eq!(e.target.as_deref(), Some("PropagationTimeoutSeconds"));
    }
}
