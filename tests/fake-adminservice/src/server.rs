//! The provider's HTTPS front end: TLS, per-connection Negotiate state, routing of the `wmi`
//! route (`/AdminService/wmi/...` with Negotiate, `/AdminService_TokenAuth/wmi/...` with bearer
//! tokens), faults, write refusal and the request record.

use crate::auth::{self, Connection, Outcome, Scheme};
use crate::classes::Class;
use crate::faults::{self, FaultKind};
use crate::provider::{error, Answer};
use crate::state::{RecordedRequest, State};
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use serde_json::Value;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, Notify, Semaphore};
use tokio_rustls::TlsAcceptor;

const MAX_CONNECTIONS: usize = 64;
const MAX_REQUEST_BODY: usize = 256 * 1024;

/// Shared state handle.
pub type Shared = Arc<Mutex<State>>;

/// Locks the state, surviving a poisoned lock.
pub fn lock(state: &Shared) -> std::sync::MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|p| p.into_inner())
}

/// Accepts TLS connections until `shutdown` fires.
pub async fn accept_loop(
    listener: TcpListener,
    state: Shared,
    tls: TlsAcceptor,
    mut shutdown: oneshot::Receiver<()>,
) {
    let permits = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let permit = tokio::select! {
            _ = &mut shutdown => return,
            permit = permits.clone().acquire_owned() => permit,
        };
        let Ok(permit) = permit else { return };
        let accepted = tokio::select! {
            _ = &mut shutdown => return,
            accepted = listener.accept() => accepted,
        };
        if let Ok((stream, _)) = accepted {
            let (state, tls) = (state.clone(), tls.clone());
            tokio::spawn(async move {
                serve_connection(stream, state, tls).await;
                drop(permit);
            });
        }
    }
}

