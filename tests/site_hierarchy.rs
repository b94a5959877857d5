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
