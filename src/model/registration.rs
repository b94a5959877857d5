//! An app registration as Microsoft Entra ID holds it (the Microsoft Graph v1.0 `application`
//! resource, <https://learn.microsoft.com/graph/api/resources/application>): the properties
//! CMAAD reads to verify and audit the CMG's registrations. Absent properties read as their
//! defaults.

use super::time::parse_rfc3339;
use chrono::{DateTime, Utc};
use serde::Deserialize;

/// An `application` (Graph v1.0 property names).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AppRegistration {
    /// Object ID (addresses `PATCH`, `addPassword`).
    pub id: String,
    /// Application (client) ID.
    pub app_id: String,
    /// Display name.
    pub display_name: Option<String>,
    /// Supported account types (`AzureADMyOrg`, ...).
    pub sign_in_audience: Option<String>,
    /// App ID URIs.
    pub identifier_uris: Vec<String>,
    /// "Allow public client flows".
    pub is_fallback_public_client: Option<bool>,
    /// Devices without a user may get tokens for the app.
    pub is_device_only_auth_supported: Option<bool>,
    /// Mobile and desktop redirect URIs.
    pub public_client: RedirectUris,
    /// Web platform settings.
    pub web: Web,
    /// Exposed API (delegated scopes).
    pub api: Api,
    /// Permissions the app asks for.
    pub required_resource_access: Vec<RequiredResourceAccess>,
    /// Client secrets (metadata only; Graph never returns their text).
    pub password_credentials: Vec<PasswordCredential>,
}

/// `publicClient`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RedirectUris {
    /// `redirectUris`.
    pub redirect_uris: Vec<String>,
}

/// `web`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Web {
    /// `implicitGrantSettings`.
    pub implicit_grant_settings: ImplicitGrantSettings,
}

/// `web.implicitGrantSettings`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ImplicitGrantSettings {
    /// ID tokens through the implicit flow (the manifest's `oauth2AllowIdTokenImplicitFlow`).
    pub enable_id_token_issuance: bool,
}

/// `api`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Api {
    /// `oauth2PermissionScopes`.
    pub oauth2_permission_scopes: Vec<PermissionScope>,
}

/// `permissionScope`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PermissionScope {
    /// Scope ID.
    pub id: String,
    /// `user_impersonation`, ...
    pub value: String,
    /// `User` (admins and users may consent) or `Admin`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Enabled.
    pub is_enabled: bool,
}

/// `requiredResourceAccess`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RequiredResourceAccess {
    /// The resource's app ID.
    pub resource_app_id: String,
    /// Scopes and roles.
    pub resource_access: Vec<ResourceAccess>,
}

/// `resourceAccess`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ResourceAccess {
    /// Scope or role ID.
    pub id: String,
    /// `Scope` (delegated) or `Role` (application).
    #[serde(rename = "type")]
    pub kind: String,
}

/// A password credential as Graph lists it (never with its text).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PasswordCredential {
    /// `keyId`.
    pub key_id: String,
    /// `displayName`.
    pub display_name: Option<String>,
    /// The secret's first characters.
    pub hint: Option<String>,
    /// `endDateTime` (RFC 3339).
    pub end_date_time: Option<String>,
}

impl PasswordCredential {
    /// `endDateTime` as a time, when Graph gave a readable one.
    pub fn end(&self) -> Option<DateTime<Utc>> {
        parse_rfc3339(self.end_date_time.as_deref()?)
    }
}

impl AppRegistration {
    /// The exposed delegated scope named `value` (`user_impersonation`).
    pub fn scope(&self, value: &str) -> Option<&PermissionScope> {
        self.api
            .oauth2_permission_scopes
            .iter()
            .find(|s| s.value == value)
    }

    /// The permissions the app asks of resource `resource_app_id`.
    pub fn required_of<'a>(
        &'a self,
        resource_app_id: &'a str,
    ) -> impl Iterator<Item = &'a ResourceAccess> + 'a {
        self.required_resource_access
            .iter()
            .filter(move |r| r.resource_app_id.eq_ignore_ascii_case(resource_app_id))
            .flat_map(|r| r.resource_access.iter())
    }
}
