//! Client (native) app verification: existence by a device-code request that is never polled,
//! then its settings through Graph with the server app's token when that app may read apps.

use super::errors::{entra_error, Context};
use super::graph::{Acting, GraphClient};
use super::oauth::{self, Caller, Credentials};
use super::transport::Transport;
use super::{Checks, ClientAppProbe, ServerCredentials, Verification, Verifier};
use crate::cloud::AzureEnvironment;
use crate::error::Result;
use crate::model::AppRegistration;
use crate::requirements::{self, Outcome};

/// Application permissions that let the server app read app registrations.
const READ_ROLES: [&str; 4] = [
    "Application.Read.All",
    "Application.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
/// The checks Graph answers.
const SETTING_CHECKS: [&str; 3] = [
    "PublicClientFlows",
    "BrokerRedirectUri",
    "UserImpersonation",
];

/// Runs the client app checks.
pub async fn verify(
    verifier: &Verifier,
    transport: &Transport,
    probe: &ClientAppProbe<'_>,
) -> Result<Verification> {
    let authority = verifier.authority(probe.environment);
    let request_id = uuid::Uuid::new_v4().to_string();
    let caller = Caller {
        transport,
        authority: &authority,
        tenant: probe.tenant_id,
        request_id: &request_id,
    };
    let mut checks = Checks::default();
    app_exists(&caller, probe.environment, probe.client_id, &mut checks).await?;
    let settings = match probe.server {
        None => Err("No server app credentials were given".to_string()),
        Some(server) => read_settings(verifier, &caller, probe, server)
            .await
            .map_err(|e| checks.attach(e))?,
    };
    match settings {
        Ok((app, scope_id)) => evaluate(&mut checks, &app, probe, scope_id.as_deref()),
        Err(reason) => {
            for name in SETTING_CHECKS {
                checks.skip(
                    name,
                    format!("{reason}, and a device-code request does not reveal this setting."),
                );
            }
        }
    }
    checks.finish(code_of)
}

/// What can be verified of an app whose credentials the caller does not hold (a ConfigMgr
/// site's, whose secret the site keeps): that it exists in the tenant, by the device-code probe
/// alone; each of `not_checked` (check name, reason) is recorded as `NotChecked`.
pub async fn verify_existence(
    verifier: &Verifier,
    transport: &Transport,
    environment: AzureEnvironment,
    tenant_id: &str,
    client_id: &str,
    not_checked: &[(&str, String)],
) -> Result<Verification> {
    let authority = verifier.authority(environment);
    let request_id = uuid::Uuid::new_v4().to_string();
    let caller = Caller {
        transport,
        authority: &authority,
        tenant: tenant_id,
        request_id: &request_id,
    };
    let mut checks = Checks::default();
    app_exists(&caller, environment, client_id, &mut checks).await?;
    for (name, reason) in not_checked {
        checks.skip(name, reason.clone());
    }
    checks.finish(code_of)
}

/// `AppExists`: a device code for the app (never polled, so nobody is asked to sign in);
/// Entra answers AADSTS700016 for an app the tenant does not have.
async fn app_exists(
    caller: &Caller<'_>,
    environment: AzureEnvironment,
    client_id: &str,
    checks: &mut Checks,
) -> Result<()> {
    match oauth::device_code_probe(caller, client_id)
        .await
        .map_err(|e| checks.attach(e))?
    {
        Ok(()) => {
            checks.pass("AppExists", format!("Entra issued a device code for app {client_id} in tenant {}; it is never used, so nobody is asked to sign in.", caller.tenant));
            Ok(())
        }
        Err(body) => {
            let ctx = Context {
                environment: environment.name(),
                tenant: caller.tenant,
                tenant_field: "TenantId",
                client_id,
                scope: None,
                step: "the device code request that checks the app exists",
            };
            let error = entra_error(&body, &ctx);
            checks.fail("AppExists", &error.message);
            Err(checks.attach(error))
        }
    }
}

fn code_of(check: &str) -> &'static str {
    match check {
        "PublicClientFlows" => "PublicClientFlowsDisabled",
        "BrokerRedirectUri" => "BrokerRedirectUriMissing",
        _ => "UserImpersonationMissing",
    }
}

/// The client app and the server app's `user_impersonation` scope ID, read through Graph; `Err`
/// inside says why they could not be read.
async fn read_settings(
    verifier: &Verifier,
    caller: &Caller<'_>,
    probe: &ClientAppProbe<'_>,
    server: ServerCredentials<'_>,
) -> Result<Result<(AppRegistration, Option<String>), String>> {
    let scope = verifier.graph_scope(probe.environment, ".default");
    let creds = Credentials {
        client_id: server.client_id,
        secret: server.secret,
        scope: &scope,
    };
    let token = match oauth::client_credentials(caller, &creds).await? {
        Ok(token) => token,
        Err(body) => {
            return Ok(Err(format!(
                "The server app {} got no Microsoft Graph token ({}: {})",
                server.client_id,
                body.codes()
                    .first()
                    .map(|c| format!("AADSTS{c}"))
                    .unwrap_or(body.error.clone()),
                body.summary()
            )))
        }
    };
    if !token.roles.iter().any(|r| READ_ROLES.contains(&r.as_str())) {
        return Ok(Err(format!("The server app {} holds none of the Graph application permissions {} (admin-consented), so Graph was not asked", server.client_id, READ_ROLES.join(", "))));
    }
    let graph = GraphClient::new(
        caller.transport.clone(),
        verifier.graph(probe.environment),
        token.access_token.clone(),
        Acting::App,
    )
    .with_request_id(caller.request_id);
    let app = match graph.application(probe.client_id).await? {
        Ok(app) => app,
        Err(e) => {
            return Ok(Err(format!(
                "Microsoft Graph did not return app {} ({}: {})",
                probe.client_id, e.code, e.message
            )))
        }
    };
    let server_app = graph.application(server.client_id).await?;
    let scope_id = server_app.ok().and_then(|s| {
        s.scope(requirements::USER_IMPERSONATION)
            .map(|p| p.id.clone())
    });
    Ok(Ok((app, scope_id)))
}

/// Checks the settings a CMG client app needs ([`requirements::client`]); a failed check's
/// detail says what was seen and how to fix it.
fn evaluate(
    checks: &mut Checks,
    app: &AppRegistration,
    probe: &ClientAppProbe<'_>,
    scope_id: Option<&str>,
) {
    let server_id = probe.server.map(|s| s.client_id);
    for f in requirements::client(app, server_id, scope_id) {
        let detail = match f.outcome {
            Outcome::Failed => format!("App {}: {} {}", probe.client_id, f.detail, f.fix),
            _ => f.detail,
        };
        checks.add(f.name, f.outcome, detail);
    }
}
