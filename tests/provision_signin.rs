//! The administrator's Graph sign-in through the C ABI: device code polling rules (pending,
//! slow_down, decline, expiry, timeout, cancel) and client credentials of an automation app.

mod common;
mod provision_support;

use cmaad::ffi::{self, cmaad_status};
use cmaad_fake_entra::{Endpoint, FakeEntra};
use provision_support::*;
use serde_json::json;
use std::time::{Duration, Instant};

fn token_polls(fake: &FakeEntra) -> usize {
    fake.requests()
        .iter()
        .filter(|r| {
            r.endpoint == Endpoint::Token
                && r.form_field("grant_type")
                    == Some("urn:ietf:params:oauth:grant-type:device_code")
        })
        .count()
}

#[test]
fn device_code_polls_while_pending_then_signs_in() {
    let fake = FakeEntra::start(directory());
    let s = session(&fake);
    let (status, shown, signin) = begin(&s, &json!({ "TenantId": TENANT }));
    assert_eq!(status, cmaad_status::CMAAD_OK, "{shown}");
    for key in [
        "UserCode",
        "VerificationUri",
        "Message",
        "ExpiresIn",
        "Interval",
    ] {
        assert!(shown.get(key).is_some(), "{key} missing: {shown}");
    }
    assert_eq!(shown["ClientId"], PUBLIC_CLIENT);
    let code = shown["UserCode"].as_str().unwrap().to_string();
    let approver = std::thread::scope(|scope| {
        scope.spawn(|| {
            std::thread::sleep(Duration::from_millis(1500));
            fake.approve_device_code(&code)
        });
        complete(&s, &signin, None)
    });
    let (status, doc) = approver;
    assert_eq!(status, cmaad_status::CMAAD_OK, "{doc}");
    assert_eq!(doc["SignedIn"], true);
    assert_eq!(doc["Kind"], "DeviceCode");
    assert!(
        doc["Scopes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s == "Application.ReadWrite.All"),
        "{doc}"
    );
    assert!(token_polls(&fake) >= 2, "pending answers were polled again");
    assert!(
        !doc.to_string().contains("DAQAB"),
        "the device code never leaves the library"
    );
}

#[test]
fn slow_down_adds_five_seconds_to_the_interval() {
    let fake = FakeEntra::start(directory());
    let s = session(&fake);
    let (_, shown, signin) = begin(&s, &json!({ "TenantId": TENANT }));
    // The library polls every second; the fake now wants 3 s, so the second poll gets slow_down.
    fake.update(|c| c.device_code_interval_secs = 3);
    let code = shown["UserCode"].as_str().unwrap().to_string();
    let start = Instant::now();
    let (status, doc) = std::thread::scope(|scope| {
        scope.spawn(|| {
            std::thread::sleep(Duration::from_millis(3000));
            fake.approve_device_code(&code)
        });
        complete(&s, &signin, None)
    });
    assert_eq!(status, cmaad_status::CMAAD_OK, "{doc}");
    assert_eq!(token_polls(&fake), 3, "pending, slow_down, then the token");
    assert!(
        start.elapsed() >= Duration::from_secs(7),
        "waited interval + 5 s after slow_down: {:?}",
        start.elapsed()
    );
}

#[test]
fn declined_and_expired_codes_stop_polling() {
    let fake = FakeEntra::start(directory());
    let s = session(&fake);
    let (_, shown, signin) = begin(&s, &json!({ "TenantId": TENANT }));
    fake.decline_device_code(shown["UserCode"].as_str().unwrap());
    let (status, doc) = complete(&s, &signin, None);
    assert_eq!(status, cmaad_status::CMAAD_VERIFICATION_FAILED);
    assert_eq!(common::code(&doc), "SignInDeclined", "{doc}");

    let (_, shown, signin) = begin(&s, &json!({ "TenantId": TENANT }));
    fake.expire_device_code(shown["UserCode"].as_str().unwrap());
    let (_, doc) = complete(&s, &signin, None);
    assert_eq!(common::code(&doc), "SignInExpired", "{doc}");
    let (_, doc) = complete(&s, &signin, None);
    assert_eq!(common::code(&doc), "NoPendingSignIn", "{doc}");
}

#[test]
fn timeout_leaves_the_sign_in_completable() {
    let fake = FakeEntra::start(directory());
    let s = session(&fake);
    let (_, shown, signin) = begin(&s, &json!({ "TenantId": TENANT }));
    let (status, doc) = complete(&s, &signin, Some(&json!({ "TimeoutSeconds": 1 })));
    assert_eq!(status, cmaad_status::CMAAD_VERIFICATION_FAILED);
    assert_eq!(common::code(&doc), "SignInTimeout", "{doc}");
    fake.approve_device_code(shown["UserCode"].as_str().unwrap());
    let (status, doc) = complete(&s, &signin, Some(&json!({ "TimeoutSeconds": 5 })));
    assert_eq!(status, cmaad_status::CMAAD_OK, "{doc}");
}

#[test]
fn cancel_from_another_thread_stops_at_once() {
    let fake = FakeEntra::start(directory().device_code_interval_secs(30));
    let s = session(&fake);
    let (_, _, signin) = begin(&s, &json!({ "TenantId": TENANT }));
    let start = Instant::now();
    let (status, doc) = std::thread::scope(|scope| {
        let handle = &signin;
        scope.spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            unsafe { ffi::cmaad_graph_signin_cancel(handle.0) };
        });
        complete(&s, &signin, None)
    });
    assert_eq!(status, cmaad_status::CMAAD_VERIFICATION_FAILED);
    assert_eq!(common::code(&doc), "SignInCancelled", "{doc}");
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(token_polls(&fake), 0);
    unsafe { ffi::cmaad_graph_signin_cancel(std::ptr::null_mut()) };
}

#[test]
fn unknown_public_client_is_named() {
    let fake = FakeEntra::start(directory());
    let s = session(&fake);
    let (status, doc, signin) = begin(
        &s,
        &json!({ "TenantId": TENANT, "ClientId": "0d0d0d0d-1111-4222-8333-944455556666" }),
    );
    assert_eq!(status, cmaad_status::CMAAD_VERIFICATION_FAILED);
    assert_eq!(common::code(&doc), "AppNotFound", "{doc}");
    assert!(signin.0.is_null());
}

#[test]
fn client_credentials_sign_in_and_wrong_secret() {
    let fake = FakeEntra::start(directory());
    let s = session(&fake);
    let (status, doc, signin) = sign_in_app(&s, AUTOMATION, AUTOMATION_SECRET);
    assert_eq!(status, cmaad_status::CMAAD_OK, "{doc}");
    assert!(!signin.0.is_null());
    assert_eq!(doc["Kind"], "ClientCredentials");
    assert!(
        doc["Roles"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r == "Application.ReadWrite.All"),
        "{doc}"
    );
    assert!(!doc.to_string().contains(AUTOMATION_SECRET));
    let (status, doc, signin) = sign_in_app(&s, AUTOMATION, "wrong-secret-value");
    assert_eq!(status, cmaad_status::CMAAD_VERIFICATION_FAILED);
    assert_eq!(common::code(&doc), "InvalidClientSecret", "{doc}");
    assert!(signin.0.is_null());
}
