//! Verification and secret maintenance over a ConfigMgr site's apps (fake SMS Provider with
//! Kerberos from a real MIT KDC, the fake Entra): what can be checked without the secret (the
//! app exists in the tenant) is checked, what needs it says plainly that the site holds it,
//! imported apps get the expiry warning the console never shows, and nothing is written.

mod common;
mod provision_support;
mod site_support;

use cmaad::ffi::{self, cmaad_status};
use cmaad_fake_adminservice::{Class, FakeSite};
use cmaad_fake_entra::{App, Config, Endpoint, FakeEntra, Tenant};
use common::{call, FfiSession, CLIENT_CLIENT_ID, SECRET, SERVER_CLIENT_ID, TENANT};
use serde_json::{json, Value};
use site_support::*;
use std::ffi::CString;
use std::ptr;

/// A server app the site holds but the tenant does not have (deleted in Entra).
const GONE_CLIENT_ID: &str = "0bad0bad-1111-4222-8333-444455556666";

fn entra() -> FakeEntra {
    let server = App::new(SERVER_CLIENT_ID, "CmgServerApp").secret(SECRET);
    let client = App::new(CLIENT_CLIENT_ID, "CmgClientApp");
    FakeEntra::start(Config::new().tenant(Tenant::new(TENANT).app(server).app(client)))
}

/// A site holding, as the console imported them, a server app due in `due_days`, its client
/// app, and a server app deleted from Entra (due in 200 days); and a session on it.
fn site_with_apps(
    realm: &cmaad_fake_adminservice::kdc::Realm,
    entra: &FakeEntra,
    due_days: i64,
) -> (FakeSite, FfiSession) {
    let site = kerberos_site(realm);
    let tenant = site.seed(
        Class::Tenant,
        json!({"TenantID": TENANT, "Name": "Contoso", "Environment": 1}),
    );
    let expiry = |days: i64| {
        (chrono::Utc::now() + chrono::Duration::days(days))
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    };
    let server = site.seed(Class::Application, json!({"Name": "CmgServerApp", "ClientID": SERVER_CLIENT_ID, "TenantID": tenant, "IsClientApp": false, "SecretKey": SECRET, "SecretKeyExpiry": expiry(due_days)}));
    site.seed(Class::Application, json!({"Name": "CmgClientApp", "ClientID": CLIENT_CLIENT_ID, "TenantID": tenant, "IsClientApp": true, "AssociatedAADApplications": [server]}));
    site.seed(Class::Application, json!({"Name": "GoneApp", "ClientID": GONE_CLIENT_ID, "TenantID": tenant, "IsClientApp": false, "SecretKey": "old-secret-value", "SecretKeyExpiry": expiry(200)}));
    let s = entra_site_session(&site, realm, entra.base_url());
    (site, s)
}

fn entry<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["Name"] == name)
        .unwrap_or_else(|| panic!("no {name} in {doc}"))
}

fn check<'a>(verification: &'a Value, name: &str) -> &'a Value {
    verification["Checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["Name"] == name)
        .unwrap_or_else(|| panic!("no check {name} in {verification}"))
}

fn maintain(s: &FfiSession, request: Option<Value>) -> (cmaad_status, Value) {
    let r = request.map(|r| CString::new(r.to_string()).unwrap());
    call(|out| unsafe {
        ffi::cmaad_maintain_secrets(
            s.handle,
            r.as_ref().map_or(ptr::null(), |c| c.as_ptr()),
            out,
        )
    })
}

/// Nothing was written to the site, no secret went to Entra, and the site's secret is unchanged.
fn assert_untouched(site: &FakeSite, entra: &FakeEntra) {
    assert!(
        site.requests().iter().all(|r| r.method == "GET"),
        "verification and maintenance only read the site"
    );
    assert!(
        entra
            .requests()
            .iter()
            .all(|r| r.endpoint == Endpoint::DeviceCode && r.form_field("client_secret").is_none()),
        "only device-code probes, no secret: {:?}",
        entra.requests().iter().map(|r| &r.path).collect::<Vec<_>>()
    );
    let server = site
        .objects(Class::Application)
        .into_iter()
        .find(|a| a["ClientID"] == SERVER_CLIENT_ID)
        .unwrap();
    assert_eq!(
        site.plain_secret(server["ID"].as_u64().unwrap() as u32)
            .as_deref(),
        Some(SECRET)
    );
}

