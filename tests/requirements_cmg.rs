//! The CMG's requirements of its registrations, one rule for import, audit, creation and the
//! server app update: device-only tokens (`isDeviceOnlyAuthSupported`) and the App ID URI forms
//! Entra documents (<https://learn.microsoft.com/entra/identity-platform/identifier-uri-restrictions>).
//! Each case is a field report replayed through the C ABI against the local Entra/Graph fake.

mod common;
mod provision_support;

use cmaad::ffi::cmaad_status::CMAAD_OK;
use cmaad_fake_entra::{App, FakeEntra};
use provision_support::*;
use serde_json::{json, Value};

/// The server app's registration, correct but for what a case changes.
fn server_registration(app_id: &str, uri: &str) -> App {
    App::new(app_id, "CmgServerApp")
        .identifier_uri(uri)
        .secret("server-secret-value-123")
        .user_impersonation_scope()
        .public_redirect_uri("http://localhost")
        .device_only_auth(true)
}

fn check<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["Checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["Name"] == name)
        .unwrap_or_else(|| panic!("no check {name}: {doc}"))
}

#[test]
fn audit_accepts_every_app_id_uri_form_entra_documents() {
    let fake = FakeEntra::start(directory());
    let s = session(&fake);
    let signin = admin(&s);
    let own = "11aa22bb-33cc-44dd-85ee-66ff77008899";
    let cases = [
        (own, format!("api://{own}")),
        (
            "21aa22bb-33cc-44dd-85ee-66ff77008899",
            "https://cmg.contoso.com".into(),
        ),
        (
            "31aa22bb-33cc-44dd-85ee-66ff77008899",
            "api://contoso.com/ConfigMgrService".into(),
        ),
        (
            "41aa22bb-33cc-44dd-85ee-66ff77008899",
            format!("api://{}/ConfigMgrService", TENANT.to_uppercase()),
        ),
    ];
    for (app_id, uri) in &cases {
        fake.update(|c| {
            c.tenants[0]
                .applications
                .push(server_registration(app_id, uri))
        });
        let (status, doc) = audit(
            &s,
            &signin,
            &json!({ "ClientId": app_id, "AppType": "ServerApplication" }),
        );
        assert_eq!(status, CMAAD_OK, "{doc}");
        let c = check(&doc, "AppIdUri");
        assert_eq!(c["Outcome"], "Passed", "{uri}: {doc}");
        assert!(
            c["Fix"].is_null(),
            "no advice to change a working URI: {doc}"
        );
    }
}

#[test]
fn import_accepts_the_same_app_id_uris_without_a_warning() {
    let s = common::FfiSession::open();
    for (i, uri) in [
        format!("api://{}", common::SERVER_CLIENT_ID),
        "https://cmg.contoso.com".to_string(),
        "api://contoso.com/ConfigMgrService".to_string(),
        format!("api://{}/ConfigMgrService", common::TENANT.to_uppercase()),
    ]
    .iter()
    .enumerate()
    {
        let mut req = common::server_request();
        req["AppIdUri"] = json!(uri);
        req["ClientId"] = json!(format!("{i}1aa22bb-33cc-44dd-85ee-66ff77008899"));
        if i == 0 {
            req["ClientId"] = json!(common::SERVER_CLIENT_ID);
        }
        let (status, doc) = s.import_server(&req, common::SECRET);
        assert_eq!(status, CMAAD_OK, "{doc}");
        assert!(doc.get("Warnings").is_none(), "{uri}: {doc}");
    }
    // A form Entra does not document is stored with a warning, never refused.
    let mut req = common::server_request();
    req["AppIdUri"] = json!("https://ConfigMgrService");
    req["ClientId"] = json!("91aa22bb-33cc-44dd-85ee-66ff77008899");
    let (status, doc) = s.import_server(&req, common::SECRET);
    assert_eq!(status, CMAAD_OK, "{doc}");
    assert!(doc["Warnings"][0].as_str().is_some(), "{doc}");
}

