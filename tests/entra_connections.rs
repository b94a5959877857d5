//! Connection reuse as a caller sees it: calls from one thread share one kept-alive connection,
//! and a connection the server closed while it sat idle is never handed to a request. A minimal
//! HTTP/1.1 token endpoint on 127.0.0.1 counts connections and requests.

use cmaad::cloud::{AzureEnvironment, Endpoints};
use cmaad::entra::{ServerAppProbe, Verifier};
use cmaad::runtime::NetConfig;
use cmaad::secret::SecretKey;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

const TENANT: &str = "05a349fa-0d5c-4a1c-9f3e-1c2d3e4f5a6b";
const TOKEN: &str = r#"{"token_type":"Bearer","expires_in":3599,"access_token":"h.e30.s"}"#;

/// A token endpoint; with `close_after`, each connection is closed that long after its answer.
struct TokenServer {
    base: String,
    connections: Arc<AtomicUsize>,
    requests: Arc<AtomicUsize>,
}

impl TokenServer {
    fn start(close_after: Option<Duration>) -> TokenServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let connections = Arc::new(AtomicUsize::new(0));
        let requests = Arc::new(AtomicUsize::new(0));
        let (c, r) = (connections.clone(), requests.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                c.fetch_add(1, Ordering::SeqCst);
                let r = r.clone();
                std::thread::spawn(move || serve(stream, &r, close_after));
            }
        });
        TokenServer {
            base,
            connections,
            requests,
        }
    }
}

/// Answers requests on one connection until the client closes it (or `close_after` passes).
fn serve(stream: TcpStream, requests: &AtomicUsize, close_after: Option<Duration>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut out = stream;
    loop {
        let mut length = 0usize;
        let mut line = String::new();
        loop {
            line.clear();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            if line == "\r\n" {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().unwrap();
            }
        }
        let mut body = vec![0u8; length];
        reader.read_exact(&mut body).unwrap();
        requests.fetch_add(1, Ordering::SeqCst);
        let answer = format!("HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\n\r\n{TOKEN}", TOKEN.len());
        out.write_all(answer.as_bytes()).unwrap();
        if let Some(wait) = close_after {
            std::thread::sleep(wait);
            return;
        }
    }
}

fn verifier(server: &TokenServer) -> Verifier {
    let endpoints = Endpoints {
        authority_host: Some(server.base.clone()),
        graph_host: Some(server.base.clone()),
    };
    let net = NetConfig {
        connect_timeout: Duration::from_secs(2),
        ..NetConfig::default()
    };
    Verifier::new(endpoints, net, Duration::from_secs(5))
}

/// Verifies app number `n` (a client ID of its own, so the token cache cannot answer).
fn verify(verifier: &Verifier, n: usize) -> Duration {
    let secret = SecretKey::new(Zeroizing::new(format!("secret-{n}")), "SecretKey").unwrap();
    let client_id = format!("7078946d-1a2b-4c3d-8e9f-{n:012x}");
    let start = Instant::now();
    verifier
        .verify_server_app(&ServerAppProbe {
            environment: AzureEnvironment::AzurePublicCloud,
            tenant_id: TENANT,
            tenant_name: "Contoso",
            client_id: &client_id,
            secret: &secret,
            app_id_uri: None,
        })
        .unwrap();
    start.elapsed()
}

// One test function: tests running in parallel would trade engines (and their connections).
#[test]
fn connections_are_reused_and_never_stale() {
    // Calls from one thread share one kept-alive connection.
    let server = TokenServer::start(None);
    let v = verifier(&server);
    for n in 0..10 {
        verify(&v, n);
    }
    assert_eq!(server.requests.load(Ordering::SeqCst), 10);
    assert_eq!(server.connections.load(Ordering::SeqCst), 1);

    // The server closes each connection 50 ms after answering; the next call, later, must not
    // send on the dead one. A failed attempt would be retried after a 750 ms+ backoff.
    let server = TokenServer::start(Some(Duration::from_millis(50)));
    let v = verifier(&server);
    for n in 100..104 {
        let took = verify(&v, n);
        assert!(
            took < Duration::from_millis(600),
            "call {n} took {took:?}: a stale connection was used"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    assert_eq!(server.requests.load(Ordering::SeqCst), 4);
    assert_eq!(server.connections.load(Ordering::SeqCst), 4);
}
