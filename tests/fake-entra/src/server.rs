//! The accept loop and request dispatch: bounded connections and bodies, faults applied before
//! routing, every request recorded.

use crate::faults::{self, Endpoint, FaultKind};
use crate::incoming::Incoming;
use crate::reply::{aadsts, default_description, Ids, Reply};
use crate::state::{RecordedRequest, State};
use crate::{graph, oauth};
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use serde_json::json;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, Notify, Semaphore};
use tokio_rustls::TlsAcceptor;

/// At most this many connections are served at once; more wait in the accept queue.
const MAX_CONNECTIONS: usize = 64;
/// Request bodies past this size get 413.
const MAX_REQUEST_BODY: usize = 256 * 1024;

/// Shared state handle.
pub type Shared = Arc<Mutex<State>>;

/// Locks the state, surviving a poisoned lock (a panicking test thread).
pub fn lock(state: &Shared) -> std::sync::MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|p| p.into_inner())
}

/// Accepts connections until `shutdown` fires.
pub async fn accept_loop(
    listener: TcpListener,
    state: Shared,
    tls: Option<TlsAcceptor>,
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

async fn serve_connection(stream: TcpStream, state: Shared, tls: Option<TlsAcceptor>) {
    let _ = stream.set_nodelay(true);
    match tls {
        None => serve_io(stream, state).await,
        Some(acceptor) => {
            if let Ok(Ok(tls_stream)) =
                tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream)).await
            {
                serve_io(tls_stream, state).await;
            }
        }
    }
}

