//! Entra's and Graph's error bodies, and the mapping of AADSTS codes to CMAAD errors whose
//! messages tell the admin what to do.

use crate::error::{Error, Status};
use serde::Deserialize;

/// An OAuth error body from the token, device-code or discovery endpoints.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct EntraErrorBody {
    /// OAuth `error` (`invalid_client`, ...).
    #[serde(default)]
    pub error: String,
    /// `AADSTS…: text\r\nTrace ID: …`.
    #[serde(default)]
    pub error_description: String,
    /// AADSTS numbers.
    #[serde(default)]
    pub error_codes: Vec<u64>,
    /// Entra's correlation ID.
    #[serde(default)]
    pub correlation_id: Option<String>,
}

impl EntraErrorBody {
    /// Parses a body that has at least `error` or `error_codes`. Its texts are scrubbed of
    /// `secrets` (what the request carried: a client secret, a device code) and of anything
    /// credential-looking ([`crate::scrub::server_text`]) before anything can quote them.
    pub fn parse(body: &[u8], secrets: &[&str]) -> Option<Self> {
        let mut parsed: Self = serde_json::from_slice(body).ok()?;
        if parsed.error.is_empty() && parsed.error_codes.is_empty() {
            return None;
        }
        let scrub = |text: &str| crate::scrub::server_text(text, secrets);
        parsed.error = scrub(&parsed.error);
        parsed.error_description = scrub(&parsed.error_description);
        parsed.correlation_id = parsed.correlation_id.as_deref().map(scrub);
        Some(parsed)
    }

    /// The AADSTS codes: `error_codes`, else the number in the description.
    pub fn codes(&self) -> Vec<u64> {
        if !self.error_codes.is_empty() {
            return self.error_codes.clone();
        }
        aadsts_in(&self.error_description).into_iter().collect()
    }

    /// The first AADSTS code, if any.
    pub fn code(&self) -> Option<u64> {
        self.codes().first().copied()
    }

    /// The description's first line without the `AADSTSnnn: ` prefix.
    pub fn summary(&self) -> String {
        let line = self
            .error_description
            .lines()
            .next()
            .unwrap_or_default()
            .trim();
        let text = match line.split_once(": ") {
            Some((prefix, rest)) if prefix.starts_with("AADSTS") => rest,
            _ => line,
        };
        let text = if text.is_empty() {
            self.error.as_str()
        } else {
            text
        };
        text.chars().take(400).collect()
    }
}

/// The number in `AADSTS12345:` at the start of `text`.
fn aadsts_in(text: &str) -> Option<u64> {
    let digits: String = text
        .strip_prefix("AADSTS")?
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// A Microsoft Graph error body `{"error":{"code","message"}}`.
#[derive(Debug, Clone, Deserialize)]
pub struct GraphErrorBody {
    /// The error object.
    pub error: GraphError,
}

impl GraphErrorBody {
    /// Parses a Graph error body, its texts scrubbed of `secrets` (the bearer token sent) and of
    /// anything credential-looking ([`crate::scrub::server_text`]).
    pub fn parse(body: &[u8], secrets: &[&str]) -> Option<Self> {
        let mut parsed: Self = serde_json::from_slice(body).ok()?;
        parsed.error.code = crate::scrub::server_text(&parsed.error.code, secrets);
        parsed.error.message = crate::scrub::server_text(&parsed.error.message, secrets);
        Some(parsed)
    }
}

/// The inner Graph error.
#[derive(Debug, Clone, Deserialize)]
pub struct GraphError {
    /// `Request_ResourceNotFound`, `Authorization_RequestDenied`, ...
    #[serde(default)]
    pub code: String,
    /// Human text.
    #[serde(default)]
    pub message: String,
}

/// What a failed request was about, for messages and targets.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// Cloud name, for "wrong cloud" hints.
    pub environment: &'a str,
    /// The tenant as sent in the URL.
    pub tenant: &'a str,
    /// The request field holding the tenant (`TenantId` or `TenantName`).
    pub tenant_field: &'a str,
    /// The client ID sent.
    pub client_id: &'a str,
    /// The scope sent, if any.
    pub scope: Option<&'a str>,
    /// The step that failed, as a phrase ("the client-credentials token request with the server
    /// app's secret"): named in messages for codes CMAAD has no family for.
    pub step: &'a str,
}

