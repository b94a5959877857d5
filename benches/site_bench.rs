//! `Get-CMAADApplication` against a ConfigMgr site, compared with the floor: one raw
//! authenticated GET of the same AdminService query on a kept-alive connection.
//!
//! `cargo bench --bench site_bench [-- CALLS]` starts a throwaway MIT Kerberos realm and the
//! fake SMS Provider (`tests/fake-adminservice`) holding one tenant and 100 server apps, then
//! interleaves call by call:
//!
//! - floor: reqwest (the same TLS stack), authenticated once with a Kerberos AP-REQ from the same
//!   KDC, then `GET wmi/SMS_AAD_Application_Ex?$select=...&$filter=IsClientApp eq false` on the
//!   kept-alive connection;
//! - CMAAD: `Session::get_apps` with `AppType ServerApplication` on a site session (the same
//!   query, plus parsing, the tenant join and the app objects).
//!
//! It prints medians, p90, the ratio, and the requests and Kerberos handshakes the provider saw
//! per call.
//!
//! Then secret maintenance over a hierarchy: `cmaad_sites_maintain_secrets` (the C ABI call
//! behind `Invoke-CMAADSecretMaintenance -ProviderMachineName a,b,c`) over 3 fake providers x
//! 100 apps, each call opening its sites, authenticating once per site and reading them in
//! parallel. All traffic stays on 127.0.0.1.

use cmaad::ffi;
use cmaad::model::{AppFilter, AppType};
use cmaad::secret::SecretKey;
use cmaad::session::{Session, SessionOptions};
use cmaad::site::negotiate::{authorization, KdcLocation, KerberosExchange, SiteCredential};
use cmaad::site::{SiteOptions, SiteSettings};
use cmaad_fake_adminservice::auth::{AuthConfig, KerberosService};
use cmaad_fake_adminservice::kdc::Realm;
use cmaad_fake_adminservice::{Class, FakeSite, SiteConfig};
use serde_json::json;
use std::ffi::CString;
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

const APPS: usize = 100;
const TENANT: &str = "05a349fa-0d5c-4a1c-9f3e-1c2d3e4f5a6b";
const QUERY: &str = "wmi/SMS_AAD_Application_Ex?$select=ID,Name,ClientID,TenantID,IsClientApp,IdentifierUri,SecretKeyExpiry,SecretKeyCreationTime,ApplicationCreationTime,LastUpdateTime,SiteCode&$filter=IsClientApp%20eq%20false";

