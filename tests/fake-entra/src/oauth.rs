//! The Entra side: OpenID discovery, the v2.0 token endpoint (client credentials and device
//! code grants) and the device authorization endpoint, checking requests as Entra does.

use crate::incoming::{field, Incoming};
use crate::model::{App, Tenant, GRAPH_APP_ID};
use crate::reply::{aadsts, aadsts_as, Ids, Reply};
use crate::state::{DeviceCodeGrant, DeviceCodeStatus, IssuedToken, State};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// Graph resource identifiers of every cloud (scope `{one}/.default`).
const GRAPH_RESOURCES: [&str; 5] = [
    "https://graph.microsoft.com",
    "https://graph.microsoft.us",
    "https://dod-graph.microsoft.us",
    "https://microsoftgraph.chinacloudapi.cn",
    GRAPH_APP_ID,
];

const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// Checks the `{tenant}` path segment: AADSTS900023 when malformed, 90002 when unknown.
/// Returns the tenant's GUID.
pub fn resolve_tenant(state: &State, ids: &Ids, name: &str) -> Result<String, Reply> {
    if !is_tenant_syntax(name) {
        let text = format!("AADSTS900023: Specified tenant identifier '{name}' is neither a valid DNS name, nor a valid external domain.");
        return Err(aadsts(ids, 900023, &text, &state.base_url));
    }
    match state.tenant(name) {
        Some(t) => Ok(t.id.clone()),
        None => {
            let text = format!("AADSTS90002: Tenant '{name}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.");
            Err(aadsts(ids, 90002, &text, &state.base_url))
        }
    }
}

/// A GUID or a DNS name.
fn is_tenant_syntax(name: &str) -> bool {
    if uuid::Uuid::try_parse(name).is_ok() {
        return name.len() == 36;
    }
    let labels: Vec<&str> = name.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

/// `GET /{tenant}/v2.0/.well-known/openid-configuration`.
pub fn discovery(state: &State, ids: &Ids, req: &Incoming, tenant: &str) -> Reply {
    if req.method != "GET" {
        return method_not_allowed(state, ids, "GET", &req.method);
    }
    let guid = match resolve_tenant(state, ids, tenant) {
        Ok(g) => g,
        Err(reply) => return reply,
    };
    let base = &state.base_url;
    Reply::json(
        200,
        &json!({
            "token_endpoint": format!("{base}/{guid}/oauth2/v2.0/token"),
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "jwks_uri": format!("{base}/{guid}/discovery/v2.0/keys"),
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": format!("{base}/{guid}/v2.0"),
            "request_uri_parameter_supported": false,
            "userinfo_endpoint": "https://graph.microsoft.com/oidc/userinfo",
            "authorization_endpoint": format!("{base}/{guid}/oauth2/v2.0/authorize"),
            "device_authorization_endpoint": format!("{base}/{guid}/oauth2/v2.0/devicecode"),
            "http_logout_supported": true,
            "frontchannel_logout_supported": true,
            "end_session_endpoint": format!("{base}/{guid}/oauth2/v2.0/logout"),
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nonce", "tid", "ver"],
            "kerberos_endpoint": format!("{base}/{guid}/kerberos"),
            "tenant_region_scope": "NA",
            "cloud_instance_name": "microsoftonline.com",
            "cloud_graph_host_name": "graph.windows.net",
            "msgraph_host": "graph.microsoft.com",
            "rbac_url": "https://pas.windows.net"
        }),
    )
}

fn method_not_allowed(state: &State, ids: &Ids, expected: &str, got: &str) -> Reply {
    let text = format!(
        "AADSTS900561: The endpoint only accepts {expected} requests. Received a {got} request."
    );
    aadsts(ids, 900561, &text, &state.base_url)
}

fn missing(state: &State, ids: &Ids, name: &str) -> Reply {
    let text =
        format!("AADSTS900144: The request body must contain the following parameter: '{name}'.");
    aadsts(ids, 900144, &text, &state.base_url)
}

fn unknown_app(state: &State, ids: &Ids, tenant: &Tenant, client_id: &str) -> Reply {
    let text = format!("AADSTS700016: Application with identifier '{client_id}' was not found in the directory '{}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.", tenant.display_name);
    aadsts(ids, 700016, &text, &state.base_url)
}

/// The POST preamble shared by `/token` and `/devicecode`: method, tenant, form body, client.
fn post_preamble(
    state: &State,
    ids: &Ids,
    req: &Incoming,
    tenant: &str,
) -> Result<(Tenant, Vec<(String, String)>), Reply> {
    if req.method != "POST" {
        return Err(method_not_allowed(state, ids, "POST", &req.method));
    }
    let guid = resolve_tenant(state, ids, tenant)?;
    let tenant = state
        .tenant(&guid)
        .cloned()
        .ok_or_else(|| missing(state, ids, "tenant"))?;
    let mut form = req.form();
    if let Some((id, secret)) = basic_credentials(req) {
        form.push(("client_id".into(), id));
        form.push(("client_secret".into(), secret));
    }
    Ok((tenant, form))
}

/// `client_id:client_secret` from an HTTP Basic `Authorization` header (RFC 6749 §2.3.1).
fn basic_credentials(req: &Incoming) -> Option<(String, String)> {
    let encoded = req.header("authorization")?.strip_prefix("Basic ")?;
    let decoded = String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(encoded.trim())
            .ok()?,
    )
    .ok()?;
    let (id, secret) = decoded.split_once(':')?;
    let unescape = |s: &str| {
        url::form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
    };
    Some((unescape(id)?, unescape(secret)?))
}

