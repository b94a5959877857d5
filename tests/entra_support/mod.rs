//! Shared fixtures for the `entra_*` tests: a Contoso directory for the local Entra/Graph fake
//! and verifiers pointed at it with short, bounded timeouts.

#![allow(dead_code)]

use cmaad::cloud::{AzureEnvironment, Endpoints};
use cmaad::entra::{ClientAppProbe, RetryPolicy, ServerAppProbe, ServerCredentials, Verifier};
use cmaad::runtime::NetConfig;
use cmaad::secret::SecretKey;
use cmaad_fake_entra::{App, Config, FakeEntra, Tenant};
use std::time::Duration;
use zeroize::Zeroizing;

pub const TENANT: &str = "05a349fa-0d5c-4a1c-9f3e-1c2d3e4f5a6b";
pub const OTHER_TENANT: &str = "9b1d3c2e-7f6a-4b5c-8d9e-0f1a2b3c4d5e";
pub const DOMAIN: &str = "contoso.onmicrosoft.com";
pub const OTHER_DOMAIN: &str = "fabrikam.onmicrosoft.com";
pub const SERVER_ID: &str = "7078946d-1a2b-4c3d-8e9f-0a1b2c3d4e5f";
pub const CLIENT_ID: &str = "cf114f48-2b3c-4d5e-9f0a-1b2c3d4e5f60";
pub const SECRET: &str = "1uXGR^!0@Cjas6qI*J02ZeS&&zY19^hC*9";
pub const APP_ID_URI: &str = "api://05a349fa-0d5c-4a1c-9f3e-1c2d3e4f5a6b/ConfigMgrService";

/// The server app as a CMG needs it: App ID URI, secret, user_impersonation, Directory.Read.All.
pub fn server_app() -> App {
    App::new(SERVER_ID, "CmgServerApp")
        .identifier_uri(APP_ID_URI)
        .secret(SECRET)
        .user_impersonation_scope()
        .graph_roles(&["Directory.Read.All"])
}

/// The client app matching `server`: public client flows, broker redirect URI, user_impersonation.
pub fn client_app(server: &App) -> App {
    let scope = server
        .scope_id("user_impersonation")
        .expect("server scope")
        .to_string();
    App::new(CLIENT_ID, "CmgClientApp")
        .public_client(true)
        .public_redirect_uri(&format!(
            "ms-appx-web://Microsoft.AAD.BrokerPlugin/{CLIENT_ID}"
        ))
        .requires_scope(SERVER_ID, &scope)
}

/// Contoso with both apps, and Fabrikam (empty) as another tenant.
pub fn directory_with(server: App, client: App) -> Config {
    Config::new()
        .tenant(Tenant::new(TENANT).domain(DOMAIN).app(server).app(client))
        .tenant(Tenant::new(OTHER_TENANT).domain(OTHER_DOMAIN))
}

/// The standard directory.
pub fn directory() -> Config {
    let server = server_app();
    let client = client_app(&server);
    directory_with(server, client)
}

/// A fake serving the standard directory.
pub fn fake() -> FakeEntra {
    FakeEntra::start(directory())
}

/// Fast retries: 3 attempts, 50 ms backoff, 3 s in all.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        initial_backoff: Duration::from_millis(50),
        max_backoff: Duration::from_millis(200),
        max_total: Duration::from_secs(3),
    }
}

/// A verifier for `fake` with a 2 s request timeout and [`fast_retry`].
pub fn verifier(fake: &FakeEntra) -> Verifier {
    let endpoints = Endpoints {
        authority_host: Some(fake.base_url().to_string()),
        graph_host: Some(fake.base_url().to_string()),
    };
    let net = NetConfig {
        proxy: None,
        connect_timeout: Duration::from_secs(2),
        ..Default::default()
    };
    Verifier::new(endpoints, net, Duration::from_secs(2)).with_retry(fast_retry())
}

pub fn secret(value: &str) -> SecretKey {
    SecretKey::new(Zeroizing::new(value.to_string()), "SecretKey").expect("secret")
}

/// A server probe for Contoso's server app with `secret`.
pub fn server_probe<'a>(secret: &'a SecretKey) -> ServerAppProbe<'a> {
    ServerAppProbe {
        environment: AzureEnvironment::AzurePublicCloud,
        tenant_id: TENANT,
        tenant_name: DOMAIN,
        client_id: SERVER_ID,
        secret,
        app_id_uri: Some(APP_ID_URI),
    }
}

/// A client probe for Contoso's client app, reading through Graph with the server app.
pub fn client_probe<'a>(server_secret: Option<&'a SecretKey>) -> ClientAppProbe<'a> {
    ClientAppProbe {
        environment: AzureEnvironment::AzurePublicCloud,
        tenant_id: TENANT,
        client_id: CLIENT_ID,
        server: server_secret.map(|secret| ServerCredentials {
            client_id: SERVER_ID,
            secret,
        }),
    }
}

/// The outcome of check `name` in an error's details or a verification's JSON.
pub fn outcome(checks: &serde_json::Value, name: &str) -> String {
    checks["Checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["Name"] == name)
        .map(|c| c["Outcome"].as_str().unwrap_or_default().to_string())
        .unwrap_or_else(|| format!("no check {name}"))
}
