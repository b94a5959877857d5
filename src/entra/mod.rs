//! Verification against Microsoft Entra ID: proves an imported server app's tenant, client ID,
//! secret and App ID URI with a client-credentials token, checks that a domain `TenantName`
//! belongs to the tenant, and probes a client app without any secret of its own (a device-code
//! request, never polled) plus, when the server app may read applications, its settings through
//! Microsoft Graph.
//!
//! The API is synchronous: calls run on the calling thread ([`crate::runtime::block_on`]) with
//! its engine's kept-alive HTTP client, retry transient faults within a time budget, and reuse
//! tokens through a process-wide cache keyed by authority, tenant, client, scope and a salted
//! hash of the secret.
//! Secrets appear only in the form body sent to Entra: never in messages, logs or `Debug`.

// `crate::Error` is the crate-wide error (it carries the C ABI's whole error document), so
// every fallible function here returns it unboxed, like the rest of the crate.
#![allow(clippy::result_large_err)]

pub mod admin;
mod cache;
mod client;
mod errors;
pub mod graph;
pub mod jwt;
mod oauth;
mod rotation;
mod server;
mod transport;

pub use rotation::RotatingApp;
pub use transport::RetryPolicy;

use crate::cloud::{AzureEnvironment, Endpoints};
use crate::error::{Error, Result, Status};
use crate::runtime::{block_on, Net, NetConfig};
use crate::secret::SecretKey;
use serde::Serialize;
use std::time::Duration;
use transport::Transport;

/// Checks apps against Entra ID and Graph for one set of endpoints and network settings.
#[derive(Debug, Clone)]
pub struct Verifier {
    endpoints: Endpoints,
    net: Net,
    request_timeout: Duration,
    retry: RetryPolicy,
}

/// What `verify_server_app` checks.
#[derive(Debug, Clone, Copy)]
pub struct ServerAppProbe<'a> {
    /// The cloud.
    pub environment: AzureEnvironment,
    /// Tenant GUID.
    pub tenant_id: &'a str,
    /// Tenant label or verified domain; a domain is resolved and must name `tenant_id`.
    pub tenant_name: &'a str,
    /// The server app's client ID.
    pub client_id: &'a str,
    /// Its secret.
    pub secret: &'a SecretKey,
    /// Its App ID URI; without one the token is asked for Microsoft Graph.
    pub app_id_uri: Option<&'a str>,
}

/// What `verify_client_app` checks.
#[derive(Debug, Clone, Copy)]
pub struct ClientAppProbe<'a> {
    /// The cloud.
    pub environment: AzureEnvironment,
    /// Tenant GUID.
    pub tenant_id: &'a str,
    /// The client (native) app's client ID.
    pub client_id: &'a str,
    /// The tenant's server app, to read the client app through Graph (needs Application.Read.All,
    /// Application.ReadWrite.All or Directory.Read.All as an application permission).
    pub server: Option<ServerCredentials<'a>>,
}

/// A server app's credentials.
#[derive(Debug, Clone, Copy)]
pub struct ServerCredentials<'a> {
    /// Client ID.
    pub client_id: &'a str,
    /// Secret.
    pub secret: &'a SecretKey,
}

/// The result of a verification: `verified` when no check failed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Verification {
    /// True when no check failed (checks that could not be made do not fail).
    pub verified: bool,
    /// Every check, in the order made.
    pub checks: Vec<Check>,
}

/// One check and what came of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Check {
    /// `TenantName`, `TenantId`, `ClientId`, `SecretKey`, `AppIdUri`, `AppExists`,
    /// `PublicClientFlows`, `BrokerRedirectUri`, `UserImpersonation`.
    pub name: String,
    /// What came of it.
    pub outcome: Outcome,
    /// What was seen, or why it could not be checked.
    pub detail: String,
}

pub use crate::requirements::Outcome;

impl Verifier {
    /// A verifier for these endpoints and network settings; `request_timeout` bounds each
    /// attempt (connect, send, read). Retries follow [`RetryPolicy::default`].
    pub fn new(endpoints: Endpoints, net: NetConfig, request_timeout: Duration) -> Verifier {
        Verifier {
            endpoints,
            net: Net::register(&net),
            request_timeout,
            retry: RetryPolicy::default(),
        }
    }