/// `POST /{tenant}/oauth2/v2.0/token`.
pub fn token(state: &mut State, ids: &Ids, req: &Incoming, tenant: &str) -> Reply {
    let (tenant, form) = match post_preamble(state, ids, req, tenant) {
        Ok(v) => v,
        Err(reply) => return reply,
    };
    let Some(grant_type) = field(&form, "grant_type") else {
        return missing(state, ids, "grant_type");
    };
    let Some(client_id) = field(&form, "client_id") else {
        return missing(state, ids, "client_id");
    };
    let Some(app) = tenant.app_by_id(client_id).cloned() else {
        return unknown_app(state, ids, &tenant, client_id);
    };
    match grant_type {
        "client_credentials" => client_credentials(state, ids, &tenant, &app, &form),
        DEVICE_CODE_GRANT => redeem_device_code(state, ids, &tenant, &app, &form),
        other => {
            let text =
                format!("AADSTS70003: The app requested an unsupported grant type '{other}'.");
            aadsts_as(
                ids,
                400,
                "unsupported_grant_type",
                70003,
                &text,
                &state.base_url,
            )
        }
    }
}

fn client_credentials(
    state: &mut State,
    ids: &Ids,
    tenant: &Tenant,
    app: &App,
    form: &[(String, String)],
) -> Reply {
    if let Err(reply) = check_secret(state, ids, app, field(form, "client_secret")) {
        return reply;
    }
    let Some(scope) = field(form, "scope") else {
        return missing(state, ids, "scope");
    };
    let Some(resource) = scope
        .strip_suffix("/.default")
        .filter(|r| !r.is_empty() && !r.contains(' '))
    else {
        let text = format!("AADSTS1002012: The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).");
        return aadsts(ids, 1002012, &text, &state.base_url);
    };
    if is_graph(resource, &state.base_url) {
        return issue_token(
            state,
            tenant,
            app,
            Some(resource.trim_end_matches('/').to_ascii_lowercase()),
            app.graph_roles.clone(),
            Vec::new(),
        );
    }
    match tenant.applications.iter().find(|a| a.is_resource(resource)) {
        Some(target)
            if target.app_id == app.app_id
                && app.rejects_self_token_by_uri
                && uuid::Uuid::try_parse(resource).is_err() =>
        {
            let text = format!("AADSTS90009: Application '{}'({resource}) is requesting a token for itself. This scenario is supported only if resource is specified using the GUID based App Identifier.", app.app_id);
            aadsts(ids, 90009, &text, &state.base_url)
        }
        Some(_) => issue_token(state, tenant, app, None, Vec::new(), Vec::new()),
        None => {
            let text = format!("AADSTS500011: The resource principal named {resource} was not found in the tenant named {}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.", tenant.display_name);
            aadsts(ids, 500011, &text, &state.base_url)
        }
    }
}

