//! Helpers of the site tests: a throwaway MIT realm, a fake SMS Provider accepting its tickets,
//! and site sessions opened through the C ABI.

#![allow(dead_code)]

use crate::common::{call, FfiSession};
use cmaad::ffi::{self, cmaad_status};
use cmaad_fake_adminservice::auth::{AuthConfig, KerberosService};
use cmaad_fake_adminservice::kdc::Realm;
use cmaad_fake_adminservice::{FakeSite, SiteConfig};
use serde_json::{json, Value};
use std::ffi::CString;
use std::ptr;

pub const USER: &str = "cmadmin";
pub const PASSWORD: &str = "Kerb-Pa55word!";

pub fn realm() -> Realm {
    Realm::start(USER, PASSWORD, "localhost")
        .expect("start the MIT KDC (install krb5-kdc krb5-admin-server)")
}

pub fn kerberos_site(realm: &Realm) -> FakeSite {
    let kerberos = KerberosService {
        host: "localhost".into(),
        keys: realm.service_keys().to_vec(),
    };
    FakeSite::start(SiteConfig::new("XYZ").auth(AuthConfig {
        kerberos: Some(kerberos),
        ..Default::default()
    }))
}

/// Site options trusting the fake's exported SMS Issuing root.
pub fn site_options(dir: &std::path::Path, site: &FakeSite, realm: &Realm, extra: Value) -> Value {
    let root = dir.join("sms-issuing.pem");
    std::fs::write(&root, site.root_pem()).unwrap();
    let mut s = json!({
        "ProviderMachineName": site.provider_machine_name(),
        "SiteCode": "XYZ",
        "UserName": format!("{USER}@TEST.CMAAD"),
        "KdcAddress": realm.kdc_address(),
    });
    if let (Some(o), Some(e)) = (s.as_object_mut(), extra.as_object()) {
        o.extend(e.clone());
    }
    json!({ "StorePath": dir.join("site.db"), "TrustedCaPath": root, "Site": s })
}

/// Opens a site session through the C ABI with `password`.
pub fn open_site(
    dir: tempfile::TempDir,
    options: &Value,
    password: &str,
) -> Result<FfiSession, Value> {
    let o = CString::new(options.to_string()).unwrap();
    let units: Vec<u16> = password.encode_utf16().collect();
    let mut handle = ptr::null_mut();
    let (status, doc) = call(|out| unsafe {
        ffi::cmaad_session_open_site(o.as_ptr(), units.as_ptr(), units.len(), &mut handle, out)
    });
    assert!(
        !doc.to_string().contains(password),
        "the password leaked: {doc}"
    );
    if status != cmaad_status::CMAAD_OK {
        assert!(handle.is_null());
        return Err(doc);
    }
    Ok(FfiSession { dir, handle })
}

/// A Kerberos session on `site` through the C ABI, trusting its SMS Issuing root, with `extra`
/// site options (`SkipCertificateCheck: true` drops the root).
pub fn kerberos_session(site: &FakeSite, realm: &Realm, extra: Value) -> FfiSession {
    let dir = tempfile::tempdir().unwrap();
    let mut options = site_options(dir.path(), site, realm, extra.clone());
    if extra["SkipCertificateCheck"] == true {
        options.as_object_mut().unwrap().remove("TrustedCaPath");
    }
    open_site(dir, &options, PASSWORD).expect("open the site session")
}

/// A Kerberos session on `site` whose Entra and Graph are the fake Entra at `entra_url`.
pub fn entra_site_session(site: &FakeSite, realm: &Realm, entra_url: &str) -> FfiSession {
    let dir = tempfile::tempdir().unwrap();
    let mut options = site_options(dir.path(), site, realm, json!({}));
    options["AuthorityHost"] = json!(entra_url);
    options["GraphHost"] = json!(entra_url);
    options["TimeoutSeconds"] = json!(5);
    open_site(dir, &options, PASSWORD).expect("site session")
}

/// The secret the site holds for app `app` is one of `client_id`'s passwords in Entra, not
/// expired: the CMG works.
pub fn holds_working_pair(
    site: &FakeSite,
    entra: &cmaad_fake_entra::FakeEntra,
    app: u32,
    client_id: &str,
) -> bool {
    let held = site.plain_secret(app).expect("the site holds a secret");
    entra.snapshot().tenants[0]
        .app_by_id(client_id)
        .is_some_and(|a| {
            a.secrets
                .iter()
                .any(|p| p.value == held && p.end_date_time > chrono::Utc::now())
        })
}

/// How many passwords `client_id` has in Entra.
pub fn password_count(entra: &cmaad_fake_entra::FakeEntra, client_id: &str) -> usize {
    entra.snapshot().tenants[0]
        .app_by_id(client_id)
        .map_or(0, |a| a.secrets.len())
}

pub fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(s.replace('+', "%2B").as_bytes())
        .map(|(k, v)| {
            if v.is_empty() {
                k.into_owned()
            } else {
                format!("{k}={v}")
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}

pub fn site_changes(s: &FfiSession) -> Value {
    let (status, doc) = call(|out| unsafe { ffi::cmaad_get_site_changes(s.handle, out) });
    assert_eq!(status, cmaad_status::CMAAD_OK, "{doc}");
    doc
}
