//! The provisioning requests, checked field by field (property names are the cmdlet parameters).

use crate::cloud::AzureEnvironment;
use crate::error::{Error, Result};
use crate::request::{app_id_uri, environment, guid, name, Fields};
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
    fn parse(value: &str) -> Result<Self> {
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

/// `cmaad_graph_signin_begin`.
pub struct SignInRequest {
    pub tenant_id: String,
    pub client_id: Option<String>,
    pub environment: Option<AzureEnvironment>,
}

impl SignInRequest {
    pub fn parse(json: &str) -> Result<Self> {
        let mut f = Fields::parse(json, "request")?;
        let tenant_id = guid(&f.required_str("TenantId")?, "TenantId")?;
        let client_id = f
            .optional_str("ClientId")?
            .map(|c| guid(&c, "ClientId"))
            .transpose()?;
        let environment = environment(&mut f, "AzureEnvironmentOption")?;
        f.finish()?;
        Ok(SignInRequest {
            tenant_id,
            client_id,
            environment,
        })
    }
}

/// `cmaad_graph_signin_complete`.
pub struct CompleteRequest {
    pub timeout_seconds: u64,
}

impl CompleteRequest {
    pub fn parse(json: Option<&str>) -> Result<Self> {
        let mut f = match json {
            Some(s) if !s.trim().is_empty() => Fields::parse(s, "request")?,
            _ => Fields::empty("request"),
        };
        let timeout_seconds = match f.optional_i64("TimeoutSeconds")? {
            None => 900,
            Some(s) if (1..=3600).contains(&s) => s as u64,
            Some(s) => return Err(Error::invalid("TimeoutSeconds", "OutOfRange", format!("TimeoutSeconds {s} is out of range: give 1 to 3600 seconds (a device code lives 15 minutes)."))),
        };
        f.finish()?;
        Ok(CompleteRequest { timeout_seconds })
    }
}

/// `cmaad_graph_signin_client_credentials`.
pub struct ClientCredentialsRequest {
    pub tenant_id: String,
    pub client_id: String,
    pub environment: Option<AzureEnvironment>,
}

impl ClientCredentialsRequest {
    pub fn parse(json: &str) -> Result<Self> {
        let mut f = Fields::parse(json, "request")?;
        let tenant_id = guid(&f.required_str("TenantId")?, "TenantId")?;
        let client_id = guid(&f.required_str("ClientId")?, "ClientId")?;
        let environment = environment(&mut f, "AzureEnvironmentOption")?;
        f.finish()?;
        Ok(ClientCredentialsRequest {
            tenant_id,
            client_id,
            environment,
        })
    }
}

/// `cmaad_new_server_app`.
pub struct NewServerRequest {
    pub app_name: String,
    pub tenant_name: Option<String>,
    pub tenant_id: Option<String>,
    pub app_id_uri: Option<String>,
    pub validity: SecretValidity,
    pub user_discovery: bool,
    pub home_page_url: Option<String>,
    pub grant_consent: bool,
    pub what_if: bool,
}

impl NewServerRequest {
    pub fn parse(json: &str) -> Result<Self> {
        let mut f = Fields::parse(json, "request")?;
        let app_name = name(&f.required_str("AppName")?, "AppName")?;
        let tenant_name = f
            .optional_str("TenantName")?
            .map(|n| name(&n, "TenantName"))
            .transpose()?;
        let tenant_id = f
            .optional_str("TenantId")?
            .map(|t| guid(&t, "TenantId"))
            .transpose()?;
        let app_id_uri = f.optional_str("AppIdUri")?;
        let validity = f
            .optional_str("SecretKeyExpiry")?
            .map(|v| SecretValidity::parse(&v))
            .transpose()?
            .unwrap_or_default();
        let user_discovery = f.optional_bool("EnableUserDiscovery")?.unwrap_or(false);
        let home_page_url = f.optional_str("HomePageUrl")?;
        let grant_consent = f.optional_bool("GrantAdminConsent")?.unwrap_or(true);
        let what_if = f.optional_bool("WhatIf")?.unwrap_or(false);
        f.finish()?;
        Ok(NewServerRequest {
            app_name,
            tenant_name,
            tenant_id,
            app_id_uri,
            validity,
            user_discovery,
            home_page_url,
            grant_consent,
            what_if,
        })
    }

    /// The App ID URI: the given one (checked) or `api://{tenantId}/{AppName without spaces}`.
    pub fn identifier_uri(&self, tenant_id: &str) -> Result<(String, Option<String>)> {
        match &self.app_id_uri {
            Some(uri) => {
                let checked = app_id_uri(uri, tenant_id, "")?;
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

/// `cmaad_new_client_app`.
pub struct NewClientRequest {
    pub app_name: String,
    pub server_app_id: i64,
    pub grant_consent: bool,
    pub what_if: bool,
}

impl NewClientRequest {
    pub fn parse(json: &str) -> Result<Self> {
        let mut f = Fields::parse(json, "request")?;
        let app_name = name(&f.required_str("AppName")?, "AppName")?;
        let server_app_id = f.required_i64("ServerAppId")?;
        let grant_consent = f.optional_bool("GrantAdminConsent")?.unwrap_or(true);
        let what_if = f.optional_bool("WhatIf")?.unwrap_or(false);
        f.finish()?;
        Ok(NewClientRequest {
            app_name,
            server_app_id,
            grant_consent,
            what_if,
        })
    }
}

/// `cmaad_update_server_app`: the tenant's server apps, or one by ID.
pub struct UpdateServerRequest {
    pub tenant_id: Option<String>,
    pub id: Option<i64>,
    pub what_if: bool,
}

impl UpdateServerRequest {
    pub fn parse(json: &str) -> Result<Self> {
        let mut f = Fields::parse(json, "request")?;
        let tenant_id = f
            .optional_str("TenantId")?
            .map(|t| guid(&t, "TenantId"))
            .transpose()?;
        let id = f.optional_i64("ID")?;
        let what_if = f.optional_bool("WhatIf")?.unwrap_or(false);
        f.finish()?;
        if tenant_id.is_none() && id.is_none() {
            return Err(Error::invalid("TenantId", "MissingField", "TenantId is missing from the request: give the tenant whose server apps need the http://localhost redirect URI (or the app's ID)."));
        }
        Ok(UpdateServerRequest {
            tenant_id,
            id,
            what_if,
        })
    }
}

/// `cmaad_audit_app`.
pub struct AuditRequest {
    pub client_id: String,
    pub app_type: Option<crate::model::AppType>,
    pub server_client_id: Option<String>,
}

impl AuditRequest {
    pub fn parse(json: &str) -> Result<Self> {
        let mut f = Fields::parse(json, "request")?;
        let client_id = guid(&f.required_str("ClientId")?, "ClientId")?;
        let app_type = f
            .optional_str("AppType")?
            .map(|t| crate::model::AppType::parse(&t, "AppType"))
            .transpose()?;
        let server_client_id = f
            .optional_str("ServerClientId")?
            .map(|c| guid(&c, "ServerClientId"))
            .transpose()?;
        f.finish()?;
        Ok(AuditRequest {
            client_id,
            app_type,
            server_client_id,
        })
    }
}
