//! Rotating a ConfigMgr site's secrets with a Graph sign-in instead of the current secret
//! (which the site never returns): an automation app's client-credentials sign-in, as a
//! scheduled task has it, rotates the due secret through the site rotation (fake SMS Provider
//! with Kerberos from a real MIT KDC, the fake Entra/Graph), identifies the old password by the
//! site's `SecretKeyExpiry`, and a failure leaves a working pair.

mod common;
mod provision_support;
mod site_support;

use cmaad::ffi::{self, cmaad_status};
use cmaad_fake_adminservice::{Class, FakeSite};
use cmaad_fake_entra::{App, FakeEntra};
use common::{call, FfiSession, CLIENT_CLIENT_ID, SECRET, SERVER_CLIENT_ID, TENANT};
use provision_support::{admin, SignIn};
use serde_json::{json, Value};
use site_support::*;
use std::ffi::CString;

/// Another password on the server app (another admin's, say): it must stay.
const OTHER: &str = "another-password-0123456789abcdef";

/// The fake Entra with the automation app, the client app and the server app, whose password
/// `SECRET` ends at `due` (as the site's SecretKeyExpiry says) next to another one.
fn entra(due: chrono::DateTime<chrono::Utc>) -> FakeEntra {
    let mut config = provision_support::directory();
    config.tenants[0].applications.push(
        App::new(SERVER_CLIENT_ID, "CmgServerApp")
            .identifier_uri(&format!("api://{TENANT}/ConfigMgrService"))
            .secret_expiring(SECRET, due)
            .secret_expiring(OTHER, due + chrono::Duration::days(300)),
    );
    config.tenants[0]
        .applications
        .push(App::new(CLIENT_CLIENT_ID, "CmgClientApp").public_client(true));
    FakeEntra::start(config)
}

/// A site holding the server app due at `due` and its client app; the server app's key.
fn site(
    realm: &cmaad_fake_adminservice::kdc::Realm,
    due: chrono::DateTime<chrono::Utc>,
) -> (FakeSite, u32) {
    let site = kerberos_site(realm);
    let tenant = site.seed(
        Class::Tenant,
        json!({"TenantID": TENANT, "Name": "Contoso", "Environment": 1}),
    );
    let expiry = due.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let server = site.seed(Class::Application, json!({"Name": "CmgServerApp", "ClientID": SERVER_CLIENT_ID, "TenantID": tenant, "IsClientApp": false, "SecretKey": SECRET, "SecretKeyExpiry": expiry}));
    site.seed(Class::Application, json!({"Name": "CmgClientApp", "ClientID": CLIENT_CLIENT_ID, "TenantID": tenant, "IsClientApp": true, "AssociatedAADApplications": [server]}));
    (site, server)
}

type SignedInOp = unsafe extern "C" fn(
    *mut cmaad::ffi::cmaad_session,
    *mut cmaad::ffi::cmaad_graph_signin,
    *const std::ffi::c_char,
    *mut *mut std::ffi::c_char,
) -> cmaad_status;

fn signed_in(f: SignedInOp, s: &FfiSession, signin: &SignIn, req: &Value) -> (cmaad_status, Value) {
    let r = CString::new(req.to_string()).unwrap();
    let (status, doc) = call(|out| unsafe { f(s.handle, signin.0, r.as_ptr(), out) });
    assert!(!doc.to_string().contains(OTHER), "{doc}");
    (status, doc)
}

