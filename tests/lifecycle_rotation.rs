//! Renewal with verification, re-verification of stored apps and zero-downtime rotation, through
//! the C ABI against the local Entra/Graph fake. Every failing rotation step leaves the stored
//! secret in place and still working.

mod common;
mod lifecycle_support;

use chrono::{Duration, Utc};
use cmaad::ffi::{self, cmaad_status::*};
use cmaad_fake_entra::{App, Config, Endpoint, FakeEntra, Fault, FaultKind, Tenant};
use common::*;
use lifecycle_support::*;
use serde_json::{json, Value};

const APP_ID_URI: &str = "api://05a349fa-0d5c-4a1c-9f3e-1c2d3e4f5a6b/ConfigMgrService";

/// A fake Contoso whose server app holds `roles`, with new passwords taking `propagation_ms`.
fn fake(roles: &[&str], propagation_ms: u64) -> FakeEntra {
    let server = App::new(SERVER_CLIENT_ID, "CmgServerApp")
        .identifier_uri(APP_ID_URI)
        .secret(SECRET)
        .user_impersonation_scope()
        .graph_roles(roles);
    let scope = server.scope_id("user_impersonation").unwrap().to_string();
    let client = App::new(CLIENT_CLIENT_ID, "CmgClientApp")
        .public_client(true)
        .public_redirect_uri(&format!(
            "ms-appx-web://Microsoft.AAD.BrokerPlugin/{CLIENT_CLIENT_ID}"
        ))
        .requires_scope(SERVER_CLIENT_ID, &scope);
    FakeEntra::start(
        Config::new()
            .password_propagation_ms(propagation_ms)
            .tenant(Tenant::new(TENANT).app(server).app(client)),
    )
}

const ROTATING: [&str; 2] = ["Application.ReadWrite.OwnedBy", "Directory.Read.All"];

/// A session on a fresh store pointed at `fake`, with the standard apps imported.
fn session(fake: &FakeEntra) -> (FfiSession, i64, i64) {
    let s = FfiSession::open_with(
        json!({"AuthorityHost": fake.base_url(), "GraphHost": fake.base_url(), "TimeoutSeconds": 5}),
    );
    let (server, client) = s.seed();
    (s, server, client)
}

/// The fake's passwords on the server app: (keyId, works-now) pairs.
fn passwords(fake: &FakeEntra) -> Vec<String> {
    let config = fake.snapshot();
    config.tenants[0]
        .app_by_id(SERVER_CLIENT_ID)
        .unwrap()
        .secrets
        .iter()
        .map(|s| s.key_id.clone())
        .collect()
}

/// True when the stored server secret obtains a token now (re-verification through the C ABI).
fn stored_secret_works(s: &FfiSession) -> bool {
    let (st, doc) = req(
        s,
        ffi::cmaad_verify_apps,
        json!({"AppType": "ServerApplication"}),
    );
    assert_eq!(st, CMAAD_OK, "{doc}");
    doc["value"][0]["Verified"] == json!(true)
}

fn rotate(s: &FfiSession, r: Value) -> (cmaad::ffi::cmaad_status, Value) {
    req(s, ffi::cmaad_rotate_app_secret, r)
}

#[test]
fn rotation_adds_waits_stores_then_removes_the_old_secret() {
    let fake = fake(&ROTATING, 1500);
    let (s, server, _) = session(&fake);
    let old = passwords(&fake);
    let (st, doc) = rotate(
        &s,
        json!({"ID": server, "RemoveOldSecret": true, "ValidityDays": 180, "PropagationTimeoutSeconds": 30}),
    );
    assert_eq!(st, CMAAD_OK, "{doc}");
    let r = &doc["Rotation"];
    assert_eq!(
        (r["OldSecretRemoved"].as_bool(), r["OldKeyId"].as_str()),
        (Some(true), Some(old[0].as_str())),
        "{doc}"
    );
    assert!(
        r["PropagationSeconds"].as_u64().unwrap() >= 1,
        "it waited for propagation: {doc}"
    );
    assert_eq!(doc["SecretKeyId"], r["NewKeyId"]);
    assert!(matches!(
        doc["DaysUntilSecretExpiry"].as_i64(),
        Some(179 | 180)
    ));
    assert!(doc["LastVerified"].is_string());
    assert_eq!(
        passwords(&fake),
        vec![r["NewKeyId"].as_str().unwrap().to_string()]
    );
    assert!(stored_secret_works(&s));

    // The next rotation removes the key CMAAD stored by its keyId.
    let first = r["NewKeyId"].as_str().unwrap().to_string();
    let (st, doc) = rotate(
        &s,
        json!({"ClientId": SERVER_CLIENT_ID, "TenantId": TENANT, "RemoveOldSecret": true}),
    );
    assert_eq!(st, CMAAD_OK, "{doc}");
    assert_eq!(doc["Rotation"]["OldKeyId"].as_str(), Some(first.as_str()));
    assert_eq!(passwords(&fake).len(), 1);
    assert!(stored_secret_works(&s));
}