#[test]
fn audit_fails_a_server_app_without_device_only_tokens_and_says_how_to_fix_it() {
    let fake = FakeEntra::start(directory());
    let s = session(&fake);
    let signin = admin(&s);
    let app_id = "51aa22bb-33cc-44dd-85ee-66ff77008899";
    fake.update(|c| {
        c.tenants[0].applications.push(
            server_registration(app_id, &format!("api://{TENANT}/ConfigMgrService"))
                .device_only_auth(false),
        )
    });
    let (status, doc) = audit(&s, &signin, &json!({ "ClientId": app_id }));
    assert_eq!(status, CMAAD_OK, "{doc}");
    let c = check(&doc, "DeviceOnlyAuth");
    assert_eq!(c["Outcome"], "Failed", "{doc}");
    assert!(
        c["Fix"]
            .as_str()
            .unwrap()
            .contains("Set-UpdateServerApplication"),
        "{doc}"
    );
    assert_eq!(doc["Passed"], false);
}

#[test]
fn creation_sets_device_only_tokens() {
    let fake = FakeEntra::start(directory());
    let s = session(&fake);
    let (status, plan) = new_server(
        &s,
        None,
        &json!({ "AppName": "CmgServerApp", "TenantId": TENANT, "WhatIf": true }),
    );
    assert_eq!(status, CMAAD_OK, "{plan}");
    assert_eq!(
        plan["Application"]["isDeviceOnlyAuthSupported"], true,
        "{plan}"
    );
    let signin = admin(&s);
    let (status, doc) = new_server(&s, Some(&signin), &json!({ "AppName": "CmgServerApp" }));
    assert_eq!(status, CMAAD_OK, "{doc}");
    let app_id = doc["ClientID"].as_str().unwrap();
    let created = apps(&fake)
        .into_iter()
        .find(|a| a.app_id == app_id)
        .unwrap();
    assert!(created.is_device_only_auth_supported);
    let (_, audit_doc) = audit(&s, &signin, &json!({ "ClientId": app_id }));
    assert_eq!(check(&audit_doc, "DeviceOnlyAuth")["Outcome"], "Passed");
}

#[test]
fn the_server_app_update_sets_device_only_tokens_once() {
    let fake = FakeEntra::start(directory());
    let app_id = "61aa22bb-33cc-44dd-85ee-66ff77008899";
    // Has the localhost redirect URI already (updated before 2309's requirement grew).
    fake.update(|c| {
        c.tenants[0].applications.push(
            server_registration(app_id, &format!("api://{TENANT}/Old")).device_only_auth(false),
        )
    });
    let s = session(&fake);
    let mut req = common::server_request();
    req["ClientId"] = json!(app_id);
    let (status, doc) = s.import_server(&req, "server-secret-value-123");
    assert_eq!(status, CMAAD_OK, "{doc}");
    let signin = admin(&s);
    let (_, doc) = update_server(
        &s,
        Some(&signin),
        &json!({ "TenantId": TENANT, "WhatIf": true }),
    );
    assert_eq!(
        (
            doc["value"][0]["WouldChange"].as_bool(),
            doc["value"][0]["Changed"].as_bool()
        ),
        (Some(true), Some(false)),
        "{doc}"
    );
    let (status, doc) = update_server(&s, Some(&signin), &json!({ "TenantId": TENANT }));
    assert_eq!(status, CMAAD_OK, "{doc}");
    assert_eq!(doc["value"][0]["Changed"], true, "{doc}");
    assert_eq!(doc["value"][0]["IsDeviceOnlyAuthSupported"], true, "{doc}");
    let app = apps(&fake)
        .into_iter()
        .find(|a| a.app_id == app_id)
        .unwrap();
    assert!(app.is_device_only_auth_supported);
    assert_eq!(app.public_client_redirect_uris, vec!["http://localhost"]);
    let (_, doc) = update_server(&s, Some(&signin), &json!({ "TenantId": TENANT }));
    assert_eq!(
        (
            doc["value"][0]["WouldChange"].as_bool(),
            doc["value"][0]["Changed"].as_bool()
        ),
        (Some(false), Some(false)),
        "idempotent: {doc}"
    );
}