#[test]
fn site_apps_are_verified_as_far_as_their_secret_allows() {
    let realm = realm();
    let entra = entra();
    let (site, s) = site_with_apps(&realm, &entra, 200);
    let (status, doc) = call(|out| unsafe { ffi::cmaad_verify_apps(s.handle, ptr::null(), out) });
    assert_eq!(status, cmaad_status::CMAAD_OK, "{doc}");
    assert_eq!(doc["Summary"]["Total"], 3, "{doc}");
    assert_eq!(
        (&doc["Summary"]["Verified"], &doc["Summary"]["Failed"]),
        (&json!(2), &json!(1)),
        "{doc}"
    );

    let server = entry(&doc, "CmgServerApp");
    assert_eq!(server["Verified"], true, "{server}");
    assert!(server["LastVerified"].is_string(), "{server}");
    assert!((199..=200).contains(&server["DaysUntilSecretExpiry"].as_i64().unwrap()));
    let v = &server["Verification"];
    assert_eq!(check(v, "AppExists")["Outcome"], "Passed", "{v}");
    for name in ["SecretKey", "AppIdUri"] {
        let c = check(v, name);
        assert_eq!(c["Outcome"], "NotChecked", "{v}");
        assert!(
            c["Detail"].as_str().unwrap().contains("site XYZ holds")
                || c["Detail"].as_str().unwrap().contains("Site XYZ holds"),
            "{c}"
        );
    }
    let client = entry(&doc, "CmgClientApp");
    assert_eq!(client["Verified"], true, "{client}");
    assert_eq!(
        check(&client["Verification"], "AppExists")["Outcome"],
        "Passed"
    );
    assert_eq!(
        check(&client["Verification"], "PublicClientFlows")["Outcome"],
        "NotChecked"
    );

    let gone = entry(&doc, "GoneApp");
    assert_eq!(gone["Verified"], false, "{gone}");
    assert!(
        gone["Error"]["Message"]
            .as_str()
            .unwrap()
            .contains("700016")
            || gone["Error"]["EntraErrorCodes"]
                .to_string()
                .contains("700016"),
        "{gone}"
    );
    assert_eq!(
        check(&gone["Error"]["Details"], "AppExists")["Outcome"],
        "Failed",
        "{gone}"
    );
    assert_untouched(&site, &entra);
}

#[test]
fn maintenance_warns_of_expiring_site_secrets_and_points_to_the_site_rotation() {
    let realm = realm();
    let entra = entra();
    let (site, s) = site_with_apps(&realm, &entra, 20);

    let (status, doc) = maintain(&s, None);
    assert_eq!(status, cmaad_status::CMAAD_OK, "{doc}");
    let due = entry(&doc, "CmgServerApp");
    assert_eq!(due["Action"], "NeedsAttention", "{due}");
    assert!(
        (19..=20).contains(&due["DaysUntilSecretExpiry"].as_i64().unwrap()),
        "{due}"
    );
    let detail = due["Detail"].as_str().unwrap();
    assert!(
        detail.contains("cmaad_rotate_site_app_secret") && detail.contains("Renew Secret Key"),
        "{detail}"
    );
    assert_eq!(entry(&doc, "CmgClientApp")["Action"], "Verified");
    assert!(entry(&doc, "CmgClientApp")["Detail"]
        .as_str()
        .unwrap()
        .contains("holds its secret"));
    assert_eq!(
        entry(&doc, "GoneApp")["Action"],
        "NeedsAttention",
        "the app is gone from Entra"
    );
    assert_eq!(doc["Summary"]["NeedsAttention"], 2, "{doc}");
    assert_eq!(doc["Summary"]["Rotated"], 0);

    // Without rotation asked for, the due secret is reported as due.
    let (status, doc) = maintain(&s, Some(json!({"Rotate": false})));
    assert_eq!(status, cmaad_status::CMAAD_OK, "{doc}");
    assert_eq!(
        entry(&doc, "CmgServerApp")["Action"],
        "RotationDue",
        "{doc}"
    );
    assert_eq!(doc["Summary"]["NeedsAttention"], 1, "{doc}");
    // Not due yet within 10 days.
    let (_, doc) = maintain(&s, Some(json!({"RotateWithinDays": 10})));
    assert_eq!(entry(&doc, "CmgServerApp")["Action"], "Verified", "{doc}");

    assert_untouched(&site, &entra);
    assert_eq!(site_changes(&s)["value"], json!([]), "nothing journaled");
}

