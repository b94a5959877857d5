//! Every change a cmdlet makes, against a ConfigMgr site: set and remove apps, set a secret,
//! set and remove services, rename a tenant, through the C ABI against the fake SMS Provider
//! authenticated by Kerberos tickets from a real MIT KDC. Each write is a whole-object `PUT` or a
//! `DELETE` on the documented `wmi` route, read back, journaled without secrets; a site that
//! refuses writes still reads, and its refusals name the console steps; a store-only session
//! works as before.

mod common;
mod site_support;

use cmaad::ffi::{self, cmaad_session, cmaad_status};
use cmaad_fake_adminservice::{Class, FakeSite, RecordedRequest};
use common::{call, code, target, FfiSession, CLIENT_CLIENT_ID, SECRET, SERVER_CLIENT_ID, TENANT};
use serde_json::{json, Value};
use site_support::*;
use std::ffi::{c_char, CString};

/// A secret renewed in the portal; it must reach the site and never a document, log or journal.
const NEW_SECRET: &str = "Qk8~renewed.Secret_Value-0123456789ab";

type Op = unsafe extern "C" fn(*mut cmaad_session, *const c_char, *mut *mut c_char) -> cmaad_status;

/// Calls a request-taking C function of the session.
fn op(s: &FfiSession, f: Op, req: &Value) -> (cmaad_status, Value) {
    let r = CString::new(req.to_string()).unwrap();
    let (status, doc) = call(|out| unsafe { f(s.handle, r.as_ptr(), out) });
    assert!(!doc.to_string().contains(NEW_SECRET), "{doc}");
    (status, doc)
}

/// `cmaad_set_app_secret` with `secret`.
fn set_secret(s: &FfiSession, req: &Value, secret: &str) -> (cmaad_status, Value) {
    let units: Vec<u16> = secret.encode_utf16().collect();
    let r = CString::new(req.to_string()).unwrap();
    let (status, doc) = call(|out| unsafe {
        ffi::cmaad_set_app_secret(s.handle, r.as_ptr(), units.as_ptr(), units.len(), out)
    });
    assert!(!doc.to_string().contains(secret), "{doc}");
    (status, doc)
}

/// Imports the onboarding example (server app, client app, service with user discovery);
/// returns the server app, client app and service IDs.
fn onboard(s: &FfiSession) -> (i64, i64, i64) {
    let (server, client) = s.seed();
    let (status, service) = s.new_service(&json!({"Name": "Contoso", "Description": "Azure Service", "ServerAppId": server, "ClientAppId": client, "EnableUserDiscovery": true}));
    assert_eq!(status, cmaad_status::CMAAD_OK, "{service}");
    (server, client, service["ID"].as_i64().unwrap())
}

fn object(site: &FakeSite, class: Class, id: i64) -> serde_json::Map<String, Value> {
    site.objects(class)
        .into_iter()
        .find(|o| o["ID"].as_i64() == Some(id))
        .unwrap_or_else(|| panic!("{} {id} is not on the site", class.name()))
}

fn writes(site: &FakeSite) -> Vec<RecordedRequest> {
    site.requests()
        .into_iter()
        .filter(|r| r.method != "GET" && r.status != 401)
        .collect()
}