fn is_graph(resource: &str, base_url: &str) -> bool {
    let resource = resource.trim_end_matches('/');
    GRAPH_RESOURCES
        .iter()
        .any(|g| g.eq_ignore_ascii_case(resource))
        || resource.eq_ignore_ascii_case(base_url)
}

/// 7000218 without a secret, 7000215 when no secret matches, 7000222 when the match expired.
fn check_secret(state: &State, ids: &Ids, app: &App, secret: Option<&str>) -> Result<(), Reply> {
    let Some(secret) = secret else {
        let text = "AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'.";
        return Err(aadsts(ids, 7000218, text, &state.base_url));
    };
    // A secret works from its startDateTime (a password just added through Graph: propagation).
    match app
        .secrets
        .iter()
        .find(|s| s.value == secret && s.start_date_time <= chrono::Utc::now())
    {
        None => {
            let text = format!("AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{}'.", app.app_id);
            Err(aadsts(ids, 7000215, &text, &state.base_url))
        }
        Some(s) if s.end_date_time <= chrono::Utc::now() => {
            let text = format!("AADSTS7000222: The provided client secret keys for app '{}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.", app.app_id);
            Err(aadsts(ids, 7000222, &text, &state.base_url))
        }
        Some(_) => Ok(()),
    }
}

/// Issues and remembers an access token; the answer has Entra's fields. `graph` is the Graph
/// resource the token is for (its audience), `None` for a token to an app's own API.
fn issue_token(
    state: &mut State,
    tenant: &Tenant,
    app: &App,
    graph: Option<String>,
    roles: Vec<String>,
    scopes: Vec<String>,
) -> Reply {
    let lifetime = state.config.token_lifetime_secs;
    let now = chrono::Utc::now().timestamp();
    let mut claims = json!({
        "aud": graph.clone().unwrap_or_else(|| app.app_id.clone()),
        "iss": format!("https://sts.windows.net/{}/", tenant.id),
        "iat": now, "nbf": now, "exp": now + lifetime as i64,
        "appid": app.app_id, "tid": tenant.id, "oid": app.id, "ver": "1.0",
        "uti": uuid::Uuid::new_v4().to_string(),
    });
    if !roles.is_empty() {
        claims["roles"] = json!(roles);
    }
    if !scopes.is_empty() {
        claims["scp"] = json!(scopes.join(" "));
    }
    let token = jwt(&claims);
    let issued = IssuedToken {
        tenant_id: tenant.id.clone(),
        graph: graph.is_some(),
        audience: graph,
        roles,
        scopes,
        expires: Instant::now() + Duration::from_secs(lifetime),
    };
    state.tokens.insert(token.clone(), issued);
    let expires_in: Value = if state.config.expires_in_as_string {
        json!(lifetime.to_string())
    } else {
        json!(lifetime)
    };
    Reply::json(
        200,
        &json!({ "token_type": "Bearer", "expires_in": expires_in, "ext_expires_in": expires_in, "access_token": token }),
    )
}

/// An unsigned JWT-shaped token (header.payload.signature) carrying `claims`.
fn jwt(claims: &Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"RS256","kid":"fake-entra"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let signature = URL_SAFE_NO_PAD.encode(uuid::Uuid::new_v4().as_bytes());
    format!("{header}.{payload}.{signature}")
}