/// Serves HTTP/1.1 on `io` until the client closes or a `Drop` fault cuts the connection.
async fn serve_io<I: AsyncRead + AsyncWrite + Unpin + Send + 'static>(io: I, state: Shared) {
    let closer = Arc::new(Notify::new());
    let svc_closer = closer.clone();
    let service = service_fn(move |req| {
        let (state, closer) = (state.clone(), svc_closer.clone());
        async move { Ok::<_, Infallible>(handle(state, closer, req).await) }
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

async fn handle(
    state: Shared,
    closer: Arc<Notify>,
    req: hyper::Request<hyper::body::Incoming>,
) -> hyper::Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    let body = match Limited::new(body, MAX_REQUEST_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => return to_response(Reply::raw(413, "text/plain", "request body too large")),
    };
    let incoming = Incoming {
        method: parts.method.to_string(),
        path: percent_encoding::percent_decode_str(parts.uri.path())
            .decode_utf8_lossy()
            .into_owned(),
        query: parts.uri.query().map(str::to_string),
        headers: parts
            .headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body,
    };
    let endpoint = classify(&incoming.path);
    let fault = {
        let mut s = lock(&state);
        s.requests.push(record(&incoming, endpoint));
        faults::take(&mut s.faults, endpoint)
    };
    let reply = match fault {
        Some(FaultKind::Drop) => {
            closer.notify_one();
            std::future::pending::<Reply>().await
        }
        Some(FaultKind::Delay(delay)) => {
            tokio::time::sleep(delay).await;
            dispatch(&state, &incoming, endpoint)
        }
        Some(kind) => fault_reply(&state, &incoming, kind),
        None => dispatch(&state, &incoming, endpoint),
    };
    to_response(reply)
}

/// Which endpoint a path names.
pub fn classify(path: &str) -> Endpoint {
    if path.starts_with("/v1.0/") {
        return Endpoint::Graph;
    }
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match segments.as_slice() {
        [_, "v2.0", ".well-known", "openid-configuration"] => Endpoint::Discovery,
        [_, "oauth2", "v2.0", "token"] => Endpoint::Token,
        [_, "oauth2", "v2.0", "devicecode"] => Endpoint::DeviceCode,
        _ => Endpoint::Other,
    }
}

fn dispatch(state: &Shared, req: &Incoming, endpoint: Endpoint) -> Reply {
    let mut s = lock(state);
    let ids = Ids::new(req.header("client-request-id"));
    let tenant = req
        .path
        .trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or_default()
        .to_string();
    match endpoint {
        Endpoint::Discovery => oauth::discovery(&s, &ids, req, &tenant),
        Endpoint::Token => oauth::token(&mut s, &ids, req, &tenant),
        Endpoint::DeviceCode => oauth::device_code(&mut s, &ids, req, &tenant),
        Endpoint::Graph => graph::serve(&mut s, req),
        Endpoint::Other => Reply::raw(
            404,
            "text/html; charset=utf-8",
            "<html><body><h1>404 - Not Found</h1></body></html>",
        ),
    }
}

fn fault_reply(state: &Shared, req: &Incoming, kind: FaultKind) -> Reply {
    let base_url = lock(state).base_url.clone();
    let unavailable = json!({ "error": "temporarily_unavailable", "error_description": "The service is temporarily unavailable." });
    match kind {
        FaultKind::Aadsts(code) => aadsts(
            &Ids::new(req.header("client-request-id")),
            code,
            &default_description(code),
            &base_url,
        ),
        FaultKind::Throttle { retry_after_secs } => {
            Reply::json(429, &unavailable).header("retry-after", &retry_after_secs.to_string())
        }
        FaultKind::Status {
            status,
            retry_after_secs,
        } => {
            let reply = Reply::json(status, &unavailable);
            match retry_after_secs {
                Some(secs) => reply.header("retry-after", &secs.to_string()),
                None => reply,
            }
        }
        FaultKind::MalformedBody => Reply::raw(
            200,
            "application/json; charset=utf-8",
            r#"{"token_type":"Bearer","access_token":"eyJ0eX"#,
        ),
        FaultKind::WrongContentType => Reply::raw(
            200,
            "text/html; charset=utf-8",
            "<html><body>Please sign in to the proxy.</body></html>",
        ),
        FaultKind::Oversized(size) => {
            let padding = "x".repeat(size.saturating_sub(16));
            Reply::raw(
                200,
                "application/json; charset=utf-8",
                format!(r#"{{"padding":"{padding}"}}"#),
            )
        }
        FaultKind::Redirect { status, location } => {
            Reply::raw(status, "text/html", "Moved").header("location", &location)
        }
        FaultKind::Echo(code) => {
            let body = String::from_utf8_lossy(&req.body);
            let description = format!("AADSTS{code}: Unexpected request body '{body}'.");
            aadsts(
                &Ids::new(req.header("client-request-id")),
                code,
                &description,
                &base_url,
            )
        }
        FaultKind::Drop | FaultKind::Delay(_) => Reply::no_content(),
    }
}

/// The request as kept for tests, secrets redacted.
fn record(req: &Incoming, endpoint: Endpoint) -> RecordedRequest {
    let headers = req
        .headers
        .iter()
        .map(|(k, v)| match k.as_str() {
            "authorization" => (
                k.clone(),
                format!("{} <redacted>", v.split(' ').next().unwrap_or_default()),
            ),
            _ => (k.clone(), v.clone()),
        })
        .collect();
    let form = req
        .form()
        .into_iter()
        .map(|(k, v)| {
            if k == "client_secret" {
                (k, "<redacted>".to_string())
            } else {
                (k, v)
            }
        })
        .collect();
    RecordedRequest {
        endpoint,
        method: req.method.clone(),
        path: req.path.clone(),
        query: req.query.clone(),
        headers,
        form,
    }
}

fn to_response(reply: Reply) -> hyper::Response<Full<Bytes>> {
    let mut response = hyper::Response::new(Full::new(reply.body));
    *response.status_mut() = hyper::StatusCode::from_u16(reply.status)
        .unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in reply.headers {
        if let (Ok(n), Ok(v)) = (
            hyper::header::HeaderName::from_bytes(name.as_bytes()),
            hyper::header::HeaderValue::from_str(&value),
        ) {
            response.headers_mut().append(n, v);
        }
    }
    response
}
