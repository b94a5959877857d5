//! Replays the fuzz corpus and every crash the fuzzers ever found (fuzz/corpus/requests,
//! fuzz/regressions) through the C ABI: no input may yield CMAAD_INTERNAL or a non-JSON answer.
//! The fuzzers themselves run with `scripts/fuzz.sh` (nightly + cargo-fuzz).

mod common;

use cmaad::ffi::{self, cmaad_status};
use common::*;
use std::ffi::CString;
use std::path::Path;

fn replay(s: &FfiSession, data: &[u8]) -> Option<cmaad_status> {
    let (&which, rest) = data.split_first()?;
    let doc = CString::new(rest).ok()?;
    let secret: Vec<u16> = "fuzz-secret~1".encode_utf16().collect();
    let (status, _) = call(|out| unsafe {
        match which % 5 {
            0 => ffi::cmaad_import_server_app(
                s.handle,
                doc.as_ptr(),
                secret.as_ptr(),
                secret.len(),
                out,
            ),
            1 => ffi::cmaad_import_client_app(s.handle, doc.as_ptr(), out),
            2 => ffi::cmaad_get_apps(s.handle, doc.as_ptr(), out),
            _ => ffi::cmaad_new_cloud_management_service(s.handle, doc.as_ptr(), out),
        }
    });
    Some(status)
}

#[test]
fn corpus_and_found_crashes_replay_cleanly() {
    let s = FfiSession::open();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut replayed = 0;
    for dir in ["corpus/requests", "regressions"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        for entry in entries.flatten() {
            let data = std::fs::read(entry.path()).unwrap();
            if let Some(status) = replay(&s, &data) {
                assert_ne!(
                    status,
                    cmaad_status::CMAAD_INTERNAL,
                    "{}",
                    entry.path().display()
                );
                replayed += 1;
            }
        }
    }
    assert!(
        replayed >= 5,
        "the fuzz corpus is missing ({replayed} inputs)"
    );
}

/// Replays fuzz/corpus/entra_responses (and fuzz/regressions/entra_responses) as Entra's answer:
/// a loopback server answers every request with the input's status and body, and verification
/// must end in a result or a non-internal error, never a panic.
#[test]
fn entra_answer_corpus_replays_cleanly() {
    use cmaad::cloud::{AzureEnvironment, Endpoints};
    use cmaad::entra::{ClientAppProbe, RetryPolicy, ServerAppProbe, ServerCredentials, Verifier};
    use cmaad::runtime::NetConfig;
    use std::io::{Read, Write};
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    const STATUSES: [u16; 8] = [200, 400, 401, 403, 404, 429, 500, 503];
    let answer: Arc<Mutex<(u16, Vec<u8>)>> = Arc::new(Mutex::new((200, Vec::new())));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let served = Arc::clone(&answer);
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
            let mut buf = [0u8; 8192];
            let _ = stream.read(&mut buf);
            let (status, body) = served.lock().unwrap().clone();
            let head = format!("HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nRetry-After: 0\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    let endpoints = Endpoints {
        authority_host: Some(base.clone()),
        graph_host: Some(base),
    };
    let net = NetConfig {
        connect_timeout: Duration::from_secs(2),
        ..Default::default()
    };
    let retry = RetryPolicy {
        max_attempts: 1,
        initial_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(1),
        max_total: Duration::from_secs(2),
    };
    let verifier = Verifier::new(endpoints, net, Duration::from_secs(2)).with_retry(retry);

    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut replayed = 0;
    for dir in ["corpus/entra_responses", "regressions/entra_responses"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        for (n, entry) in entries.flatten().enumerate() {
            let data = std::fs::read(entry.path()).unwrap();
            let Some((&pick, body)) = data.split_first() else {
                continue;
            };
            *answer.lock().unwrap() = (STATUSES[(pick & 7) as usize], body.to_vec());
            let secret = cmaad::secret::SecretKey::new(
                zeroize::Zeroizing::new(format!("replay-secret-{n}-{replayed}")),
                "SecretKey",
            )
            .unwrap();
            let result = if pick & 8 == 0 {
                verifier.verify_server_app(&ServerAppProbe {
                    environment: AzureEnvironment::AzurePublicCloud,
                    tenant_id: TENANT,
                    tenant_name: if pick & 16 == 0 {
                        "Contoso"
                    } else {
                        "contoso.onmicrosoft.com"
                    },
                    client_id: SERVER_CLIENT_ID,
                    secret: &secret,
                    app_id_uri: Some("api://05a349fa-0d5c-4a1c-9f3e-1c2d3e4f5a6b/ConfigMgrService"),
                })
            } else {
                verifier.verify_client_app(&ClientAppProbe {
                    environment: AzureEnvironment::AzurePublicCloud,
                    tenant_id: TENANT,
                    client_id: CLIENT_CLIENT_ID,
                    server: Some(ServerCredentials {
                        client_id: SERVER_CLIENT_ID,
                        secret: &secret,
                    }),
                })
            };
            if let Err(e) = result {
                assert_ne!(
                    e.status,
                    cmaad::Status::Internal,
                    "{}: {e:?}",
                    entry.path().display()
                );
                assert!(
                    !e.message.contains("replay-secret"),
                    "a secret leaked into an error"
                );
            }
            replayed += 1;
        }
    }
    assert!(
        replayed >= 5,
        "the Entra answer corpus is missing ({replayed} inputs)"
    );
}
