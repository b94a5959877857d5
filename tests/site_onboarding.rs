//! The published onboarding example (import server app, get it, import client app, get it, new
//! cloud management service) through the C ABI against a fake SMS Provider, authenticated by
//! Kerberos tickets from a real MIT KDC; the objects land in the provider's classes. Also:
//! reads with writes refused, trust settings, and credentials that must fail.

mod common;
mod site_support;

use cmaad::ffi::cmaad_status;
use cmaad_fake_adminservice::auth::{AuthConfig, NtlmAccount};
use cmaad_fake_adminservice::{Class, FakeSite, SiteConfig};
use common::{code, server_request, target, CLIENT_CLIENT_ID, SECRET, SERVER_CLIENT_ID, TENANT};
use serde_json::json;
use site_support::*;

#[test]
fn onboarding_example_lands_in_the_site_over_kerberos() {
    let realm = realm();
    let site = kerberos_site(&realm);
    let dir = tempfile::tempdir().unwrap();
    let options = site_options(dir.path(), &site, &realm, json!({}));
    let s = open_site(dir, &options, PASSWORD).expect("open the site session");

    // Import-CMAADServerApplication
    let (status, server) = s.import_server(&server_request(), SECRET);
    assert_eq!(status, cmaad_status::CMAAD_OK, "{server}");
    // $serverApp = Get-CMAADApplication -TenantName Contoso -AppType ServerApplication -AppName CmgServerApp
    let (status, got) = s.get(Some(&json!({"TenantName": "Contoso", "AppType": "ServerApplication", "AppName": "CmgServerApp"})));
    assert_eq!(status, cmaad_status::CMAAD_OK, "{got}");
    assert_eq!(got["value"].as_array().map(Vec::len), Some(1), "{got}");
    let server_app = &got["value"][0];
    assert_eq!(server_app["ID"], server["ID"]);
    assert_eq!(
        server_app["TenantID"], TENANT,
        "the site's TenantID row key is joined to the tenant GUID"
    );
    assert_eq!(server_app["ClientID"], SERVER_CLIENT_ID);
    assert!(
        server_app["DaysUntilSecretExpiry"]
            .as_i64()
            .is_some_and(|d| (363..=365).contains(&d)),
        "{server_app}"
    );
    // Import-CMAADClientApplication -ServerApp $serverApp
    let (status, client) = s.import_client(&json!({"AppName": "CmgClientApp", "ClientId": CLIENT_CLIENT_ID, "ServerAppId": server_app["ID"]}));
    assert_eq!(status, cmaad_status::CMAAD_OK, "{client}");
    assert_eq!(client["ServerAppID"], server["ID"]);
    let (_, clients) = s.get(Some(
        &json!({"TenantName": "Contoso", "AppType": "ClientApplication"}),
    ));
    assert_eq!(clients["value"][0]["ID"], client["ID"], "{clients}");
    // New-CMCloudManagementAzureService
    let (status, service) = s.new_service(&json!({"Name": "Contoso", "Description": "Azure Service", "ServerAppId": server["ID"], "ClientAppId": client["ID"], "AzureEnvironmentOption": "AzurePublicCloud"}));
    assert_eq!(status, cmaad_status::CMAAD_OK, "{service}");
    assert_eq!(service["ServerAppID"], server["ID"]);
    assert_eq!(service["ClientAppID"], client["ID"]);

    // The objects are in the provider's classes.
    let tenants = site.objects(Class::Tenant);
    assert_eq!(tenants.len(), 1);
    assert_eq!(tenants[0]["TenantID"], TENANT);
    assert_eq!(tenants[0]["Name"], "Contoso");
    let apps = site.objects(Class::Application);
    assert_eq!(apps.len(), 2);
    let server_row = apps.iter().find(|a| a["IsClientApp"] == false).unwrap();
    assert_eq!(server_row["ClientID"], SERVER_CLIENT_ID);
    assert_eq!(
        server_row["TenantID"], tenants[0]["ID"],
        "TenantID is the tenant's row key"
    );
    assert_ne!(
        server_row["SecretKey"], SECRET,
        "the provider keeps the secret sealed"
    );
    assert_eq!(
        site.plain_secret(server_row["ID"].as_u64().unwrap() as u32)
            .as_deref(),
        Some(SECRET),
        "the CMG gets the secret"
    );
    let client_row = apps.iter().find(|a| a["IsClientApp"] == true).unwrap();
    assert_eq!(
        client_row["AssociatedAADApplications"],
        json!([server_row["ID"]])
    );
    let services = site.objects(Class::CloudService);
    assert_eq!(services.len(), 1);
    assert_eq!(services[0]["Name"], "Contoso");
    assert_eq!(
        services[0]["AssociatedAADWebApplications"],
        json!([server_row["ID"], client_row["ID"]])
    );

    // Authentication: Kerberos for every request, one handshake for the whole session.
    let requests = site.requests();
    assert!(requests
        .iter()
        .all(|r| r.status == 401 || r.principal.as_deref() == Some("cmadmin@TEST.CMAAD")));
    assert_eq!(
        site.auth_counts().kerberos,
        1,
        "one Kerberos handshake per session"
    );
    assert_eq!(site.connections(), 1, "one kept-alive connection");
    // SecretKey is never selected in a read: every read of the apps names what it selects.
    for r in requests
        .iter()
        .filter(|r| r.method == "GET" && r.path.contains("SMS_AAD_Application_Ex"))
    {
        let query = percent_decode(r.query.as_deref().unwrap_or(""));
        let select = query
            .split('&')
            .find_map(|p| p.strip_prefix("$select="))
            .unwrap_or_else(|| panic!("unselected read {}", r.path));
        assert!(select.split(',').all(|p| p != "SecretKey"), "{select}");
    }
    assert!(requests
        .iter()
        .filter(|r| r.carried_secret)
        .all(|r| r.method == "POST" && r.path.ends_with("SMS_AAD_Application_Ex")));

    // The journal names every change, never the secret.
    let changes = site_changes(&s);
    let ops: Vec<(&str, &str)> = changes["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["Class"].as_str().unwrap(),
                c["Operation"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        ops,
        vec![
            ("SMS_AAD_Tenant_Ex", "Create"),
            ("SMS_AAD_Application_Ex", "Create"),
            ("SMS_AAD_Application_Ex", "Create"),
            ("SMS_Azure_CloudService", "Create")
        ]
    );
    assert!(changes["value"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["SiteCode"] == "XYZ" && c["RequestId"].as_str().is_some_and(|r| r.len() == 36)));
    let db = std::fs::read(s.dir.path().join("site.db")).unwrap();
    let text = String::from_utf8_lossy(&db);
    assert!(
        !text.contains(SECRET) && !text.contains(PASSWORD),
        "no secret or password in the local store"
    );
}

#[test]
fn reads_work_while_the_site_refuses_writes() {
    let realm = realm();
    let site = kerberos_site(&realm);
    let tenant_row = site.seed(
        Class::Tenant,
        json!({"TenantID": TENANT, "Name": "Contoso", "Environment": 1}),
    );
    let expiry = (chrono::Utc::now() + chrono::Duration::days(20))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    site.seed(Class::Application, json!({"Name": "CmgServerApp", "ClientID": SERVER_CLIENT_ID, "TenantID": tenant_row, "IsClientApp": false, "SecretKey": SECRET, "SecretKeyExpiry": expiry, "IdentifierUri": format!("api://{TENANT}/ConfigMgrService")}));
    for class in Class::ALL {
        site.set_refuse_writes(class, true);
    }
    let dir = tempfile::tempdir().unwrap();
    let options = site_options(dir.path(), &site, &realm, json!({}));
    let s = open_site(dir, &options, PASSWORD).unwrap();

    let (status, got) = s.get(Some(&json!({"ExpiringWithinDays": 30})));
    assert_eq!(status, cmaad_status::CMAAD_OK, "{got}");
    assert_eq!(got["value"][0]["Name"], "CmgServerApp");
    assert_eq!(got["value"][0]["TenantName"], "Contoso");
    assert!(
        got["value"][0]["DaysUntilSecretExpiry"]
            .as_i64()
            .is_some_and(|d| d <= 20),
        "the console never warns imported apps; CMAAD does"
    );
    let (_, none) = s.get(Some(&json!({"ExpiringWithinDays": 10})));
    assert_eq!(none["value"], json!([]));

    let mut request = server_request();
    request["ClientId"] = json!("11111111-2222-4333-8444-555555555555");
    let (status, refused) = s.import_server(&request, SECRET);
    assert_eq!(status, cmaad_status::CMAAD_INVALID_ARGUMENT, "{refused}");
    assert_eq!(code(&refused), "SiteRefusedWrite");
    let message = refused["Error"]["Message"].as_str().unwrap();
    assert!(
        message.contains("Configuration Manager console") && message.contains("Import"),
        "{message}"
    );
    assert_eq!(
        site.objects(Class::Application).len(),
        1,
        "nothing was written"
    );
}

#[test]
fn wrong_password_ntlm_only_sites_and_untrusted_certificates_fail_clearly() {
    let realm = realm();
    let site = kerberos_site(&realm);
    let dir = tempfile::tempdir().unwrap();
    let options = site_options(dir.path(), &site, &realm, json!({}));
    let s = open_site(dir, &options, "not-the-password").unwrap();
    let (status, doc) = s.get(None);
    assert_eq!(status, cmaad_status::CMAAD_INVALID_ARGUMENT, "{doc}");
    assert_eq!(code(&doc), "SiteLogonFailed");
    assert!(!doc.to_string().contains("not-the-password"));
    let message = doc["Error"]["Message"].as_str().unwrap();
    assert!(
        message.contains("the KDC refused the password"),
        "{message}"
    );
    assert!(!message.contains("OctetString"), "no raw e-data: {message}");

    // Without the SMS Issuing root the provider's certificate is not trusted: nothing is sent.
    let dir = tempfile::tempdir().unwrap();
    let mut options = site_options(dir.path(), &site, &realm, json!({}));
    options.as_object_mut().unwrap().remove("TrustedCaPath");
    let before = site.requests().len();
    let s = open_site(dir, &options, PASSWORD).unwrap();
    let (status, doc) = s.get(None);
    assert_eq!(status, cmaad_status::CMAAD_NETWORK, "{doc}");
    assert_eq!(
        site.requests().len(),
        before,
        "no request reached an untrusted provider"
    );

    // A pinned thumbprint works without the root; a wrong one does not.
    let dir = tempfile::tempdir().unwrap();
    let mut options = site_options(
        dir.path(),
        &site,
        &realm,
        json!({"CertificateThumbprint": site.certificate_sha256()}),
    );
    options.as_object_mut().unwrap().remove("TrustedCaPath");
    let s = open_site(dir, &options, PASSWORD).unwrap();
    assert_eq!(s.get(None).0, cmaad_status::CMAAD_OK);
    let dir = tempfile::tempdir().unwrap();
    let mut options = site_options(
        dir.path(),
        &site,
        &realm,
        json!({"CertificateThumbprint": "00".repeat(32)}),
    );
    options.as_object_mut().unwrap().remove("TrustedCaPath");
    let s = open_site(dir, &options, PASSWORD).unwrap();
    assert_eq!(s.get(None).0, cmaad_status::CMAAD_NETWORK);

    // SkipCertificateCheck reads (with a warning) but never sends a secret.
    let dir = tempfile::tempdir().unwrap();
    let mut options = site_options(
        dir.path(),
        &site,
        &realm,
        json!({"SkipCertificateCheck": true}),
    );
    options.as_object_mut().unwrap().remove("TrustedCaPath");
    let s = open_site(dir, &options, PASSWORD).unwrap();
    let (status, first) = s.get(None);
    assert_eq!(status, cmaad_status::CMAAD_OK);
    assert!(
        first["Warnings"]
            .to_string()
            .contains(site.certificate_sha256()),
        "the call that connected names the unchecked certificate: {first}"
    );
    let tenant = site.seed(
        Class::Tenant,
        json!({"TenantID": TENANT, "Name": "Contoso"}),
    );
    let expiry = (chrono::Utc::now() + chrono::Duration::days(90)).to_rfc3339();
    site.seed(Class::Application, json!({"Name": "CmgServerApp", "ClientID": SERVER_CLIENT_ID, "TenantID": tenant, "IsClientApp": false, "SecretKey": SECRET, "SecretKeyExpiry": expiry}));
    let (status, client) = s.import_client(
        &json!({"AppName": "CmgClientApp", "ClientId": CLIENT_CLIENT_ID, "TenantId": TENANT}),
    );
    assert_eq!(status, cmaad_status::CMAAD_OK, "{client}");
    let warnings = client["Warnings"].to_string();
    assert!(
        warnings.contains("SkipCertificateCheck: the SMS Provider's certificate is not checked"),
        "{client}"
    );
    let mut second = server_request();
    second["ClientId"] = json!("22222222-3333-4444-8555-666666666666");
    let (status, doc) = s.import_server(&second, SECRET);
    assert_eq!(status, cmaad_status::CMAAD_INVALID_ARGUMENT, "{doc}");
    assert_eq!(target(&doc), "Site.SkipCertificateCheck");
    assert!(site.requests().iter().all(|r| !r.carried_secret));
}

#[test]
fn ntlm_is_used_only_where_allowed_and_offered() {
    let account = NtlmAccount {
        domain: "CONTOSO".into(),
        user: USER.into(),
        password: PASSWORD.into(),
    };
    let site = FakeSite::start(SiteConfig::new("OLD").auth(AuthConfig {
        ntlm: vec![account],
        ..Default::default()
    }));
    let realm = realm();
    let dir = tempfile::tempdir().unwrap();
    let options = site_options(
        dir.path(),
        &site,
        &realm,
        json!({"SiteCode": "OLD", "UserName": "CONTOSO\\cmadmin", "Authentication": "Ntlm"}),
    );
    let s = open_site(dir, &options, PASSWORD).unwrap();
    let (status, doc) = s.get(None);
    assert_eq!(status, cmaad_status::CMAAD_OK, "{doc}");
    assert_eq!(site.auth_counts().ntlm, 1);

    // Negotiate without AllowNtlm never falls back to NTLM.
    let dir = tempfile::tempdir().unwrap();
    let options = site_options(
        dir.path(),
        &site,
        &realm,
        json!({"SiteCode": "OLD", "UserName": "CONTOSO\\cmadmin"}),
    );
    let s = open_site(dir, &options, PASSWORD).unwrap();
    let (status, doc) = s.get(None);
    assert_ne!(status, cmaad_status::CMAAD_OK, "{doc}");
    assert_eq!(site.auth_counts().ntlm, 1);
}

#[test]
fn throttling_and_outages_are_retried_then_reported() {
    let realm = realm();
    let site = kerberos_site(&realm);
    let dir = tempfile::tempdir().unwrap();
    let options = site_options(dir.path(), &site, &realm, json!({}));
    let s = open_site(dir, &options, PASSWORD).unwrap();
    use cmaad_fake_adminservice::{Fault, FaultKind};
    site.add_fault(
        Fault::on(
            "GET",
            Class::Tenant,
            FaultKind::Throttle {
                retry_after_secs: 1,
            },
        )
        .times(2),
    );
    let (status, doc) = s.get(Some(&json!({"TenantName": "Contoso"})));
    assert_eq!(status, cmaad_status::CMAAD_OK, "{doc}");
    let throttled = site.requests().iter().filter(|r| r.status == 429).count();
    assert_eq!(throttled, 2, "both throttled reads were retried");
    site.add_fault(Fault::on("GET", Class::Tenant, FaultKind::Status(503)));
    let (status, doc) = s.get(Some(&json!({"TenantName": "Contoso"})));
    assert_eq!(status, cmaad_status::CMAAD_NETWORK, "{doc}");
    assert_eq!(code(&doc), "SiteUnavailable");
    let unavailable = site.requests().iter().filter(|r| r.status == 503).count();
    assert_eq!(unavailable, 4, "at most 4 attempts");
}

#[test]
fn each_site_lists_only_its_own_changes_from_a_shared_journal() {
    let realm = realm();
    let xyz = kerberos_site(&realm);
    let s02 = FakeSite::start(SiteConfig::new("S02").auth(AuthConfig {
        kerberos: Some(cmaad_fake_adminservice::auth::KerberosService {
            host: "localhost".into(),
            keys: realm.service_keys().to_vec(),
        }),
        ..Default::default()
    }));
    let shared = tempfile::tempdir().unwrap();
    let mut listed = Vec::new();
    for (site, code) in [(&xyz, "XYZ"), (&s02, "S02")] {
        let options = site_options(shared.path(), site, &realm, json!({ "SiteCode": code }));
        let s = open_site(tempfile::tempdir().unwrap(), &options, PASSWORD).expect("open");
        let (status, doc) = s.import_server(&server_request(), SECRET);
        assert_eq!(status, cmaad_status::CMAAD_OK, "{doc}");
        listed.push(site_changes(&s));
    }
    for (changes, code) in listed.iter().zip(["XYZ", "S02"]) {
        let sites: Vec<&str> = changes["value"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["SiteCode"].as_str().unwrap())
            .collect();
        assert_eq!(sites, vec![code, code], "{changes}");
    }
}