/// A family of AADSTS codes: one CMAAD code, target and fix.
struct Family {
    /// Stable CMAAD error code.
    code: &'static str,
    /// The request field the fix concerns (`None`: no single field).
    target: Option<Target>,
    /// The outcome class: `VerificationFailed` (Entra refused the app or tenant) or `Network`
    /// (Entra is busy or failing: retry later).
    status: Status,
}

/// Where a family's target comes from.
#[derive(Clone, Copy)]
enum Target {
    Field(&'static str),
    /// The field that carried the tenant (`TenantId` or `TenantName`).
    Tenant,
}

/// The family of an AADSTS code, or `None` for a code CMAAD has no advice for.
///
/// Source: Microsoft Entra authentication and authorization error codes
/// (<https://learn.microsoft.com/entra/identity-platform/reference-error-codes>), every code a
/// client-credentials, device-code or Graph-token request can return, grouped by what the admin
/// must do; AADSTS900432/900382 (cross-cloud confidential client) from Azure Identity's
/// national-cloud guidance.
fn family(code: u64) -> Option<Family> {
    use Status::{Network, VerificationFailed as Refused};
    use Target::{Field, Tenant};
    let (code, target, status) = match code {
        7000215 | 70002 => ("InvalidClientSecret", Some(Field("SecretKey")), Refused),
        7000222 => ("ClientSecretExpired", Some(Field("SecretKey")), Refused),
        700016 | 50194 => ("AppNotFound", Some(Field("ClientId")), Refused),
        7000112 | 70001 | 500014 => ("AppDisabled", Some(Field("ClientId")), Refused),
        700025 => ("ServerAppIsPublicClient", Some(Field("ClientId")), Refused),
        7000218 => (
            "PublicClientFlowsDisabled",
            Some(Field("ClientId")),
            Refused,
        ),
        90002 => ("TenantNotFound", Some(Tenant), Refused),
        900023 | 90019 | 50059 | 50128 => ("InvalidTenant", Some(Tenant), Refused),
        90038 | 900432 | 900382 | 90051 => ("WrongCloud", Some(Tenant), Refused),
        5000225 | 5000224 => ("TenantBlocked", Some(Tenant), Refused),
        500021 => ("TenantRestricted", Some(Tenant), Refused),
        500011 | 50001 => ("AppIdUriNotFound", Some(Field("AppIdUri")), Refused),
        1002012 | 70011 | 700022 | 700023 => ("InvalidScope", Some(Field("AppIdUri")), Refused),
        65001 | 65004 | 65005 | 90094 | 90095 => {
            ("ConsentRequired", Some(Field("ClientId")), Refused)
        }
        50126 => ("InvalidUserCredentials", Some(Field("ClientId")), Refused),
        50034 | 50053 | 50055 | 50057 | 50020 | 51004 | 50144 | 50173 | 50133 => {
            ("AccountUnavailable", None, Refused)
        }
        50105 => ("UserNotAssigned", Some(Field("ClientId")), Refused),
        50072 | 50074 | 50076 | 50079 => ("MfaRequired", Some(Field("ClientId")), Refused),
        53000 | 53001 | 53002 | 53003 | 53004 | 530003 | 530032 | 530035 | 50097 | 50131
        | 50158 => (
            "BlockedByConditionalAccess",
            Some(Field("ClientId")),
            Refused,
        ),
        50196 => ("RequestLoop", Some(Field("ClientId")), Refused),
        90014 | 90100 | 900144 | 70003 => ("RequestRejected", None, Refused),
        90055 => ("Throttled", None, Network),
        50000 | 90033 | 70012 => ("EntraUnavailable", None, Network),
        _ => return None,
    };
    Some(Family {
        code,
        target,
        status,
    })
}

/// The admin message for family `code` (as [`family`] names it) for Entra's answer `n`
/// (`AADSTS7000215`, or the OAuth error when there is no code).
fn advice(code: &str, n: &str, ctx: &Context<'_>) -> String {
    let Context {
        environment,
        tenant,
        tenant_field,
        client_id,
        ..
    } = *ctx;
    // The scope is the caller's App ID URI: scrubbed like any echoed value.
    let scope = crate::scrub::server_text(ctx.scope.unwrap_or_default(), &[]);
    match code {
        "InvalidClientSecret" => format!("Entra refused the client secret of app {client_id} ({n}): the secret is wrong. Copy the secret's Value (not its Secret ID) from the app's Certificates & secrets page and import again."),
        "ClientSecretExpired" => format!("The client secret of app {client_id} has expired ({n}): create a new secret on the app's Certificates & secrets page in Entra, then import the app again with the new secret and its expiry date."),
        "AppNotFound" => format!("No application with client ID {client_id} exists in tenant {tenant} ({n}): check the Application (client) ID on the app's Overview page, and that the app is registered in this tenant and in {environment}."),
        "AppDisabled" => format!("App {client_id} or its service principal is disabled in tenant {tenant} ({n}): in Entra, Enterprise applications > the app > Properties, set 'Enabled for users to sign-in' to Yes (or restore the app if it was deleted)."),
        "ServerAppIsPublicClient" => format!("App {client_id} is set up as a public client, so Entra refuses its secret ({n}): a CMG server app is a confidential client; on its Authentication page set 'Allow public client flows' to No."),
        "PublicClientFlowsDisabled" => format!("App {client_id} does not allow public client flows ({n}): on the app's Authentication page in Entra, set 'Allow public client flows' to Yes."),
        "TenantNotFound" => format!("Tenant '{tenant}' was not found in {environment} ({n}): check the {tenant_field} (Directory (tenant) ID or verified domain), and that the Azure environment is the cloud the tenant lives in."),
        "InvalidTenant" => format!("'{tenant}' does not identify a tenant ({n}): copy the Directory (tenant) ID from the app's Overview page."),
        "WrongCloud" => format!("Tenant '{tenant}' lives in another Azure cloud than {environment} ({n}): set the Azure environment (AzureEnvironmentOption, or AzureEnvironment in the session) to the tenant's cloud, such as AzureUSGovernmentCloud for a US Government tenant."),
        "TenantBlocked" => format!("Tenant '{tenant}' is blocked or decommissioned ({n}): reactivate it with Microsoft support, or use another tenant."),
        "TenantRestricted" => format!("A tenant-restrictions policy on this network blocks sign-in to tenant '{tenant}' ({n}): ask the network team to add the tenant to the proxy's Restrict-Access-To-Tenants list (or the tenant restrictions v2 policy)."),
        "AppIdUriNotFound" => format!("No application in tenant {tenant} has the App ID URI of scope '{scope}' ({n}): copy the Application ID URI from the server app's Expose an API page exactly, including or excluding any trailing slash."),
        "InvalidScope" => format!("Entra refused the scope '{scope}' ({n}): the App ID URI is not a valid resource identifier; copy it from the server app's Expose an API page."),
        "ConsentRequired" => format!("Consent is missing for app {client_id} ({n}): an administrator must grant admin consent on the app's API permissions page, with every permission it lists."),
        "InvalidUserCredentials" => format!("The user name or password was wrong ({n}): sign in again with the right account."),
        "AccountUnavailable" => format!("The account used to sign in cannot sign in to tenant {tenant} ({n}: it is locked, disabled, has an expired password, or is not a member of the tenant): sign in with an active account of the tenant."),
        "UserNotAssigned" => format!("The signed-in user is not assigned to app {client_id} ({n}): assign the user in Enterprise applications > the app > Users and groups, or sign in with an assigned account."),
        "MfaRequired" => format!("Multi-factor authentication is required ({n}): complete the MFA prompt (or MFA registration) when signing in."),
        "BlockedByConditionalAccess" => format!("A Conditional Access policy blocked the request for app {client_id} ({n}): exclude the app from the policy, or sign in from a compliant device and location."),
        "RequestLoop" => format!("Entra detected a loop of identical requests ({n}): wait a few minutes before verifying again."),
        "RequestRejected" => format!("Entra rejected {} as malformed ({n}): a proxy may be rewriting requests; exempt the Entra hosts from content inspection, or report it with the correlation ID.", ctx.step),
        "Throttled" => format!("Entra is throttling tenant {tenant} ({n}): wait a few minutes, then retry."),
        _ => format!("Microsoft Entra ID could not serve {} ({n}): the service may be having an outage; retry later.", ctx.step),
    }
}

/// The CMAAD error for an Entra refusal (`VerificationFailed`, or `Network` for a busy or
/// failing service), codes and correlation ID kept. A code without a family names the step, the
/// tenant and the app, and quotes Entra's description (already scrubbed by
/// [`EntraErrorBody::parse`]).
pub fn entra_error(body: &EntraErrorBody, ctx: &Context<'_>) -> Error {
    let codes = body.codes();
    let known = codes
        .iter()
        .find_map(|c| family(*c).map(|family| (*c, family)));
    let mut error = match known {
        Some((number, family)) => {
            let error = Error::new(
                family.status,
                family.code,
                advice(family.code, &format!("AADSTS{number}"), ctx),
            );
            match family.target {
                Some(Target::Field(field)) => error.with_target(field),
                Some(Target::Tenant) => error.with_target(ctx.tenant_field),
                None => error,
            }
        }
        // Without a known code, the OAuth class that says "retry later" still means an outage.
        None if body.error == "temporarily_unavailable" => Error::new(
            Status::Network,
            "EntraUnavailable",
            advice("EntraUnavailable", "temporarily_unavailable", ctx),
        ),
        None => unknown(body, ctx),
    };
    error.entra_error_codes = codes;
    error.correlation_id = body.correlation_id.clone();
    error
}

/// The `EntraError` for a code without a family.
fn unknown(body: &EntraErrorBody, ctx: &Context<'_>) -> Error {
    let (number, lookup) = match body.codes().first() {
        Some(c) => (
            format!("AADSTS{c}"),
            format!("https://login.microsoftonline.com/error?code={c}"),
        ),
        None => (body.error.clone(), "Entra's error reference".to_string()),
    };
    let quote = match body.correlation_id.as_deref() {
        Some(id) => format!("the code and the correlation ID {id}"),
        None => "the code".to_string(),
    };
    Error::new(
        Status::VerificationFailed,
        "EntraError",
        format!(
            "Microsoft Entra ID refused {} for app {} in tenant {} ({}) with {number}: \"{}\". CMAAD has no specific advice for this code: look it up at {lookup}, fix the app or tenant setting it names, and retry; quote {quote} in a support case.",
            ctx.step,
            ctx.client_id,
            ctx.tenant,
            ctx.environment,
            body.summary()
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Context<'static> {
        Context {
            environment: "AzurePublicCloud",
            tenant: "t",
            tenant_field: "TenantId",
            client_id: "c",
            scope: Some("api://x/.default"),
            step: "the token request",
        }
    }

    #[test]
    fn unknown_codes_keep_code_and_first_line() {
        let body = EntraErrorBody::parse(&br#"{"error":"invalid_request","error_description":"AADSTS12345: Something odd.\r\nTrace ID: t\r\nCorrelation ID: c","error_codes":[12345],"correlation_id":"c"}"#[..], &[]).unwrap();
        let e = entra_error(&body, &ctx());
        assert_eq!(e.code, "EntraError");
        assert_eq!(e.entra_error_codes, vec![12345]);
        assert!(
            e.message.contains("AADSTS12345: \"Something odd.\"")
                && e.message
                    .contains("the token request for app c in tenant t"),
            "{}",
            e.message
        );
        assert!(!e.message.contains("Trace ID"));
        assert_eq!(e.correlation_id.as_deref(), Some("c"));
    }

    #[test]
    fn temporarily_unavailable_is_an_outage() {
        let body = EntraErrorBody::parse(
            br#"{"error":"temporarily_unavailable","error_description":"The service is temporarily unavailable."}"#,
            &[],
        )
        .unwrap();
        let e = entra_error(&body, &ctx());
        assert_eq!(
            (e.status, e.code.as_str()),
            (Status::Network, "EntraUnavailable")
        );
        assert!(
            e.message.contains("could not serve the token request"),
            "{}",
            e.message
        );
    }

    #[test]
    fn code_from_description_when_error_codes_missing() {
        let body = EntraErrorBody::parse(&br#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided."}"#[..], &[]).unwrap();
        assert_eq!(body.code(), Some(7000215));
        assert_eq!(entra_error(&body, &ctx()).code, "InvalidClientSecret");
        assert!(EntraErrorBody::parse(b"{}", &[]).is_none());
        assert!(EntraErrorBody::parse(b"<html>", &[]).is_none());
    }
}
