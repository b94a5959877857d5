//! Graph v1.0 `addPassword` and `removePassword` on `/applications/{id}` and
//! `/applications(appId='…')`, with Graph's permission check, and a propagation delay: a new
//! password works at the token endpoint only from its `startDateTime`, which is
//! [`Config::password_propagation_ms`](crate::Config) after it was added (Entra: 4–18 s).

use crate::incoming::Incoming;
use crate::model::{App, Secret};
use crate::reply::{graph_error, Reply};
use crate::state::{IssuedToken, State};
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

/// Application permissions that allow changing an application's credentials.
const WRITE_APPLICATIONS: [&str; 3] = [
    "Application.ReadWrite.All",
    "Application.ReadWrite.OwnedBy",
    "Directory.ReadWrite.All",
];

/// Serves `POST applications…/addPassword|removePassword`; `None` for any other path.
pub fn serve(
    state: &mut State,
    req: &Incoming,
    token: &IssuedToken,
    rest: &str,
    request_id: &str,
) -> Option<Reply> {
    let (target, action) = rest.rsplit_once('/')?;
    if req.method != "POST"
        || !matches!(action, "addPassword" | "removePassword")
        || !target.starts_with("applications")
    {
        return None;
    }
    if !token
        .roles
        .iter()
        .chain(token.scopes.iter())
        .any(|p| WRITE_APPLICATIONS.contains(&p.as_str()))
    {
        return Some(graph_error(
            403,
            "Authorization_RequestDenied",
            "Insufficient privileges to complete the operation.",
            request_id,
        ));
    }
    let body: Value = match serde_json::from_slice(&req.body) {
        Ok(v) => v,
        Err(_) => {
            return Some(graph_error(
                400,
                "BadRequest",
                "Unable to read JSON request payload.",
                request_id,
            ))
        }
    };
    let propagation = Duration::milliseconds(state.config.password_propagation_ms as i64);
    let tenant = token.tenant_id.clone();
    let Some(app) = find(state, &tenant, target) else {
        return Some(graph_error(404, "Request_ResourceNotFound", &format!("Resource '{target}' does not exist or one of its queried reference-property objects are not present."), request_id));
    };
    Some(match action {
        "addPassword" => add(app, &body, propagation, request_id),
        _ => remove(app, &body, request_id),
    })
}

/// The application `applications/{objectId}` or `applications(appId='…')` names in the tenant.
fn find<'a>(state: &'a mut State, tenant: &str, target: &str) -> Option<&'a mut App> {
    let by_app_id = target
        .strip_prefix("applications(appId='")
        .and_then(|r| r.strip_suffix("')"));
    let by_object_id = target.strip_prefix("applications/");
    let tenant = state
        .config
        .tenants
        .iter_mut()
        .find(|t| t.answers_to(tenant))?;
    tenant
        .applications
        .iter_mut()
        .find(|a| match (by_app_id, by_object_id) {
            (Some(id), _) => a.app_id.eq_ignore_ascii_case(id),
            (_, Some(id)) => a.id.eq_ignore_ascii_case(id),
            _ => false,
        })
}

fn add(app: &mut App, body: &Value, propagation: Duration, request_id: &str) -> Reply {
    let credential = &body["passwordCredential"];
    let now = Utc::now();
    let end = match credential["endDateTime"]
        .as_str()
        .map(DateTime::parse_from_rfc3339)
    {
        None => now + Duration::days(730),
        Some(Ok(t)) if t > now => t.with_timezone(&Utc),
        Some(_) => return graph_error(
            400,
            "InvalidValue",
            "Invalid value specified for property 'endDateTime' of resource 'PasswordCredential'.",
            request_id,
        ),
    };
    let value = format!(
        "{}~{}",
        &uuid::Uuid::new_v4().simple().to_string()[..3],
        uuid::Uuid::new_v4().simple()
    );
    let mut secret = Secret::new(&value, end);
    secret.display_name = credential["displayName"].as_str().map(str::to_string);
    secret.start_date_time = now + propagation;
    let answer = json!({
        "@odata.type": "#microsoft.graph.passwordCredential", "customKeyIdentifier": null,
        "displayName": secret.display_name, "endDateTime": secret.end_date_time, "hint": secret.hint(),
        "keyId": secret.key_id, "secretText": value, "startDateTime": secret.start_date_time,
    });
    app.secrets.push(secret);
    Reply::json(200, &answer)
}

fn remove(app: &mut App, body: &Value, request_id: &str) -> Reply {
    let Some(key_id) = body["keyId"].as_str() else {
        return graph_error(
            400,
            "BadRequest",
            "Property 'keyId' is required.",
            request_id,
        );
    };
    let before = app.secrets.len();
    app.secrets
        .retain(|s| !s.key_id.eq_ignore_ascii_case(key_id));
    if app.secrets.len() == before {
        return graph_error(
            404,
            "Request_ResourceNotFound",
            &format!("No password credential with keyId '{key_id}' exists on the application."),
            request_id,
        );
    }
    Reply::no_content()
}
