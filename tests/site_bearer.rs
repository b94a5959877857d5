//! `Authentication` `Bearer` through the C ABI: a delegated Entra token for the site's client
//! app (scope `<server app App ID URI>/.default`), obtained by the device code sign-in with
//! `"Resource": "AdminService"`, sent on every request to `AdminService_TokenAuth` (or a cloud
//! management gateway's `CCM_Proxy_ServerAuth/<ID>/AdminService`). The fake provider accepts
//! only tokens the fake Entra issued, for the site's server app, unexpired.

mod common;
mod provision_support;
mod site_support;

use cmaad::ffi::cmaad_status;
use cmaad_fake_adminservice::auth::{entra_bearer, AuthConfig};
use cmaad_fake_adminservice::{Class, FakeSite, SiteConfig};
use cmaad_fake_entra::{App, Config, FakeEntra, Tenant};
use common::{
    code, server_request, target, FfiSession, CLIENT_CLIENT_ID, SECRET, SERVER_CLIENT_ID, TENANT,
};
use provision_support::{begin, complete, SignIn};
use serde_json::{json, Value};
use std::time::Duration;

fn app_id_uri() -> String {
    format!("api://{TENANT}/ConfigMgrService")
}

/// The site's server app (the token's audience), its client app (a public client: the device
/// code goes through it) and another API of the tenant.
fn directory() -> FakeEntra {
    FakeEntra::start(
        Config::new().device_code_interval_secs(1).tenant(
            Tenant::new(TENANT)
                .domain("contoso.onmicrosoft.com")
                .app(
                    App::new(SERVER_CLIENT_ID, "CmgServerApp")
                        .identifier_uri(&app_id_uri())
                        .secret(SECRET),
                )
                .app(App::new(CLIENT_CLIENT_ID, "CmgClientApp").public_client(true))
                .app(
                    App::new("3f0e8d2a-5b6c-4d7e-8f90-a1b2c3d4e5f6", "Other API")
                        .identifier_uri(&format!("api://{TENANT}/OtherApi")),
                ),
        ),
    )
}

/// A provider that takes only the fake Entra's tokens for the server app on its token route.
fn bearer_site(entra: &FakeEntra) -> FakeSite {
    FakeSite::start(SiteConfig::new("XYZ").auth(AuthConfig {
        bearer: Some(entra_bearer(
            entra.token_validator(),
            vec![app_id_uri(), SERVER_CLIENT_ID.to_string()],
            TENANT.to_string(),
        )),
        ..AuthConfig::default()
    }))
}

fn options(dir: &std::path::Path, site: &FakeSite, entra: &FakeEntra, extra: Value) -> Value {
    let root = dir.join("sms-issuing.pem");
    std::fs::write(&root, site.root_pem()).unwrap();
    let mut s = json!({
        "ProviderMachineName": site.provider_machine_name(),
        "SiteCode": "XYZ",
        "Authentication": "Bearer",
        "TenantId": TENANT,
        "ClientId": CLIENT_CLIENT_ID,
        "AppIdUri": app_id_uri(),
    });
    if let (Some(o), Some(e)) = (s.as_object_mut(), extra.as_object()) {
        o.extend(e.clone());
    }
    json!({
        "StorePath": dir.join("site.db"), "TrustedCaPath": root, "Site": s,
        "AuthorityHost": entra.base_url(), "GraphHost": entra.base_url(), "TimeoutSeconds": 10,
    })
}

fn open(site: &FakeSite, entra: &FakeEntra, extra: Value) -> FfiSession {
    let dir = tempfile::tempdir().unwrap();
    let o = options(dir.path(), site, entra, extra);
    let (status, doc, handle) = common::open(Some(&o.to_string()));
    assert_eq!(status, cmaad_status::CMAAD_OK, "{doc}");
    assert_eq!(doc["Site"]["Authentication"], "Bearer", "{doc}");
    let endpoint = doc["Site"]["Bearer"]["Endpoint"]
        .as_str()
        .unwrap_or_default();
    assert!(
        endpoint.ends_with("/AdminService_TokenAuth") || endpoint.ends_with("/AdminService"),
        "{doc}"
    );
    assert_eq!(doc["Site"]["Bearer"]["ClientId"], CLIENT_CLIENT_ID, "{doc}");
    FfiSession { dir, handle }
}

/// Signs in to the site's AdminService by device code, the person approving at once.
fn sign_in(s: &FfiSession, entra: &FakeEntra) -> (Value, SignIn) {
    let (status, shown, signin) = begin(s, &json!({"Resource": "AdminService"}));
    assert_eq!(status, cmaad_status::CMAAD_OK, "{shown}");
    assert_eq!(shown["ClientId"], CLIENT_CLIENT_ID, "the site's client app");
    assert!(entra.approve_device_code(shown["UserCode"].as_str().unwrap()));
    let (status, doc) = complete(s, &signin, Some(&json!({"TimeoutSeconds": 30})));
    assert_eq!(status, cmaad_status::CMAAD_OK, "{doc}");
    (doc, signin)
}