/// The (Class, Operation) pairs of the journal, oldest first.
fn journal_ops(s: &FfiSession) -> Vec<(String, String)> {
    site_changes(s)["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["Class"].as_str().unwrap().to_string(),
                c["Operation"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// No secret in the local store file (journal included), nor in any read the site answered.
fn assert_no_secret_kept(s: &FfiSession, site: &FakeSite) {
    let db = std::fs::read(s.dir.path().join("site.db")).unwrap();
    let text = String::from_utf8_lossy(&db);
    for secret in [SECRET, NEW_SECRET, PASSWORD] {
        assert!(!text.contains(secret), "a secret is in the local store");
        assert!(
            !site_changes(s).to_string().contains(secret),
            "a secret is in the journal"
        );
    }
    for r in site
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path.contains("SMS_AAD_Application_Ex"))
    {
        let query = percent_decode(r.query.as_deref().unwrap_or(""));
        assert!(
            query.contains("$select=")
                && !query.contains("SecretKey,")
                && !query.ends_with("SecretKey"),
            "SecretKey is never selected: {query}"
        );
    }
}

#[test]
fn apps_services_and_tenants_change_in_the_site() {
    let realm = realm();
    let site = kerberos_site(&realm);
    let s = kerberos_session(&site, &realm, json!({}));
    let (server, client, service) = onboard(&s);
    site.clear_requests();

    // Set-CMAADApplication -NewName -AppIdUri: a whole-object PUT, read back.
    let uri = format!("api://{TENANT}/ConfigMgrCmg");
    let (status, app) = op(
        &s,
        ffi::cmaad_set_app,
        &json!({"ID": server, "NewName": "CmgServer2", "AppIdUri": uri}),
    );
    assert_eq!(status, cmaad_status::CMAAD_OK, "{app}");
    assert_eq!(app["Name"], "CmgServer2");
    let row = object(&site, Class::Application, server);
    assert_eq!(row["Name"], "CmgServer2");
    assert_eq!(row["IdentifierUri"], uri.as_str());
    assert_eq!(
        site.plain_secret(server as u32).as_deref(),
        Some(SECRET),
        "a rename keeps the site's secret"
    );
    let put = writes(&site);
    assert!(put.iter().any(|r| r.method == "PUT"
        && r.path
            .ends_with(&format!("SMS_AAD_Application_Ex({server})"))
        && r.status == 200
        && !r.carried_secret));
    // By ClientId and TenantId too.
    let (status, app) = op(
        &s,
        ffi::cmaad_set_app,
        &json!({"ClientId": CLIENT_CLIENT_ID, "TenantId": TENANT, "NewName": "CmgClient2"}),
    );
    assert_eq!(status, cmaad_status::CMAAD_OK, "{app}");
    assert_eq!(
        object(&site, Class::Application, client)["Name"],
        "CmgClient2"
    );

    // Get-CMAADTenant from the site, with its counts; a rename lands in SMS_AAD_Tenant_Ex.
    let (status, tenants) = op(&s, ffi::cmaad_get_tenants, &json!({"TenantId": TENANT}));
    assert_eq!(status, cmaad_status::CMAAD_OK, "{tenants}");
    let t = &tenants["value"][0];
    assert_eq!(
        (
            &t["Name"],
            &t["ServerAppCount"],
            &t["ClientAppCount"],
            &t["ServiceCount"]
        ),
        (&json!("Contoso"), &json!(1), &json!(1), &json!(1)),
        "{tenants}"
    );
    let (status, tenant) = op(
        &s,
        ffi::cmaad_set_tenant,
        &json!({"TenantId": TENANT, "NewName": "Contoso Ltd"}),
    );
    assert_eq!(status, cmaad_status::CMAAD_OK, "{tenant}");
    assert_eq!(tenant["Name"], "Contoso Ltd");
    assert_eq!(site.objects(Class::Tenant)[0]["Name"], "Contoso Ltd");
    let (_, apps) = s.get(Some(&json!({"TenantName": "Contoso Ltd"})));
    assert_eq!(apps["value"].as_array().map(Vec::len), Some(2), "{apps}");
    // The one tenant setting the class has no documented property for is refused, plainly.
    let (status, doc) = op(
        &s,
        ffi::cmaad_set_tenant,
        &json!({"TenantId": TENANT, "DisableAADAuthentication": true}),
    );
    assert_eq!(status, cmaad_status::CMAAD_INVALID_ARGUMENT, "{doc}");
    assert_eq!(
        (code(&doc), target(&doc)),
        ("SiteSettingNotWritable", "DisableAADAuthentication")
    );
    assert!(
        doc["Error"]["Message"]
            .as_str()
            .unwrap()
            .contains("Microsoft Entra Tenants"),
        "{doc}"
    );

    // Get-CMAzureService by name pattern and by ID, from the site.
    let (status, list) = op(&s, ffi::cmaad_get_services, &json!({"Name": "cont*"}));
    assert_eq!(status, cmaad_status::CMAAD_OK, "{list}");
    assert_eq!(list["value"][0]["ID"], service, "{list}");
    let (_, none) = op(&s, ffi::cmaad_get_services, &json!({"Name": "Fabrikam*"}));
    assert_eq!(none["value"], json!([]));

    // Set-CMCloudManagementAzureService: the service's name and description, and discovery.
    let (status, changed) = op(
        &s,
        ffi::cmaad_set_cloud_management_service,
        &json!({"ID": service, "NewName": "Contoso CMG", "Description": "", "EnableGroupDiscovery": true, "AddGroupName": ["CMG Admins"]}),
    );
    assert_eq!(status, cmaad_status::CMAAD_OK, "{changed}");
    assert_eq!(changed["Name"], "Contoso CMG");
    let row = object(&site, Class::CloudService, service);
    assert_eq!(
        (&row["Name"], &row["Description"]),
        (&json!("Contoso CMG"), &Value::Null)
    );
    let discovery = site.objects(Class::DiscoverySettings);
    assert_eq!(
        discovery.len(),
        2,
        "user and group discovery rows: {discovery:?}"
    );
    let group = discovery.iter().find(|d| d["AgentType"] == 2).unwrap();
    assert_eq!(group["DiscoveryScopeNames"], json!(["CMG Admins"]));
    assert_eq!(group["FullSyncEnabled"], true);
    let (status, off) = op(
        &s,
        ffi::cmaad_set_cloud_management_service,
        &json!({"Name": "Contoso CMG", "EnableUserDiscovery": false}),
    );
    assert_eq!(status, cmaad_status::CMAAD_OK, "{off}");
    let user = site
        .objects(Class::DiscoverySettings)
        .into_iter()
        .find(|d| d["AgentType"] == 1)
        .unwrap();
    assert_eq!(
        user["FullSyncEnabled"], false,
        "disabled discovery is switched off, not deleted"
    );
    // Collection sync has no documented write: refused before anything is written.
    let before = site.objects(Class::CloudService);
    let (status, doc) = op(
        &s,
        ffi::cmaad_set_cloud_management_service,
        &json!({"ID": service, "NewName": "Other", "EnableAADGroupSync": true}),
    );
    assert_eq!(status, cmaad_status::CMAAD_INVALID_ARGUMENT, "{doc}");
    assert_eq!(
        (code(&doc), target(&doc)),
        ("SiteSettingNotWritable", "EnableAADGroupSync")
    );
    assert_eq!(
        site.objects(Class::CloudService),
        before,
        "nothing was half-written"
    );

    // Remove-CMAADApplication: refused while the service uses the app, as for the store.
    let (status, doc) = op(&s, ffi::cmaad_remove_app, &json!({"ID": server}));
    assert_eq!(
        (status, code(&doc)),
        (cmaad_status::CMAAD_INVALID_ARGUMENT, "AppInUse"),
        "{doc}"
    );
    // Remove-CMAzureService: discovery rows, then the service; the apps stay.
    let (status, removed) = op(&s, ffi::cmaad_remove_service, &json!({"ID": service}));
    assert_eq!(status, cmaad_status::CMAAD_OK, "{removed}");
    assert_eq!(removed["Removed"], true);
    assert!(site.objects(Class::CloudService).is_empty());
    assert!(site.objects(Class::DiscoverySettings).is_empty());
    assert_eq!(site.objects(Class::Application).len(), 2);
    // The server app goes after its client app.
    let (status, doc) = op(&s, ffi::cmaad_remove_app, &json!({"ID": server}));
    assert_eq!(
        (status, code(&doc)),
        (cmaad_status::CMAAD_INVALID_ARGUMENT, "AppHasClientApps"),
        "{doc}"
    );
    for id in [client, server] {
        let (status, removed) = op(&s, ffi::cmaad_remove_app, &json!({"ID": id}));
        assert_eq!(status, cmaad_status::CMAAD_OK, "{removed}");
        assert_eq!(
            (&removed["Removed"], &removed["TenantRemoved"]),
            (&json!(true), &json!(false))
        );
    }
    assert!(site.objects(Class::Application).is_empty());
    assert_eq!(
        site.objects(Class::Tenant).len(),
        1,
        "the tenant stays on the site"
    );
    let deletes: Vec<u16> = writes(&site)
        .iter()
        .filter(|r| r.method == "DELETE")
        .map(|r| r.status)
        .collect();
    assert_eq!(
        deletes,
        vec![204; 5],
        "2 discovery rows, the service, 2 apps"
    );
    let (status, doc) = op(&s, ffi::cmaad_remove_app, &json!({"ID": server}));
    assert_eq!(
        (status, code(&doc)),
        (cmaad_status::CMAAD_NOT_FOUND, "AppNotFound"),
        "{doc}"
    );

    // Every change is journaled, in order, without secrets.
    let ops = journal_ops(&s);
    let expected: Vec<(&str, &str)> = vec![
        ("SMS_AAD_Tenant_Ex", "Create"),
        ("SMS_AAD_Application_Ex", "Create"),
        ("SMS_AAD_Application_Ex", "Create"),
        ("SMS_Azure_CloudService", "Create"),
        ("SMS_AAD_Discovery_Settings", "Create"),
        ("SMS_AAD_Application_Ex", "Update"),
        ("SMS_AAD_Application_Ex", "Update"),
        ("SMS_AAD_Tenant_Ex", "Update"),
        ("SMS_Azure_CloudService", "Update"),
        ("SMS_AAD_Discovery_Settings", "Create"),
        ("SMS_AAD_Discovery_Settings", "Update"),
        ("SMS_AAD_Discovery_Settings", "Delete"),
        ("SMS_AAD_Discovery_Settings", "Delete"),
        ("SMS_Azure_CloudService", "Delete"),
        ("SMS_AAD_Application_Ex", "Delete"),
        ("SMS_AAD_Application_Ex", "Delete"),
    ];
    let ops: Vec<(&str, &str)> = ops.iter().map(|(c, o)| (c.as_str(), o.as_str())).collect();
    assert_eq!(ops, expected);
    assert_no_secret_kept(&s, &site);
    assert!(
        site.requests()
            .iter()
            .filter(|r| r.carried_secret)
            .all(|r| r.method == "POST"),
        "only the import sent a secret"
    );
}

#[test]
fn a_renewed_secret_reaches_the_site_only_over_a_checked_connection() {
    let realm = realm();
    let site = kerberos_site(&realm);
    let s = kerberos_session(&site, &realm, json!({}));
    let (server, client) = s.seed();
    let expiry = (chrono::Utc::now() + chrono::Duration::days(200))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);

    // Set-CMAADApplication -SecretKey -SecretKeyExpiry: SecretKey + SecretKeyExpiry in one PUT.
    site.clear_requests();
    let (status, app) = set_secret(
        &s,
        &json!({"ID": server, "SecretKeyExpiry": expiry}),
        NEW_SECRET,
    );
    assert_eq!(status, cmaad_status::CMAAD_OK, "{app}");
    assert!(
        (199..=200).contains(&app["DaysUntilSecretExpiry"].as_i64().unwrap()),
        "{app}"
    );
    assert_eq!(
        site.plain_secret(server as u32).as_deref(),
        Some(NEW_SECRET),
        "the CMG gets the new secret"
    );
    let row = object(&site, Class::Application, server);
    assert_ne!(row["SecretKey"], NEW_SECRET, "the provider keeps it sealed");
    let secret_writes: Vec<_> = site
        .requests()
        .into_iter()
        .filter(|r| r.carried_secret)
        .collect();
    assert_eq!(secret_writes.len(), 1);
    assert_eq!(secret_writes[0].method, "PUT");
    assert!(secret_writes[0]
        .path
        .ends_with(&format!("SMS_AAD_Application_Ex({server})")));
    let body = secret_writes[0].body.as_ref().unwrap();
    assert_eq!(body["SecretKey"], "<redacted>");
    assert!(body["SecretKeyExpiry"]
        .as_str()
        .is_some_and(|e| e.starts_with(&expiry[..10])));
    assert_eq!(
        journal_ops(&s).last().unwrap(),
        &(
            "SMS_AAD_Application_Ex".to_string(),
            "UpdateSecret".to_string()
        )
    );
    // A client app has no secret: refused, nothing sent.
    let (status, doc) = set_secret(
        &s,
        &json!({"ID": client, "SecretKeyExpiry": expiry}),
        NEW_SECRET,
    );
    assert_eq!(
        (status, code(&doc)),
        (cmaad_status::CMAAD_INVALID_ARGUMENT, "NotAServerApp"),
        "{doc}"
    );

    // The store's rotation needs the secret back, which a site never gives: a clear refusal.
    let (status, doc) = op(&s, ffi::cmaad_rotate_app_secret, &json!({"ID": server}));
    assert_eq!(
        (status, code(&doc), target(&doc)),
        (
            cmaad_status::CMAAD_INVALID_ARGUMENT,
            "SiteHoldsSecret",
            "SecretKey"
        ),
        "{doc}"
    );
    assert!(
        doc["Error"]["Message"]
            .as_str()
            .unwrap()
            .contains("cmaad_rotate_site_app_secret"),
        "{doc}"
    );
    assert_no_secret_kept(&s, &site);

    // With SkipCertificateCheck the secret is never sent.
    let unchecked = kerberos_session(&site, &realm, json!({"SkipCertificateCheck": true}));
    site.clear_requests();
    let (status, doc) = set_secret(
        &unchecked,
        &json!({"ID": server, "SecretKeyExpiry": expiry}),
        "another-secret-value-0123456789",
    );
    assert_eq!(
        (status, target(&doc)),
        (
            cmaad_status::CMAAD_INVALID_ARGUMENT,
            "Site.SkipCertificateCheck"
        ),
        "{doc}"
    );
    assert!(
        site.requests().iter().all(|r| r.method == "GET"),
        "nothing was written"
    );
    assert_eq!(
        site.plain_secret(server as u32).as_deref(),
        Some(NEW_SECRET)
    );
}

#[test]
fn a_site_refusing_writes_still_reads_and_names_the_console_steps() {
    let realm = realm();
    let site = kerberos_site(&realm);
    let s = kerberos_session(&site, &realm, json!({}));
    let (server, _, service) = onboard(&s);
    let tenant_row = site.objects(Class::Tenant)[0]["ID"].clone();
    let spare = site.seed(
        Class::Application,
        json!({"Name": "Spare", "ClientID": "11111111-2222-4333-8444-555555555555", "TenantID": tenant_row, "IsClientApp": true}),
    );
    for class in Class::ALL {
        site.set_refuse_writes(class, true);
    }
    // A fresh session probes again before its first write to each class.
    let s = kerberos_session(&site, &realm, json!({}));
    let snapshot = |site: &FakeSite| Class::ALL.map(|c| site.objects(c));
    let before = snapshot(&site);

    let (status, apps) = s.get(None);
    assert_eq!(
        (status, apps["value"].as_array().map(Vec::len)),
        (cmaad_status::CMAAD_OK, Some(3)),
        "{apps}"
    );
    let (status, services) = op(&s, ffi::cmaad_get_services, &json!({"ID": service}));
    assert_eq!(
        (status, &services["value"][0]["Name"]),
        (cmaad_status::CMAAD_OK, &json!("Contoso")),
        "{services}"
    );
    let (status, tenants) = op(&s, ffi::cmaad_get_tenants, &json!({}));
    assert_eq!(
        (status, &tenants["value"][0]["TenantID"]),
        (cmaad_status::CMAAD_OK, &json!(TENANT)),
        "{tenants}"
    );

    let expiry = (chrono::Utc::now() + chrono::Duration::days(100)).to_rfc3339();
    let refusals = [
        (
            op(
                &s,
                ffi::cmaad_set_app,
                &json!({"ID": server, "NewName": "Renamed"}),
            ),
            "Microsoft Entra Tenants",
        ),
        (
            set_secret(
                &s,
                &json!({"ID": server, "SecretKeyExpiry": expiry}),
                NEW_SECRET,
            ),
            "Renew Secret Key",
        ),
        (
            op(&s, ffi::cmaad_remove_app, &json!({"ID": spare})),
            "choose Delete",
        ),
        (
            op(
                &s,
                ffi::cmaad_set_cloud_management_service,
                &json!({"ID": service, "Description": "changed"}),
            ),
            "choose Properties",
        ),
        (
            op(&s, ffi::cmaad_remove_service, &json!({"ID": service})),
            "choose Delete",
        ),
        (
            op(
                &s,
                ffi::cmaad_set_tenant,
                &json!({"TenantId": TENANT, "NewName": "Renamed"}),
            ),
            "Microsoft Entra Tenants",
        ),
    ];
    for ((status, doc), steps) in refusals {
        assert_eq!(
            (status, code(&doc)),
            (cmaad_status::CMAAD_INVALID_ARGUMENT, "SiteRefusedWrite"),
            "{doc}"
        );
        let message = doc["Error"]["Message"].as_str().unwrap();
        assert!(
            message.contains("Configuration Manager console") && message.contains(steps),
            "{message}"
        );
    }
    assert_eq!(snapshot(&site), before, "nothing was written");
    assert!(
        site.requests()
            .iter()
            .all(|r| !r.carried_secret || r.method == "POST" && r.status == 201),
        "no secret went to a refusing site"
    );
    assert_eq!(site_changes(&s)["value"], json!([]), "nothing journaled");
}

#[test]
fn a_store_session_changes_its_store_as_before() {
    let s = FfiSession::open();
    let (server, client) = s.seed();
    let (status, app) = op(
        &s,
        ffi::cmaad_set_app,
        &json!({"ID": server, "NewName": "Renamed"}),
    );
    assert_eq!(
        (status, &app["Name"]),
        (cmaad_status::CMAAD_OK, &json!("Renamed")),
        "{app}"
    );
    let expiry = (chrono::Utc::now() + chrono::Duration::days(100)).to_rfc3339();
    let (status, app) = set_secret(
        &s,
        &json!({"ID": server, "SecretKeyExpiry": expiry}),
        NEW_SECRET,
    );
    assert_eq!(status, cmaad_status::CMAAD_OK, "{app}");
    let (status, tenant) = op(
        &s,
        ffi::cmaad_set_tenant,
        &json!({"TenantId": TENANT, "DisableAADAuthentication": true}),
    );
    assert_eq!(
        (status, &tenant["DisableAADAuthentication"]),
        (cmaad_status::CMAAD_OK, &json!(true)),
        "{tenant}"
    );
    for id in [client, server] {
        let (status, removed) = op(&s, ffi::cmaad_remove_app, &json!({"ID": id}));
        assert_eq!(status, cmaad_status::CMAAD_OK, "{removed}");
    }
    assert_eq!(removed_tenant(&s), json!([]));
    let (status, doc) = call(|out| unsafe { ffi::cmaad_get_site_changes(s.handle, out) });
    assert_eq!(
        (status, code(&doc)),
        (cmaad_status::CMAAD_INVALID_ARGUMENT, "NoSite"),
        "{doc}"
    );
    let db = std::fs::read(s.dir.path().join("site.db")).unwrap();
    assert!(
        !String::from_utf8_lossy(&db).contains(NEW_SECRET),
        "sealed in the store"
    );
}

/// The store's tenants (the last app's removal takes its tenant along).
fn removed_tenant(s: &FfiSession) -> Value {
    op(s, ffi::cmaad_get_tenants, &json!({})).1["value"].clone()
}

#[test]
fn every_document_of_an_unchecked_session_carries_the_warning() {
    let realm = realm();
    let site = kerberos_site(&realm);
    let checked = kerberos_session(&site, &realm, json!({}));
    onboard(&checked);
    let (_, doc) = checked.get(None);
    assert!(
        doc.get("Warnings").is_none(),
        "a checked session warns of nothing: {doc}"
    );

    let s = kerberos_session(&site, &realm, json!({"SkipCertificateCheck": true}));
    let warned = |doc: &Value| {
        doc["Warnings"].as_array().is_some_and(|w| {
            w.iter().any(|w| {
                w.as_str()
                    .is_some_and(|w| w.starts_with("SkipCertificateCheck"))
            })
        })
    };
    // The call that connected names the certificate it did not check.
    let (status, apps) = s.get(None);
    assert_eq!(status, cmaad_status::CMAAD_OK, "{apps}");
    assert!(
        warned(&apps)
            && apps["Warnings"]
                .to_string()
                .contains(site.certificate_sha256()),
        "{apps}"
    );
    assert_eq!(
        apps["value"].as_array().map(Vec::len),
        Some(2),
        "the document keeps its shape"
    );
    // Every later document of the session, lists, objects and errors alike, still warns.
    let server = apps["value"][0]["ID"].clone();
    let docs = [
        op(&s, ffi::cmaad_get_tenants, &json!({})),
        op(&s, ffi::cmaad_get_services, &json!({"Name": "*"})),
        op(
            &s,
            ffi::cmaad_set_app,
            &json!({"ID": server, "NewName": "Renamed"}),
        ),
        set_secret(
            &s,
            &json!({"ID": server, "SecretKeyExpiry": (chrono::Utc::now() + chrono::Duration::days(9)).to_rfc3339()}),
            NEW_SECRET,
        ),
        op(&s, ffi::cmaad_remove_app, &json!({"ID": 4_000_000_000u64})),
    ];
    for (_, doc) in &docs {
        assert!(warned(doc), "{doc}");
        assert_eq!(
            doc["Warnings"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|w| w.as_str().unwrap().contains("not checked in this session"))
                .count(),
            1,
            "once: {doc}"
        );
    }
    assert_eq!(docs[2].0, cmaad_status::CMAAD_OK, "{}", docs[2].1);
    assert_eq!(
        target(&docs[3].1),
        "Site.SkipCertificateCheck",
        "{}",
        docs[3].1
    );
    assert_eq!(docs[4].0, cmaad_status::CMAAD_NOT_FOUND, "{}", docs[4].1);

    // A store session has nothing to warn of.
    let store = FfiSession::open();
    store.seed();
    assert!(store.get(None).1.get("Warnings").is_none());
}

#[test]
fn what_if_shows_the_exact_requests_and_changes_nothing() {
    let realm = realm();
    let site = kerberos_site(&realm);
    let s = kerberos_session(&site, &realm, json!({}));
    let (server, client, service) = onboard(&s);
    let snapshot = |site: &FakeSite| Class::ALL.map(|c| site.objects(c));
    let before = snapshot(&site);
    let journaled = site_changes(&s)["value"].as_array().unwrap().len();
    site.clear_requests();
    let url = |path: &str| format!("{}/wmi/{path}", site.base_url());
    let planned = |(status, doc): (cmaad_status, Value)| {
        assert_eq!(status, cmaad_status::CMAAD_OK, "{doc}");
        assert_eq!(doc["WhatIf"], true, "{doc}");
        doc["Requests"].as_array().unwrap().clone()
    };

    let r = planned(op(
        &s,
        ffi::cmaad_set_app,
        &json!({"ID": server, "NewName": "Renamed", "WhatIf": true}),
    ));
    assert_eq!(r.len(), 1, "{r:?}");
    assert_eq!(
        (&r[0]["Method"], &r[0]["Url"]),
        (
            &json!("PUT"),
            &json!(url(&format!("SMS_AAD_Application_Ex({server})")))
        )
    );
    assert_eq!(r[0]["Body"]["Name"], "Renamed");
    assert_eq!(
        r[0]["Body"]["ClientID"], SERVER_CLIENT_ID,
        "the whole object"
    );
    assert!(
        r[0]["Body"].get("SecretKey").is_none(),
        "never read, never sent"
    );

    let expiry = (chrono::Utc::now() + chrono::Duration::days(90))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let r = planned(set_secret(
        &s,
        &json!({"ID": server, "SecretKeyExpiry": expiry, "WhatIf": true}),
        NEW_SECRET,
    ));
    assert_eq!(r.len(), 1, "{r:?}");
    assert_eq!(r[0]["Method"], "PUT");
    assert_eq!(
        (&r[0]["Body"]["SecretKey"], &r[0]["Body"]["SecretKeyExpiry"]),
        (&json!("<redacted>"), &json!(expiry))
    );

    let mut other = common::server_request();
    other["TenantId"] = json!("99999999-8888-4777-8666-555555555555");
    other["TenantName"] = json!("Fabrikam");
    other["AppIdUri"] = json!("api://99999999-8888-4777-8666-555555555555/ConfigMgrService");
    other["WhatIf"] = json!(true);
    let r = planned(s.import_server(&other, SECRET));
    let methods: Vec<(&str, &str)> = r
        .iter()
        .map(|r| (r["Method"].as_str().unwrap(), r["Url"].as_str().unwrap()))
        .collect();
    assert_eq!(
        methods,
        vec![
            ("POST", url("SMS_AAD_Tenant_Ex").as_str()),
            ("POST", url("SMS_AAD_Application_Ex").as_str())
        ]
    );
    assert_eq!(r[0]["Body"]["Name"], "Fabrikam");
    assert_eq!(
        r[1]["Body"]["TenantID"],
        "<ID of the new SMS_AAD_Tenant_Ex>"
    );
    assert_eq!(r[1]["Body"]["SecretKey"], "<redacted>");

    let r = planned(s.new_service(&json!({"Name": "Second", "ServerAppId": server, "ClientAppId": client, "EnableGroupDiscovery": true, "WhatIf": true})));
    assert_eq!(r.len(), 2, "{r:?}");
    assert_eq!(
        r[0]["Body"]["AssociatedAADWebApplications"],
        json!([server, client])
    );
    assert_eq!(
        r[1]["Body"]["CloudServiceId"],
        "<ID of the new SMS_Azure_CloudService>"
    );

    let r = planned(op(
        &s,
        ffi::cmaad_remove_service,
        &json!({"ID": service, "WhatIf": true}),
    ));
    let methods: Vec<&str> = r.iter().map(|r| r["Method"].as_str().unwrap()).collect();
    assert_eq!(
        methods,
        vec!["DELETE", "DELETE"],
        "the discovery row, then the service"
    );
    assert_eq!(
        r[1]["Url"],
        url(&format!("SMS_Azure_CloudService({service})"))
    );
    assert!(r.iter().all(|r| r.get("Body").is_none()));
    let r = planned(op(
        &s,
        ffi::cmaad_set_cloud_management_service,
        &json!({"ID": service, "Description": "x", "WhatIf": true}),
    ));
    assert_eq!((r.len(), &r[0]["Body"]["Description"]), (1, &json!("x")));
    let r = planned(op(
        &s,
        ffi::cmaad_set_tenant,
        &json!({"TenantId": TENANT, "NewName": "Contoso Ltd", "WhatIf": true}),
    ));
    assert_eq!(
        (r.len(), &r[0]["Method"], &r[0]["Body"]["Name"]),
        (1, &json!("PUT"), &json!("Contoso Ltd"))
    );
    // WhatIf still checks the request: what would fail fails.
    let (status, doc) = op(
        &s,
        ffi::cmaad_remove_app,
        &json!({"ID": server, "WhatIf": true}),
    );
    assert_eq!(
        (status, code(&doc)),
        (cmaad_status::CMAAD_INVALID_ARGUMENT, "AppInUse"),
        "{doc}"
    );
    let (status, doc) = op(
        &s,
        ffi::cmaad_set_app,
        &json!({"ID": server, "NewName": "x", "WhatIf": "yes"}),
    );
    assert_eq!(
        (status, target(&doc)),
        (cmaad_status::CMAAD_INVALID_ARGUMENT, "WhatIf"),
        "{doc}"
    );

    let requests = site.requests();
    assert!(
        requests.iter().all(|r| r.method == "GET"),
        "WhatIf sends no write, not even the probe"
    );
    assert_eq!(snapshot(&site), before, "WhatIf changed nothing");
    assert_eq!(
        site_changes(&s)["value"].as_array().unwrap().len(),
        journaled,
        "nothing journaled"
    );

    // A store session plans no site requests and changes nothing.
    let store = FfiSession::open();
    let (id, _) = store.seed();
    let r = planned(op(
        &store,
        ffi::cmaad_set_app,
        &json!({"ID": id, "NewName": "Renamed", "WhatIf": true}),
    ));
    assert!(r.is_empty());
    assert_eq!(store.get(None).1["value"][0]["Name"], "CmgServerApp");
    // ...and still checks the request as the real call would (its writes rolled back).
    let (status, doc) = op(
        &store,
        ffi::cmaad_set_app,
        &json!({"ID": 4242, "NewName": "Renamed", "WhatIf": true}),
    );
    assert_eq!(
        (status, code(&doc)),
        (cmaad_status::CMAAD_NOT_FOUND, "AppNotFound"),
        "{doc}"
    );
}
