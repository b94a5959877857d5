//! The four SMS Provider classes the cloud management gateway reads, with the properties and
//! CIM types of the MECM 2002 model (`SMS_AAD_Tenant_Ex`, `SMS_AAD_Application_Ex`,
//! `SMS_Azure_CloudService`, `SMS_AAD_Discovery_Settings`; configmgr-reference §7, source S9).
//!
//! What no public document says and this fake assumes (each is one line here, so a live site's
//! answer changes one line): `ID` is the key of every class and is assigned by the provider;
//! `SiteCode` and the time stamps are set by the provider; the association arrays are lazy
//! properties (returned only on a key lookup); a `SecretKey` written in plain text is encrypted
//! by the provider and comes back as an opaque blob.

use serde_json::Value;

/// A CIM property type as AdminService renders it in JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CimType {
    /// `UInt32`: a JSON number.
    UInt32,
    /// `String`.
    String,
    /// `Boolean`.
    Boolean,
    /// CIM datetime: an RFC 3339 string (`2027-11-16T00:00:00Z`).
    DateTime,
    /// `UInt32[]`.
    UInt32Array,
    /// `String[]`.
    StringArray,
}

impl CimType {
    /// True when `value` has this type (`null` is accepted for every type).
    pub fn accepts(self, value: &Value) -> bool {
        match (self, value) {
            (_, Value::Null) => true,
            (CimType::UInt32, Value::Number(n)) => n.as_u64().is_some_and(|n| n <= u32::MAX as u64),
            (CimType::String, Value::String(_)) => true,
            (CimType::Boolean, Value::Bool(_)) => true,
            (CimType::DateTime, Value::String(s)) => {
                chrono::DateTime::parse_from_rfc3339(s).is_ok()
            }
            (CimType::UInt32Array, Value::Array(a)) => {
                a.iter().all(|v| CimType::UInt32.accepts(v) && !v.is_null())
            }
            (CimType::StringArray, Value::Array(a)) => a.iter().all(Value::is_string),
            _ => false,
        }
    }
}

/// How the provider treats a property on writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// The caller writes it.
    Writable,
    /// The caller writes it and must give it on create.
    Required,
    /// The provider sets it; a write that changes it is refused.
    ProviderSet,
}

/// One property of a class.
#[derive(Debug, Clone, Copy)]
pub struct Property {
    /// Name as the provider spells it.
    pub name: &'static str,
    /// CIM type.
    pub cim: CimType,
    /// Write rule.
    pub access: Access,
    /// Returned only on a key lookup.
    pub lazy: bool,
}

const fn prop(name: &'static str, cim: CimType, access: Access) -> Property {
    Property {
        name,
        cim,
        access,
        lazy: false,
    }
}

const fn lazy(name: &'static str, cim: CimType, access: Access) -> Property {
    Property {
        name,
        cim,
        access,
        lazy: true,
    }
}

use Access::{ProviderSet, Required, Writable};
use CimType::{Boolean, DateTime, String as Str, StringArray, UInt32, UInt32Array};

const TENANT: &[Property] = &[
    prop("ID", UInt32, ProviderSet),
    prop("TenantID", Str, Required),
    prop("Name", Str, Required),
    prop("Environment", UInt32, Writable),
    prop("SiteCode", Str, ProviderSet),
];

const APPLICATION: &[Property] = &[
    prop("ID", UInt32, ProviderSet),
    prop("Name", Str, Required),
    prop("ClientID", Str, Required),
    prop("TenantID", UInt32, Required),
    prop("IsClientApp", Boolean, Required),
    prop("IdentifierUri", Str, Writable),
    prop("ReplyUrl", Str, Writable),
    prop("SecretKey", Str, Writable),
    prop("SecretKeyExpiry", DateTime, Writable),
    prop("SecretKeyCreationTime", DateTime, ProviderSet),
    prop("ApplicationCreationTime", DateTime, ProviderSet),
    prop("LastUpdateTime", DateTime, ProviderSet),
    lazy("AssociatedAADApplications", UInt32Array, Writable),
    prop("Source", UInt32, Writable),
    prop("SiteCode", Str, ProviderSet),
];

const CLOUD_SERVICE: &[Property] = &[
    prop("ID", UInt32, ProviderSet),
    prop("Name", Str, Required),
    prop("Description", Str, Writable),
    prop("ServiceType", UInt32, Required),
    prop("AuthenticationType", UInt32, Writable),
    lazy("AssociatedAADWebApplications", UInt32Array, Required),
    prop("SiteCode", Str, ProviderSet),
];

const DISCOVERY: &[Property] = &[
    prop("ID", UInt32, ProviderSet),
    prop("CloudServiceId", UInt32, Required),
    prop("AgentType", UInt32, Required),
    prop("FullSyncEnabled", Boolean, Writable),
    prop("FullSyncSchedule", Str, Writable),
    prop("DeltaSyncEnabled", Boolean, Writable),
    prop("DeltaSyncInterval", UInt32, Writable),
    lazy("DiscoveryScopeIds", StringArray, Writable),
    lazy("DiscoveryScopeNames", StringArray, Writable),
    prop("LastFullSyncTime", DateTime, ProviderSet),
    prop("LastDeltaSyncTime", DateTime, ProviderSet),
    prop("RunNow", Boolean, Writable),
    prop("SiteCode", Str, ProviderSet),
];

/// The classes the fake serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Class {
    /// `SMS_AAD_Tenant_Ex`.
    Tenant,
    /// `SMS_AAD_Application_Ex`.
    Application,
    /// `SMS_Azure_CloudService`.
    CloudService,
    /// `SMS_AAD_Discovery_Settings`.
    DiscoverySettings,
}

impl Class {
    /// Every class.
    pub const ALL: [Class; 4] = [
        Class::Tenant,
        Class::Application,
        Class::CloudService,
        Class::DiscoverySettings,
    ];

    /// The WMI class name.
    pub fn name(self) -> &'static str {
        match self {
            Class::Tenant => "SMS_AAD_Tenant_Ex",
            Class::Application => "SMS_AAD_Application_Ex",
            Class::CloudService => "SMS_Azure_CloudService",
            Class::DiscoverySettings => "SMS_AAD_Discovery_Settings",
        }
    }

    /// The class named `name`, compared case-insensitively as the provider does.
    pub fn from_name(name: &str) -> Option<Class> {
        Class::ALL
            .into_iter()
            .find(|c| c.name().eq_ignore_ascii_case(name))
    }

    /// The class's properties.
    pub fn properties(self) -> &'static [Property] {
        match self {
            Class::Tenant => TENANT,
            Class::Application => APPLICATION,
            Class::CloudService => CLOUD_SERVICE,
            Class::DiscoverySettings => DISCOVERY,
        }
    }

    /// The property named `name` (case-insensitive), if the class has it.
    pub fn property(self, name: &str) -> Option<&'static Property> {
        self.properties()
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
    }

    /// The names of the lazy properties (`__LAZYPROPERTIES`).
    pub fn lazy_names(self) -> Vec<&'static str> {
        self.properties()
            .iter()
            .filter(|p| p.lazy)
            .map(|p| p.name)
            .collect()
    }
}