    /// The same verifier with another retry policy.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Verifier {
        self.retry = retry;
        self
    }

    /// Client-credentials token with the server app's secret (scope `{AppIdUri}/.default`, or the
    /// cloud's Graph `/.default` without an App ID URI), plus the tenant check when `tenant_name`
    /// is a domain. A failed check is an `Err` whose `details` hold the checks.
    pub fn verify_server_app(&self, probe: &ServerAppProbe<'_>) -> Result<Verification> {
        block_on(self.server_app_checks(probe))?
    }

    /// [`Verifier::verify_server_app`] as a future, for running many at once in one call; it
    /// must be polled inside [`crate::runtime::block_on`].
    pub async fn server_app_checks(&self, probe: &ServerAppProbe<'_>) -> Result<Verification> {
        check_guid(probe.tenant_id, "TenantId")?;
        check_guid(probe.client_id, "ClientId")?;
        let transport = self.transport();
        server::verify(self, &transport, probe).await
    }

    /// Device-code existence probe (never polled) and, with `server` credentials allowed to read
    /// applications, a Graph read of the client app's public-client setting, broker redirect URI
    /// and `user_impersonation` permission. Checks that cannot be made are `NotChecked`.
    pub fn verify_client_app(&self, probe: &ClientAppProbe<'_>) -> Result<Verification> {
        block_on(self.client_app_checks(probe))?
    }

    /// [`Verifier::verify_client_app`] as a future, for running many at once in one call; it
    /// must be polled inside [`crate::runtime::block_on`].
    pub async fn client_app_checks(&self, probe: &ClientAppProbe<'_>) -> Result<Verification> {
        check_guid(probe.tenant_id, "TenantId")?;
        check_guid(probe.client_id, "ClientId")?;
        if let Some(server) = &probe.server {
            check_guid(server.client_id, "ServerClientId")?;
        }
        let transport = self.transport();
        client::verify(self, &transport, probe).await
    }

    /// That app `client_id` exists in `tenant_id` (the device-code probe, never polled), for an
    /// app whose credentials the caller does not hold; `not_checked` (check name, reason) are
    /// recorded as `NotChecked`. Polled inside [`crate::runtime::block_on`].
    pub async fn existence_checks(
        &self,
        environment: AzureEnvironment,
        tenant_id: &str,
        client_id: &str,
        not_checked: &[(&str, String)],
    ) -> Result<Verification> {
        check_guid(tenant_id, "TenantId")?;
        check_guid(client_id, "ClientId")?;
        let transport = self.transport();
        client::verify_existence(
            self,
            &transport,
            environment,
            tenant_id,
            client_id,
            not_checked,
        )
        .await
    }

    fn transport(&self) -> Transport {
        Transport {
            net: self.net,
            request_timeout: self.request_timeout,
            retry: self.retry.clone(),
        }
    }

    fn authority(&self, environment: AzureEnvironment) -> String {
        self.endpoints.authority(environment)
    }

    fn graph(&self, environment: AzureEnvironment) -> String {
        self.endpoints.graph(environment)
    }

    /// A Graph token scope for `environment` ([`Endpoints::graph_scope`]).
    fn graph_scope(&self, environment: AzureEnvironment, permission: &str) -> String {
        self.endpoints.graph_scope(environment, permission)
    }
}

/// Refuses a value that is not a GUID (it goes into URLs).
fn check_guid(value: &str, field: &str) -> Result<()> {
    match uuid::Uuid::try_parse(value) {
        Ok(_) if value.len() == 36 => Ok(()),
        _ => Err(Error::invalid(
            field,
            &format!("Invalid{field}"),
            format!(
                "{field} '{value}' is not a GUID: copy it from the app's Overview page in Entra."
            ),
        )),
    }
}

/// The checks made so far.
#[derive(Debug, Default)]
struct Checks(Vec<Check>);

impl Checks {
    fn add(&mut self, name: &str, outcome: Outcome, detail: impl Into<String>) {
        self.0.push(Check {
            name: name.into(),
            outcome,
            detail: detail.into(),
        });
    }

    fn pass(&mut self, name: &str, detail: impl Into<String>) {
        self.add(name, Outcome::Passed, detail);
    }

    fn fail(&mut self, name: &str, detail: impl Into<String>) {
        self.add(name, Outcome::Failed, detail);
    }

    fn skip(&mut self, name: &str, detail: impl Into<String>) {
        self.add(name, Outcome::NotChecked, detail);
    }

    fn failed(&self) -> impl Iterator<Item = &Check> {
        self.0.iter().filter(|c| c.outcome == Outcome::Failed)
    }

    /// The verification so far.
    fn verification(&self) -> Verification {
        Verification {
            verified: self.failed().next().is_none(),
            checks: self.0.clone(),
        }
    }

    /// `error` with these checks as its details.
    fn attach(&self, error: Error) -> Error {
        let details = serde_json::to_value(self.verification()).unwrap_or_default();
        error.with_details(details)
    }

    /// A `VerificationFailed` error naming the failed checks, or the verification when none failed.
    fn finish(self, code_of: impl Fn(&str) -> &'static str) -> Result<Verification> {
        let failed: Vec<&Check> = self.failed().collect();
        let Some(first) = failed.first() else {
            return Ok(self.verification());
        };
        let message = failed
            .iter()
            .map(|c| c.detail.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        let error = Error::new(Status::VerificationFailed, code_of(&first.name), message)
            .with_target("ClientId");
        Err(self.attach(error))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_serialize_as_contract_names() {
        let mut checks = Checks::default();
        checks.pass("ClientId", "ok");
        checks.skip("AppIdUri", "none given");
        let json = serde_json::to_value(checks.verification()).unwrap();
        assert_eq!(json["Verified"], true);
        assert_eq!(json["Checks"][1]["Outcome"], "NotChecked");
        assert_eq!(json["Checks"][0]["Name"], "ClientId");
    }

    #[test]
    fn guids_only_in_urls() {
        assert!(check_guid("05a349fa-0d5c-4a1c-9f3e-1c2d3e4f5a6b", "TenantId").is_ok());
        let e = check_guid("contoso/../x", "TenantId").unwrap_err();
        assert_eq!(
            (e.code.as_str(), e.target.as_deref()),
            ("InvalidTenantId", Some("TenantId"))
        );
    }
}
