//! How a caller names stored objects: filters of the `Get-` cmdlets and references to one app or
//! service. The store answers them; requests carry them.

use super::AppType;

/// Filters of `Get-CMAADApplication`; all given ones must match.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AppFilter {
    /// Display name, case-insensitive.
    pub app_name: Option<String>,
    /// Server or client.
    pub app_type: Option<AppType>,
    /// Application (client) ID.
    pub client_id: Option<String>,
    /// Tenant GUID.
    pub tenant_id: Option<String>,
    /// Tenant label, case-insensitive.
    pub tenant_name: Option<String>,
    /// Only server apps whose `DaysUntilSecretExpiry` is at most this (expired ones included).
    pub expiring_within_days: Option<i64>,
}

impl AppFilter {
    /// Every app of one tenant.
    pub fn tenant(tenant_id: &str) -> AppFilter {
        AppFilter {
            tenant_id: Some(tenant_id.to_string()),
            ..AppFilter::default()
        }
    }
}

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

/// Which service a request is about: `ID` or `Name` (case-insensitive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServiceRef {
    /// The service's `ID`.
    Id(i64),
    /// The service's name.
    Name(String),
}

impl ServiceRef {
    /// The field errors about this reference point at.
    pub fn field(&self) -> &'static str {
        match self {
            ServiceRef::Id(_) => "ID",
            ServiceRef::Name(_) => "Name",
        }
    }
}

/// Filters of `Get-CMAzureService`: `ID`, or `Name` with `*` and `?` wildcards.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceFilter {
    /// The service's `ID`.
    pub id: Option<i64>,
    /// Name pattern, case-insensitive.
    pub name: Option<String>,
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
    /// True when the tenant `guid` named `name` passes every given filter (both compared
    /// case-insensitively).
    pub fn matches(&self, guid: &str, name: &str) -> bool {
        self.tenant_id
            .as_ref()
            .is_none_or(|g| guid.eq_ignore_ascii_case(g))
            && self
                .tenant_name
                .as_ref()
                .is_none_or(|n| name.eq_ignore_ascii_case(n))
    }
}
