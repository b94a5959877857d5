//! Server (web) app verification: tenant name → GUID, then a client-credentials token.

use super::errors::{entra_error, Context, EntraErrorBody};
use super::oauth::{self, Caller, Credentials};
use super::transport::Transport;
use super::{Checks, ServerAppProbe, Verification, Verifier};
use crate::error::{Error, Result, Status};

/// The token-side checks in the order Entra makes them.
const TOKEN_CHECKS: [&str; 4] = ["TenantId", "ClientId", "SecretKey", "AppIdUri"];

/// Runs the server app checks.
pub async fn verify(
    verifier: &Verifier,
    transport: &Transport,
    probe: &ServerAppProbe<'_>,
) -> Result<Verification> {
    let authority = verifier.authority(probe.environment);
    let request_id = uuid::Uuid::new_v4().to_string();
    let mut checks = Checks::default();
    let by_name = Caller {
        transport,
        authority: &authority,
        tenant: probe.tenant_name.trim(),
        request_id: &request_id,
    };
    check_tenant_name(&by_name, probe, &mut checks).await?;
    let caller = Caller {
        tenant: probe.tenant_id,
        ..by_name
    };
    let scope = match probe.app_id_uri {
        Some(uri) => format!("{uri}/.default"),
        None => verifier.graph_scope(probe.environment, ".default"),
    };
    let answer = token(&caller, probe, &scope)
        .await
        .map_err(|e| checks.attach(e))?;
    match answer {
        Ok(()) => pass_all(&mut checks, probe, &scope),
        Err(body) if body.code() == Some(90009) && probe.app_id_uri.is_some() => {
            return self_token(&caller, probe, checks).await
        }
        Err(body) => return Err(refused(&body, &context(probe, &scope), checks)),
    }
    Ok(checks.verification())
}

async fn token(
    caller: &Caller<'_>,
    probe: &ServerAppProbe<'_>,
    scope: &str,
) -> Result<Result<(), EntraErrorBody>> {
    let creds = Credentials {
        client_id: probe.client_id,
        secret: probe.secret,
        scope,
    };
    Ok(oauth::client_credentials(caller, &creds).await?.map(|_| ()))
}

fn context<'a>(probe: &'a ServerAppProbe<'_>, scope: &'a str) -> Context<'a> {
    Context {
        environment: probe.environment.name(),
        tenant: probe.tenant_id,
        tenant_field: "TenantId",
        client_id: probe.client_id,
        scope: Some(scope),
        step: "the client-credentials token request with the server app's secret",
    }
}

fn pass_all(checks: &mut Checks, probe: &ServerAppProbe<'_>, scope: &str) {
    checks.pass(
        "TenantId",
        format!(
            "Tenant {} exists in {}.",
            probe.tenant_id, probe.environment
        ),
    );
    checks.pass(
        "ClientId",
        format!("App {} exists in the tenant.", probe.client_id),
    );
    checks.pass("SecretKey", "Entra issued a token with the secret.");
    match probe.app_id_uri {
        Some(_) => checks.pass(
            "AppIdUri",
            format!("Entra issued a token for scope {scope}."),
        ),
        None => checks.skip(
            "AppIdUri",
            format!("No App ID URI was given; the token was asked for {scope}."),
        ),
    }
}

/// Resolves a domain `TenantName` and requires it to be `TenantId`'s; a label is not checked.
async fn check_tenant_name(
    caller: &Caller<'_>,
    probe: &ServerAppProbe<'_>,
    checks: &mut Checks,
) -> Result<()> {
    let name = caller.tenant;
    if !is_domain(name) {
        checks.skip(
            "TenantName",
            format!("'{name}' is a label, not a verified domain, so it cannot be resolved."),
        );
        return Ok(());
    }
    let answer = oauth::resolve_tenant(caller)
        .await
        .map_err(|e| checks.attach(e))?;
    match answer {
        Ok(guid) if guid.eq_ignore_ascii_case(probe.tenant_id) => {
            checks.pass("TenantName", format!("{name} resolves to tenant {guid}."));
            Ok(())
        }
        Ok(guid) => {
            let message = format!("TenantName '{name}' belongs to tenant {guid}, not to TenantId {}: give a verified domain of tenant {}, or the TenantId of {name}.", probe.tenant_id, probe.tenant_id);
            checks.fail("TenantName", &message);
            Err(checks.attach(
                Error::new(Status::VerificationFailed, "TenantMismatch", message)
                    .with_target("TenantName"),
            ))
        }
        Err(body) => {
            let ctx = Context {
                environment: probe.environment.name(),
                tenant: name,
                tenant_field: "TenantName",
                client_id: probe.client_id,
                scope: None,
                step: "the OpenID configuration request that resolves TenantName",
            };
            let error = entra_error(&body, &ctx);
            checks.fail("TenantName", &error.message);
            Err(checks.attach(error))
        }
    }
}

/// A verified domain rather than a friendly label.
fn is_domain(name: &str) -> bool {
    let labels: Vec<&str> = name.split('.').collect();
    labels.len() >= 2
        && labels
            .iter()
            .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
}

/// AADSTS90009: the App ID URI exists and is this app's own; check the secret with `{appId}/.default`.
async fn self_token(
    caller: &Caller<'_>,
    probe: &ServerAppProbe<'_>,
    mut checks: Checks,
) -> Result<Verification> {
    let scope = format!("{}/.default", probe.client_id);
    let answer = token(caller, probe, &scope)
        .await
        .map_err(|e| checks.attach(e))?;
    match answer {
        Ok(()) => {
            checks.pass(
                "TenantId",
                format!(
                    "Tenant {} exists in {}.",
                    probe.tenant_id, probe.environment
                ),
            );
            checks.pass(
                "ClientId",
                format!("App {} exists in the tenant.", probe.client_id),
            );
            checks.pass(
                "SecretKey",
                format!("Entra issued a token with the secret for scope {scope}."),
            );
            checks.pass("AppIdUri", "Entra identified the App ID URI as this app's own (AADSTS90009: an app may not ask a token for itself by URI).");
            Ok(checks.verification())
        }
        Err(body) => Err(refused(&body, &context(probe, &scope), checks)),
    }
}

/// The error for a refused token request, with each token-side check marked.
fn refused(body: &EntraErrorBody, ctx: &Context<'_>, mut checks: Checks) -> Error {
    let error = entra_error(body, ctx);
    let target = error.target.as_deref().unwrap_or_default();
    let passed: &[&str] = match target {
        "ClientId" => &["TenantId"],
        "SecretKey" | "AppIdUri" => &["TenantId", "ClientId"],
        _ => &[],
    };
    for name in TOKEN_CHECKS {
        if name == target {
            checks.fail(name, &error.message);
        } else if passed.contains(&name) {
            checks.pass(name, "Entra got past this check.");
        } else {
            checks.skip(name, "Entra stopped before this check.");
        }
    }
    if !TOKEN_CHECKS.contains(&target) {
        checks.fail("Entra", &error.message);
    }
    checks.attach(error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_and_labels() {
        assert!(is_domain("contoso.onmicrosoft.com"));
        assert!(!is_domain("Contoso"));
        assert!(!is_domain("Contoso Ltd."));
    }
}
