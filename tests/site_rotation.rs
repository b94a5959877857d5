//! Rotation of a server app's secret held by a ConfigMgr site (fake SMS Provider, Kerberos from
//! a real MIT KDC, the fake Entra/Graph): with a fault injected at each step, the site and Entra
//! always end holding a working pair, and the error names the step.

mod common;
mod site_support;

use cmaad::ffi::{self, cmaad_status};
use cmaad_fake_adminservice::{Class, FakeSite, Fault as SiteFault, FaultKind as SiteFaultKind};
use cmaad_fake_entra::{App, Config, Endpoint, FakeEntra, Fault, FaultKind, GraphOp, Tenant};
use common::{call, code, FfiSession, SECRET, SERVER_CLIENT_ID, TENANT};
use serde_json::{json, Value};
use site_support::*;
use std::ffi::CString;

const APP_ID_URI: &str = "api://05a349fa-0d5c-4a1c-9f3e-1c2d3e4f5a6b/ConfigMgrService";

fn entra() -> FakeEntra {
    let server = App::new(SERVER_CLIENT_ID, "CmgServerApp")
        .identifier_uri(APP_ID_URI)
        .secret(SECRET)
        .graph_roles(&["Application.ReadWrite.OwnedBy", "Directory.Read.All"]);
    FakeEntra::start(Config::new().tenant(Tenant::new(TENANT).app(server)))
}

/// A site holding the server app as the console imported it, and a session on it.
fn site_with_app(
    realm: &cmaad_fake_adminservice::kdc::Realm,
    entra: &FakeEntra,
) -> (FakeSite, FfiSession, u32) {
    let site = kerberos_site(realm);
    let tenant = site.seed(
        Class::Tenant,
        json!({"TenantID": TENANT, "Name": "Contoso", "Environment": 1}),
    );
    let expiry = (chrono::Utc::now() + chrono::Duration::days(30))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let app = site.seed(Class::Application, json!({"Name": "CmgServerApp", "ClientID": SERVER_CLIENT_ID, "TenantID": tenant, "IsClientApp": false, "SecretKey": SECRET, "SecretKeyExpiry": expiry, "IdentifierUri": APP_ID_URI}));
    let s = entra_site_session(&site, realm, entra.base_url());
    (site, s, app)
}

fn rotate(s: &FfiSession, request: Value, current: &str) -> (cmaad_status, Value) {
    let r = CString::new(request.to_string()).unwrap();
    let units: Vec<u16> = current.encode_utf16().collect();
    call(|out| unsafe {
        ffi::cmaad_rotate_site_app_secret(s.handle, r.as_ptr(), units.as_ptr(), units.len(), out)
    })
}

/// The secret the site holds is one of the app's passwords in Entra, not expired: the CMG works.
fn working_pair(site: &FakeSite, entra: &FakeEntra, app: u32) -> bool {
    holds_working_pair(site, entra, app, SERVER_CLIENT_ID)
}

fn passwords(entra: &FakeEntra) -> usize {
    password_count(entra, SERVER_CLIENT_ID)
}

#[test]
fn rotation_writes_the_site_then_removes_the_old_password() {
    let realm = realm();
    let entra = entra();
    let (site, s, app) = site_with_app(&realm, &entra);
    let (status, doc) = rotate(
        &s,
        json!({"ID": app, "RemoveOldSecret": true, "ValidityDays": 180}),
        SECRET,
    );
    assert_eq!(status, cmaad_status::CMAAD_OK, "{doc}");
    assert_eq!(doc["Rotation"]["OldSecretRemoved"], true, "{doc}");
    assert!(
        matches!(doc["DaysUntilSecretExpiry"].as_i64(), Some(179 | 180)),
        "{doc}"
    );
    let held = site.plain_secret(app).unwrap();
    assert_ne!(held, SECRET, "the site holds the new secret");
    assert!(working_pair(&site, &entra, app));
    assert_eq!(passwords(&entra), 1, "only the new password is left");
    let changes = site_changes(&s);
    assert_eq!(changes["value"][0]["Operation"], "UpdateSecret");
    assert!(!changes.to_string().contains(&held));
    assert_eq!(site.auth_counts().kerberos, 1);
}