/// The checks of a verification entry, passed or failed.
fn checks_of(entry: &Value) -> Value {
    match entry.get("Verification") {
        Some(v) => v.clone(),
        None => entry["Error"]["Details"].clone(),
    }
}

#[test]
fn a_graph_sign_in_audits_the_registrations_of_site_apps() {
    let realm = realm();
    let secret_end = chrono::Utc::now() + chrono::Duration::days(200);
    let mut config = provision_support::directory();
    config.tenants[0].applications.push(
        App::new(SERVER_CLIENT_ID, "CmgServerApp")
            .identifier_uri(&format!("api://{TENANT}/ConfigMgrService"))
            .secret_expiring(SECRET, secret_end),
    );
    config.tenants[0]
        .applications
        .push(App::new(CLIENT_CLIENT_ID, "CmgClientApp").public_client(true));
    let entra = FakeEntra::start(config);
    let verify = |s: &FfiSession| {
        let signin = provision_support::admin(s);
        let (status, doc) = call(|out| unsafe {
            ffi::cmaad_verify_apps_with_signin(s.handle, signin.0, ptr::null(), out)
        });
        assert_eq!(status, cmaad_status::CMAAD_OK, "{doc}");
        doc
    };

    // The site's expiry matches a password on the registration: the secret is still there.
    let (site, s) = site_with_apps(&realm, &entra, 200);
    let doc = verify(&s);
    let server = checks_of(entry(&doc, "CmgServerApp"));
    let outcomes: Vec<&str> = [
        "AppExists",
        "SiteSecretOnRegistration",
        "SecretKey",
        "AppIdUri",
    ]
    .iter()
    .map(|name| check(&server, name)["Outcome"].as_str().unwrap())
    .collect();
    assert_eq!(
        outcomes[..3],
        ["Passed", "Passed", "NotChecked"],
        "the secret is never tried: {server}"
    );
    assert_ne!(outcomes[3], "NotChecked", "audited through Graph: {server}");
    let client = checks_of(entry(&doc, "CmgClientApp"));
    assert_eq!(
        check(&client, "PublicClientFlows")["Outcome"],
        "Passed",
        "{client}"
    );
    let gone = entry(&doc, "GoneApp");
    assert_eq!(gone["Verified"], false);
    assert_eq!(
        check(&checks_of(gone), "AppExists")["Outcome"],
        "Failed",
        "{gone}"
    );
    assert!(site.requests().iter().all(|r| r.method == "GET"));

    // A site whose expiry no password matches: the secret it holds may be gone from Entra.
    let (_second_site, s) = site_with_apps(&realm, &entra, 20);
    let doc = verify(&s);
    let server = entry(&doc, "CmgServerApp");
    assert_eq!(server["Verified"], false, "{server}");
    assert_eq!(
        check(&checks_of(server), "SiteSecretOnRegistration")["Outcome"],
        "Failed",
        "{server}"
    );
    assert!(
        server["Error"]["Message"]
            .as_str()
            .unwrap()
            .contains("may have been removed in Entra"),
        "{server}"
    );

    // A store session verifies as cmaad_verify_apps does.
    let store = provision_support::session(&entra);
    let doc = verify(&store);
    assert_eq!(doc["Summary"]["Total"], 0, "{doc}");
}
