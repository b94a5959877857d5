//! Secrets in memory and at rest.
//!
//! A counting allocator scans every block freed while a scan is on for a marker secret (UTF-8
//! and UTF-16LE): CMAAD's own handling of a secret (UTF-16 in, validation, sealing, storing,
//! reading back, unsealing) must free no block that still holds it. After a workload with
//! several secrets, the store files (database, WAL, key file) and the header hold none of them.
//! Credentials other than the app secret are held to the same rule: a proxy account's password,
//! the Graph tokens CMAAD obtains and the secrets Graph creates appear in no document.

mod common;
mod provision_support;

use cmaad::ffi::{self, cmaad_status::*};
use common::*;
use serde_json::json;
use std::alloc::{GlobalAlloc, Layout, System};
use std::ffi::CString;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use zeroize::Zeroizing;

const MARKER: &str = "Zq8~Marker-Secret-7f3KpW";

static SCANNING: AtomicBool = AtomicBool::new(false);
static HITS: AtomicUsize = AtomicUsize::new(0);
/// Serialises the tests of this file: the allocator's counters are process-wide.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

struct ScanningAllocator;

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.len() >= needle.len() && hay.windows(needle.len()).any(|w| w == needle)
}

unsafe impl GlobalAlloc for ScanningAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if SCANNING.load(Ordering::Relaxed) {
            let block = std::slice::from_raw_parts(ptr, layout.size());
            let utf16: [u8; 48] = utf16le_marker();
            if contains(block, MARKER.as_bytes()) || contains(block, &utf16) {
                HITS.fetch_add(1, Ordering::Relaxed);
            }
        }
        System.dealloc(ptr, layout)
    }
}

/// MARKER as UTF-16LE bytes, built without allocating.
fn utf16le_marker() -> [u8; 48] {
    let mut out = [0u8; 48];
    for (i, b) in MARKER.bytes().enumerate() {
        out[2 * i] = b;
    }
    out
}

#[global_allocator]
static ALLOCATOR: ScanningAllocator = ScanningAllocator;

/// Runs `f` with the scan on; returns how many freed blocks held the marker.
fn freed_copies(f: impl FnOnce()) -> usize {
    HITS.store(0, Ordering::SeqCst);
    SCANNING.store(true, Ordering::SeqCst);
    f();
    SCANNING.store(false, Ordering::SeqCst);
    HITS.load(Ordering::SeqCst)
}

#[test]
fn the_detector_sees_an_unwiped_copy() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let hits = freed_copies(|| drop(std::hint::black_box(MARKER.to_string())));
    assert_eq!(
        hits, 1,
        "the scanning allocator must notice a plain String holding the marker"
    );
}

#[test]
fn secret_key_type_wipes_on_drop() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let units: Zeroizing<Vec<u16>> =
        Zeroizing::new(format!("{MARKER}ÜÉ€").encode_utf16().collect());
    let hits = freed_copies(|| {
        let key = cmaad::secret::SecretKey::from_utf16(&units, "SecretKey").unwrap();
        let copy = key.clone();
        drop(std::hint::black_box(key));
        drop(std::hint::black_box(copy));
    });
    assert_eq!(hits, 0, "a SecretKey left its text in freed memory");
}

#[test]
fn import_seal_and_unseal_leave_no_copy_behind() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let s = FfiSession::open();
    let request = CString::new(server_request().to_string()).unwrap();
    let units: Zeroizing<Vec<u16>> = Zeroizing::new(MARKER.encode_utf16().collect());
    let hits = freed_copies(|| {
        let (st, doc) = call(|out| unsafe {
            ffi::cmaad_import_server_app(
                s.handle,
                request.as_ptr(),
                units.as_ptr(),
                units.len(),
                out,
            )
        });
        assert_eq!(st, CMAAD_OK, "{doc}");
        let session =
            cmaad::Session::open(cmaad::SessionOptions::new(s.dir.path().join("site.db"))).unwrap();
        let app = session
            .store()
            .app(doc["ID"].as_i64().unwrap())
            .unwrap()
            .unwrap();
        let secret = session.store().server_secret(&app).unwrap();
        assert_eq!(secret.expose(), MARKER);
        drop(secret);
        drop(session);
    });
    assert_eq!(
        hits, 0,
        "CMAAD freed {hits} block(s) still holding the secret"
    );
}

