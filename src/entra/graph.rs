//! Microsoft Graph v1.0 reads with an app-only token: the application registrations CMAAD checks.

use super::errors::{GraphError, GraphErrorBody};
use super::transport::{unexpected, Transport};
use crate::error::Error;
use serde::Deserialize;

/// The properties of an application CMAAD checks (Graph v1.0 names).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Application {
    /// Application (client) ID.
    pub app_id: String,
    /// "Allow public client flows".
    pub is_fallback_public_client: Option<bool>,
    /// Mobile and desktop redirect URIs.
    pub public_client: RedirectUris,
    /// Exposed API (delegated scopes).
    pub api: Api,
    /// Permissions the app asks for.
    pub required_resource_access: Vec<RequiredResourceAccess>,
}

/// `publicClient`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RedirectUris {
    /// `redirectUris`.
    pub redirect_uris: Vec<String>,
}

/// `api`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Api {
    /// `oauth2PermissionScopes`.
    pub oauth2_permission_scopes: Vec<PermissionScope>,
}

/// `permissionScope`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PermissionScope {
    /// Scope ID.
    pub id: String,
    /// `user_impersonation`, ...
    pub value: String,
}

/// `requiredResourceAccess`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RequiredResourceAccess {
    /// The resource's app ID.
    pub resource_app_id: String,
    /// Scopes and roles.
    pub resource_access: Vec<ResourceAccess>,
}

/// `resourceAccess`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ResourceAccess {
    /// Scope or role ID.
    pub id: String,
    /// `Scope` or `Role`.
    #[serde(rename = "type")]
    pub kind: String,
}

const SELECT: &str = "appId,isFallbackPublicClient,publicClient,api,requiredResourceAccess";

/// `GET {graph}/v1.0/applications(appId='…')`: the application, or Graph's error (404 included).
pub async fn application(
    transport: &Transport,
    graph: &str,
    token: &str,
    app_id: &str,
    request_id: &str,
) -> Result<Result<Application, GraphError>, Error> {
    let url = format!("{graph}/v1.0/applications(appId='{app_id}')");
    let what = format!("the Microsoft Graph request to {url}");
    let build = |client: &reqwest::Client| {
        client
            .get(&url)
            .query(&[("$select", SELECT)])
            .bearer_auth(token)
            .header("client-request-id", request_id)
            .header(reqwest::header::ACCEPT, "application/json")
    };
    let reply = transport.send(&what, build).await?;
    if !reply.is_json() {
        return Err(unexpected(&what, &reply));
    }
    if reply.status == 200 {
        return serde_json::from_slice(&reply.body)
            .map(Ok)
            .map_err(|_| unexpected(&what, &reply));
    }
    match GraphErrorBody::parse(&reply.body, &[token]) {
        Some(body) => Ok(Err(body.error)),
        None => Err(unexpected(&what, &reply)),
    }
}
