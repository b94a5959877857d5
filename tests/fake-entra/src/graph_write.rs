//! Microsoft Graph v1.0 writes for creating the CMG's app registrations: applications (POST,
//! PATCH, DELETE, and the `identifierUris` filter), service principals, delegated permission
//! grants and app role assignments. Request bodies are checked against the shape Graph v1.0
//! accepts (unknown properties, wrong types, missing required fields answer 400
//! `Request_BadRequest` as Graph does), callers need the permissions Graph asks for, and every
//! accepted write is recorded. Two of Graph's habits are simulated on demand: replication lag (a
//! new object answers 404 to the next N requests that name it) and faults on one kind of write.

use crate::faults::FaultKind;
use crate::incoming::Incoming;
use crate::model::{App, PermissionScope, RequiredResourceAccess, GRAPH_APP_ID};
use crate::reply::{graph_error, Reply};
use crate::server::lock;
use crate::state::{IssuedToken, State};
use crate::FakeEntra;
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// Graph's `Directory.Read.All` application permission (app role ID).
pub const DIRECTORY_READ_ALL_ROLE: &str = "7ab1d382-f21e-4acd-a863-ba3e13f7da61";
/// Graph's `User.Read` delegated permission (scope ID).
pub const USER_READ_SCOPE: &str = "e1fe6dd8-ba31-4d61-89e7-88639da4683d";

const WRITE_APPS: [&str; 2] = ["Application.ReadWrite.All", "Directory.ReadWrite.All"];
const GRANT_DELEGATED: [&str; 2] = [
    "DelegatedPermissionGrant.ReadWrite.All",
    "Directory.ReadWrite.All",
];
const ASSIGN_ROLES: [&str; 2] = ["AppRoleAssignment.ReadWrite.All", "Directory.ReadWrite.All"];

/// A kind of Graph write, for targeted faults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GraphOp {
    /// `POST /applications`.
    CreateApplication,
    /// `PATCH /applications/{id}`.
    UpdateApplication,
    /// `DELETE /applications/{id}`.
    DeleteApplication,
    /// `POST /applications/{id}/addPassword`.
    AddPassword,
    /// `POST /servicePrincipals`.
    CreateServicePrincipal,
    /// `DELETE /servicePrincipals/{id}`.
    DeleteServicePrincipal,
    /// `POST /oauth2PermissionGrants`.
    GrantDelegated,
    /// `POST /servicePrincipals/{id}/appRoleAssignedTo`.
    AssignAppRole,
}

/// A service principal.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServicePrincipal {
    /// Object ID.
    pub id: String,
    /// The application's client ID.
    pub app_id: String,
    /// Tenant GUID.
    #[serde(skip)]
    pub tenant_id: String,
    /// Display name.
    pub display_name: String,
}

/// An `oauth2PermissionGrant` (delegated consent).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PermissionGrant {
    /// Object ID.
    pub id: String,
    /// Tenant GUID.
    #[serde(skip)]
    pub tenant_id: String,
    /// The client's service principal ID.
    pub client_id: String,
    /// `AllPrincipals` or `Principal`.
    pub consent_type: String,
    /// The user for `Principal`.
    pub principal_id: Option<String>,
    /// The resource's service principal ID.
    pub resource_id: String,
    /// Space-separated scope values.
    pub scope: String,
}

/// An app role assignment (application permission consent).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppRoleAssignment {
    /// Object ID.
    pub id: String,
    /// Tenant GUID.
    #[serde(skip)]
    pub tenant_id: String,
    /// The service principal granted the role.
    pub principal_id: String,
    /// The resource's service principal ID.
    pub resource_id: String,
    /// The app role.
    pub app_role_id: String,
}

/// One accepted write as the fake received it.
#[derive(Debug, Clone)]
pub struct GraphWrite {
    /// `POST`, `PATCH` or `DELETE`.
    pub method: String,
    /// Path after `/v1.0/`.
    pub path: String,
    /// The JSON body (`Null` for none).
    pub body: Value,
}

/// What Graph writes created, plus the simulation knobs.
#[derive(Debug, Default)]
pub struct Directory {
    /// Service principals (Graph's own is made on first use per tenant).
    pub service_principals: Vec<ServicePrincipal>,
    /// Delegated permission grants.
    pub grants: Vec<PermissionGrant>,
    /// App role assignments.
    pub assignments: Vec<AppRoleAssignment>,
    /// Accepted writes, oldest first.
    pub writes: Vec<GraphWrite>,
    /// New objects answer 404 to this many requests naming them.
    pub replication_lag: u32,
    /// Remaining 404s per object ID or app ID.
    lagging: HashMap<String, u32>,
    /// Faults on one kind of write: (op, what, remaining).
    op_faults: Vec<(GraphOp, FaultKind, u32)>,
    /// Refuse consent writes with 403 even when the token carries the permission (a signed-in
    /// user who is not an administrator).
    pub consent_denied: bool,
}

