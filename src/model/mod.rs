//! The site's objects as CMAAD stores and returns them: tenants, server (web) and client (native)
//! apps, cloud management services with their discovery settings, the filters and references
//! that name them, and the value rules (names, GUIDs, times) every request shares. Their
//! documents (ConfigMgr's WMI shapes) are written by [`crate::wire`].

mod discovery;
pub mod registration;
mod selectors;
pub mod time;
pub mod values;

pub use discovery::{
    Discovery, DiscoveryChange, Schedule, ScheduleKind, SideChange, SideNames, DELTA_MINS_RANGE,
};
pub use registration::AppRegistration;
pub use selectors::{AppFilter, AppRef, ServiceFilter, ServiceRef, TenantFilter};
pub use time::format_time;

use crate::cloud::AzureEnvironment;
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};

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

    /// True once the stored secret's expiry has passed (`SecretExpired`).
    pub fn secret_expired(&self, now: DateTime<Utc>) -> bool {
        self.secret_key_expiry.is_some_and(|e| e <= now)
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

#[cfg(test)]
impl App {
    /// A stored server app for unit tests, with secret expiry `expiry`.
    pub(crate) fn sample_server(expiry: Option<DateTime<Utc>>) -> App {
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn app(expiry: Option<DateTime<Utc>>) -> App {
        App::sample_server(expiry)
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
}