#[test]
fn rotation_keeps_the_old_secret_unless_asked() {
    let fake = fake(&ROTATING, 0);
    let (s, server, _) = session(&fake);
    let (st, doc) = rotate(&s, json!({"ID": server}));
    assert_eq!(st, CMAAD_OK, "{doc}");
    assert_eq!(doc["Rotation"]["OldSecretRemoved"], false);
    assert_eq!(passwords(&fake).len(), 2);
    assert!(stored_secret_works(&s));
}

/// Runs a rotation expected to fail at `step` and checks nothing changed and the secret works.
fn failing_rotation(
    fake: &FakeEntra,
    s: &FfiSession,
    r: Value,
    status: cmaad::ffi::cmaad_status,
    code_want: &str,
    step: &str,
) {
    let before = store_snapshot(s);
    let keys = passwords(fake);
    let (st, doc) = rotate(s, r);
    assert_eq!((st, code(&doc)), (status, code_want), "{doc}");
    assert_eq!(doc["Error"]["Details"]["Step"], step, "{doc}");
    assert_eq!(doc["Error"]["Details"]["StoredSecretChanged"], false);
    assert_eq!(
        store_snapshot(s),
        before,
        "a failed rotation changed the store"
    );
    assert_eq!(
        passwords(fake),
        keys,
        "a failed rotation left a password in Entra"
    );
    assert!(stored_secret_works(s), "the old secret stopped working");
}

#[test]
fn each_failing_step_leaves_the_old_secret_stored_and_working() {
    // Graph token refused.
    let f = fake(&ROTATING, 0);
    let (s, server, _) = session(&f);
    f.add_fault(Fault::on(Endpoint::Token, FaultKind::Aadsts(53003)).times(1));
    failing_rotation(
        &f,
        &s,
        json!({"ID": server}),
        CMAAD_VERIFICATION_FAILED,
        "BlockedByConditionalAccess",
        "GraphToken",
    );

    // Reading the registration fails.
    f.add_fault(Fault::on(Endpoint::Graph, FaultKind::WrongContentType).times(1));
    failing_rotation(
        &f,
        &s,
        json!({"ID": server}),
        CMAAD_NETWORK,
        "UnexpectedResponse",
        "ReadRegistration",
    );

    // The new secret never starts working within the wait: the added password is removed again.
    let slow = fake(&ROTATING, 60_000);
    let (s2, server2, _) = session(&slow);
    failing_rotation(
        &slow,
        &s2,
        json!({"ID": server2, "PropagationTimeoutSeconds": 2}),
        CMAAD_VERIFICATION_FAILED,
        "NewSecretNotWorking",
        "VerifyNewSecret",
    );

    // The app may read but not change its registration.
    let read_only = fake(&["Directory.Read.All"], 0);
    let (s3, server3, client3) = session(&read_only);
    failing_rotation(
        &read_only,
        &s3,
        json!({"ID": server3}),
        CMAAD_VERIFICATION_FAILED,
        "GraphPermissionDenied",
        "AddPassword",
    );

    // Bad requests change nothing either.
    let before = store_snapshot(&s3);
    for (r, code_want, field) in [
        (json!({"ID": client3}), "NotAServerApp", "ID"),
        (json!({"ID": 99}), "AppNotFound", "ID"),
        (
            json!({"ID": server3, "ValidityDays": 0}),
            "OutOfRange",
            "ValidityDays",
        ),
        (
            json!({"ID": server3, "ValidityDays": 30, "SecretKeyExpiry": "2030-01-01"}),
            "AmbiguousExpiry",
            "ValidityDays",
        ),
        (
            json!({"ID": server3, "SecretKeyExpiry": (Utc::now() + Duration::days(900)).to_rfc3339()}),
            "OutOfRange",
            "SecretKeyExpiry",
        ),
        (
            json!({"ID": server3, "RemoveOldSecret": 1}),
            "WrongType",
            "RemoveOldSecret",
        ),
    ] {
        let (st, doc) = rotate(&s3, r);
        assert_ne!(st, CMAAD_OK);
        assert_eq!((code(&doc), target(&doc)), (code_want, field), "{doc}");
    }
    assert_eq!(store_snapshot(&s3), before);
}