fn asked_scope(entra: &FakeEntra) -> Option<String> {
    entra
        .requests()
        .iter()
        .find_map(|r| r.form_field("scope").map(str::to_string))
}

#[test]
fn onboarding_reads_and_writes_over_the_token_route() {
    let entra = directory();
    let site = bearer_site(&entra);
    let s = open(&site, &entra, json!({}));

    // Before the sign-in nothing goes to the provider.
    let (status, doc) = s.get(None);
    assert_eq!(
        (status, code(&doc)),
        (cmaad_status::CMAAD_INVALID_ARGUMENT, "SiteSignInRequired"),
        "{doc}"
    );
    assert!(doc["Error"]["Message"]
        .as_str()
        .unwrap()
        .contains("AdminService"));
    assert!(site.requests().is_empty());

    let (status_doc, _signin) = sign_in(&s, &entra);
    assert_eq!(status_doc["Resource"], "AdminService");
    assert_eq!(
        asked_scope(&entra),
        Some(format!("{}/.default", app_id_uri()))
    );

    let (status, server) = s.import_server(&server_request(), SECRET);
    assert_eq!(status, cmaad_status::CMAAD_OK, "{server}");
    let (status, got) = s.get(Some(
        &json!({"AppType": "ServerApplication", "AppName": "CmgServerApp"}),
    ));
    assert_eq!(status, cmaad_status::CMAAD_OK, "{got}");
    assert_eq!(got["value"][0]["ID"], server["ID"]);
    let (status, client) = s.import_client(&json!({"AppName": "CmgClientApp", "ClientId": CLIENT_CLIENT_ID, "ServerAppId": server["ID"]}));
    assert_eq!(status, cmaad_status::CMAAD_OK, "{client}");
    let (status, service) = s.new_service(&json!({"Name": "Contoso", "Description": "Azure Service", "ServerAppId": server["ID"], "ClientAppId": client["ID"], "AzureEnvironmentOption": "AzurePublicCloud"}));
    assert_eq!(status, cmaad_status::CMAAD_OK, "{service}");
    assert_eq!(site.objects(Class::Application).len(), 2);
    assert_eq!(site.objects(Class::CloudService).len(), 1);

    // Every request went to the token route with the token; none fell back to Negotiate.
    let requests = site.requests();
    assert!(!requests.is_empty());
    for r in &requests {
        assert!(
            r.path.starts_with("/AdminService_TokenAuth/wmi/"),
            "{}",
            r.path
        );
        assert_eq!(
            r.authorization_scheme.as_deref(),
            Some("Bearer"),
            "{}",
            r.path
        );
        assert_ne!(r.status, 401, "{}", r.path);
    }
    // The token never shows in a document or the journal.
    let changes = site_support::site_changes(&s);
    assert!(!changes["value"].as_array().unwrap().is_empty());
    assert!(!changes.to_string().contains("eyJ"), "{changes}");
}

#[test]
fn a_token_for_another_api_is_refused_naming_the_app_id_uri() {
    let entra = directory();
    let site = bearer_site(&entra);
    let s = open(
        &site,
        &entra,
        json!({"AppIdUri": format!("api://{TENANT}/OtherApi")}),
    );
    sign_in(&s, &entra);
    let (status, doc) = s.get(None);
    assert_eq!(status, cmaad_status::CMAAD_INVALID_ARGUMENT, "{doc}");
    assert_eq!(
        (code(&doc), target(&doc)),
        ("SiteTokenWrongAudience", "Site.AppIdUri"),
        "{doc}"
    );
    let message = doc["Error"]["Message"].as_str().unwrap();
    assert!(
        message.contains("App ID URI") && message.contains("OtherApi"),
        "{message}"
    );
    assert!(
        !doc.to_string().contains("eyJ"),
        "the token is never quoted: {doc}"
    );
    assert_eq!(site.auth_counts().refused, 1, "refused once, not retried");
}

#[test]
fn an_expired_token_is_refused_with_sign_in_again() {
    let entra = directory();
    let site = bearer_site(&entra);
    let s = open(&site, &entra, json!({}));
    sign_in(&s, &entra);
    let (status, doc) = s.get(None);
    assert_eq!(status, cmaad_status::CMAAD_OK, "{doc}");
    // The provider's clock says the token has run out (the client still thinks it good).
    entra.expire_issued_tokens();
    let (status, doc) = s.get(None);
    assert_eq!(
        (status, code(&doc)),
        (cmaad_status::CMAAD_INVALID_ARGUMENT, "SiteTokenExpired"),
        "{doc}"
    );
    assert!(
        doc["Error"]["Message"]
            .as_str()
            .unwrap()
            .contains("sign in again"),
        "{doc}"
    );
    // A token whose lifetime the client knows has passed is not sent at all.
    entra.update(|c| c.token_lifetime_secs = 1);
    sign_in(&s, &entra);
    std::thread::sleep(Duration::from_millis(1100));
    let before = site.requests().len();
    let (status, doc) = s.get(None);
    assert_eq!(
        (status, code(&doc)),
        (cmaad_status::CMAAD_INVALID_ARGUMENT, "SiteSignInExpired"),
        "{doc}"
    );
    assert_eq!(
        site.requests().len(),
        before,
        "an expired token is not sent"
    );
}