impl FakeEntra {
    /// New objects (applications, service principals) answer 404 `Request_ResourceNotFound` to
    /// the next `reads` requests that name them, as Graph does while it replicates.
    pub fn set_replication_lag(&self, reads: u32) {
        lock(&self.state).directory.replication_lag = reads;
    }

    /// The next `times` writes of kind `op` answer with `kind` instead (Status, Throttle; any
    /// other kind answers 500).
    pub fn add_graph_write_fault(&self, op: GraphOp, kind: FaultKind, times: u32) {
        lock(&self.state)
            .directory
            .op_faults
            .push((op, kind, times));
    }

    /// Refuses consent writes with 403, as for a user who may not grant tenant-wide consent.
    pub fn deny_consent(&self, denied: bool) {
        lock(&self.state).directory.consent_denied = denied;
    }

    /// Service principals in all tenants (Graph's own included once used).
    pub fn service_principals(&self) -> Vec<ServicePrincipal> {
        lock(&self.state).directory.service_principals.clone()
    }

    /// Delegated permission grants.
    pub fn permission_grants(&self) -> Vec<PermissionGrant> {
        lock(&self.state).directory.grants.clone()
    }

    /// App role assignments.
    pub fn app_role_assignments(&self) -> Vec<AppRoleAssignment> {
        lock(&self.state).directory.assignments.clone()
    }

    /// Accepted Graph writes, oldest first.
    pub fn graph_writes(&self) -> Vec<GraphWrite> {
        lock(&self.state).directory.writes.clone()
    }

    /// Microsoft Graph's service principal ID in `tenant` (made on first use).
    pub fn graph_service_principal_id(&self, tenant: &str) -> String {
        let mut s = lock(&self.state);
        graph_sp(&mut s.directory, tenant).id
    }
}

/// Serves the writes and the look-ups they need; `None` leaves the request to the read side.
pub fn serve(
    state: &mut State,
    req: &Incoming,
    token: &IssuedToken,
    rest: &str,
    rid: &str,
) -> Option<Reply> {
    let tenant = token.tenant_id.clone();
    let (method, query) = (req.method.as_str(), req.query_pairs());
    let filter = query
        .iter()
        .find(|(k, _)| k == "$filter")
        .map(|(_, v)| v.clone());
    if let Some(reply) = lagging(state, rest, method, rid) {
        return Some(reply);
    }
    if let Some(op) = op_of(method, rest) {
        if let Some(reply) = op_fault(&mut state.directory, op, rid) {
            return Some(reply);
        }
    }
    let reply = match (method, rest) {
        ("GET", "applications")
            if filter
                .as_deref()
                .is_some_and(|f| f.starts_with("identifierUris")) =>
        {
            apps_by_uri(state, &tenant, filter.as_deref().unwrap_or_default(), rid)
        }
        ("POST", "applications") => create_app(state, req, token, rid),
        ("PATCH", p) if p.starts_with("applications") => update_app(state, req, token, p, rid),
        ("DELETE", p) if p.starts_with("applications/") => delete_app(state, token, p, rid),
        ("POST", "servicePrincipals") => create_sp(state, req, token, rid),
        ("GET", "servicePrincipals") => list_sps(state, &tenant, filter.as_deref(), rid),
        ("GET", p) if p.starts_with("servicePrincipals(appId='") => get_sp(state, &tenant, p, rid),
        ("DELETE", p)
            if p.starts_with("servicePrincipals/") && !p.contains("/appRoleAssignedTo") =>
        {
            delete_sp(state, token, p, rid)
        }
        ("POST", "oauth2PermissionGrants") => create_grant(state, req, token, rid),
        ("GET", "oauth2PermissionGrants") => list_grants(state, &tenant, filter.as_deref()),
        ("DELETE", p) if p.starts_with("oauth2PermissionGrants/") => {
            delete_grant(state, token, p, rid)
        }
        ("POST", p) if p.ends_with("/appRoleAssignedTo") => {
            create_assignment(state, req, token, p, rid)
        }
        ("GET", p) if p.ends_with("/appRoleAssignedTo") => list_assignments(state, &tenant, p),
        _ => return None,
    };
    Some(reply)
}

fn op_of(method: &str, rest: &str) -> Option<GraphOp> {
    Some(match (method, rest) {
        ("POST", "applications") => GraphOp::CreateApplication,
        ("PATCH", p) if p.starts_with("applications") => GraphOp::UpdateApplication,
        ("DELETE", p) if p.starts_with("applications") => GraphOp::DeleteApplication,
        ("POST", p) if p.ends_with("/addPassword") => GraphOp::AddPassword,
        ("POST", "servicePrincipals") => GraphOp::CreateServicePrincipal,
        ("DELETE", p)
            if p.starts_with("servicePrincipals/") && !p.contains("appRoleAssignedTo") =>
        {
            GraphOp::DeleteServicePrincipal
        }
        ("POST", "oauth2PermissionGrants") => GraphOp::GrantDelegated,
        ("POST", p) if p.ends_with("/appRoleAssignedTo") => GraphOp::AssignAppRole,
        _ => return None,
    })
}