async fn serve_connection(stream: TcpStream, state: Shared, tls: TlsAcceptor) {
    let _ = stream.set_nodelay(true);
    let Ok(Ok(io)) = tokio::time::timeout(Duration::from_secs(10), tls.accept(stream)).await else {
        return;
    };
    lock(&state).connections += 1;
    let connection = Arc::new(Mutex::new(Connection::default()));
    let closer = Arc::new(Notify::new());
    let svc_closer = closer.clone();
    let service = service_fn(move |req| {
        let (state, closer, connection) = (state.clone(), svc_closer.clone(), connection.clone());
        async move { Ok::<_, Infallible>(handle(state, closer, connection, req).await) }
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(Duration::from_secs(30))
        .serve_connection(TokioIo::new(io), service);
    tokio::select! {
        _ = conn => {}
        _ = closer.notified() => {}
    }
}

/// One request as the router sees it.
struct Request {
    method: String,
    path: String,
    query: Option<String>,
    authorization: Option<String>,
    body: Bytes,
}

/// What the path names.
enum Target {
    Collection(Class),
    Key(Class, u32),
    Metadata,
    UnknownClass(String),
    Other,
}

async fn handle(
    state: Shared,
    closer: Arc<Notify>,
    connection: Arc<Mutex<Connection>>,
    req: hyper::Request<hyper::body::Incoming>,
) -> hyper::Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    let Ok(body) = Limited::new(body, MAX_REQUEST_BODY).collect().await else {
        return respond(&error(413, "413", "The request body is too large."), &[]);
    };
    let request = Request {
        method: parts.method.to_string(),
        path: percent_encoding::percent_decode_str(parts.uri.path())
            .decode_utf8_lossy()
            .into_owned(),
        query: parts.uri.query().map(str::to_string),
        authorization: parts
            .headers
            .get(hyper::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        body: body.to_bytes(),
    };
    let (bearer_route, target) = route(&request.path);
    let fault_class = match &target {
        Target::Collection(c) | Target::Key(c, _) => Some(*c),
        _ => None,
    };
    let (outcome, fault) = {
        let mut s = lock(&state);
        let s = &mut *s;
        let outcome = if bearer_route {
            auth::bearer(
                &s.auth,
                &mut s.auth_counts,
                request.authorization.as_deref(),
            )
        } else {
            let mut conn = connection.lock().unwrap_or_else(|p| p.into_inner());
            auth::negotiate(
                &s.auth,
                &mut conn,
                &mut s.replays,
                &mut s.auth_counts,
                request.authorization.as_deref(),
            )
        };
        let fault = match outcome {
            Outcome::Allowed { .. } => faults::take(&mut s.faults, &request.method, fault_class),
            Outcome::Challenge(_) => None,
        };
        (outcome, fault)
    };
    let (principal, scheme, reply_header) = match outcome {
        Outcome::Challenge(schemes) => {
            record(&state, &request, None, None, 401);
            let headers: Vec<(&str, String)> = schemes
                .into_iter()
                .map(|s| ("www-authenticate", s))
                .collect();
            return respond(
                &error(
                    401,
                    "401",
                    "Authentication is required: 401 - Unauthorized.",
                ),
                &headers,
            );
        }
        Outcome::Allowed {
            principal,
            scheme,
            reply_header,
        } => (principal, scheme, reply_header),
    };
    let retry_after = match &fault {
        Some(FaultKind::Throttle { retry_after_secs }) => Some(*retry_after_secs),
        _ => None,
    };
    let answer = match fault {
        Some(FaultKind::Drop) => {
            record(&state, &request, Some(&principal), Some(scheme), 0);
            closer.notify_one();
            return std::future::pending().await;
        }
        Some(FaultKind::Delay(delay)) => {
            tokio::time::sleep(delay).await;
            serve(&state, &request, &target, &principal, false)
        }
        Some(FaultKind::LoseWrite) => serve(&state, &request, &target, &principal, true),
        Some(kind) => fault_answer(kind),
        None => serve(&state, &request, &target, &principal, false),
    };
    record(
        &state,
        &request,
        Some(&principal),
        Some(scheme),
        answer.status,
    );
    let mut headers = Vec::new();
    if let Some(value) = reply_header {
        headers.push(("www-authenticate", value));
    }
    if let Some(location) = &answer.location {
        headers.push(("location", location.clone()));
    }
    if let Some(secs) = retry_after {
        headers.push(("retry-after", secs.to_string()));
    }
    respond(&answer, &headers)
}

fn fault_answer(kind: FaultKind) -> Answer {
    match kind {
        FaultKind::Throttle { retry_after_secs } => error(
            429,
            "429",
            &format!("Too many requests. Retry after {retry_after_secs} seconds."),
        ),
        FaultKind::Status(status) => error(
            status,
            &status.to_string(),
            "The SMS Provider is unavailable.",
        ),
        FaultKind::Error {
            status,
            code,
            message,
        } => error(status, &code, &message),
        FaultKind::Redirect { status, location } => Answer {
            status,
            body: None,
            location: Some(location),
        },
        FaultKind::Drop | FaultKind::Delay(_) | FaultKind::LoseWrite => error(500, "500", "fault"),
    }
}

/// The rest of a `/ccm_proxy_serverauth/<id>/adminservice/wmi/...` path (lower case).
fn cmg_proxy_route(lower: &str) -> Option<&str> {
    let rest = lower.strip_prefix("/ccm_proxy_serverauth/")?;
    let (id, rest) = rest.split_once('/')?;
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    rest.strip_prefix("adminservice/wmi/")
}

/// `(bearer route, target)` for a path, case-insensitive as the provider's routes are.
fn route(path: &str) -> (bool, Target) {
    let lower = path.to_ascii_lowercase();
    let (bearer, rest) = if let Some(rest) = cmg_proxy_route(&lower) {
        // What a cloud management gateway forwards to the provider's token route.
        (true, &path[path.len() - rest.len()..])
    } else if let Some(rest) = lower.strip_prefix("/adminservice_tokenauth/wmi/") {
        (true, &path[path.len() - rest.len()..])
    } else if let Some(rest) = lower.strip_prefix("/adminservice/wmi/") {
        (false, &path[path.len() - rest.len()..])
    } else {
        return (lower.starts_with("/adminservice_tokenauth"), Target::Other);
    };
    let rest = rest.trim_end_matches('/');
    if rest.eq_ignore_ascii_case("$metadata") {
        return (bearer, Target::Metadata);
    }
    let (name, key) = match rest.split_once('(') {
        Some((name, key)) => (name, Some(key.trim_end_matches(')'))),
        None => (rest, None),
    };
    let Some(class) = Class::from_name(name) else {
        return (bearer, Target::UnknownClass(name.to_string()));
    };
    match key.map(|k| k.parse::<u32>()) {
        None => (bearer, Target::Collection(class)),
        Some(Ok(id)) => (bearer, Target::Key(class, id)),
        Some(Err(_)) => (bearer, Target::UnknownClass(rest.to_string())),
    }
}

fn serve(
    state: &Shared,
    req: &Request,
    target: &Target,
    principal: &str,
    lose_write: bool,
) -> Answer {
    let mut s = lock(state);
    if !auth::is_administrator(&s.auth, principal) {
        // The provider reports a missing role with code "404" and "Access denied".
        return error(403, "404", "Access denied");
    }
    let base = s.base_url.clone();
    let site = s.site_code.clone();
    let write = matches!(req.method.as_str(), "POST" | "PUT" | "DELETE");
    if let Target::Collection(class) | Target::Key(class, _) = target {
        if write && s.refused_writes.contains(class) {
            return error(
                405,
                "405",
                &format!(
                    "The requested resource does not support http method '{}'.",
                    req.method
                ),
            );
        }
    }
    let body = || {
        serde_json::from_slice::<Value>(&req.body).map_err(|e| {
            error(
                400,
                "400",
                &format!("The request body is not valid JSON: {e}"),
            )
        })
    };
    let mut scratch;
    let objects = if lose_write {
        scratch = s.objects.clone();
        &mut scratch
    } else {
        &mut s.objects
    };
    match (req.method.as_str(), target) {
        ("GET", Target::Collection(c)) => objects.query(*c, &base, req.query.as_deref()),
        ("GET", Target::Key(c, id)) => objects.lookup(*c, &base, *id, req.query.as_deref()),
        ("POST", Target::Collection(c)) => match body() {
            Ok(b) => objects.create(*c, &base, &site, &b),
            Err(e) => e,
        },
        ("PUT", Target::Key(c, id)) => match body() {
            Ok(b) => objects.replace(*c, &base, *id, &b),
            Err(e) => e,
        },
        ("DELETE", Target::Key(c, id)) => objects.delete(*c, *id),
        ("GET", Target::Metadata) => Answer {
            status: 200,
            body: Some(
                serde_json::json!({"@odata.context": format!("{base}/wmi/$metadata"), "value": Class::ALL.iter().map(|c| c.name()).collect::<Vec<_>>() }),
            ),
            location: None,
        },
        (_, Target::UnknownClass(name)) => error(
            404,
            "404",
            &format!(
                "No HTTP resource was found that matches the request URI '{base}/wmi/{name}'."
            ),
        ),
        (_, Target::Other) => error(404, "404", "Not found."),
        (method, _) => error(
            405,
            "405",
            &format!("The requested resource does not support http method '{method}'."),
        ),
    }
}

/// Keeps the request for tests, with `SecretKey` and credentials redacted.
fn record(
    state: &Shared,
    req: &Request,
    principal: Option<&str>,
    scheme: Option<Scheme>,
    status: u16,
) {
    let mut body = serde_json::from_slice::<Value>(&req.body).ok();
    let mut plain_secret = false;
    if let Some(Value::Object(o)) = body.as_mut() {
        if let Some(v) = o.get_mut("SecretKey") {
            plain_secret = v.is_string();
            *v = Value::String("<redacted>".into());
        }
    }
    lock(state).requests.push(RecordedRequest {
        method: req.method.clone(),
        path: req.path.clone(),
        query: req.query.clone(),
        authorization_scheme: req
            .authorization
            .as_deref()
            .and_then(|a| a.split(' ').next())
            .map(str::to_string),
        principal: principal.map(str::to_string),
        scheme,
        body,
        carried_secret: plain_secret,
        status,
    });
}

fn respond(answer: &Answer, headers: &[(&str, String)]) -> hyper::Response<Full<Bytes>> {
    let body = answer
        .body
        .as_ref()
        .map(|b| Bytes::from(b.to_string()))
        .unwrap_or_default();
    let mut response = hyper::Response::new(Full::new(body));
    *response.status_mut() = hyper::StatusCode::from_u16(answer.status)
        .unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    if answer.body.is_some() {
        response.headers_mut().insert(
            hyper::header::CONTENT_TYPE,
            hyper::header::HeaderValue::from_static(
                "application/json; odata.metadata=minimal; charset=utf-8",
            ),
        );
    }
    for (name, value) in headers {
        if let (Ok(n), Ok(v)) = (
            hyper::header::HeaderName::from_bytes(name.as_bytes()),
            hyper::header::HeaderValue::from_str(value),
        ) {
            response.headers_mut().append(n, v);
        }
    }
    response
}
