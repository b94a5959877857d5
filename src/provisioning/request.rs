//! The provisioning requests, checked (property names in documents are the cmdlet parameters).

use crate::cloud::AzureEnvironment;
use crate::error::{Error, Result};
use crate::model::AppType;
use chrono::{DateTime, Duration, Utc};

/// `SecretKeyExpiry` of `New-CMAADServerApplication`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SecretValidity {
    /// 12 months (the default, as in ConfigMgr's wizard).
    #[default]
    OneYear,
    /// 24 months.
    TwoYears,
}

impl SecretValidity {
    /// Parses `OneYear`/`TwoYears` (or `1`/`2`), case-insensitive.
    pub fn parse(value: &str) -> Result<Self> {
        match value.trim().to_ascii_lowercase().as_str() {
            "oneyear" | "1" => Ok(Self::OneYear),
            "twoyears" | "2" => Ok(Self::TwoYears),
            _ => Err(Error::invalid("SecretKeyExpiry", "InvalidSecretKeyExpiry", format!("SecretKeyExpiry '{value}' is not a validity: use OneYear or TwoYears (the portal's 12 or 24 months)."))),
        }
    }

    /// The secret's end when created at `now`.
    pub fn end(self, now: DateTime<Utc>) -> DateTime<Utc> {
        now + Duration::days(if self == Self::OneYear { 365 } else { 730 })
    }

    /// The enum name.
    pub fn name(self) -> &'static str {
        if self == Self::OneYear {
            "OneYear"
        } else {
            "TwoYears"
        }
    }
}

/// `cmaad_graph_signin_begin`: a device code sign-in.
#[derive(Debug, Clone)]
pub struct SignInRequest {
    /// Tenant GUID (for `AdminService`, the session's `Site.TenantId` when not given).
    pub tenant_id: Option<String>,
    /// The public client to sign in through (default: Microsoft Graph PowerShell's; for
    /// `AdminService`, the session's `Site.ClientId`).
    pub client_id: Option<String>,
    /// The cloud (the session's when not given).
    pub environment: Option<AzureEnvironment>,
    /// What the token is for.
    pub resource: SignInResource,
}

/// What a device code sign-in's token is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SignInResource {
    /// Microsoft Graph, to create and update app registrations.
    #[default]
    Graph,
    /// The session's ConfigMgr site, `Authentication` `Bearer`: scope
    /// `<Site.AppIdUri>/.default` through the site's client app.
    AdminService,
}

impl SignInResource {
    /// The name used in documents.
    pub fn name(self) -> &'static str {
        match self {
            SignInResource::Graph => "Graph",
            SignInResource::AdminService => "AdminService",
        }
    }
}

/// `cmaad_graph_signin_client_credentials`: an automation app's sign-in.
#[derive(Debug, Clone)]
pub struct ClientCredentialsRequest {
    /// Tenant GUID.
    pub tenant_id: String,
    /// The automation app's client ID.
    pub client_id: String,
    /// The cloud (the session's when not given).
    pub environment: Option<AzureEnvironment>,
}

/// `cmaad_new_server_app` (`New-CMAADServerApplication`).
#[derive(Debug, Clone)]
pub struct NewServerRequest {
    /// Display name.
    pub app_name: String,
    /// The tenant's label in the site (default: the stored one, else the tenant GUID).
    pub tenant_name: Option<String>,
    /// Tenant GUID (must match the sign-in; replaces it with `what_if`).
    pub tenant_id: Option<String>,
    /// App ID URI (default `api://{TenantId}/{AppName}`).
    pub app_id_uri: Option<String>,
    /// Lifetime of the secret.
    pub validity: SecretValidity,
    /// Add Graph Directory.Read.All (application) for Entra user discovery.
    pub user_discovery: bool,
    /// `web.homePageUrl`.
    pub home_page_url: Option<String>,
    /// Grant admin consent where the sign-in may.
    pub grant_consent: bool,
    /// Only show what would be created.
    pub what_if: bool,
}

impl NewServerRequest {
    /// The App ID URI: the given one (checked with [`crate::requirements::app_id_uri`]) or
    /// `api://{tenantId}/{AppName without spaces}`, with any warning.
    pub fn identifier_uri(&self, tenant_id: &str) -> Result<(String, Option<String>)> {
        match &self.app_id_uri {
            Some(uri) => {
                let checked = crate::requirements::app_id_uri(uri, tenant_id, "")?;
                if checked.uri.ends_with('/') {
                    return Err(Error::invalid("AppIdUri", "InvalidAppIdUri", format!("AppIdUri '{}' ends with '/': Entra refuses such URIs; remove the trailing slash.", checked.uri)));
                }
                Ok((checked.uri, checked.warning))
            }
            None => {
                let path: String = self
                    .app_name
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                    .collect();
                let path = if path.is_empty() {
                    "ConfigMgrService".to_string()
                } else {
                    path
                };
                Ok((format!("api://{tenant_id}/{path}"), None))
            }
        }
    }
}

/// `cmaad_new_client_app` (`New-CMAADClientApplication`).
#[derive(Debug, Clone)]
pub struct NewClientRequest {
    /// Display name.
    pub app_name: String,
    /// The stored server app's `ID`.
    pub server_app_id: i64,
    /// Grant admin consent where the sign-in may.
    pub grant_consent: bool,
    /// Only show what would be created.
    pub what_if: bool,
}

/// `cmaad_update_server_app`: the tenant's server apps, or one by ID.
#[derive(Debug, Clone)]
pub struct UpdateServerRequest {
    /// The tenant whose stored server apps are updated.
    pub tenant_id: Option<String>,
    /// One stored server app.
    pub id: Option<i64>,
    /// Only read and report.
    pub what_if: bool,
}

/// `cmaad_audit_app` (`Test-CMAADApplication`).
#[derive(Debug, Clone)]
pub struct AuditRequest {
    /// The registration's client ID.
    pub client_id: String,
    /// Its kind (default: a server app if it exposes user_impersonation).
    pub app_type: Option<AppType>,
    /// For a client app: the server app to check against (default: the tenant's stored one).
    pub server_client_id: Option<String>,
}
