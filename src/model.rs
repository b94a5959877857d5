//! The site's objects as CMAAD stores and returns them: tenants, server (web) and client (native)
//! apps, and cloud management services. JSON shapes follow ConfigMgr's WMI classes
//! (`SMS_AAD_Application_Ex`, `SMS_Azure_CloudService`) as the contract describes.

use crate::cloud::AzureEnvironment;
use crate::error::{Error, Result};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{json, Value};

/// The kind of an app registration (ConfigMgr's `CloudApplicationType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppType {
    /// The web app the CMG and the site authenticate as.
    ServerApplication,
    /// The native app clients sign in through.
    ClientApplication,
}

impl AppType {
    /// Parses the enum name (case-insensitive).
    pub fn parse(value: &str, field: &str) -> Result<Self> {
        match value.trim().to_ascii_lowercase().as_str() {
            "serverapplication" | "server" | "web" => Ok(Self::ServerApplication),
            "clientapplication" | "client" | "native" => Ok(Self::ClientApplication),
            _ => Err(Error::invalid(
                field,
                "InvalidAppType",
                format!("{field} '{value}' is not an app type: use ServerApplication or ClientApplication."),
            )),
        }
    }

    /// The enum name.
    pub fn name(self) -> &'static str {
        match self {
            Self::ServerApplication => "ServerApplication",
            Self::ClientApplication => "ClientApplication",
        }
    }

    /// True for the client (native) app.
    pub fn is_client(self) -> bool {
        self == Self::ClientApplication
    }
}

/// Formats a timestamp as RFC 3339 UTC with whole seconds.
pub fn format_time(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// True when `t` reads back from [`format_time`] as itself: whole seconds within the years
/// 0000–9999 in UTC (RFC 3339 has four-digit years, so `9999-12-31T23:59:59-12:00`, which is
/// year 10000 in UTC, would be written and then read back as nothing).
pub fn round_trips(t: &DateTime<Utc>) -> bool {
    DateTime::parse_from_rfc3339(&format_time(t)).is_ok_and(|back| back == *t)
}

/// A stored app registration.
#[derive(Debug, Clone, PartialEq)]
pub struct App {
    /// Stable row ID, never reused.
    pub id: i64,
    /// Display name.
    pub name: String,
    /// Application (client) ID, lower-case GUID.
    pub client_id: String,
    /// Tenant GUID, lower-case.
    pub tenant_id: String,
    /// Tenant label.
    pub tenant_name: String,
    /// Server or client app.
    pub app_type: AppType,
    /// App ID URI (server apps).
    pub identifier_uri: Option<String>,
    /// Secret expiry (server apps).
    pub secret_key_expiry: Option<DateTime<Utc>>,
    /// When the stored secret was set (server apps).
    pub secret_key_creation_time: Option<DateTime<Utc>>,
    /// Graph's `keyId` of the stored secret, when CMAAD added it (rotation); unknown for a
    /// secret copied from the portal.
    pub secret_key_id: Option<String>,
    /// The app's cloud.
    pub environment: AzureEnvironment,
    /// The server app a client app was imported with.
    pub server_app_id: Option<i64>,
    /// Last successful verification against Entra.
    pub last_verified: Option<DateTime<Utc>>,
    /// When the app was imported.
    pub created: DateTime<Utc>,
    /// When the app row last changed.
    pub updated: DateTime<Utc>,
}

impl App {
    /// Whole days from `now` until the secret expires (negative once expired).
    pub fn days_until_secret_expiry(&self, now: DateTime<Utc>) -> Option<i64> {
        self.secret_key_expiry.map(|e| {
            (e - now).num_days() - i64::from(e < now && (e - now).num_seconds() % 86_400 != 0)
        })
    }

    /// The app document (`SMS_AAD_Application_Ex` shape). Never contains the secret.
    pub fn to_json(&self, now: DateTime<Utc>) -> Value {
        serde_json::to_value(self.view(now)).unwrap_or(Value::Null)
    }

    /// The app document as a serializable view, for writing many apps without building a
    /// JSON tree of each.
    pub fn view(&self, now: DateTime<Utc>) -> AppView<'_> {
        AppView { app: self, now }
    }
}

/// An [`App`] as its document, serialized field by field in the contract's order.
pub struct AppView<'a> {
    app: &'a App,
    now: DateTime<Utc>,
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
                m.serialize_entry(
                    "SecretExpired",
                    &a.secret_key_expiry.is_some_and(|e| e <= now),
                )?;
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

