//! The directory the fake serves: tenants, their verified domains and app registrations with
//! secrets, public-client settings and granted Microsoft Graph permissions. Built in code by tests
//! or read from JSON by the `fake-entra` binary (the same field names in camelCase).

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// Microsoft Graph's application ID (the resource of Graph scopes and app roles).
pub const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";

/// Everything a fake server starts with.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Config {
    /// The tenants the fake knows.
    pub tenants: Vec<Tenant>,
    /// Lifetime of issued access tokens, in seconds (Entra: 3599).
    pub token_lifetime_secs: u64,
    /// Send `expires_in` as a string, as the v1 endpoint does.
    pub expires_in_as_string: bool,
    /// `interval` of device-code answers; polling faster gets `slow_down`.
    pub device_code_interval_secs: u64,
    /// `expires_in` of device-code answers.
    pub device_code_lifetime_secs: u64,
    /// How long a password added through Graph takes to work at the token endpoint.
    pub password_propagation_ms: u64,
    /// The Graph resource this fake's Graph endpoint stands for. When set, Graph refuses tokens
    /// issued for any other (401 `InvalidAuthenticationToken`, invalid audience), as
    /// `https://dod-graph.microsoft.us` refuses tokens for `https://graph.microsoft.us`.
    pub graph_audience: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            tenants: Vec::new(),
            token_lifetime_secs: 3599,
            expires_in_as_string: false,
            device_code_interval_secs: 5,
            device_code_lifetime_secs: 900,
            password_propagation_ms: 0,
            graph_audience: None,
        }
    }
}

impl Config {
    /// An empty directory with Entra's default lifetimes.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a tenant.
    pub fn tenant(mut self, tenant: Tenant) -> Self {
        self.tenants.push(tenant);
        self
    }

    /// Sets the lifetime of issued tokens.
    pub fn token_lifetime_secs(mut self, secs: u64) -> Self {
        self.token_lifetime_secs = secs;
        self
    }

    /// Makes token answers carry `expires_in` as a string.
    pub fn expires_in_as_string(mut self) -> Self {
        self.expires_in_as_string = true;
        self
    }

    /// Sets how long a password added through Graph takes to start working.
    pub fn password_propagation_ms(mut self, ms: u64) -> Self {
        self.password_propagation_ms = ms;
        self
    }

    /// Makes Graph accept only tokens issued for `resource` (see [`Config::graph_audience`]).
    pub fn graph_audience(mut self, resource: &str) -> Self {
        self.graph_audience = Some(resource.to_ascii_lowercase());
        self
    }

    /// Sets the device-code polling interval.
    pub fn device_code_interval_secs(mut self, secs: u64) -> Self {
        self.device_code_interval_secs = secs;
        self
    }
}

/// A directory (tenant): its GUID, display name, verified domains and app registrations.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tenant {
    /// Tenant GUID (lower case).
    pub id: String,
    /// Organization display name.
    #[serde(default)]
    pub display_name: String,
    /// Verified domains (e.g. `contoso.onmicrosoft.com`).
    #[serde(default)]
    pub domains: Vec<String>,
    /// App registrations.
    #[serde(default)]
    pub applications: Vec<App>,
}

impl Tenant {
    /// A tenant with this GUID and no domains or apps.
    pub fn new(id: &str) -> Self {
        Tenant {
            id: id.to_ascii_lowercase(),
            display_name: "Contoso".into(),
            domains: Vec::new(),
            applications: Vec::new(),
        }
    }

    /// Adds a verified domain.
    pub fn domain(mut self, domain: &str) -> Self {
        self.domains.push(domain.to_ascii_lowercase());
        self
    }

    /// Adds an app registration.
    pub fn app(mut self, app: App) -> Self {
        self.applications.push(app);
        self
    }

    /// True when `name` is this tenant's GUID or one of its verified domains.
    pub fn answers_to(&self, name: &str) -> bool {
        self.id.eq_ignore_ascii_case(name)
            || self.domains.iter().any(|d| d.eq_ignore_ascii_case(name))
    }

    /// The app whose client ID is `app_id`.
    pub fn app_by_id(&self, app_id: &str) -> Option<&App> {
        self.applications
            .iter()
            .find(|a| a.app_id.eq_ignore_ascii_case(app_id))
    }
}