fn op_fault(dir: &mut Directory, op: GraphOp, rid: &str) -> Option<Reply> {
    let index = dir
        .op_faults
        .iter()
        .position(|(o, _, n)| *o == op && *n > 0)?;
    let (_, kind, remaining) = &mut dir.op_faults[index];
    *remaining -= 1;
    let kind = kind.clone();
    if *remaining == 0 {
        dir.op_faults.remove(index);
    }
    Some(match kind {
        FaultKind::Throttle { retry_after_secs } => {
            graph_error(429, "TooManyRequests", "Too many requests.", rid)
                .header("retry-after", &retry_after_secs.to_string())
        }
        FaultKind::Status {
            status,
            retry_after_secs,
        } => {
            let reply = graph_error(
                status,
                "UnknownError",
                "The service failed (fault injected by the local Graph fake).",
                rid,
            );
            match retry_after_secs {
                Some(s) => reply.header("retry-after", &s.to_string()),
                None => reply,
            }
        }
        _ => graph_error(
            500,
            "UnknownError",
            "The service failed (fault injected by the local Graph fake).",
            rid,
        ),
    })
}

/// 404 for a request naming an object still replicating.
fn lagging(state: &mut State, rest: &str, method: &str, rid: &str) -> Option<Reply> {
    if method == "POST"
        && (rest == "applications"
            || rest == "servicePrincipals"
            || rest == "oauth2PermissionGrants")
    {
        return None;
    }
    let dir = &mut state.directory;
    let key = dir
        .lagging
        .keys()
        .find(|k| rest.to_ascii_lowercase().contains(k.as_str()))?
        .clone();
    let remaining = dir.lagging.get_mut(&key)?;
    *remaining -= 1;
    if *remaining == 0 {
        dir.lagging.remove(&key);
    }
    Some(not_found(&key, rid))
}

fn start_lag(dir: &mut Directory, keys: &[&str]) {
    if dir.replication_lag > 0 {
        for k in keys {
            dir.lagging
                .insert(k.to_ascii_lowercase(), dir.replication_lag);
        }
    }
}

fn not_found(what: &str, rid: &str) -> Reply {
    graph_error(404, "Request_ResourceNotFound", &format!("Resource '{what}' does not exist or one of its queried reference-property objects are not present."), rid)
}

fn bad_request(message: &str, rid: &str) -> Reply {
    graph_error(400, "Request_BadRequest", message, rid)
}

fn denied(rid: &str) -> Reply {
    graph_error(
        403,
        "Authorization_RequestDenied",
        "Insufficient privileges to complete the operation.",
        rid,
    )
}

fn may(token: &IssuedToken, any_of: &[&str]) -> bool {
    token
        .roles
        .iter()
        .chain(token.scopes.iter())
        .any(|p| any_of.contains(&p.as_str()))
}

fn json_body(req: &Incoming, rid: &str) -> Result<Map<String, Value>, Reply> {
    let is_json = req
        .header("content-type")
        .is_some_and(|c| c.to_ascii_lowercase().starts_with("application/json"));
    if !is_json {
        return Err(graph_error(415, "BadRequest", "A supported MIME type could not be found that matches the content type of the response.", rid));
    }
    match serde_json::from_slice::<Value>(&req.body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(bad_request("Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.", rid)),
    }
}

