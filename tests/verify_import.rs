//! `Verify` on the import operations, end to end through the C ABI against the local fake:
//! a verified import stores the app with `LastVerified` and the checks; a refused one stores
//! nothing; https works with a CA given in `TrustedCaPath` and fails clearly without it.

mod common;
mod entra_support;

use cmaad::ffi::cmaad_status::*;
use cmaad_fake_entra::{Endpoint, FakeEntra, Fault, FaultKind};
use common::{code, target, FfiSession};
use serde_json::{json, Value};

fn session_for(fake: &FakeEntra) -> FfiSession {
    FfiSession::open_with(
        json!({"AuthorityHost": fake.base_url(), "GraphHost": fake.base_url(), "TimeoutSeconds": 5}),
    )
}

fn verified_request() -> Value {
    let mut r = common::server_request();
    r["Verify"] = json!(true);
    r
}

#[test]
fn verified_server_and_client_imports_record_their_checks() {
    let fake = entra_support::fake();
    let s = session_for(&fake);
    let (st, server) = s.import_server(&verified_request(), common::SECRET);
    assert_eq!(st, CMAAD_OK, "{server}");
    assert_eq!(server["Verification"]["Verified"], true);
    assert!(server["LastVerified"].is_string());
    let checks: Vec<&str> = server["Verification"]["Checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["Name"].as_str().unwrap())
        .collect();
    assert!(
        checks.contains(&"SecretKey") && checks.contains(&"AppIdUri"),
        "{checks:?}"
    );
    let (st, client) = s.import_client(&json!({"AppName": "CmgClientApp", "ClientId": common::CLIENT_CLIENT_ID, "ServerAppId": server["ID"], "Verify": true}));
    assert_eq!(st, CMAAD_OK, "{client}");
    assert_eq!(client["Verification"]["Verified"], true, "{client}");
    let outcomes: Vec<(&str, &str)> = client["Verification"]["Checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["Name"].as_str().unwrap(), c["Outcome"].as_str().unwrap()))
        .collect();
    assert!(
        outcomes.contains(&("PublicClientFlows", "Passed")),
        "{outcomes:?}"
    );
    assert!(fake.count(Endpoint::Token) >= 1);
}

#[test]
fn a_refused_verification_stores_nothing() {
    let fake = entra_support::fake();
    let s = session_for(&fake);
    let before = s.snapshot();
    let (st, doc) = s.import_server(&verified_request(), "wrong-secret-value");
    assert_eq!(
        (st, code(&doc), target(&doc)),
        (
            CMAAD_VERIFICATION_FAILED,
            "InvalidClientSecret",
            "SecretKey"
        ),
        "{doc}"
    );
    assert_eq!(doc["Error"]["EntraErrorCodes"], json!([7000215]));
    assert!(doc["Error"]["CorrelationId"].is_string());
    assert!(!doc.to_string().contains("wrong-secret-value"));
    assert_eq!(s.snapshot(), before);

    let mut unknown = verified_request();
    unknown["ClientId"] = json!("81111111-2222-4333-8444-555555555555");
    let (st, doc) = s.import_server(&unknown, common::SECRET);
    assert_eq!(
        (st, code(&doc)),
        (CMAAD_VERIFICATION_FAILED, "AppNotFound"),
        "{doc}"
    );
    assert_eq!(s.snapshot(), before);

    // Entra down: a Network error, still nothing stored, within the retry budget.
    fake.add_fault(Fault::everywhere(FaultKind::Status {
        status: 503,
        retry_after_secs: None,
    }));
    let started = std::time::Instant::now();
    let (st, doc) = s.import_server(&verified_request(), common::SECRET);
    assert_eq!(st, CMAAD_NETWORK, "{doc}");
    assert!(started.elapsed() < std::time::Duration::from_secs(70));
    assert_eq!(s.snapshot(), before);
}

#[test]
fn client_app_missing_from_the_tenant_is_not_imported() {
    let fake = entra_support::fake();
    let s = session_for(&fake);
    let (_, server) = s.import_server(&verified_request(), common::SECRET);
    let before = s.snapshot();
    let (st, doc) = s.import_client(&json!({"AppName": "Typo", "ClientId": "91111111-2222-4333-8444-555555555555", "ServerAppId": server["ID"], "Verify": true}));
    assert_eq!(
        (st, code(&doc)),
        (CMAAD_VERIFICATION_FAILED, "AppNotFound"),
        "{doc}"
    );
    assert_eq!(s.snapshot(), before);
}

#[test]
fn https_with_trusted_ca_path() {
    let fake = FakeEntra::start_https(entra_support::directory());
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, fake.ca_pem().unwrap()).unwrap();
    let without = session_for(&fake);
    let (st, doc) = without.import_server(&verified_request(), common::SECRET);
    assert_eq!(
        st, CMAAD_NETWORK,
        "an untrusted certificate must fail: {doc}"
    );
    assert_eq!(without.snapshot()["value"], json!([]));
    let with = FfiSession::open_with(
        json!({"AuthorityHost": fake.base_url(), "GraphHost": fake.base_url(), "TrustedCaPath": ca}),
    );
    let (st, doc) = with.import_server(&verified_request(), common::SECRET);
    assert_eq!(st, CMAAD_OK, "{doc}");
    let (st, doc, _) = common::open(Some(
        &json!({"TrustedCaPath": dir.path().join("missing.pem")}).to_string(),
    ));
    assert_eq!(
        (st, code(&doc), target(&doc)),
        (CMAAD_INVALID_ARGUMENT, "UnreadableFile", "TrustedCaPath")
    );
    std::fs::write(dir.path().join("junk.pem"), "not a certificate").unwrap();
    let (st, doc, _) = common::open(Some(
        &json!({"TrustedCaPath": dir.path().join("junk.pem")}).to_string(),
    ));
    assert_eq!(
        (st, code(&doc)),
        (CMAAD_INVALID_ARGUMENT, "InvalidCertificate")
    );
}