/// How often a full discovery runs (ConfigMgr's schedule token, simplified to an interval).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    /// Unit of the interval.
    pub kind: ScheduleKind,
    /// Number of units between runs.
    pub interval: u32,
}

/// Unit of a discovery schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScheduleKind {
    /// Every N minutes.
    Minutes,
    /// Every N hours.
    Hours,
    /// Every N days.
    Days,
}

impl ScheduleKind {
    /// Parses the unit name (case-insensitive).
    pub fn parse(value: &str, field: &str) -> Result<Self> {
        match value.trim().to_ascii_lowercase().as_str() {
            "minutes" => Ok(Self::Minutes),
            "hours" => Ok(Self::Hours),
            "days" => Ok(Self::Days),
            _ => Err(Error::invalid(
                field,
                "InvalidSchedule",
                format!(
                    "{field}.Kind '{value}' is not a schedule unit: use Minutes, Hours or Days."
                ),
            )),
        }
    }

    /// The unit name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Minutes => "Minutes",
            Self::Hours => "Hours",
            Self::Days => "Days",
        }
    }

    /// The largest interval ConfigMgr's schedule token can express in this unit.
    pub fn max_interval(self) -> u32 {
        match self {
            Self::Minutes => 59,
            Self::Hours => 23,
            Self::Days => 31,
        }
    }
}

impl Schedule {
    /// The schedule document (`{"Kind":"Days","Interval":7}`).
    pub fn to_json(&self) -> Value {
        json!({ "Kind": self.kind.name(), "Interval": self.interval })
    }
}

/// Entra user and group discovery settings of a cloud management service.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Discovery {
    /// Entra user discovery.
    pub enable_user_discovery: bool,
    /// Delta user discovery (needs user discovery).
    pub enable_user_delta_discovery: bool,
    /// Delta interval for users, 5–60 minutes.
    pub user_delta_discovery_mins: Option<i32>,
    /// Full user discovery schedule.
    pub user_discovery_schedule: Option<Schedule>,
    /// Entra group discovery.
    pub enable_group_discovery: bool,
    /// Delta group discovery (needs group discovery).
    pub enable_group_delta_discovery: bool,
    /// Delta interval for groups, 5–60 minutes.
    pub group_delta_discovery_mins: Option<i32>,
    /// Full group discovery schedule.
    pub group_discovery_schedule: Option<Schedule>,
    /// Groups to discover.
    pub add_group_name: Vec<String>,
}

impl Discovery {
    /// ConfigMgr's default full-discovery schedule (every 7 days) when discovery is on.
    pub const DEFAULT_SCHEDULE: Schedule = Schedule {
        kind: ScheduleKind::Days,
        interval: 7,
    };
    /// ConfigMgr's default delta interval.
    pub const DEFAULT_DELTA_MINS: i32 = 5;

    /// Writes the discovery fields into a service document.
    pub fn write_json(&self, doc: &mut Value) {
        doc["EnableUserDiscovery"] = json!(self.enable_user_discovery);
        doc["EnableUserDeltaDiscovery"] = json!(self.enable_user_delta_discovery);
        doc["UserDeltaDiscoveryMins"] = json!(self.user_delta_discovery_mins);
        doc["UserDiscoverySchedule"] = json!(self.user_discovery_schedule.map(|s| s.to_json()));
        doc["EnableGroupDiscovery"] = json!(self.enable_group_discovery);
        doc["EnableGroupDeltaDiscovery"] = json!(self.enable_group_delta_discovery);
        doc["GroupDeltaDiscoveryMins"] = json!(self.group_delta_discovery_mins);
        doc["GroupDiscoverySchedule"] = json!(self.group_discovery_schedule.map(|s| s.to_json()));
        doc["AddGroupName"] = json!(self.add_group_name);
    }
}

/// A stored cloud management Azure service.
#[derive(Debug, Clone, PartialEq)]
pub struct CloudService {
    /// Stable row ID, never reused.
    pub id: i64,
    /// Unique name (case-insensitive).
    pub name: String,
    /// Optional description.
    pub description: Option<String>,
    /// Tenant GUID of both apps.
    pub tenant_id: String,
    /// The server app's `ID`.
    pub server_app_id: i64,
    /// The client app's `ID`.
    pub client_app_id: i64,
    /// The service's cloud.
    pub environment: AzureEnvironment,
    /// Discovery settings.
    pub discovery: Discovery,
    /// Sync collection memberships to Entra groups (`-EnableAADGroupSync`).
    pub enable_aad_group_sync: bool,
    /// The tenant's "Disable Microsoft Entra authentication for this tenant" (read-only here;
    /// set on the tenant).
    pub disable_aad_authentication: bool,
    /// When the service was created.
    pub created: DateTime<Utc>,
    /// When the service last changed (`None` until its first change).
    pub updated: Option<DateTime<Utc>>,
}