/// An app registration in Microsoft Graph v1.0 terms, plus the secrets' values (which Graph never
/// returns) and the Graph application permissions consented for its service principal.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct App {
    /// Object ID.
    #[serde(default = "new_guid")]
    pub id: String,
    /// Application (client) ID.
    pub app_id: String,
    /// Display name.
    #[serde(default)]
    pub display_name: String,
    /// App ID URIs.
    #[serde(default)]
    pub identifier_uris: Vec<String>,
    /// `AzureADMyOrg` and friends.
    #[serde(default = "my_org")]
    pub sign_in_audience: String,
    /// "Allow public client flows".
    #[serde(default)]
    pub is_fallback_public_client: bool,
    /// `isDeviceOnlyAuthSupported`: devices without a user may get tokens for the app (set by
    /// ConfigMgr's "Update Application Settings"; not shown in the portal; default false).
    #[serde(default)]
    pub is_device_only_auth_supported: bool,
    /// `publicClient.redirectUris`.
    #[serde(default)]
    pub public_client_redirect_uris: Vec<String>,
    /// `web.redirectUris`.
    #[serde(default)]
    pub web_redirect_uris: Vec<String>,
    /// `web.implicitGrantSettings.enableIdTokenIssuance`.
    #[serde(default)]
    pub enable_id_token_issuance: bool,
    /// `api.oauth2PermissionScopes`.
    #[serde(default)]
    pub oauth2_permission_scopes: Vec<PermissionScope>,
    /// `requiredResourceAccess`.
    #[serde(default)]
    pub required_resource_access: Vec<RequiredResourceAccess>,
    /// Client secrets, with their values.
    #[serde(default)]
    pub secrets: Vec<Secret>,
    /// Graph application permissions granted (admin-consented), by value: `Directory.Read.All`.
    #[serde(default)]
    pub graph_roles: Vec<String>,
    /// Refuse a token for its own non-GUID App ID URI with AADSTS90009.
    #[serde(default)]
    pub rejects_self_token_by_uri: bool,
}

fn new_guid() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn my_org() -> String {
    "AzureADMyOrg".into()
}

impl App {
    /// An app registration with this client ID and display name and nothing else.
    pub fn new(app_id: &str, display_name: &str) -> Self {
        App {
            id: new_guid(),
            app_id: app_id.to_ascii_lowercase(),
            display_name: display_name.into(),
            identifier_uris: Vec::new(),
            sign_in_audience: my_org(),
            is_fallback_public_client: false,
            is_device_only_auth_supported: false,
            public_client_redirect_uris: Vec::new(),
            web_redirect_uris: Vec::new(),
            enable_id_token_issuance: false,
            oauth2_permission_scopes: Vec::new(),
            required_resource_access: Vec::new(),
            secrets: Vec::new(),
            graph_roles: Vec::new(),
            rejects_self_token_by_uri: false,
        }
    }

    /// Adds an App ID URI.
    pub fn identifier_uri(mut self, uri: &str) -> Self {
        self.identifier_uris.push(uri.into());
        self
    }

    /// Adds a secret valid for a year.
    pub fn secret(self, value: &str) -> Self {
        self.secret_expiring(value, Utc::now() + Duration::days(365))
    }

    /// Adds a secret that expires (or expired) at `end`.
    pub fn secret_expiring(mut self, value: &str, end: DateTime<Utc>) -> Self {
        self.secrets.push(Secret::new(value, end));
        self
    }

    /// Grants Graph application permissions (by value).
    pub fn graph_roles(mut self, roles: &[&str]) -> Self {
        self.graph_roles.extend(roles.iter().map(|r| r.to_string()));
        self
    }

    /// Adds a `user_impersonation` delegated scope (a CMG server app's API).
    pub fn user_impersonation_scope(mut self) -> Self {
        self.oauth2_permission_scopes
            .push(PermissionScope::user_impersonation(&self.display_name));
        self
    }

    /// Sets `isDeviceOnlyAuthSupported`.
    pub fn device_only_auth(mut self, on: bool) -> Self {
        self.is_device_only_auth_supported = on;
        self
    }

    /// Turns "Allow public client flows" on or off.
    pub fn public_client(mut self, on: bool) -> Self {
        self.is_fallback_public_client = on;
        self
    }