/// The server app's entry of a maintenance report.
fn server_entry(doc: &Value) -> &Value {
    doc["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["Name"] == "CmgServerApp")
        .unwrap_or_else(|| panic!("no server app in {doc}"))
}

#[test]
fn scheduled_maintenance_rotates_a_site_secret_with_an_automation_sign_in() {
    let realm = realm();
    let due = chrono::Utc::now() + chrono::Duration::days(20);
    let entra = entra(due);
    let (site, server) = site(&realm, due);
    let s = entra_site_session(&site, &realm, entra.base_url());
    let signin = admin(&s);

    let (status, doc) = signed_in(
        ffi::cmaad_maintain_secrets_with_signin,
        &s,
        &signin,
        &json!({"RemoveOldSecret": true}),
    );
    assert_eq!(status, cmaad_status::CMAAD_OK, "{doc}");
    let entry = server_entry(&doc);
    assert_eq!(entry["Action"], "Rotated", "{doc}");
    assert!(
        matches!(entry["DaysUntilSecretExpiry"].as_i64(), Some(364 | 365)),
        "{entry}"
    );
    assert_eq!(entry["Rotation"]["OldSecretRemoved"], true, "{entry}");
    assert_eq!(doc["Summary"]["NeedsAttention"], 0, "{doc}");

    let held = site.plain_secret(server).unwrap();
    assert_ne!(held, SECRET, "the site holds the new secret");
    assert!(holds_working_pair(&site, &entra, server, SERVER_CLIENT_ID));
    let left: Vec<String> = entra.snapshot().tenants[0]
        .app_by_id(SERVER_CLIENT_ID)
        .unwrap()
        .secrets
        .iter()
        .map(|p| p.value.clone())
        .collect();
    assert!(
        left.contains(&OTHER.to_string()),
        "the other password stays"
    );
    assert!(
        !left.contains(&SECRET.to_string()),
        "the old password, told by its end, is gone"
    );
    assert_eq!(left.len(), 2);
    let changes = site_changes(&s);
    assert_eq!(
        changes["value"][0]["Operation"], "UpdateSecret",
        "{changes}"
    );
    assert!(!changes.to_string().contains(&held));
    let db = std::fs::read(s.dir.path().join("site.db")).unwrap();
    assert!(
        !String::from_utf8_lossy(&db).contains(&held),
        "no secret in the local store"
    );

    // Nothing is due any more.
    let (_, doc) = signed_in(
        ffi::cmaad_maintain_secrets_with_signin,
        &s,
        &signin,
        &json!({}),
    );
    assert_eq!(doc["Summary"]["Rotated"], 0, "{doc}");
}

#[test]
fn a_refused_site_write_removes_the_new_password_again() {
    let realm = realm();
    let due = chrono::Utc::now() + chrono::Duration::days(20);
    let entra = entra(due);
    let (site, server) = site(&realm, due);
    site.set_refuse_writes(Class::Application, true);
    let s = entra_site_session(&site, &realm, entra.base_url());
    let signin = admin(&s);

    let (status, doc) = signed_in(
        ffi::cmaad_rotate_site_app_secret_with_signin,
        &s,
        &signin,
        &json!({"ID": server, "RemoveOldSecret": true}),
    );
    assert_eq!(status, cmaad_status::CMAAD_INVALID_ARGUMENT, "{doc}");
    assert_eq!(doc["Error"]["Details"]["Step"], "WriteSite", "{doc}");
    assert!(
        doc["Error"]["Message"]
            .as_str()
            .unwrap()
            .contains("removed from Entra again"),
        "{doc}"
    );
    assert_eq!(
        password_count(&entra, SERVER_CLIENT_ID),
        2,
        "only the two passwords of before"
    );
    assert_eq!(site.plain_secret(server).as_deref(), Some(SECRET));
    assert!(holds_working_pair(&site, &entra, server, SERVER_CLIENT_ID));

    // Maintenance reports the failure as needing a person, with the step.
    let (status, doc) = signed_in(
        ffi::cmaad_maintain_secrets_with_signin,
        &s,
        &signin,
        &json!({}),
    );
    assert_eq!(status, cmaad_status::CMAAD_OK, "{doc}");
    let entry = server_entry(&doc);
    assert_eq!(entry["Action"], "NeedsAttention", "{entry}");
    assert_eq!(entry["Error"]["Details"]["Step"], "WriteSite", "{entry}");
    assert!(holds_working_pair(&site, &entra, server, SERVER_CLIENT_ID));

    // Without a sign-in, maintenance says how to rotate instead.
    let (_, doc) =
        call(|out| unsafe { ffi::cmaad_maintain_secrets(s.handle, std::ptr::null(), out) });
    let entry = server_entry(&doc);
    assert_eq!(entry["Action"], "NeedsAttention");
    assert!(
        entry["Detail"]
            .as_str()
            .unwrap()
            .contains("cmaad_maintain_secrets_with_signin"),
        "{entry}"
    );
}
