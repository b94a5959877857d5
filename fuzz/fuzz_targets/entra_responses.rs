//! Fuzzes CMAAD's handling of Entra and Graph answers: a loopback server answers every request
//! (OpenID configuration, token, device code, Graph) with the fuzzed status and body, and the
//! verifier must turn whatever comes back into a verification or a clear error, never a panic.
#![no_main]

use cmaad::cloud::{AzureEnvironment, Endpoints};
use cmaad::entra::{ClientAppProbe, RetryPolicy, ServerAppProbe, ServerCredentials, Verifier};
use cmaad::runtime::NetConfig;
use cmaad::secret::SecretKey;
use libfuzzer_sys::fuzz_target;
use once_cell::sync::Lazy;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

const STATUSES: [u16; 8] = [200, 400, 401, 403, 404, 429, 500, 503];
static ANSWER: Mutex<(u16, Vec<u8>)> = Mutex::new((200, Vec::new()));
static SEQ: AtomicU64 = AtomicU64::new(0);

/// The loopback server's base URL; it answers each connection with [`ANSWER`].
static BASE: Lazy<String> = Lazy::new(|| {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut stream = stream;
            let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
            let mut buf = [0u8; 8192];
            let _ = stream.read(&mut buf);
            let (status, body) = ANSWER.lock().unwrap().clone();
            let head = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: application/json; charset=utf-8\r\nRetry-After: 0\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    base
});

static VERIFIER: Lazy<Verifier> = Lazy::new(|| {
    let endpoints = Endpoints {
        authority_host: Some(BASE.clone()),
        graph_host: Some(BASE.clone()),
    };
    let net = NetConfig {
        connect_timeout: Duration::from_secs(2),
        ..Default::default()
    };
    Verifier::new(endpoints, net, Duration::from_secs(2)).with_retry(RetryPolicy {
        max_attempts: 1,
        initial_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(1),
        max_total: Duration::from_secs(2),
    })
});

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    *ANSWER.lock().unwrap() = (STATUSES[(pick & 7) as usize], body.to_vec());
    // A fresh secret each time, so a token the fuzzer got accepted is never served from the cache.
    let n = SEQ.fetch_add(1, Ordering::Relaxed);
    let secret = SecretKey::new(
        zeroize::Zeroizing::new(format!("fuzz-secret-{n}")),
        "SecretKey",
    )
    .unwrap();
    let tenant = "05a349fa-0d5c-4a1c-9f3e-1c2d3e4f5a6b";
    if pick & 8 == 0 {
        let tenant_name = if pick & 16 == 0 {
            "Contoso"
        } else {
            "contoso.onmicrosoft.com"
        };
        let probe = ServerAppProbe {
            environment: AzureEnvironment::AzurePublicCloud,
            tenant_id: tenant,
            tenant_name,
            client_id: "7078946d-1a2b-4c3d-8e9f-0a1b2c3d4e5f",
            secret: &secret,
            app_id_uri: Some("api://05a349fa-0d5c-4a1c-9f3e-1c2d3e4f5a6b/ConfigMgrService"),
        };
        let _ = VERIFIER.verify_server_app(&probe);
    } else {
        let probe = ClientAppProbe {
            environment: AzureEnvironment::AzurePublicCloud,
            tenant_id: tenant,
            client_id: "cf114f48-2b3c-4d5e-9f0a-1b2c3d4e5f60",
            server: Some(ServerCredentials {
                client_id: "7078946d-1a2b-4c3d-8e9f-0a1b2c3d4e5f",
                secret: &secret,
            }),
        };
        let _ = VERIFIER.verify_client_app(&probe);
    }
});