    /// Adds a public-client (mobile and desktop) redirect URI.
    pub fn public_redirect_uri(mut self, uri: &str) -> Self {
        self.public_client_redirect_uris.push(uri.into());
        self
    }

    /// Requires a delegated scope (by scope ID) of another app.
    pub fn requires_scope(mut self, resource_app_id: &str, scope_id: &str) -> Self {
        let access = ResourceAccess {
            id: scope_id.into(),
            kind: "Scope".into(),
        };
        match self
            .required_resource_access
            .iter_mut()
            .find(|r| r.resource_app_id == resource_app_id)
        {
            Some(r) => r.resource_access.push(access),
            None => self.required_resource_access.push(RequiredResourceAccess {
                resource_app_id: resource_app_id.into(),
                resource_access: vec![access],
            }),
        }
        self
    }

    /// Makes the app refuse tokens for its own non-GUID App ID URI (AADSTS90009).
    pub fn rejecting_self_token_by_uri(mut self) -> Self {
        self.rejects_self_token_by_uri = true;
        self
    }

    /// The scope ID of `value` (e.g. `user_impersonation`) in the app's API.
    pub fn scope_id(&self, value: &str) -> Option<&str> {
        self.oauth2_permission_scopes
            .iter()
            .find(|s| s.value == value)
            .map(|s| s.id.as_str())
    }

    /// True when `resource` (a scope without `/.default`) names this app.
    pub fn is_resource(&self, resource: &str) -> bool {
        self.app_id.eq_ignore_ascii_case(resource)
            || self.identifier_uris.iter().any(|u| u == resource)
    }
}

/// A client secret with its value and expiry.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Secret {
    /// `keyId`.
    #[serde(default = "new_guid")]
    pub key_id: String,
    /// `displayName`.
    #[serde(default)]
    pub display_name: Option<String>,
    /// The secret's value (`secretText` at creation).
    pub value: String,
    /// `endDateTime`.
    pub end_date_time: DateTime<Utc>,
    /// `startDateTime`.
    #[serde(default = "Utc::now")]
    pub start_date_time: DateTime<Utc>,
}

impl Secret {
    /// A secret with this value ending at `end`.
    pub fn new(value: &str, end: DateTime<Utc>) -> Self {
        Secret {
            key_id: new_guid(),
            display_name: None,
            value: value.into(),
            end_date_time: end,
            start_date_time: Utc::now(),
        }
    }

    /// The first three characters Graph shows as `hint`.
    pub fn hint(&self) -> String {
        self.value.chars().take(3).collect()
    }
}

/// `permissionScope` (a delegated permission an API exposes).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PermissionScope {
    /// Scope ID.
    pub id: String,
    /// `value`, e.g. `user_impersonation`.
    pub value: String,
    /// `User` or `Admin`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `isEnabled`.
    pub is_enabled: bool,
    /// `adminConsentDisplayName`.
    #[serde(default)]
    pub admin_consent_display_name: Option<String>,
    /// `adminConsentDescription`.
    #[serde(default)]
    pub admin_consent_description: Option<String>,
    /// `userConsentDisplayName`.
    #[serde(default)]
    pub user_consent_display_name: Option<String>,
    /// `userConsentDescription`.
    #[serde(default)]
    pub user_consent_description: Option<String>,
}

impl PermissionScope {
    /// The `user_impersonation` scope as the portal creates it.
    pub fn user_impersonation(app_name: &str) -> Self {
        PermissionScope {
            id: new_guid(),
            value: "user_impersonation".into(),
            kind: "User".into(),
            is_enabled: true,
            admin_consent_display_name: Some(format!("Access {app_name}")),
            admin_consent_description: Some(format!(
                "Allow the application to access {app_name} on behalf of the signed-in user."
            )),
            user_consent_display_name: Some(format!("Access {app_name}")),
            user_consent_description: Some(format!(
                "Allow the application to access {app_name} on your behalf."
            )),
        }
    }
}

/// `requiredResourceAccess` entry.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequiredResourceAccess {
    /// The resource's app ID.
    pub resource_app_id: String,
    /// Scopes and roles required.
    pub resource_access: Vec<ResourceAccess>,
}

/// `resourceAccess` entry.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceAccess {
    /// Scope or role ID.
    pub id: String,
    /// `Scope` or `Role`.
    #[serde(rename = "type")]
    pub kind: String,
}
