//! Expiry reports across several sites in one call: every site is read (at most eight at a
//! time), results keep the sites' order, and a site that fails does not stop the others.

mod common;
mod site_support;

use cmaad::model::{AppFilter, AppType};
use cmaad::site::connection::SiteConnection;
use cmaad::site::hierarchy::find_apps_across;
use cmaad::site::negotiate::SiteCredential;
use cmaad::site::{AdminServiceSite, SiteOptions, SiteSettings};
use cmaad_fake_adminservice::{Class, FakeSite, Fault, FaultKind};
use serde_json::json;
use site_support::*;
use std::time::Duration;
use zeroize::Zeroizing;

fn connect(
    site: &FakeSite,
    realm: &cmaad_fake_adminservice::kdc::Realm,
    code: &str,
) -> AdminServiceSite {
    let settings = SiteSettings {
        provider_machine_name: site.provider_machine_name(),
        site_code: code.into(),
        user_name: Some(realm.user().to_string()),
        kdc_address: Some(realm.kdc_address()),
        ..SiteSettings::default()
    };
    let options = SiteOptions::check(
        settings,
        Some(site.root_pem().as_bytes().to_vec()),
        Duration::from_secs(5),
    )
    .unwrap();
    let credential =
        SiteCredential::new(realm.user(), Zeroizing::new(PASSWORD.to_string())).unwrap();
    AdminServiceSite::new(
        SiteConnection::new(options, Some(credential)).unwrap(),
        None,
    )
}

#[test]
fn expiry_report_over_ten_sites_with_one_down() {
    let realm = realm();
    let mut fakes = Vec::new();
    for s in 0..10u32 {
        let site = kerberos_site(&realm);
        let tenant = site.seed(
            Class::Tenant,
            json!({"TenantID": common::TENANT, "Name": "Contoso"}),
        );
        for a in 0..3u32 {
            let days = if a == 0 { 10 + s as i64 } else { 300 };
            let expiry = (chrono::Utc::now() + chrono::Duration::days(days)).to_rfc3339();
            site.seed(Class::Application, json!({"Name": format!("App{s}-{a}"), "ClientID": format!("7078946d-1a2b-4c3d-8e9f-{s:06}{a:06}"), "TenantID": tenant, "IsClientApp": false, "SecretKey": "x", "SecretKeyExpiry": expiry}));
        }
        fakes.push(site);
    }
    fakes[4].add_fault(Fault::everywhere(FaultKind::Error {
        status: 403,
        code: "404".into(),
        message: "Access denied".into(),
    }));
    let sites: Vec<AdminServiceSite> = fakes
        .iter()
        .enumerate()
        .map(|(i, f)| connect(f, &realm, &format!("P{i:02}")))
        .collect();
    let filter = AppFilter {
        app_type: Some(AppType::ServerApplication),
        expiring_within_days: Some(30),
        ..AppFilter::default()
    };
    let report = find_apps_across(&sites, &filter, chrono::Utc::now());
    assert_eq!(report.len(), 10);
    for (i, r) in report.iter().enumerate() {
        assert_eq!(r.site_code, format!("P{i:02}"));
        if i == 4 {
            assert_eq!(r.result.as_ref().unwrap_err().code, "SiteAccessDenied");
        } else {
            let apps = r.result.as_ref().unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(
                apps.iter().map(|a| a.name.clone()).collect::<Vec<_>>(),
                vec![format!("App{i}-0")]
            );
        }
    }
}

