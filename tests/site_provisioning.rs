//! Creating the CMG's registrations (`New-CMAADServerApplication`, `New-CMAADClientApplication`)
//! with a ConfigMgr site connected: the apps are created in Entra (the Graph fake) and imported
//! into the site (the fake SMS Provider, Kerberos from a real MIT KDC), never into the local
//! store; a site that refuses the writes is found out before anything is created in Entra.

mod common;
mod provision_support;
mod site_support;

use cmaad::ffi::cmaad_status;
use cmaad_fake_adminservice::Class;
use cmaad_fake_entra::FakeEntra;
use common::{code, FfiSession};
use provision_support::{admin, directory, new_client, new_server};
use serde_json::json;
use site_support::*;

#[test]
fn created_apps_land_in_the_site() {
    let realm = realm();
    let entra = FakeEntra::start(directory());
    let site = kerberos_site(&realm);
    let s = entra_site_session(&site, &realm, entra.base_url());
    let signin = admin(&s);

    let (status, server) = new_server(
        &s,
        Some(&signin),
        &json!({"AppName": "CmgServerApp", "TenantName": "Contoso", "SecretKeyExpiry": "OneYear"}),
    );
    assert_eq!(status, cmaad_status::CMAAD_OK, "{server}");
    let (status, client) = new_client(
        &s,
        Some(&signin),
        &json!({"AppName": "CmgClientApp", "ServerAppId": server["ID"]}),
    );
    assert_eq!(status, cmaad_status::CMAAD_OK, "{client}");

    let apps = site.objects(Class::Application);
    assert_eq!(apps.len(), 2, "{apps:?}");
    let row = apps.iter().find(|a| a["IsClientApp"] == false).unwrap();
    assert_eq!(row["ID"], server["ID"]);
    assert_eq!(row["ClientID"], server["Registration"]["AppId"]);
    let held = site
        .plain_secret(row["ID"].as_u64().unwrap() as u32)
        .expect("the site holds the new secret");
    let app_id = server["Registration"]["AppId"].as_str().unwrap();
    let registered = entra.snapshot().tenants[0]
        .app_by_id(app_id)
        .map(|a| a.secrets.iter().any(|p| p.value == held))
        .unwrap_or(false);
    assert!(registered, "the site holds the password Entra created");
    let client_row = apps.iter().find(|a| a["IsClientApp"] == true).unwrap();
    assert_eq!(client_row["AssociatedAADApplications"], json!([row["ID"]]));
    assert_eq!(site.objects(Class::Tenant)[0]["Name"], "Contoso");
    let ops: Vec<String> = site_changes(&s)["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{} {}",
                c["Class"].as_str().unwrap(),
                c["Operation"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        ops,
        [
            "SMS_AAD_Tenant_Ex Create",
            "SMS_AAD_Application_Ex Create",
            "SMS_AAD_Application_Ex Create"
        ]
    );

    // The local store holds no app: it only journals the site's changes.
    let store_path = s.dir.path().join("site.db");
    drop(signin);
    let local = FfiSession::open_with(json!({"StorePath": store_path}));
    let (_, local_apps) = local.get(None);
    assert_eq!(local_apps["value"], json!([]), "{local_apps}");
    let db = std::fs::read(&store_path).unwrap();
    assert!(
        !String::from_utf8_lossy(&db).contains(&held),
        "no secret in the local store"
    );
}

#[test]
fn a_site_refusing_writes_is_found_out_before_entra_is_changed() {
    let realm = realm();
    let entra = FakeEntra::start(directory());
    let site = kerberos_site(&realm);
    for class in Class::ALL {
        site.set_refuse_writes(class, true);
    }
    let s = entra_site_session(&site, &realm, entra.base_url());
    let signin = admin(&s);
    let before = entra.snapshot().tenants[0].applications.len();
    let (status, doc) = new_server(
        &s,
        Some(&signin),
        &json!({"AppName": "CmgServerApp", "TenantName": "Contoso", "SecretKeyExpiry": "OneYear"}),
    );
    assert_eq!(
        (status, code(&doc)),
        (cmaad_status::CMAAD_INVALID_ARGUMENT, "SiteRefusedWrite"),
        "{doc}"
    );
    assert!(
        doc["Error"]["Message"]
            .as_str()
            .unwrap()
            .contains("Configuration Manager console"),
        "{doc}"
    );
    assert_eq!(
        entra.snapshot().tenants[0].applications.len(),
        before,
        "nothing was created in Entra"
    );
    assert!(entra.graph_writes().is_empty(), "no Graph write was sent");
    assert!(site.objects(Class::Application).is_empty());
}