/// `POST /{tenant}/oauth2/v2.0/devicecode`.
pub fn device_code(state: &mut State, ids: &Ids, req: &Incoming, tenant: &str) -> Reply {
    let (tenant, form) = match post_preamble(state, ids, req, tenant) {
        Ok(v) => v,
        Err(reply) => return reply,
    };
    let Some(client_id) = field(&form, "client_id") else {
        return missing(state, ids, "client_id");
    };
    let Some(scope) = field(&form, "scope") else {
        return missing(state, ids, "scope");
    };
    let Some(app) = tenant.app_by_id(client_id) else {
        return unknown_app(state, ids, &tenant, client_id);
    };
    let lifetime = state.config.device_code_lifetime_secs;
    let interval = state.config.device_code_interval_secs;
    let grant = DeviceCodeGrant {
        device_code: format!("DAQABIQEAAAB{}", uuid::Uuid::new_v4().simple()),
        user_code: user_code(),
        tenant_id: tenant.id.clone(),
        client_id: app.app_id.clone(),
        scopes: scope.split_whitespace().map(str::to_string).collect(),
        status: DeviceCodeStatus::Pending,
        expires: Instant::now() + Duration::from_secs(lifetime),
        last_poll: None,
    };
    let message = format!("To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code {} to authenticate.", grant.user_code);
    let body = json!({
        "user_code": grant.user_code, "device_code": grant.device_code,
        "verification_uri": "https://microsoft.com/devicelogin",
        "expires_in": lifetime, "interval": interval, "message": message,
    });
    state.device_codes.push(grant);
    Reply::json(200, &body)
}

/// A 9-character code of upper-case letters and digits.
fn user_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    uuid::Uuid::new_v4()
        .as_bytes()
        .iter()
        .take(9)
        .map(|b| ALPHABET[(*b as usize) % ALPHABET.len()] as char)
        .collect()
}

fn redeem_device_code(
    state: &mut State,
    ids: &Ids,
    tenant: &Tenant,
    app: &App,
    form: &[(String, String)],
) -> Reply {
    let Some(code) = field(form, "device_code") else {
        return missing(state, ids, "device_code");
    };
    let base = state.base_url.clone();
    let interval = Duration::from_secs(state.config.device_code_interval_secs);
    let Some(grant) = state
        .device_codes
        .iter_mut()
        .find(|g| g.device_code == code && g.client_id == app.app_id && g.tenant_id == tenant.id)
    else {
        return aadsts(
            ids,
            70018,
            "AADSTS70018: Invalid verification code due to the device code not being recognized.",
            &base,
        );
    };
    let now = Instant::now();
    if grant.expires <= now && grant.status != DeviceCodeStatus::Redeemed {
        grant.status = DeviceCodeStatus::Expired;
    }
    let polled_too_fast = grant
        .last_poll
        .is_some_and(|t| now.duration_since(t) < interval);
    grant.last_poll = Some(now);
    match grant.status {
        DeviceCodeStatus::Pending if polled_too_fast => aadsts_as(ids, 400, "slow_down", 70016, "AADSTS70016: OAuth 2.0 device flow error. Authorization is pending; slow down your polling.", &base),
        DeviceCodeStatus::Pending => aadsts(ids, 70016, "AADSTS70016: OAuth 2.0 device flow error. Authorization is pending. Continue polling.", &base),
        DeviceCodeStatus::Declined => aadsts_as(ids, 400, "authorization_declined", 70000, "AADSTS70000: The user denied the authorization request.", &base),
        DeviceCodeStatus::Expired | DeviceCodeStatus::Redeemed => aadsts(ids, 70019, "AADSTS70019: Verification code expired.", &base),
        DeviceCodeStatus::Approved if !app.is_fallback_public_client => {
            aadsts(ids, 7000218, "AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'.", &base)
        }
        DeviceCodeStatus::Approved => {
            grant.status = DeviceCodeStatus::Redeemed;
            let scopes: Vec<String> = grant.scopes.iter().filter_map(|s| s.rsplit('/').next()).filter(|s| !matches!(*s, "openid" | "profile" | "offline_access")).map(str::to_string).collect();
            // The audience is the resource the delegated scopes name (`{resource}/{permission}`).
            let resource = grant.scopes.iter().find_map(|s| s.rsplit_once('/').map(|(r, _)| r.to_ascii_lowercase())).unwrap_or_else(|| GRAPH_RESOURCES[0].to_string());
            issue_token(state, tenant, app, Some(resource), Vec::new(), scopes)
        }
    }
}