/// Three fake providers (the second refusing access), each with an expired, a due and a
/// current server app and a client app.
fn three_sites(realm: &cmaad_fake_adminservice::kdc::Realm) -> Vec<FakeSite> {
    let mut fakes = Vec::new();
    for s in 0..3u32 {
        let site = kerberos_site(realm);
        let tenant = site.seed(
            Class::Tenant,
            json!({"TenantID": common::TENANT, "Name": "Contoso"}),
        );
        for (a, days) in [(0u32, -2i64), (1, 10), (2, 300)] {
            let expiry = (chrono::Utc::now() + chrono::Duration::days(days)).to_rfc3339();
            site.seed(Class::Application, json!({"Name": format!("Server{s}-{a}"), "ClientID": format!("7078946d-1a2b-4c3d-8e9f-{s:06}{a:06}"), "TenantID": tenant, "IsClientApp": false, "SecretKey": "x", "SecretKeyExpiry": expiry}));
        }
        site.seed(Class::Application, json!({"Name": format!("Client{s}"), "ClientID": format!("cf114f48-2b3c-4d5e-9f0a-{s:012}"), "TenantID": tenant, "IsClientApp": true}));
        fakes.push(site);
    }
    fakes[1].add_fault(Fault::everywhere(FaultKind::Error {
        status: 403,
        code: "404".into(),
        message: "Access denied".into(),
    }));
    fakes
}

/// A session whose `TrustedCaPath` holds the three sites' SMS Issuing roots.
fn session_trusting(fakes: &[FakeSite]) -> common::FfiSession {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("sms-issuing-roots.pem");
    let pems: Vec<&str> = fakes.iter().map(FakeSite::root_pem).collect();
    std::fs::write(&bundle, pems.join("\n")).unwrap();
    let options = json!({"StorePath": dir.path().join("site.db"), "TrustedCaPath": bundle});
    let (status, doc, handle) = common::open(Some(&options.to_string()));
    assert_eq!(status, cmaad::ffi::cmaad_status::CMAAD_OK, "{doc}");
    common::FfiSession { dir, handle }
}

fn sites_request(
    fakes: &[FakeSite],
    realm: &cmaad_fake_adminservice::kdc::Realm,
    extra: serde_json::Value,
) -> serde_json::Value {
    let mut request = json!({"Site": {
        "ProviderMachineName": fakes.iter().map(FakeSite::provider_machine_name).collect::<Vec<_>>(),
        "SiteCode": (0..fakes.len()).map(|i| format!("P{i:02}")).collect::<Vec<_>>(),
        "UserName": realm.user(),
        "KdcAddress": realm.kdc_address(),
    }});
    if let (Some(o), Some(e)) = (request.as_object_mut(), extra.as_object()) {
        o.extend(e.clone());
    }
    request
}

type SitesCall = unsafe extern "C" fn(
    *mut cmaad::ffi::cmaad_session,
    *const std::ffi::c_char,
    *const u16,
    usize,
    *mut *mut std::ffi::c_char,
) -> cmaad::ffi::cmaad_status;

fn call_sites(
    s: &common::FfiSession,
    f: SitesCall,
    request: &serde_json::Value,
    password: &str,
) -> (cmaad::ffi::cmaad_status, serde_json::Value) {
    let r = std::ffi::CString::new(request.to_string()).unwrap();
    let units: Vec<u16> = password.encode_utf16().collect();
    let (status, doc) =
        common::call(|out| unsafe { f(s.handle, r.as_ptr(), units.as_ptr(), units.len(), out) });
    assert!(!doc.to_string().contains(PASSWORD), "the password leaked");
    (status, doc)
}