/// Runs a rotation that must fail at `step`; the site keeps a working pair.
fn fails_at(site: &FakeSite, entra: &FakeEntra, s: &FfiSession, app: u32, step: &str) -> Value {
    let (status, doc) = rotate(s, json!({"ID": app, "RemoveOldSecret": true}), SECRET);
    assert_ne!(status, cmaad_status::CMAAD_OK, "{doc}");
    assert_eq!(doc["Error"]["Details"]["Step"], step, "{doc}");
    assert!(
        working_pair(site, entra, app),
        "a failure at {step} broke the CMG's pair: {doc}"
    );
    doc
}

#[test]
fn a_fault_at_every_step_leaves_a_working_pair() {
    let realm = realm();
    let entra = entra();
    let (site, s, app) = site_with_app(&realm, &entra);

    entra.add_fault(Fault::on(Endpoint::Token, FaultKind::Aadsts(7000215)).times(1));
    fails_at(&site, &entra, &s, app, "GraphToken");
    entra.add_fault(Fault::on(Endpoint::Graph, FaultKind::WrongContentType).times(1));
    fails_at(&site, &entra, &s, app, "ReadRegistration");
    entra.add_graph_write_fault(
        GraphOp::AddPassword,
        FaultKind::Status {
            status: 403,
            retry_after_secs: None,
        },
        1,
    );
    fails_at(&site, &entra, &s, app, "AddPassword");
    assert_eq!(passwords(&entra), 1);

    // The new password does not work within the wait: it is removed again.
    entra.update(|c| c.password_propagation_ms = 60_000);
    let (status, doc) = rotate(
        &s,
        json!({"ID": app, "PropagationTimeoutSeconds": 1}),
        SECRET,
    );
    assert_ne!(status, cmaad_status::CMAAD_OK);
    assert_eq!(doc["Error"]["Details"]["Step"], "VerifyNewSecret", "{doc}");
    assert!(working_pair(&site, &entra, app));
    assert_eq!(passwords(&entra), 1);
    entra.update(|c| c.password_propagation_ms = 0);

    // The provider refuses the write: the new password is removed, the site keeps the old one.
    site.add_fault(SiteFault::on(
        "PUT",
        Class::Application,
        SiteFaultKind::Error {
            status: 500,
            code: "500".into(),
            message: "Generic failure".into(),
        },
    ));
    let doc = fails_at(&site, &entra, &s, app, "WriteSite");
    assert!(
        doc["Error"]["Message"]
            .as_str()
            .unwrap()
            .contains("removed from Entra again"),
        "{doc}"
    );
    assert_eq!(passwords(&entra), 1);
    assert_eq!(site.plain_secret(app).as_deref(), Some(SECRET));
    site.clear_faults();

    // The provider acknowledges the write and loses it: both passwords stay.
    site.add_fault(SiteFault::on("PUT", Class::Application, SiteFaultKind::LoseWrite).times(1));
    let doc = fails_at(&site, &entra, &s, app, "ConfirmSite");
    assert_eq!(code(&doc), "SiteWriteNotConfirmed");
    assert_eq!(
        passwords(&entra),
        2,
        "both passwords are kept when the site's state is unknown"
    );

    // The provider is unreachable while the write is confirmed: both passwords stay as well.
    site.add_fault(SiteFault::on(
        "GET",
        Class::Application,
        SiteFaultKind::Status(503),
    ));
    let (status, doc) = rotate(&s, json!({"ID": app}), SECRET);
    assert_ne!(status, cmaad_status::CMAAD_OK, "{doc}");
    site.clear_faults();
    assert!(working_pair(&site, &entra, app), "{doc}");

    // And a clean rotation still works afterwards.
    let (status, doc) = rotate(&s, json!({"ID": app}), SECRET);
    assert_eq!(status, cmaad_status::CMAAD_OK, "{doc}");
    assert!(working_pair(&site, &entra, app));
}
