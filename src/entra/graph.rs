//! Microsoft Graph v1.0 reads with an app-only token: the application registrations CMAAD checks.

use super::errors::{GraphError, GraphErrorBody};
use super::transport::{unexpected, Transport};
use crate::error::Error;
use crate::model::AppRegistration;

const SELECT: &str = "id,appId,displayName,signInAudience,identifierUris,isFallbackPublicClient,isDeviceOnlyAuthSupported,publicClient,web,api,requiredResourceAccess";

/// `GET {graph}/v1.0/applications(appId='…')`: the application, or Graph's error (404 included).
pub async fn application(
    transport: &Transport,
    graph: &str,
    token: &str,
    app_id: &str,
    request_id: &str,
) -> Result<Result<AppRegistration, GraphError>, Error> {
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