impl CloudService {
    /// The service document (`SMS_Azure_CloudService` shape).
    pub fn to_json(&self) -> Value {
        let mut doc = json!({
            "ID": self.id,
            "Name": self.name,
            "Description": self.description,
            "ServiceType": "CloudManagement",
            "TenantID": self.tenant_id,
            "ServerAppID": self.server_app_id,
            "ClientAppID": self.client_app_id,
            "AzureEnvironment": self.environment.name(),
            "EnableAADGroupSync": self.enable_aad_group_sync,
            "DisableAADAuthentication": self.disable_aad_authentication,
            "CreatedTime": format_time(&self.created),
            "LastUpdateTime": format_time(self.updated.as_ref().unwrap_or(&self.created)),
        });
        self.discovery.write_json(&mut doc);
        doc
    }
}

/// A tenant as `Get-CMAADTenant` shows it (`SMS_AAD_Tenant_Ex` shape plus CMAAD's counts).
#[derive(Debug, Clone, PartialEq)]
pub struct TenantInfo {
    /// Stable row ID.
    pub id: i64,
    /// Tenant GUID, lower-case.
    pub tenant_id: String,
    /// Tenant label.
    pub name: String,
    /// The tenant's cloud.
    pub environment: AzureEnvironment,
    /// "Disable Microsoft Entra authentication for this tenant": the site stops offering Entra
    /// device and user authentication for it (a tenant without users or devices, e.g. one that
    /// only hosts the CMG's subscription).
    pub disable_aad_authentication: bool,
    /// Server apps stored for the tenant.
    pub server_apps: i64,
    /// Client apps stored for the tenant.
    pub client_apps: i64,
    /// Cloud management services of the tenant.
    pub services: i64,
    /// When the tenant was first seen.
    pub created: DateTime<Utc>,
    /// When the tenant row last changed.
    pub updated: DateTime<Utc>,
}

impl TenantInfo {
    /// The tenant document.
    pub fn to_json(&self) -> Value {
        json!({
            "ID": self.id,
            "TenantID": self.tenant_id,
            "Name": self.name,
            "AzureEnvironment": self.environment.name(),
            "DisableAADAuthentication": self.disable_aad_authentication,
            "ServerAppCount": self.server_apps,
            "ClientAppCount": self.client_apps,
            "ServiceCount": self.services,
            "CreatedTime": format_time(&self.created),
            "LastUpdateTime": format_time(&self.updated),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn app(expiry: Option<DateTime<Utc>>) -> App {
        let now = Utc::now();
        App {
            id: 1,
            name: "CmgServerApp".into(),
            client_id: "7078946d-0000-4000-8000-000000000001".into(),
            tenant_id: "05a349fa-0000-4000-8000-000000000002".into(),
            tenant_name: "Contoso".into(),
            app_type: AppType::ServerApplication,
            identifier_uri: Some(
                "api://05a349fa-0000-4000-8000-000000000002/ConfigMgrService".into(),
            ),
            secret_key_expiry: expiry,
            secret_key_creation_time: Some(now),
            secret_key_id: None,
            environment: AzureEnvironment::AzurePublicCloud,
            server_app_id: None,
            last_verified: None,
            created: now,
            updated: now,
        }
    }

    #[test]
    fn days_until_expiry_counts_whole_days() {
        let now = Utc::now();
        assert_eq!(
            app(Some(now + Duration::days(364) + Duration::hours(3))).days_until_secret_expiry(now),
            Some(364)
        );
        assert_eq!(
            app(Some(now + Duration::hours(3))).days_until_secret_expiry(now),
            Some(0)
        );
        assert_eq!(
            app(Some(now - Duration::hours(3))).days_until_secret_expiry(now),
            Some(-1)
        );
        assert_eq!(
            app(Some(now - Duration::days(2))).days_until_secret_expiry(now),
            Some(-2)
        );
    }

    #[test]
    fn server_document_has_contract_fields() {
        let now = Utc::now();
        let doc = app(Some(now + Duration::days(10))).to_json(now);
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
