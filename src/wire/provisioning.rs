//! Documents of the provisioning operations: sign-in, creation, the redirect URI update and the
//! audit.

use super::apps::app_result;
use super::fields::{environment, Fields};
use crate::error::{Error, Result};
use crate::model::values::{guid, name};
use crate::model::{format_time, AppType};
use crate::provisioning::{
    AuditReport, AuditRequest, ClientCredentialsRequest, Creation, DeviceCodePrompt,
    NewClientRequest, NewServerRequest, SecretValidity, ServerAppUpdate, SignInRequest,
    SignInResource, SignInStatus, UpdateServerRequest, DEFAULT_SIGNIN_TIMEOUT,
};
use serde_json::{json, Value};
use std::time::Duration;

/// `cmaad_graph_signin_begin`'s request.
pub fn signin_request(json: &str) -> Result<SignInRequest> {
    let mut f = Fields::parse(json, "request")?;
    let resource = match f.optional_str("Resource")?.as_deref().map(str::trim) {
        None => SignInResource::Graph,
        Some(r) if r.eq_ignore_ascii_case("Graph") => SignInResource::Graph,
        Some(r) if r.eq_ignore_ascii_case("AdminService") => SignInResource::AdminService,
        Some(other) => return Err(Error::invalid("Resource", "InvalidResource", format!("Resource '{other}' is not known: use Graph (the default: creating apps) or AdminService (the session's ConfigMgr site with Authentication Bearer)."))),
    };
    let tenant_id = match resource {
        SignInResource::Graph => Some(f.required_str("TenantId")?),
        SignInResource::AdminService => f.optional_str("TenantId")?,
    }
    .map(|t| guid(&t, "TenantId"))
    .transpose()?;
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
        resource,
    })
}

/// `cmaad_graph_signin_complete`'s request: how long to wait (`TimeoutSeconds`, 1–3600).
pub fn signin_timeout(json: Option<&str>) -> Result<Duration> {
    let mut f = Fields::parse_optional(json, "request")?;
    let timeout = match f.optional_i64("TimeoutSeconds")? {
        None => DEFAULT_SIGNIN_TIMEOUT,
        Some(s) if (1..=3600).contains(&s) => Duration::from_secs(s as u64),
        Some(s) => return Err(Error::invalid("TimeoutSeconds", "OutOfRange", format!("TimeoutSeconds {s} is out of range: give 1 to 3600 seconds (a device code lives 15 minutes)."))),
    };
    f.finish()?;
    Ok(timeout)
}

/// `cmaad_graph_signin_client_credentials`'s request.
pub fn client_credentials_request(json: &str) -> Result<ClientCredentialsRequest> {
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

/// `cmaad_new_server_app`'s request.
pub fn new_server_request(json: &str) -> Result<NewServerRequest> {
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

/// `cmaad_new_client_app`'s request.
pub fn new_client_request(json: &str) -> Result<NewClientRequest> {
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

/// `cmaad_update_server_app`'s request: `TenantId` or `ID`.
pub fn update_server_request(json: &str) -> Result<UpdateServerRequest> {
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

/// `cmaad_audit_app`'s request.
pub fn audit_request(json: &str) -> Result<AuditRequest> {
    let mut f = Fields::parse(json, "request")?;
    let client_id = guid(&f.required_str("ClientId")?, "ClientId")?;
    let app_type = f
        .optional_str("AppType")?
        .map(|t| AppType::parse(&t, "AppType"))
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

/// The device code to show.
pub fn device_code_prompt(p: &DeviceCodePrompt) -> Value {
    json!({
        "UserCode": p.code.user_code,
        "VerificationUri": p.code.verification_uri,
        "Message": p.code.message,
        "ExpiresIn": p.code.expires_in,
        "Interval": p.code.interval,
        "TenantId": p.tenant_id,
        "ClientId": p.client_id,
        "AzureEnvironment": p.environment.name(),
    })
}

/// The sign-in document (never the token).
pub fn signin_status(s: &SignInStatus) -> Value {
    json!({
        "SignedIn": s.signed_in,
        "Kind": s.kind,
        "TenantId": s.tenant_id,
        "ClientId": s.client_id,
        "AzureEnvironment": s.environment.name(),
        "Resource": s.resource.name(),
        "Scopes": s.scopes,
        "Roles": s.roles,
        "ExpiresInSeconds": s.expires_in_seconds,
    })
}

/// A creation's document: the plan of a `WhatIf`, or the imported app with `Registration`.
pub fn creation(c: &Creation) -> Value {
    match c {
        Creation::Planned(plan) => {
            let mut doc = json!({
                "WhatIf": true,
                "AppType": plan.app_type.name(),
                "TenantId": plan.tenant_id,
                "Application": plan.application,
                "ServicePrincipal": true,
                "AdminConsent": plan.admin_consent,
            });
            if let Some(p) = &plan.password {
                doc["Password"] = p.clone();
            }
            if let Some(p) = &plan.patch {
                doc["Patch"] = p.clone();
            }
            doc
        }
        Creation::Created { app, registration } => {
            let r = registration;
            let consent: Vec<Value> = r
                .admin_consent
                .iter()
                .map(
                    |c| json!({ "Permission": c.permission, "Granted": c.granted, "Note": c.note }),
                )
                .collect();
            let mut reg = json!({
                "ObjectId": r.object_id,
                "AppId": r.app_id,
                "ServicePrincipalId": r.service_principal_id,
                "UserImpersonationScopeId": r.user_impersonation_scope_id,
                "AdminConsent": consent,
            });
            if let Some(uri) = &r.identifier_uri {
                reg["IdentifierUri"] = json!(uri);
            }
            if let Some(uri) = &r.redirect_uri {
                reg["RedirectUri"] = json!(uri);
            }
            if let Some(k) = &r.secret_key_id {
                reg["SecretKeyId"] = json!(k);
            }
            if let Some(e) = &r.secret_key_expiry {
                reg["SecretKeyExpiry"] = json!(format_time(e));
            }
            let mut doc = app_result(app);
            doc["Registration"] = reg;
            doc
        }
    }
}

/// `{"value": [{"ID", "Name", "ClientID", "Changed", "WouldChange", "RedirectUris",
/// "IsDeviceOnlyAuthSupported"}], "WhatIf"}`.
pub fn server_app_update(u: &ServerAppUpdate) -> Value {
    let apps: Vec<Value> = u
        .apps
        .iter()
        .map(|a| {
            json!({ "ID": a.app.id, "Name": a.app.name, "ClientID": a.app.client_id,
                "Changed": a.changed, "WouldChange": a.would_change, "RedirectUris": a.redirect_uris,
                "IsDeviceOnlyAuthSupported": a.device_only_auth })
        })
        .collect();
    json!({ "value": apps, "WhatIf": u.what_if })
}

/// `{"ClientId", "DisplayName", "AppType", "TenantId", "Passed", "Checks": [{"Name",
/// "Outcome", "Detail", "Fix"}]}`.
pub fn audit_report(r: &AuditReport) -> Value {
    let checks: Vec<Value> = r
        .checks
        .iter()
        .map(|c| json!({ "Name": c.name, "Outcome": c.outcome, "Detail": c.detail, "Fix": c.fix }))
        .collect();
    json!({
        "ClientId": r.client_id,
        "DisplayName": r.display_name,
        "AppType": r.app_type.name(),
        "TenantId": r.tenant_id,
        "Passed": r.passed(),
        "Checks": checks,
    })
}
