//! The Microsoft Graph v1.0 side: bearer-token checks and the application look-ups.

use crate::incoming::Incoming;
use crate::model::App;
use crate::reply::{graph_error, Reply};
use crate::state::{IssuedToken, State};
use serde_json::{json, Map, Value};
use std::time::Instant;

/// Permissions (application `roles` or delegated `scp`) that allow reading applications.
const READ_APPLICATIONS: [&str; 4] = [
    "Application.Read.All",
    "Application.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];

/// Serves `req` whose path starts with `/v1.0/`.
pub fn serve(state: &mut State, req: &Incoming) -> Reply {
    let request_id = req
        .header("client-request-id")
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let token = match authorize(state, req, &request_id) {
        Ok(t) => t,
        Err(reply) => return reply,
    };
    let rest = req.path.trim_start_matches("/v1.0/");
    if let Some(reply) = crate::graph_write::serve(state, req, &token, rest, &request_id) {
        return reply;
    }
    if let Some(reply) = crate::graph_passwords::serve(state, req, &token, rest, &request_id) {
        return reply;
    }
    match (req.method.as_str(), rest) {
        ("GET", "applications") => list_applications(state, req, &token, &request_id),
        ("GET", path) if path.starts_with("applications") => {
            get_application(state, req, &token, path, &request_id)
        }
        _ => graph_error(
            400,
            "BadRequest",
            &format!(
                "Resource not found for the segment '{}'.",
                rest.split('/').next().unwrap_or(rest)
            ),
            &request_id,
        ),
    }
}

/// Checks the bearer token: present, issued by this fake for Graph, not expired.
fn authorize(state: &State, req: &Incoming, request_id: &str) -> Result<IssuedToken, Reply> {
    let Some(value) = req.header("authorization") else {
        return Err(graph_error(
            401,
            "InvalidAuthenticationToken",
            "Access token is empty.",
            request_id,
        ));
    };
    let Some(token) = value.strip_prefix("Bearer ").map(str::trim) else {
        return Err(graph_error(
            401,
            "InvalidAuthenticationToken",
            "Access token validation failure. Invalid audience.",
            request_id,
        ));
    };
    let Some(issued) = state.tokens.get(token) else {
        return Err(graph_error(
            401,
            "InvalidAuthenticationToken",
            "IDX14100: JWT is not well formed, there are no dots (.).",
            request_id,
        ));
    };
    if issued.expires <= Instant::now() {
        return Err(graph_error(
            401,
            "InvalidAuthenticationToken",
            "Lifetime validation failed, the token is expired.",
            request_id,
        ));
    }
    let wrong_audience = match &state.config.graph_audience {
        Some(expected) => issued.audience.as_deref() != Some(expected.as_str()),
        None => false,
    };
    if !issued.graph || wrong_audience {
        return Err(graph_error(
            401,
            "InvalidAuthenticationToken",
            "Access token validation failure. Invalid audience.",
            request_id,
        ));
    }
    Ok(issued.clone())
}

fn may_read_applications(token: &IssuedToken) -> bool {
    token
        .roles
        .iter()
        .chain(token.scopes.iter())
        .any(|p| READ_APPLICATIONS.contains(&p.as_str()))
}

fn denied(request_id: &str) -> Reply {
    graph_error(
        403,
        "Authorization_RequestDenied",
        "Insufficient privileges to complete the operation.",
        request_id,
    )
}

/// `GET /applications(appId='…')`, `GET /applications/{id}`.
fn get_application(
    state: &State,
    req: &Incoming,
    token: &IssuedToken,
    path: &str,
    request_id: &str,
) -> Reply {
    if !may_read_applications(token) {
        return denied(request_id);
    }
    let key = if let Some(rest) = path
        .strip_prefix("applications(appId='")
        .and_then(|r| r.strip_suffix("')"))
    {
        Key::AppId(rest)
    } else if let Some(id) = path
        .strip_prefix("applications/")
        .filter(|id| !id.contains('/'))
    {
        Key::ObjectId(id)
    } else {
        return graph_error(
            400,
            "BadRequest",
            &format!("Resource not found for the segment '{path}'."),
            request_id,
        );
    };
    let found = state
        .tenant(&token.tenant_id)
        .and_then(|t| t.applications.iter().find(|a| key.matches(a)));
    match found {
        Some(app) => {
            let mut body = select(application_json(app), req);
            body.insert("@odata.context".into(), json!(format!("{}/v1.0/$metadata#applications/$entity", state.base_url)));
            Reply::json(200, &Value::Object(body))
        }
        None => graph_error(404, "Request_ResourceNotFound", &format!("Resource '{}' does not exist or one of its queried reference-property objects are not present.", key.text()), request_id),
    }
}

enum Key<'a> {
    AppId(&'a str),
    ObjectId(&'a str),
}

impl Key<'_> {
    fn matches(&self, app: &App) -> bool {
        match self {
            Key::AppId(id) => app.app_id.eq_ignore_ascii_case(id),
            Key::ObjectId(id) => app.id.eq_ignore_ascii_case(id),
        }
    }

    fn text(&self) -> &str {
        match self {
            Key::AppId(id) | Key::ObjectId(id) => id,
        }
    }
}

/// `GET /applications?$filter=appId eq '…'` (the only filter the fake understands).
fn list_applications(
    state: &State,
    req: &Incoming,
    token: &IssuedToken,
    request_id: &str,
) -> Reply {
    if !may_read_applications(token) {
        return denied(request_id);
    }
    let pairs = req.query_pairs();
    let filter = pairs
        .iter()
        .find(|(k, _)| k == "$filter")
        .map(|(_, v)| v.as_str());
    let wanted = match filter.map(parse_app_id_filter) {
        Some(Some(id)) => Some(id),
        Some(None) => return graph_error(400, "Request_UnsupportedQuery", "Unsupported or invalid query filter clause specified for property 'appId' of resource 'Application'.", request_id),
        None => None,
    };
    let apps = state
        .tenant(&token.tenant_id)
        .map(|t| t.applications.as_slice())
        .unwrap_or_default();
    let value: Vec<Value> = apps
        .iter()
        .filter(|a| {
            wanted
                .as_deref()
                .is_none_or(|w| a.app_id.eq_ignore_ascii_case(w))
        })
        .map(|a| Value::Object(select(application_json(a), req)))
        .collect();
    Reply::json(
        200,
        &json!({ "@odata.context": format!("{}/v1.0/$metadata#applications", state.base_url), "value": value }),
    )
}

/// `appId eq 'GUID'` → the GUID.
fn parse_app_id_filter(filter: &str) -> Option<String> {
    let mut words = filter.split_whitespace();
    let (prop, op, literal) = (words.next()?, words.next()?, words.next()?);
    if words.next().is_some() || !prop.eq_ignore_ascii_case("appId") || op != "eq" {
        return None;
    }
    literal
        .strip_prefix('\'')?
        .strip_suffix('\'')
        .map(str::to_string)
}

/// Applies `$select` (top-level properties) when present.
fn select(mut object: Map<String, Value>, req: &Incoming) -> Map<String, Value> {
    let pairs = req.query_pairs();
    if let Some((_, fields)) = pairs.iter().find(|(k, _)| k == "$select") {
        let wanted: Vec<&str> = fields.split(',').map(str::trim).collect();
        object.retain(|k, _| wanted.iter().any(|w| w.eq_ignore_ascii_case(k)));
    }
    object
}

/// The application in Graph v1.0 shape (secrets as credentials metadata, never their text).
pub fn application_json(app: &App) -> Map<String, Value> {
    let passwords: Vec<Value> = app
        .secrets
        .iter()
        .map(|s| json!({
            "customKeyIdentifier": null, "displayName": s.display_name, "endDateTime": s.end_date_time,
            "hint": s.hint(), "keyId": s.key_id, "secretText": null, "startDateTime": s.start_date_time,
        }))
        .collect();
    let value = json!({
        "id": app.id,
        "appId": app.app_id,
        "displayName": app.display_name,
        "identifierUris": app.identifier_uris,
        "signInAudience": app.sign_in_audience,
        "isFallbackPublicClient": app.is_fallback_public_client,
        "isDeviceOnlyAuthSupported": app.is_device_only_auth_supported,
        "publicClient": { "redirectUris": app.public_client_redirect_uris },
        "web": {
            "homePageUrl": null, "logoutUrl": null, "redirectUris": app.web_redirect_uris,
            "implicitGrantSettings": { "enableAccessTokenIssuance": false, "enableIdTokenIssuance": app.enable_id_token_issuance }
        },
        "spa": { "redirectUris": [] },
        "api": {
            "acceptMappedClaims": null, "knownClientApplications": [], "requestedAccessTokenVersion": null,
            "oauth2PermissionScopes": app.oauth2_permission_scopes, "preAuthorizedApplications": []
        },
        "appRoles": [],
        "requiredResourceAccess": app.required_resource_access,
        "passwordCredentials": passwords,
        "keyCredentials": [],
        "createdDateTime": chrono::Utc::now(),
        "deletedDateTime": null,
    });
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_parsing() {
        assert_eq!(
            parse_app_id_filter("appId eq 'abc'").as_deref(),
            Some("abc")
        );
        assert_eq!(parse_app_id_filter("displayName eq 'abc'"), None);
        assert_eq!(parse_app_id_filter("appId eq abc"), None);
    }

    #[test]
    fn secrets_never_leave_in_graph_shape() {
        let app = App::new("11111111-1111-1111-1111-111111111111", "A").secret("TopSecretValue");
        let text = Value::Object(application_json(&app)).to_string();
        assert!(!text.contains("TopSecretValue"));
        assert!(text.contains("\"hint\":\"Top\""));
    }
}