fn main() {
    let calls: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(300);
    let realm = Realm::start("cmadmin", "Bench-Pa55!", "localhost").expect("start the MIT KDC");
    let kerberos = KerberosService {
        host: "localhost".into(),
        keys: realm.service_keys().to_vec(),
    };
    let site = FakeSite::start(SiteConfig::new("XYZ").auth(AuthConfig {
        kerberos: Some(kerberos),
        ..Default::default()
    }));
    seed(&site);
    let dir = std::env::temp_dir().join(format!("cmaad-site-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let session = site_session(&site, &realm, &dir);
    let floor = Floor::connect(&site, &realm);
    let filter = AppFilter {
        app_type: Some(AppType::ServerApplication),
        ..AppFilter::default()
    };

    // Warm-up: the session's tenant rows, both connections, both handshakes.
    for _ in 0..10 {
        assert_eq!(session.get_apps(&filter).unwrap().len(), APPS);
        floor.get();
    }
    let requests_before = site.requests().len();
    let handshakes_before = site.auth_counts().kerberos;
    let (mut raw, mut cmaad) = (Vec::new(), Vec::new());
    for _ in 0..calls {
        let t = Instant::now();
        floor.get();
        raw.push(t.elapsed());
        let t = Instant::now();
        let apps = session.get_apps(&filter).unwrap();
        cmaad.push(t.elapsed());
        assert_eq!(apps.len(), APPS);
    }
    let requests = site.requests().len() - requests_before;
    let handshakes = site.auth_counts().kerberos - handshakes_before;
    let (raw_median, cmaad_median) = (percentile(&mut raw, 50), percentile(&mut cmaad, 50));
    println!("| {calls} calls, {APPS} server apps | median | p90 |");
    println!("|---|---|---|");
    println!(
        "| raw authenticated GET (floor) | {:.0} µs | {:.0} µs |",
        micros(raw_median),
        micros(percentile(&mut raw, 90))
    );
    println!(
        "| CMAAD get_apps over AdminService | {:.0} µs | {:.0} µs |",
        micros(cmaad_median),
        micros(percentile(&mut cmaad, 90))
    );
    println!();
    println!(
        "ratio (median): {:.2}x",
        micros(cmaad_median) / micros(raw_median)
    );
    println!(
        "provider requests per call pair: {:.2} (one floor GET + CMAAD's)",
        requests as f64 / calls as f64
    );
    println!("Kerberos handshakes during the timed calls: {handshakes}");
    let _ = std::fs::remove_dir_all(&dir);
    hierarchy(&realm, (calls / 10).max(10));
}

/// `cmaad_sites_maintain_secrets` over 3 sites x 100 apps, `calls` times.
fn hierarchy(realm: &Realm, calls: usize) {
    const SITES: usize = 3;
    let sites: Vec<FakeSite> = (0..SITES)
        .map(|_| {
            let site = FakeSite::start(SiteConfig::new("XYZ").auth(AuthConfig {
                kerberos: Some(KerberosService {
                    host: "localhost".into(),
                    keys: realm.service_keys().to_vec(),
                }),
                ..Default::default()
            }));
            seed(&site);
            site
        })
        .collect();
    let dir = std::env::temp_dir().join(format!("cmaad-sites-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let roots = dir.join("sms-issuing-roots.pem");
    let pems: Vec<&str> = sites.iter().map(FakeSite::root_pem).collect();
    std::fs::write(&roots, pems.join("\n")).unwrap();
    let options =
        json!({"StorePath": dir.join("site.db"), "TrustedCaPath": roots, "TimeoutSeconds": 30});
    let options = CString::new(options.to_string()).unwrap();
    let mut session = std::ptr::null_mut();
    let mut out = std::ptr::null_mut();
    let status = unsafe { ffi::cmaad_session_open(options.as_ptr(), &mut session, &mut out) };
    unsafe { ffi::cmaad_string_free(out) };
    assert_eq!(status, ffi::cmaad_status::CMAAD_OK);
    let request = json!({"Site": {
        "ProviderMachineName": sites.iter().map(FakeSite::provider_machine_name).collect::<Vec<_>>(),
        "SiteCode": ["P01", "P02", "P03"],
        "UserName": realm.user(),
        "KdcAddress": realm.kdc_address(),
    }, "RotateWithinDays": 30});
    let request = CString::new(request.to_string()).unwrap();
    let password: Vec<u16> = realm.password().encode_utf16().collect();
    let run = || {
        let mut out = std::ptr::null_mut();
        let status = unsafe {
            ffi::cmaad_sites_maintain_secrets(
                session,
                request.as_ptr(),
                password.as_ptr(),
                password.len(),
                &mut out,
            )
        };
        let doc: serde_json::Value =
            serde_json::from_str(unsafe { std::ffi::CStr::from_ptr(out) }.to_str().unwrap())
                .unwrap();
        unsafe { ffi::cmaad_string_free(out) };
        assert_eq!(status, ffi::cmaad_status::CMAAD_OK, "{doc}");
        assert_eq!(doc["Summary"]["Total"], SITES * APPS);
    };
    for _ in 0..3 {
        run();
    }
    let requests_before: usize = sites.iter().map(|s| s.requests().len()).sum();
    let handshakes_before: usize = sites.iter().map(|s| s.auth_counts().kerberos).sum();
    let mut times = Vec::new();
    for _ in 0..calls {
        let t = Instant::now();
        run();
        times.push(t.elapsed());
    }
    let requests: usize = sites.iter().map(|s| s.requests().len()).sum::<usize>() - requests_before;
    let handshakes: usize = sites
        .iter()
        .map(|s| s.auth_counts().kerberos)
        .sum::<usize>()
        - handshakes_before;
    println!();
    println!("| {calls} calls, {SITES} sites x {APPS} apps | median | p90 |");
    println!("|---|---|---|");
    println!(
        "| cmaad_sites_maintain_secrets (expiry report) | {:.1} ms | {:.1} ms |",
        micros(percentile(&mut times, 50)) / 1000.0,
        micros(percentile(&mut times, 90)) / 1000.0
    );
    println!();
    println!(
        "provider requests per call: {:.2}; Kerberos handshakes per call: {:.2}",
        requests as f64 / calls as f64,
        handshakes as f64 / calls as f64
    );
    unsafe { ffi::cmaad_session_close(session) };
    let _ = std::fs::remove_dir_all(&dir);
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn percentile(samples: &mut [Duration], p: usize) -> Duration {
    samples.sort();
    samples[(samples.len() * p / 100).min(samples.len() - 1)]
}

fn seed(site: &FakeSite) {
    let tenant = site.seed(
        Class::Tenant,
        json!({"TenantID": TENANT, "Name": "Contoso", "Environment": 1}),
    );
    for i in 0..APPS {
        site.seed(
            Class::Application,
            json!({
                "Name": format!("CmgServerApp{i}"),
                "ClientID": format!("7078946d-1a2b-4c3d-8e9f-{i:012}"),
                "TenantID": tenant,
                "IsClientApp": false,
                "SecretKey": "bench-secret",
                "SecretKeyExpiry": "2027-11-16T00:00:00Z",
                "IdentifierUri": format!("api://{TENANT}/ConfigMgrService{i}"),
            }),
        );
    }
}

fn site_options(site: &FakeSite, realm: &Realm) -> SiteOptions {
    let settings = SiteSettings {
        provider_machine_name: site.provider_machine_name(),
        site_code: "XYZ".into(),
        user_name: Some(realm.user().to_string()),
        kdc_address: Some(realm.kdc_address()),
        ..SiteSettings::default()
    };
    SiteOptions::check(
        settings,
        Some(site.root_pem().as_bytes().to_vec()),
        Duration::from_secs(30),
    )
    .unwrap()
}

fn site_session(site: &FakeSite, realm: &Realm, dir: &std::path::Path) -> Session {
    let mut options = SessionOptions::new(dir.join("site.db"));
    options.site = Some(site_options(site, realm));
    let units: Vec<u16> = realm.password().encode_utf16().collect();
    let password = SecretKey::from_utf16(&units, "Password").unwrap();
    Session::open_with_credential(options, Some(password)).unwrap()
}

/// The floor: one reqwest client on its own runtime, authenticated once.
struct Floor {
    runtime: tokio::runtime::Runtime,
    client: reqwest::Client,
    url: String,
}

impl Floor {
    fn connect(site: &FakeSite, realm: &Realm) -> Floor {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let root = reqwest::Certificate::from_pem(site.root_pem().as_bytes()).unwrap();
        let client = reqwest::Client::builder()
            .tls_certs_merge([root])
            .http1_only()
            .pool_max_idle_per_host(1)
            .no_proxy()
            .build()
            .unwrap();
        let url = format!("{}/{QUERY}", site.base_url());
        let credential =
            SiteCredential::new(realm.user(), Zeroizing::new(realm.password().to_string()))
                .unwrap();
        let kdc = KdcLocation(Some(realm.kdc_address()));
        let (exchange, ap_req) = KerberosExchange::begin(&credential, &kdc, "localhost").unwrap();
        let header = authorization("Negotiate", &ap_req);
        let reply = runtime.block_on(async {
            let r = client
                .get(&url)
                .header("authorization", header)
                .send()
                .await
                .unwrap();
            let ap_rep = r
                .headers()
                .get("www-authenticate")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| cmaad::site::negotiate::challenge_token(v, "Negotiate"))
                .unwrap();
            assert!(r.status().is_success());
            let _ = r.bytes().await.unwrap();
            ap_rep
        });
        exchange.finish(&reply).unwrap();
        Floor {
            runtime,
            client,
            url,
        }
    }

    fn get(&self) {
        self.runtime.block_on(async {
            let r = self.client.get(&self.url).send().await.unwrap();
            assert!(r.status().is_success());
            let _ = r.bytes().await.unwrap();
        });
    }
}