#[test]
fn an_old_secret_that_cannot_be_removed_is_reported_not_fatal() {
    let f = fake(&ROTATING, 0);
    let (s, server, _) = session(&f);
    let (st, first) = rotate(&s, json!({"ID": server}));
    assert_eq!(st, CMAAD_OK, "{first}");
    // Someone changes the stored key in the portal: its keyId no longer exists.
    let stored_key = first["Rotation"]["NewKeyId"].as_str().unwrap().to_string();
    f.update(|c| {
        for secret in &mut c.tenants[0].applications[0].secrets {
            if secret.key_id == stored_key {
                secret.key_id = "00000000-1111-4222-8333-444444444444".into();
            }
        }
    });
    let (st, doc) = rotate(&s, json!({"ID": server, "RemoveOldSecret": true}));
    assert_eq!(st, CMAAD_OK, "{doc}");
    assert_eq!(doc["Rotation"]["OldSecretRemoved"], false);
    assert!(
        doc["Rotation"]["Warnings"][0]
            .as_str()
            .unwrap()
            .contains("was not removed"),
        "{doc}"
    );
    assert_eq!(doc["SecretKeyId"], doc["Rotation"]["NewKeyId"]);
    assert!(stored_secret_works(&s));
}

#[test]
fn renewal_with_verify_stores_only_a_working_secret() {
    let f = fake(&ROTATING, 0);
    let (s, server, _) = session(&f);
    let expiry = (Utc::now() + Duration::days(300)).to_rfc3339();
    let before = store_snapshot(&s);
    let (st, doc) = set_secret(
        &s,
        &json!({"ID": server, "SecretKeyExpiry": expiry, "Verify": true}),
        "wrong-secret",
    );
    assert_eq!(
        (st, code(&doc), target(&doc)),
        (
            CMAAD_VERIFICATION_FAILED,
            "InvalidClientSecret",
            "SecretKey"
        ),
        "{doc}"
    );
    assert_eq!(
        store_snapshot(&s),
        before,
        "a failed verification changed the store"
    );
    f.update(|c| {
        let app = &mut c.tenants[0].applications[0];
        *app = app.clone().secret("portal-renewed-secret");
    });
    let (st, doc) = set_secret(
        &s,
        &json!({"ID": server, "SecretKeyExpiry": expiry, "Verify": true}),
        "portal-renewed-secret",
    );
    assert_eq!(st, CMAAD_OK, "{doc}");
    assert_eq!(doc["Verification"]["Verified"], true);
    assert!(doc["LastVerified"].is_string());
    assert!(stored_secret_works(&s));
}

#[test]
fn stored_apps_are_reverified_with_per_app_results() {
    let f = fake(&ROTATING, 0);
    let (s, server, client) = session(&f);
    // A second server app Entra does not know.
    let (st, unknown) = s.import_server(
        &server_expiring(
            "41111111-2222-4333-8444-555555555555",
            "Stale",
            Utc::now() + Duration::days(10),
        ),
        "whatever",
    );
    assert_eq!(st, CMAAD_OK);
    let unknown = unknown["ID"].as_i64().unwrap();
    force_expiry(&s, unknown, Utc::now() - Duration::days(1));
    let (st, doc) = run(&s, ffi::cmaad_verify_apps, None);
    assert_eq!(st, CMAAD_OK, "{doc}");
    assert_eq!(
        doc["Summary"],
        json!({"Total": 3, "Verified": 2, "Failed": 1, "ExpiredSecrets": 1})
    );
    let by_id = |id: i64| {
        doc["value"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["ID"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(
        (
            by_id(server)["Verified"].as_bool(),
            by_id(client)["Verified"].as_bool()
        ),
        (Some(true), Some(true))
    );
    assert!(by_id(server)["LastVerified"].is_string() && by_id(client)["LastVerified"].is_string());
    let bad = by_id(unknown);
    assert_eq!(
        (
            bad["Verified"].as_bool(),
            bad["Error"]["Code"].as_str(),
            bad["SecretExpired"].as_bool()
        ),
        (Some(false), Some("AppNotFound"), Some(true)),
        "{bad}"
    );
    assert!(bad["LastVerified"].is_null());
    let (_, apps) = s.get(Some(
        &json!({"AppType": "ServerApplication", "ClientId": SERVER_CLIENT_ID}),
    ));
    assert!(
        apps["value"][0]["LastVerified"].is_string(),
        "LastVerified is stored"
    );
    let (st, doc) = req(&s, ffi::cmaad_verify_apps, json!({"AppType": "Web"}));
    assert_eq!((st, doc["Summary"]["Total"].as_u64()), (CMAAD_OK, Some(2)));
    let (st, doc) = req(&s, ffi::cmaad_verify_apps, json!({"AppType": "Robot"}));
    assert_eq!(
        (st, code(&doc), target(&doc)),
        (CMAAD_INVALID_ARGUMENT, "InvalidAppType", "AppType")
    );
}