#[test]
fn a_token_the_authority_did_not_issue_is_refused() {
    let entra = directory();
    let other = directory();
    let site = bearer_site(&entra);
    // Signed in at another authority: same claims, but not a token `entra` issued.
    let s = open(&site, &other, json!({}));
    sign_in(&s, &other);
    let (status, doc) = s.get(None);
    assert_eq!(
        (status, code(&doc)),
        (cmaad_status::CMAAD_INVALID_ARGUMENT, "SiteTokenRefused"),
        "{doc}"
    );
    let message = doc["Error"]["Message"].as_str().unwrap();
    assert!(message.contains("signature"), "{message}");
}

#[test]
fn through_a_cloud_management_gateway() {
    let entra = directory();
    let site = bearer_site(&entra);
    let cmg = format!(
        "https://{}/CCM_Proxy_ServerAuth/72057594037927941",
        site.provider_machine_name()
    );
    let s = open(&site, &entra, json!({"CmgUrl": cmg}));
    sign_in(&s, &entra);
    let (status, doc) = s.get(None);
    assert_eq!(status, cmaad_status::CMAAD_OK, "{doc}");
    let requests = site.requests();
    assert!(!requests.is_empty());
    assert!(
        requests.iter().all(|r| r
            .path
            .starts_with("/CCM_Proxy_ServerAuth/72057594037927941/AdminService/wmi/")),
        "{:?}",
        requests.iter().map(|r| &r.path).collect::<Vec<_>>()
    );
}

#[test]
fn bearer_settings_are_checked_when_the_session_opens() {
    let entra = directory();
    let site = bearer_site(&entra);
    let dir = tempfile::tempdir().unwrap();
    for (extra, field, error) in [
        (json!({"TenantId": null}), "Site.TenantId", "MissingField"),
        (
            json!({"ClientId": "not-a-guid"}),
            "Site.ClientId",
            "InvalidClientId",
        ),
        (json!({"AppIdUri": null}), "Site.AppIdUri", "MissingField"),
        (
            json!({"UserName": "cmadmin@TEST.CMAAD"}),
            "Site.UserName",
            "NegotiateFieldWithBearer",
        ),
        (
            json!({"CmgUrl": "http://cmg.contoso.com/CCM_Proxy_ServerAuth/1"}),
            "Site.CmgUrl",
            "InvalidCmgUrl",
        ),
        (
            json!({"Authentication": "Negotiate"}),
            "Site.TenantId",
            "BearerFieldWithoutBearer",
        ),
    ] {
        let mut o = options(dir.path(), &site, &entra, json!({}));
        if let (Some(s), Some(e)) = (o["Site"].as_object_mut(), extra.as_object()) {
            for (k, v) in e {
                if v.is_null() {
                    s.remove(k);
                } else {
                    s.insert(k.clone(), v.clone());
                }
            }
        }
        let (status, doc, _) = common::open(Some(&o.to_string()));
        assert_eq!(
            (status, target(&doc), code(&doc)),
            (cmaad_status::CMAAD_INVALID_ARGUMENT, field, error),
            "{doc}"
        );
    }
    // Resource AdminService needs a Bearer site.
    let plain = FfiSession::open_with(json!({"AuthorityHost": entra.base_url()}));
    let (status, doc, _) = begin(&plain, &json!({"Resource": "AdminService"}));
    assert_eq!(
        (status, code(&doc)),
        (cmaad_status::CMAAD_INVALID_ARGUMENT, "NoSite"),
        "{doc}"
    );
    assert!(site.requests().is_empty());
}

#[test]
fn the_token_never_follows_a_redirect() {
    use cmaad_fake_adminservice::{Fault, FaultKind};
    let entra = directory();
    let site = bearer_site(&entra);
    let elsewhere = bearer_site(&entra);
    let s = open(&site, &entra, json!({}));
    sign_in(&s, &entra);
    site.add_fault(Fault::everywhere(FaultKind::Redirect {
        status: 307,
        location: format!("{}/wmi/SMS_AAD_Tenant_Ex", elsewhere.base_url()),
    }));
    let (status, doc) = s.get(None);
    assert_eq!(
        (status, code(&doc)),
        (cmaad_status::CMAAD_NETWORK, "SiteRedirected"),
        "{doc}"
    );
    assert!(
        elsewhere.requests().is_empty(),
        "the token went nowhere else"
    );
}