#[test]
fn expiry_report_over_three_sites_through_the_c_abi() {
    use cmaad::ffi::{cmaad_sites_get_apps, cmaad_status};
    let realm = realm();
    let fakes = three_sites(&realm);
    let s = session_trusting(&fakes);
    let request = sites_request(
        &fakes,
        &realm,
        json!({"Filter": {"AppType": "Server", "ExpiringWithinDays": 30}}),
    );
    let (status, doc) = call_sites(&s, cmaad_sites_get_apps, &request, PASSWORD);
    assert_eq!(status, cmaad_status::CMAAD_OK, "{doc}");
    assert_eq!(
        doc["Summary"],
        json!({"Sites": 3, "Succeeded": 2, "Failed": 1, "Apps": 4})
    );
    let names: Vec<(&str, &str)> = doc["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["SiteCode"].as_str().unwrap(), a["Name"].as_str().unwrap()))
        .collect();
    assert_eq!(
        names,
        vec![
            ("P00", "Server0-0"),
            ("P00", "Server0-1"),
            ("P02", "Server2-0"),
            ("P02", "Server2-1")
        ]
    );
    let sites = doc["Sites"].as_array().unwrap();
    assert_eq!(sites[1]["Succeeded"], false);
    assert_eq!(
        sites[1]["ProviderMachineName"],
        fakes[1].provider_machine_name()
    );
    assert_eq!(sites[1]["Error"]["Code"], "SiteAccessDenied");
    assert_eq!(
        (sites[0]["Count"].as_u64(), sites[2]["Count"].as_u64()),
        (Some(2), Some(2))
    );
    for (i, f) in fakes.iter().enumerate() {
        assert_eq!(
            f.auth_counts().kerberos,
            1,
            "site {i}: one Kerberos handshake"
        );
        for r in f.requests() {
            let query = percent_decode(r.query.as_deref().unwrap_or(""));
            assert!(
                !query.split(['=', ',', '&']).any(|p| p == "SecretKey"),
                "SecretKey is never selected: {query}"
            );
        }
    }
}

#[test]
fn maintenance_report_over_three_sites_through_the_c_abi() {
    use cmaad::ffi::{cmaad_sites_maintain_secrets, cmaad_status};
    let realm = realm();
    let fakes = three_sites(&realm);
    let s = session_trusting(&fakes);
    let request = sites_request(&fakes, &realm, json!({"RotateWithinDays": 30}));
    let (status, doc) = call_sites(&s, cmaad_sites_maintain_secrets, &request, PASSWORD);
    assert_eq!(status, cmaad_status::CMAAD_OK, "{doc}");
    assert_eq!(
        doc["Summary"],
        json!({"Sites": 3, "SitesFailed": 1, "Total": 8, "NothingDue": 4, "RotationDue": 2, "NeedsAttention": 3})
    );
    let action = |site: &str, name: &str| {
        doc["value"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["SiteCode"] == site && e["Name"] == name)
            .map(|e| e["Action"].as_str().unwrap().to_string())
    };
    assert_eq!(
        action("P00", "Server0-0").as_deref(),
        Some("NeedsAttention")
    );
    assert_eq!(action("P02", "Server2-1").as_deref(), Some("RotationDue"));
    assert_eq!(action("P02", "Server2-2").as_deref(), Some("NothingDue"));
    assert_eq!(action("P02", "Client2").as_deref(), Some("NothingDue"));
    assert_eq!(
        action("P01", "Server1-0"),
        None,
        "the failed site has no entries"
    );
    assert_eq!(doc["Sites"][1]["Error"]["Code"], "SiteAccessDenied");
}

#[test]
fn requests_over_several_sites_are_checked_before_any_site_is_contacted() {
    use cmaad::ffi::{cmaad_sites_get_apps, cmaad_sites_maintain_secrets, cmaad_status};
    let realm = realm();
    let fakes = three_sites(&realm);
    let s = session_trusting(&fakes);
    let mut one_code = sites_request(&fakes, &realm, json!({}));
    one_code["Site"]["SiteCode"] = json!("P00");
    let (status, doc) = call_sites(&s, cmaad_sites_get_apps, &one_code, PASSWORD);
    common::assert_refused(
        status,
        &doc,
        cmaad_status::CMAAD_INVALID_ARGUMENT,
        "SiteCodeCountMismatch",
        "Site.SiteCode",
    );
    let mut twice = sites_request(&fakes, &realm, json!({}));
    twice["Site"]["ProviderMachineName"][2] = twice["Site"]["ProviderMachineName"][0].clone();
    let (status, doc) = call_sites(&s, cmaad_sites_get_apps, &twice, PASSWORD);
    assert_eq!(
        (status, common::code(&doc)),
        (cmaad_status::CMAAD_INVALID_ARGUMENT, "DuplicateProvider")
    );
    let mut bad_name = sites_request(&fakes, &realm, json!({}));
    bad_name["Site"]["ProviderMachineName"][1] = json!("https://cm02/AdminService");
    let (status, doc) = call_sites(&s, cmaad_sites_get_apps, &bad_name, PASSWORD);
    assert_eq!(common::target(&doc), "Site.ProviderMachineName", "{doc}");
    assert!(
        doc["Error"]["Message"]
            .as_str()
            .unwrap()
            .contains("site 2 of 3"),
        "{doc}"
    );
    assert_eq!(status, cmaad_status::CMAAD_INVALID_ARGUMENT);
    let rotate = sites_request(&fakes, &realm, json!({"Rotate": true}));
    let (status, doc) = call_sites(&s, cmaad_sites_maintain_secrets, &rotate, PASSWORD);
    common::assert_refused(
        status,
        &doc,
        cmaad_status::CMAAD_INVALID_ARGUMENT,
        "RotateAcrossSitesUnsupported",
        "Rotate",
    );
    let mut bearer = sites_request(&fakes, &realm, json!({}));
    bearer["Site"] = json!({"ProviderMachineName": bearer["Site"]["ProviderMachineName"], "SiteCode": bearer["Site"]["SiteCode"], "Authentication": "Bearer", "TenantId": common::TENANT, "ClientId": common::CLIENT_CLIENT_ID, "AppIdUri": format!("api://{}/ConfigMgrService", common::TENANT)});
    let (status, doc) = call_sites(&s, cmaad_sites_get_apps, &bearer, "");
    common::assert_refused(
        status,
        &doc,
        cmaad_status::CMAAD_INVALID_ARGUMENT,
        "BearerAcrossSitesUnsupported",
        "Site.Authentication",
    );
    let filter = sites_request(
        &fakes,
        &realm,
        json!({"Filter": {"ExpiringWithinDays": -1}}),
    );
    let (status, doc) = call_sites(&s, cmaad_sites_get_apps, &filter, PASSWORD);
    assert_eq!(
        (status, common::target(&doc)),
        (
            cmaad_status::CMAAD_INVALID_ARGUMENT,
            "Filter.ExpiringWithinDays"
        ),
        "{doc}"
    );
    let no_password = sites_request(&fakes, &realm, json!({}));
    let r = std::ffi::CString::new(no_password.to_string()).unwrap();
    let (status, doc) = common::call(|out| unsafe {
        cmaad_sites_get_apps(s.handle, r.as_ptr(), std::ptr::null(), 0, out)
    });
    common::assert_refused(
        status,
        &doc,
        cmaad_status::CMAAD_INVALID_ARGUMENT,
        "PasswordRequired",
        "Site.UserName",
    );
    let (status, doc) = common::call(|out| unsafe {
        cmaad_sites_get_apps(std::ptr::null_mut(), r.as_ptr(), std::ptr::null(), 0, out)
    });
    assert_eq!(
        (status, common::code(&doc)),
        (cmaad_status::CMAAD_INVALID_ARGUMENT, "NullSession")
    );
    let (status, doc) = common::call(|out| unsafe {
        cmaad_sites_get_apps(s.handle, std::ptr::null(), std::ptr::null(), 0, out)
    });
    assert_eq!(
        (status, common::code(&doc)),
        (cmaad_status::CMAAD_INVALID_ARGUMENT, "NullArgument")
    );
    let status = unsafe {
        cmaad_sites_get_apps(
            s.handle,
            r.as_ptr(),
            std::ptr::null(),
            0,
            std::ptr::null_mut(),
        )
    };
    assert_eq!(status, cmaad_status::CMAAD_INVALID_ARGUMENT);
    assert!(
        fakes.iter().all(|f| f.requests().is_empty()),
        "no site was contacted"
    );
}