/// The shape of a property Graph v1.0 accepts.
#[derive(Clone, Copy)]
enum Ty {
    Str,
    Bool,
    Guid,
    StrArray,
    Enum(&'static [&'static str]),
    Obj(&'static str, &'static [(&'static str, Ty)]),
    ObjArray(&'static str, &'static [(&'static str, Ty)]),
}

const AUDIENCES: &[&str] = &[
    "AzureADMyOrg",
    "AzureADMultipleOrgs",
    "AzureADandPersonalMicrosoftAccount",
    "PersonalMicrosoftAccount",
];
const IMPLICIT: &[(&str, Ty)] = &[
    ("enableIdTokenIssuance", Ty::Bool),
    ("enableAccessTokenIssuance", Ty::Bool),
];
const WEB: &[(&str, Ty)] = &[
    ("homePageUrl", Ty::Str),
    ("logoutUrl", Ty::Str),
    ("redirectUris", Ty::StrArray),
    (
        "implicitGrantSettings",
        Ty::Obj("ImplicitGrantSettings", IMPLICIT),
    ),
];
const PUBLIC_CLIENT: &[(&str, Ty)] = &[("redirectUris", Ty::StrArray)];
const SCOPE: &[(&str, Ty)] = &[
    ("id", Ty::Guid),
    ("value", Ty::Str),
    ("type", Ty::Enum(&["User", "Admin"])),
    ("isEnabled", Ty::Bool),
    ("origin", Ty::Str),
    ("adminConsentDisplayName", Ty::Str),
    ("adminConsentDescription", Ty::Str),
    ("userConsentDisplayName", Ty::Str),
    ("userConsentDescription", Ty::Str),
];
const API: &[(&str, Ty)] = &[
    (
        "oauth2PermissionScopes",
        Ty::ObjArray("PermissionScope", SCOPE),
    ),
    ("requestedAccessTokenVersion", Ty::Str),
    ("acceptMappedClaims", Ty::Bool),
    ("knownClientApplications", Ty::StrArray),
];
const ACCESS: &[(&str, Ty)] = &[("id", Ty::Guid), ("type", Ty::Enum(&["Scope", "Role"]))];
const RRA: &[(&str, Ty)] = &[
    ("resourceAppId", Ty::Str),
    ("resourceAccess", Ty::ObjArray("ResourceAccess", ACCESS)),
];
const APPLICATION: &[(&str, Ty)] = &[
    ("displayName", Ty::Str),
    ("description", Ty::Str),
    ("notes", Ty::Str),
    ("signInAudience", Ty::Enum(AUDIENCES)),
    ("identifierUris", Ty::StrArray),
    ("isFallbackPublicClient", Ty::Bool),
    ("isDeviceOnlyAuthSupported", Ty::Bool),
    ("tags", Ty::StrArray),
    ("web", Ty::Obj("WebApplication", WEB)),
    (
        "publicClient",
        Ty::Obj("PublicClientApplication", PUBLIC_CLIENT),
    ),
    ("spa", Ty::Obj("SpaApplication", PUBLIC_CLIENT)),
    ("api", Ty::Obj("ApiApplication", API)),
    (
        "requiredResourceAccess",
        Ty::ObjArray("RequiredResourceAccess", RRA),
    ),
];

/// Checks `object` against `shape` the way Graph's OData layer does.
fn check_shape(
    object: &Map<String, Value>,
    resource: &str,
    shape: &[(&str, Ty)],
) -> Result<(), String> {
    for (key, value) in object {
        if key.starts_with("@odata.") {
            continue;
        }
        let Some((_, ty)) = shape.iter().find(|(name, _)| name == key) else {
            return Err(format!(
                "Property '{key}' does not exist as a declared property or extension property."
            ));
        };
        check_value(value, *ty).map_err(|_| {
            format!("Invalid value specified for property '{key}' of resource '{resource}'.")
        })?;
        match (ty, value) {
            (Ty::Obj(name, inner), Value::Object(m)) => check_shape(m, name, inner)?,
            (Ty::ObjArray(name, inner), Value::Array(items)) => {
                for item in items.iter().filter_map(Value::as_object) {
                    check_shape(item, name, inner)?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn check_value(value: &Value, ty: Ty) -> Result<(), ()> {
    let ok = match (ty, value) {
        (Ty::Str | Ty::Bool | Ty::Guid | Ty::Enum(_) | Ty::Obj(..), Value::Null) => true,
        (Ty::Str, Value::String(_))
        | (Ty::Bool, Value::Bool(_))
        | (Ty::Obj(..), Value::Object(_)) => true,
        (Ty::Guid, Value::String(s)) => uuid::Uuid::try_parse(s).is_ok(),
        (Ty::Enum(allowed), Value::String(s)) => allowed.contains(&s.as_str()),
        (Ty::StrArray, Value::Array(items)) => items.iter().all(Value::is_string),
        (Ty::ObjArray(..), Value::Array(items)) => items.iter().all(Value::is_object),
        _ => false,
    };
    ok.then_some(()).ok_or(())
}

/// Scopes need an ID, a value without spaces and a type; resource access needs both fields.
fn check_required(body: &Map<String, Value>) -> Result<(), String> {
    for scope in body
        .get("api")
        .and_then(|a| a.get("oauth2PermissionScopes"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let value = scope
            .get("value")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if scope.get("id").and_then(Value::as_str).is_none()
            || value.is_empty()
            || value.contains(' ')
            || scope.get("type").is_none()
        {
            return Err("Property 'oauth2PermissionScopes' has an invalid value: each scope needs an id, a value without spaces and a type.".into());
        }
    }
    for rra in body
        .get("requiredResourceAccess")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if rra.get("resourceAppId").and_then(Value::as_str).is_none() {
            return Err(
                "Property 'resourceAppId' of resource 'RequiredResourceAccess' is required.".into(),
            );
        }
        for access in rra
            .get("resourceAccess")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if access.get("id").is_none() || access.get("type").is_none() {
                return Err(
                    "Properties 'id' and 'type' of resource 'ResourceAccess' are required.".into(),
                );
            }
        }
    }
    Ok(())
}

fn tenant_apps<'a>(state: &'a mut State, tenant: &str) -> Option<&'a mut Vec<App>> {
    state
        .config
        .tenants
        .iter_mut()
        .find(|t| t.answers_to(tenant))
        .map(|t| &mut t.applications)
}

/// Another app of the tenant already holds one of `uris`.
fn uri_taken(state: &mut State, tenant: &str, uris: &[String], except: &str) -> bool {
    tenant_apps(state, tenant).is_some_and(|apps| {
        apps.iter().any(|a| {
            a.id != except
                && a.identifier_uris
                    .iter()
                    .any(|u| uris.iter().any(|n| n.eq_ignore_ascii_case(u)))
        })
    })
}

fn record(dir: &mut Directory, method: &str, path: &str, body: Value) {
    dir.writes.push(GraphWrite {
        method: method.into(),
        path: path.into(),
        body,
    });
}

/// `POST /applications`.
fn create_app(state: &mut State, req: &Incoming, token: &IssuedToken, rid: &str) -> Reply {
    if !may(token, &WRITE_APPS) {
        return denied(rid);
    }
    let body = match json_body(req, rid) {
        Ok(b) => b,
        Err(reply) => return reply,
    };
    if let Err(message) =
        check_shape(&body, "Application", APPLICATION).and_then(|_| check_required(&body))
    {
        return bad_request(&message, rid);
    }
    if body
        .get("displayName")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        return bad_request("Property 'displayName' is required.", rid);
    }
    let mut app = App::new(&uuid::Uuid::new_v4().to_string(), "");
    app.sign_in_audience = "AzureADandPersonalMicrosoftAccount".into();
    apply(&mut app, &body);
    if uri_taken(state, &token.tenant_id, &app.identifier_uris, "") {
        return bad_request(
            "Another object with the same value for property identifierUris already exists.",
            rid,
        );
    }
    let answer = Value::Object(crate::graph::application_json(&app));
    start_lag(&mut state.directory, &[&app.id, &app.app_id]);
    record(
        &mut state.directory,
        "POST",
        "applications",
        Value::Object(body),
    );
    match tenant_apps(state, &token.tenant_id) {
        Some(apps) => apps.push(app),
        None => return not_found(&token.tenant_id, rid),
    }
    Reply::json(201, &answer)
}

/// Copies the properties the fake models from a checked body onto `app`.
fn apply(app: &mut App, body: &Map<String, Value>) {
    let strings = |v: Option<&Value>| -> Vec<String> {
        v.and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    };
    if let Some(name) = body.get("displayName").and_then(Value::as_str) {
        app.display_name = name.into();
    }
    if let Some(aud) = body.get("signInAudience").and_then(Value::as_str) {
        app.sign_in_audience = aud.into();
    }
    if body.contains_key("identifierUris") {
        app.identifier_uris = strings(body.get("identifierUris"));
    }
    if let Some(b) = body.get("isFallbackPublicClient").and_then(Value::as_bool) {
        app.is_fallback_public_client = b;
    }
    if let Some(b) = body
        .get("isDeviceOnlyAuthSupported")
        .and_then(Value::as_bool)
    {
        app.is_device_only_auth_supported = b;
    }
    if let Some(pc) = body
        .get("publicClient")
        .filter(|v| v.get("redirectUris").is_some())
    {
        app.public_client_redirect_uris = strings(pc.get("redirectUris"));
    }
    if let Some(web) = body.get("web") {
        if web.get("redirectUris").is_some() {
            app.web_redirect_uris = strings(web.get("redirectUris"));
        }
        if let Some(b) = web
            .pointer("/implicitGrantSettings/enableIdTokenIssuance")
            .and_then(Value::as_bool)
        {
            app.enable_id_token_issuance = b;
        }
    }
    if let Some(scopes) = body
        .get("api")
        .and_then(|a| a.get("oauth2PermissionScopes"))
    {
        app.oauth2_permission_scopes =
            serde_json::from_value::<Vec<PermissionScope>>(scopes.clone()).unwrap_or_default();
    }
    if let Some(rra) = body.get("requiredResourceAccess") {
        app.required_resource_access =
            serde_json::from_value::<Vec<RequiredResourceAccess>>(rra.clone()).unwrap_or_default();
    }
}

/// The app `applications/{id}` or `applications(appId='…')` names.
fn find_app<'a>(state: &'a mut State, tenant: &str, path: &str) -> Option<&'a mut App> {
    let by_app_id = path
        .strip_prefix("applications(appId='")
        .and_then(|r| r.strip_suffix("')"));
    let by_id = path.strip_prefix("applications/");
    tenant_apps(state, tenant)?
        .iter_mut()
        .find(|a| match (by_app_id, by_id) {
            (Some(id), _) => a.app_id.eq_ignore_ascii_case(id),
            (_, Some(id)) => a.id.eq_ignore_ascii_case(id),
            _ => false,
        })
}

/// `PATCH /applications/{id}`.
fn update_app(
    state: &mut State,
    req: &Incoming,
    token: &IssuedToken,
    path: &str,
    rid: &str,
) -> Reply {
    if !may(token, &WRITE_APPS) {
        return denied(rid);
    }
    let body = match json_body(req, rid) {
        Ok(b) => b,
        Err(reply) => return reply,
    };
    if let Err(message) =
        check_shape(&body, "Application", APPLICATION).and_then(|_| check_required(&body))
    {
        return bad_request(&message, rid);
    }
    let tenant = token.tenant_id.clone();
    let Some(object_id) = find_app(state, &tenant, path).map(|a| a.id.clone()) else {
        return not_found(path, rid);
    };
    let uris = {
        let mut probe = App::new("00000000-0000-0000-0000-000000000001", "");
        apply(&mut probe, &body);
        probe.identifier_uris
    };
    if body.contains_key("identifierUris") && uri_taken(state, &tenant, &uris, &object_id) {
        return bad_request(
            "Another object with the same value for property identifierUris already exists.",
            rid,
        );
    }
    if let Some(app) = find_app(state, &tenant, path) {
        apply(app, &body);
    }
    record(&mut state.directory, "PATCH", path, Value::Object(body));
    Reply::no_content()
}

/// `DELETE /applications/{id}`: the app and, as Entra does, its service principal in the tenant.
fn delete_app(state: &mut State, token: &IssuedToken, path: &str, rid: &str) -> Reply {
    if !may(token, &WRITE_APPS) {
        return denied(rid);
    }
    let tenant = token.tenant_id.clone();
    let Some(app_id) = find_app(state, &tenant, path).map(|a| a.app_id.clone()) else {
        return not_found(path, rid);
    };
    if let Some(apps) = tenant_apps(state, &tenant) {
        apps.retain(|a| a.app_id != app_id);
    }
    let sps: Vec<String> = state
        .directory
        .service_principals
        .iter()
        .filter(|s| s.app_id == app_id && s.tenant_id == tenant)
        .map(|s| s.id.clone())
        .collect();
    for sp in sps {
        remove_sp(&mut state.directory, &sp);
    }
    record(&mut state.directory, "DELETE", path, Value::Null);
    Reply::no_content()
}

/// `GET /applications?$filter=identifierUris/any(x:x eq '…')`.
fn apps_by_uri(state: &mut State, tenant: &str, filter: &str, rid: &str) -> Reply {
    let wanted = filter
        .split_once(" eq '")
        .and_then(|(_, r)| r.strip_suffix("')"))
        .map(str::to_string);
    let Some(uri) = wanted else {
        return graph_error(400, "Request_UnsupportedQuery", "Unsupported or invalid query filter clause specified for property 'identifierUris' of resource 'Application'.", rid);
    };
    let base = state.base_url.clone();
    let value: Vec<Value> = tenant_apps(state, tenant)
        .map(|apps| {
            apps.iter()
                .filter(|a| {
                    a.identifier_uris
                        .iter()
                        .any(|u| u.eq_ignore_ascii_case(&uri))
                })
                .map(|a| Value::Object(crate::graph::application_json(a)))
                .collect()
        })
        .unwrap_or_default();
    Reply::json(
        200,
        &json!({ "@odata.context": format!("{base}/v1.0/$metadata#applications"), "value": value }),
    )
}

/// Graph's own service principal in `tenant`, made on first use.
fn graph_sp(dir: &mut Directory, tenant: &str) -> ServicePrincipal {
    if let Some(sp) = dir
        .service_principals
        .iter()
        .find(|s| s.app_id == GRAPH_APP_ID && s.tenant_id == tenant)
    {
        return sp.clone();
    }
    let sp = ServicePrincipal {
        id: uuid::Uuid::new_v4().to_string(),
        app_id: GRAPH_APP_ID.into(),
        tenant_id: tenant.into(),
        display_name: "Microsoft Graph".into(),
    };
    dir.service_principals.push(sp.clone());
    sp
}

fn sp_json(sp: &ServicePrincipal) -> Value {
    let mut v = json!({ "id": sp.id, "appId": sp.app_id, "displayName": sp.display_name, "servicePrincipalType": "Application", "accountEnabled": true });
    if sp.app_id == GRAPH_APP_ID {
        v["appRoles"] = json!([{ "id": DIRECTORY_READ_ALL_ROLE, "value": "Directory.Read.All", "allowedMemberTypes": ["Application"], "isEnabled": true }]);
        v["oauth2PermissionScopes"] = json!([{ "id": USER_READ_SCOPE, "value": "User.Read", "type": "User", "isEnabled": true }]);
    }
    v
}

/// `POST /servicePrincipals` `{"appId"}`.
fn create_sp(state: &mut State, req: &Incoming, token: &IssuedToken, rid: &str) -> Reply {
    if !may(token, &WRITE_APPS) {
        return denied(rid);
    }
    let body = match json_body(req, rid) {
        Ok(b) => b,
        Err(reply) => return reply,
    };
    let shape: &[(&str, Ty)] = &[
        ("appId", Ty::Str),
        ("accountEnabled", Ty::Bool),
        ("tags", Ty::StrArray),
    ];
    if let Err(message) = check_shape(&body, "ServicePrincipal", shape) {
        return bad_request(&message, rid);
    }
    let Some(app_id) = body
        .get("appId")
        .and_then(Value::as_str)
        .map(str::to_ascii_lowercase)
    else {
        return bad_request("Property 'appId' is required.", rid);
    };
    let tenant = token.tenant_id.clone();
    let lag_key = state.directory.lagging.contains_key(&app_id);
    if lag_key {
        let _ = lagging(state, &app_id, "GET", rid);
        return bad_request(&format!("The appId '{app_id}' of the service principal does not reference a valid application object."), rid);
    }
    let Some(name) = tenant_apps(state, &tenant).and_then(|apps| {
        apps.iter()
            .find(|a| a.app_id == app_id)
            .map(|a| a.display_name.clone())
    }) else {
        return bad_request(&format!("The appId '{app_id}' of the service principal does not reference a valid application object."), rid);
    };
    if state
        .directory
        .service_principals
        .iter()
        .any(|s| s.app_id == app_id && s.tenant_id == tenant)
    {
        return graph_error(
            409,
            "Request_MultipleObjectsWithSameKeyValue",
            "Another object with the same value for property servicePrincipalNames already exists.",
            rid,
        );
    }
    let sp = ServicePrincipal {
        id: uuid::Uuid::new_v4().to_string(),
        app_id,
        tenant_id: tenant,
        display_name: name,
    };
    start_lag(&mut state.directory, &[&sp.id]);
    state.directory.service_principals.push(sp.clone());
    record(
        &mut state.directory,
        "POST",
        "servicePrincipals",
        Value::Object(body),
    );
    Reply::json(201, &sp_json(&sp))
}

/// `GET /servicePrincipals(appId='…')`.
fn get_sp(state: &mut State, tenant: &str, path: &str, rid: &str) -> Reply {
    let app_id = path
        .trim_start_matches("servicePrincipals(appId='")
        .split("')")
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    if app_id == GRAPH_APP_ID {
        return Reply::json(200, &sp_json(&graph_sp(&mut state.directory, tenant)));
    }
    match state
        .directory
        .service_principals
        .iter()
        .find(|s| s.app_id == app_id && s.tenant_id == tenant)
    {
        Some(sp) => Reply::json(200, &sp_json(sp)),
        None => not_found(&app_id, rid),
    }
}

/// `GET /servicePrincipals?$filter=appId eq '…'`.
fn list_sps(state: &mut State, tenant: &str, filter: Option<&str>, rid: &str) -> Reply {
    let Some(app_id) = filter
        .and_then(|f| f.strip_prefix("appId eq '"))
        .and_then(|r| r.strip_suffix('\''))
    else {
        return graph_error(400, "Request_UnsupportedQuery", "Unsupported query.", rid);
    };
    if app_id == GRAPH_APP_ID {
        graph_sp(&mut state.directory, tenant);
    }
    let value: Vec<Value> = state
        .directory
        .service_principals
        .iter()
        .filter(|s| s.tenant_id == tenant && s.app_id.eq_ignore_ascii_case(app_id))
        .map(sp_json)
        .collect();
    Reply::json(200, &json!({ "value": value }))
}

fn remove_sp(dir: &mut Directory, id: &str) {
    dir.service_principals.retain(|s| s.id != id);
    dir.grants
        .retain(|g| g.client_id != id && g.resource_id != id);
    dir.assignments
        .retain(|a| a.principal_id != id && a.resource_id != id);
}

/// `DELETE /servicePrincipals/{id}`: with its grants and role assignments.
fn delete_sp(state: &mut State, token: &IssuedToken, path: &str, rid: &str) -> Reply {
    if !may(token, &WRITE_APPS) {
        return denied(rid);
    }
    let id = path.trim_start_matches("servicePrincipals/");
    if !state
        .directory
        .service_principals
        .iter()
        .any(|s| s.id == id && s.tenant_id == token.tenant_id)
    {
        return not_found(id, rid);
    }
    remove_sp(&mut state.directory, id);
    record(&mut state.directory, "DELETE", path, Value::Null);
    Reply::no_content()
}

fn sp_exists(dir: &Directory, tenant: &str, id: &str) -> bool {
    dir.service_principals
        .iter()
        .any(|s| s.id == id && s.tenant_id == tenant)
}

/// `POST /oauth2PermissionGrants`.
fn create_grant(state: &mut State, req: &Incoming, token: &IssuedToken, rid: &str) -> Reply {
    if !may(token, &GRANT_DELEGATED) || state.directory.consent_denied {
        return denied(rid);
    }
    let body = match json_body(req, rid) {
        Ok(b) => b,
        Err(reply) => return reply,
    };
    let shape: &[(&str, Ty)] = &[
        ("clientId", Ty::Guid),
        ("consentType", Ty::Enum(&["AllPrincipals", "Principal"])),
        ("principalId", Ty::Guid),
        ("resourceId", Ty::Guid),
        ("scope", Ty::Str),
    ];
    if let Err(message) = check_shape(&body, "OAuth2PermissionGrant", shape) {
        return bad_request(&message, rid);
    }
    let text = |k: &str| {
        body.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let (client, resource, consent) = (text("clientId"), text("resourceId"), text("consentType"));
    if client.is_empty() || resource.is_empty() || consent.is_empty() {
        return bad_request(
            "Properties 'clientId', 'consentType' and 'resourceId' are required.",
            rid,
        );
    }
    let tenant = token.tenant_id.clone();
    for id in [&client, &resource] {
        if !sp_exists(&state.directory, &tenant, id) {
            return not_found(id, rid);
        }
    }
    let grant = PermissionGrant {
        id: uuid::Uuid::new_v4().to_string(),
        tenant_id: tenant,
        client_id: client,
        consent_type: consent,
        principal_id: body
            .get("principalId")
            .and_then(Value::as_str)
            .map(str::to_string),
        resource_id: resource,
        scope: text("scope"),
    };
    state.directory.grants.push(grant.clone());
    record(
        &mut state.directory,
        "POST",
        "oauth2PermissionGrants",
        Value::Object(body),
    );
    Reply::json(201, &serde_json::to_value(&grant).unwrap_or_default())
}

/// `GET /oauth2PermissionGrants?$filter=clientId eq '…'`.
fn list_grants(state: &State, tenant: &str, filter: Option<&str>) -> Reply {
    let client = filter
        .and_then(|f| f.strip_prefix("clientId eq '"))
        .and_then(|r| r.strip_suffix('\''));
    let value: Vec<Value> = state
        .directory
        .grants
        .iter()
        .filter(|g| g.tenant_id == tenant && client.is_none_or(|c| g.client_id == c))
        .filter_map(|g| serde_json::to_value(g).ok())
        .collect();
    Reply::json(200, &json!({ "value": value }))
}

/// `DELETE /oauth2PermissionGrants/{id}`.
fn delete_grant(state: &mut State, token: &IssuedToken, path: &str, rid: &str) -> Reply {
    if !may(token, &GRANT_DELEGATED) {
        return denied(rid);
    }
    let id = path.trim_start_matches("oauth2PermissionGrants/");
    let before = state.directory.grants.len();
    state.directory.grants.retain(|g| g.id != id);
    if before == state.directory.grants.len() {
        return not_found(id, rid);
    }
    record(&mut state.directory, "DELETE", path, Value::Null);
    Reply::no_content()
}

/// `POST /servicePrincipals/{resourceId}/appRoleAssignedTo`.
fn create_assignment(
    state: &mut State,
    req: &Incoming,
    token: &IssuedToken,
    path: &str,
    rid: &str,
) -> Reply {
    if !may(token, &ASSIGN_ROLES) || state.directory.consent_denied {
        return denied(rid);
    }
    let body = match json_body(req, rid) {
        Ok(b) => b,
        Err(reply) => return reply,
    };
    let shape: &[(&str, Ty)] = &[
        ("principalId", Ty::Guid),
        ("resourceId", Ty::Guid),
        ("appRoleId", Ty::Guid),
    ];
    if let Err(message) = check_shape(&body, "AppRoleAssignment", shape) {
        return bad_request(&message, rid);
    }
    let text = |k: &str| {
        body.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let (principal, resource, role) = (text("principalId"), text("resourceId"), text("appRoleId"));
    let in_path = path
        .trim_start_matches("servicePrincipals/")
        .trim_end_matches("/appRoleAssignedTo");
    if principal.is_empty() || role.is_empty() || resource != in_path {
        return bad_request("Properties 'principalId', 'resourceId' (the service principal in the URL) and 'appRoleId' are required.", rid);
    }
    let tenant = token.tenant_id.clone();
    for id in [&principal, &resource] {
        if !sp_exists(&state.directory, &tenant, id) {
            return not_found(id, rid);
        }
    }
    let assignment = AppRoleAssignment {
        id: uuid::Uuid::new_v4().to_string(),
        tenant_id: tenant,
        principal_id: principal,
        resource_id: resource,
        app_role_id: role,
    };
    state.directory.assignments.push(assignment.clone());
    record(&mut state.directory, "POST", path, Value::Object(body));
    Reply::json(201, &serde_json::to_value(&assignment).unwrap_or_default())
}

/// `GET /servicePrincipals/{id}/appRoleAssignedTo`.
fn list_assignments(state: &State, tenant: &str, path: &str) -> Reply {
    let resource = path
        .trim_start_matches("servicePrincipals/")
        .trim_end_matches("/appRoleAssignedTo");
    let value: Vec<Value> = state
        .directory
        .assignments
        .iter()
        .filter(|a| a.tenant_id == tenant && a.resource_id == resource)
        .filter_map(|a| serde_json::to_value(a).ok())
        .collect();
    Reply::json(200, &json!({ "value": value }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_and_mistyped_properties_are_refused() {
        let body = json!({ "displayName": "x", "oauth2AllowIdTokenImplicitFlow": true });
        let e = check_shape(body.as_object().unwrap(), "Application", APPLICATION).unwrap_err();
        assert!(
            e.contains("'oauth2AllowIdTokenImplicitFlow' does not exist"),
            "{e}"
        );
        let body = json!({ "displayName": "x", "web": { "implicitGrantSettings": { "enableIdTokenIssuance": "yes" } } });
        assert!(check_shape(body.as_object().unwrap(), "Application", APPLICATION).is_err());
        let body = json!({ "displayName": "x", "signInAudience": "Everyone" });
        assert!(check_shape(body.as_object().unwrap(), "Application", APPLICATION).is_err());
        let body = json!({ "displayName": "x", "api": { "oauth2PermissionScopes": [{ "id": "not-a-guid", "value": "v", "type": "User" }] } });
        assert!(check_shape(body.as_object().unwrap(), "Application", APPLICATION).is_err());
    }
}