#[test]
fn store_files_and_header_never_hold_a_secret() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let secrets = [
        MARKER.to_string(),
        SECRET.to_string(),
        "second~Secret.Value_42".to_string(),
        "ÜnïcødéSecret€€".to_string(),
    ];
    let s = FfiSession::open();
    for (i, secret) in secrets.iter().enumerate() {
        let mut r = server_request();
        r["ClientId"] = json!(format!("a111111{i}-2222-4333-8444-555555555555"));
        let (st, doc) = s.import_server(&r, secret);
        assert_eq!(st, CMAAD_OK, "{doc}");
        assert!(!doc.to_string().contains(secret.as_str()));
        // A failing import with the same secret: its error must not echo it either.
        r["SecretKeyExpiry"] = json!("yesterday");
        let (_, doc) = s.import_server(&r, secret);
        assert!(!doc.to_string().contains(secret.as_str()));
    }
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(s.dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.push(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("include/cmaad.h"));
    assert!(
        files.len() >= 3,
        "expected the database, its WAL and the key file: {files:?}"
    );
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        for secret in &secrets {
            let utf16: Vec<u8> = secret.encode_utf16().flat_map(u16::to_le_bytes).collect();
            assert!(
                !contains(&bytes, secret.as_bytes()) && !contains(&bytes, &utf16),
                "{} holds a secret",
                file.display()
            );
        }
    }
}

/// Every credential that is not a stored app secret: the proxy password given in `Proxy`, the
/// Graph tokens of a sign-in, the secret Graph creates for a new server app. None may appear in
/// any document (results and errors) of a session that used them, nor in the `Debug` form of the
/// settings holding them; the documents hold nothing
/// credential-looking at all (what `cmaad::scrub` would remove).
#[test]
fn proxy_passwords_graph_tokens_and_created_secrets_appear_in_no_document() {
    use base64::Engine;
    use provision_support::*;
    let password = "Pr0xy!Pass~w0rd";
    let mut documents: Vec<serde_json::Value> = Vec::new();

    // The proxy password: the session document, a refused proxy URL, a request through it.
    let proxy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let proxy_url = format!(
        "http://svc-cmaad:{password}@{}",
        proxy.local_addr().unwrap()
    );
    drop(proxy); // nothing listens: the request through it is refused
    let s = FfiSession::open_with(json!({
        "Proxy": proxy_url,
        "AuthorityHost": "https://login.cmaad-test.example",
    }));
    documents.push(s.get(None).1);
    let mut request = server_request();
    request["Verify"] = json!(true);
    documents.push(s.import_server(&request, SECRET).1);
    for bad in [
        format!("ftp://svc-cmaad:{password}@proxy:21"),
        format!("http://svc-cmaad:{password}@[bad"),
    ] {
        documents.push(open(Some(&json!({ "Proxy": bad }).to_string())).1);
    }
    let (_, doc, handle) = open(Some(
        &json!({ "Proxy": proxy_url, "StorePath": s.dir.path().join("2.db") }).to_string(),
    ));
    unsafe { ffi::cmaad_session_close(handle) };
    documents.push(doc);

    // Graph tokens and a secret Graph created: a whole creation run.
    let fake = cmaad_fake_entra::FakeEntra::start(directory());
    let s = session(&fake);
    let (status, doc, signin) = sign_in_app(&s, AUTOMATION, AUTOMATION_SECRET);
    assert_eq!(status, CMAAD_OK, "{doc}");
    documents.push(doc);
    let server_req = json!({ "AppName": "CmgServerApp", "TenantName": "Contoso", "SecretKeyExpiry": "TwoYears" });
    let (status, server) = new_server(&s, Some(&signin), &server_req);
    assert_eq!(status, CMAAD_OK, "{server}");
    let client_req = json!({ "AppName": "CmgClientApp", "ServerAppId": server["ID"] });
    documents.push(new_client(&s, Some(&signin), &client_req).1);
    documents.push(audit(&s, &signin, &json!({ "ClientId": server["ClientID"] })).1);
    documents.push(new_server(&s, Some(&signin), &server_req).1); // refused: exists
    documents.push(s.get(None).1);
    documents.push(server);

    // What a host might log: the options' and network settings' Debug forms.
    let mut options = cmaad::SessionOptions::new(s.dir.path().join("3.db"));
    options.proxy = Some(proxy_url.clone());
    let net = cmaad::runtime::NetConfig {
        proxy: Some(proxy_url.clone()),
        ..Default::default()
    };
    documents.push(json!(format!("{options:?} {net:?}")));

    let jwt_header = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(br#"{"typ":"JWT","alg":"RS256","kid":"fake-entra"}"#);
    let created: Vec<String> = apps(&fake)
        .iter()
        .flat_map(|a| a.secrets.iter().map(|x| x.value.clone()))
        .collect();
    assert!(!created.is_empty(), "Graph created no secret");
    for doc in &documents {
        let text = doc.to_string();
        for credential in [password, jwt_header.as_str(), AUTOMATION_SECRET]
            .into_iter()
            .chain(created.iter().map(String::as_str))
        {
            assert!(!text.contains(credential), "{credential} in {text}");
        }
        assert_eq!(
            cmaad::scrub::server_text(&text, &[]),
            text,
            "credential-looking text"
        );
    }
}
