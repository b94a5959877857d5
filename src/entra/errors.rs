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
    /// Parses a body that has at least `error` or `error_codes`.
    pub fn parse(body: &[u8]) -> Option<Self> {
        let parsed: Self = serde_json::from_slice(body).ok()?;
        (!parsed.error.is_empty() || !parsed.error_codes.is_empty()).then_some(parsed)
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
}

/// The CMAAD code, target field and admin message for an AADSTS code; `None` for unknown codes.
pub fn describe<'a>(code: u64, ctx: &Context<'a>) -> Option<(&'static str, &'a str, String)> {
    let Context {
        environment,
        tenant,
        tenant_field,
        client_id,
        ..
    } = *ctx;
    let scope = ctx.scope.unwrap_or_default();
    let described = match code {
        7000215 => ("InvalidClientSecret", "SecretKey", format!("Entra refused the client secret of app {client_id} (AADSTS7000215): the secret is wrong. Copy the secret's Value (not its Secret ID) from the app's Certificates & secrets page and import again.")),
        7000222 => ("ClientSecretExpired", "SecretKey", format!("The client secret of app {client_id} has expired (AADSTS7000222): create a new secret on the app's Certificates & secrets page in Entra, then import the app again with the new secret and its expiry date.")),
        700016 => ("AppNotFound", "ClientId", format!("No application with client ID {client_id} exists in tenant {tenant} (AADSTS700016): check the Application (client) ID on the app's Overview page, and that the app is registered in this tenant and in {environment}.")),
        90002 => ("TenantNotFound", tenant_field, format!("Tenant '{tenant}' was not found in {environment} (AADSTS90002): check the {tenant_field} (Directory (tenant) ID or verified domain), and that the Azure environment is the cloud the tenant lives in.")),
        900023 => ("InvalidTenant", tenant_field, format!("'{tenant}' is neither a tenant GUID nor a domain name (AADSTS900023): copy the Directory (tenant) ID from the app's Overview page.")),
        90038 => ("WrongCloud", tenant_field, format!("Tenant '{tenant}' lives in another Azure cloud (AADSTS90038): set the Azure environment to the tenant's cloud.")),
        500011 => ("AppIdUriNotFound", "AppIdUri", format!("No application in tenant {tenant} has the App ID URI of scope '{scope}' (AADSTS500011): copy the Application ID URI from the server app's Expose an API page exactly, including or excluding any trailing slash.")),
        1002012 | 70011 => ("InvalidScope", "AppIdUri", format!("Entra refused the scope '{scope}' (AADSTS{code}): the App ID URI is not a valid resource identifier; copy it from the server app's Expose an API page.")),
        7000218 => ("PublicClientFlowsDisabled", "ClientId", format!("App {client_id} does not allow public client flows (AADSTS7000218): on the app's Authentication page in Entra, set 'Allow public client flows' to Yes.")),
        65001 => ("ConsentRequired", "ClientId", format!("Nobody has granted consent for app {client_id} (AADSTS65001): an administrator must grant admin consent on the app's API permissions page.")),
        50126 => ("InvalidUserCredentials", "ClientId", "The user name or password was wrong (AADSTS50126): sign in again with the right account.".to_string()),
        50076 | 50079 => ("MfaRequired", "ClientId", format!("Multi-factor authentication is required (AADSTS{code}): complete the MFA prompt when signing in.")),
        53003 | 530003 => ("BlockedByConditionalAccess", "ClientId", format!("A Conditional Access policy blocked the request for app {client_id} (AADSTS{code}): exclude the server app from the policy, or sign in from a compliant device.")),
        5000225 => ("TenantBlocked", tenant_field, format!("Tenant '{tenant}' is blocked for inactivity (AADSTS5000225): reactivate it with Microsoft support.")),
        50196 => ("RequestLoop", "ClientId", "Entra detected a loop of identical requests (AADSTS50196): wait a few minutes before verifying again.".to_string()),
        _ => return None,
    };
    Some(described)
}

/// The CMAAD error for an Entra refusal (`VerificationFailed`), codes and correlation ID kept.
pub fn entra_error(body: &EntraErrorBody, ctx: &Context<'_>) -> Error {
    let codes = body.codes();
    let known = codes.iter().find_map(|c| describe(*c, ctx));
    let mut error = match known {
        Some((code, target, message)) => {
            Error::new(Status::VerificationFailed, code, message).with_target(target)
        }
        None => {
            let number = codes
                .first()
                .map(|c| format!("AADSTS{c}"))
                .unwrap_or_else(|| body.error.clone());
            Error::new(Status::VerificationFailed, "EntraError", format!("Microsoft Entra ID refused the request ({number}: {}). Look the code up in Entra's error reference, fix the app or tenant setting it names, and verify again.", body.summary()))
        }
    };
    error.entra_error_codes = codes;
    error.correlation_id = body.correlation_id.clone();
    error
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
        }
    }

    #[test]
    fn unknown_codes_keep_code_and_first_line() {
        let body = EntraErrorBody::parse(br#"{"error":"invalid_request","error_description":"AADSTS12345: Something odd.\r\nTrace ID: t\r\nCorrelation ID: c","error_codes":[12345],"correlation_id":"c"}"#).unwrap();
        let e = entra_error(&body, &ctx());
        assert_eq!(e.code, "EntraError");
        assert_eq!(e.entra_error_codes, vec![12345]);
        assert!(
            e.message.contains("AADSTS12345: Something odd."),
            "{}",
            e.message
        );
        assert!(!e.message.contains("Trace ID"));
        assert_eq!(e.correlation_id.as_deref(), Some("c"));
    }

    #[test]
    fn code_from_description_when_error_codes_missing() {
        let body = EntraErrorBody::parse(br#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided."}"#).unwrap();
        assert_eq!(body.code(), Some(7000215));
        assert_eq!(entra_error(&body, &ctx()).code, "InvalidClientSecret");
        assert!(EntraErrorBody::parse(b"{}").is_none());
        assert!(EntraErrorBody::parse(b"<html>").is_none());
    }
}
