//! Server app verification against the local Entra fake: success, each AADSTS code Entra
//! answers, the tenant-name check and the protocol quirks.

mod entra_support;

use cmaad::entra::Outcome;
use cmaad::Status;
use cmaad_fake_entra::{App, Endpoint, FakeEntra, Fault, FaultKind};
use entra_support::*;

fn assert_refused(e: &cmaad::Error, code: &str, target: &str, aadsts: u64) {
    assert_eq!(e.status, Status::VerificationFailed, "{e:?}");
    assert_eq!(e.code, code, "{e:?}");
    assert_eq!(e.target.as_deref(), Some(target), "{e:?}");
    assert_eq!(e.entra_error_codes, vec![aadsts]);
    assert!(
        e.correlation_id
            .as_deref()
            .is_some_and(|c| uuid::Uuid::parse_str(c).is_ok()),
        "{e:?}"
    );
    assert!(!e.message.contains(SECRET) && !format!("{e:?}").contains(SECRET));
}

#[test]
fn good_app_passes_every_check_with_one_correct_token_request() {
    let fake = fake();
    let s = secret(SECRET);
    let v = verifier(&fake)
        .verify_server_app(&server_probe(&s))
        .unwrap();
    assert!(v.verified);
    let outcomes: Vec<(&str, Outcome)> = v
        .checks
        .iter()
        .map(|c| (c.name.as_str(), c.outcome))
        .collect();
    assert_eq!(
        outcomes,
        vec![
            ("TenantName", Outcome::Passed),
            ("TenantId", Outcome::Passed),
            ("ClientId", Outcome::Passed),
            ("SecretKey", Outcome::Passed),
            ("AppIdUri", Outcome::Passed)
        ]
    );
    let token = fake
        .requests()
        .into_iter()
        .find(|r| r.endpoint == Endpoint::Token)
        .unwrap();
    assert_eq!(token.method, "POST");
    assert_eq!(token.path, format!("/{TENANT}/oauth2/v2.0/token"));
    assert!(token
        .header("content-type")
        .unwrap()
        .starts_with("application/x-www-form-urlencoded"));
    assert_eq!(token.form_field("grant_type"), Some("client_credentials"));
    assert_eq!(token.form_field("client_id"), Some(SERVER_ID));
    assert_eq!(token.form_field("client_secret"), Some("<redacted>"));
    assert_eq!(
        token.form_field("scope"),
        Some(format!("{APP_ID_URI}/.default").as_str())
    );
    assert!(token.header("client-request-id").is_some());
    let json = serde_json::to_string(&v).unwrap();
    assert!(json.contains("\"Outcome\":\"Passed\"") && !json.contains(SECRET));
}

#[test]
fn without_app_id_uri_the_token_is_for_graph() {
    let fake = fake();
    let s = secret(SECRET);
    let probe = cmaad::entra::ServerAppProbe {
        app_id_uri: None,
        tenant_name: "Contoso",
        ..server_probe(&s)
    };
    let v = verifier(&fake).verify_server_app(&probe).unwrap();
    assert!(v.verified);
    let by_name = |n: &str| v.checks.iter().find(|c| c.name == n).unwrap().outcome;
    assert_eq!(by_name("AppIdUri"), Outcome::NotChecked);
    assert_eq!(by_name("TenantName"), Outcome::NotChecked);
    let token = fake
        .requests()
        .into_iter()
        .find(|r| r.endpoint == Endpoint::Token)
        .unwrap();
    assert_eq!(
        token.form_field("scope"),
        Some("https://graph.microsoft.com/.default")
    );
    assert_eq!(
        fake.count(Endpoint::Discovery),
        0,
        "a label is not resolved"
    );
}

#[test]
fn wrong_secret_is_7000215() {
    let fake = fake();
    let s = secret("the-secret-id-not-its-value");
    let e = verifier(&fake)
        .verify_server_app(&server_probe(&s))
        .unwrap_err();
    assert_refused(&e, "InvalidClientSecret", "SecretKey", 7000215);
    assert!(
        e.message.contains("Value (not its Secret ID)"),
        "{}",
        e.message
    );
    let details = e.details.clone().unwrap();
    assert_eq!(outcome(&details, "SecretKey"), "Failed");
    assert_eq!(outcome(&details, "ClientId"), "Passed");
    assert_eq!(outcome(&details, "AppIdUri"), "NotChecked");
    assert!(!details.to_string().contains("the-secret-id-not-its-value"));
}

#[test]
fn expired_secret_is_7000222() {
    let app = server_app();
    let mut expired = App::new(SERVER_ID, "CmgServerApp")
        .identifier_uri(APP_ID_URI)
        .secret_expiring("old-secret", chrono::Utc::now() - chrono::Duration::days(1));
    expired.oauth2_permission_scopes = app.oauth2_permission_scopes.clone();
    let fake = FakeEntra::start(directory_with(expired, client_app(&app)));
    let s = secret("old-secret");
    let e = verifier(&fake)
        .verify_server_app(&server_probe(&s))
        .unwrap_err();
    assert_refused(&e, "ClientSecretExpired", "SecretKey", 7000222);
    assert!(
        e.message.contains("renew") || e.message.contains("create a new secret"),
        "{}",
        e.message
    );
}

#[test]
fn unknown_client_is_700016() {
    let fake = fake();
    let s = secret(SECRET);
    let probe = cmaad::entra::ServerAppProbe {
        client_id: "11111111-2222-3333-4444-555555555555",
        ..server_probe(&s)
    };
    let e = verifier(&fake).verify_server_app(&probe).unwrap_err();
    assert_refused(&e, "AppNotFound", "ClientId", 700016);
    assert_eq!(outcome(e.details.as_ref().unwrap(), "ClientId"), "Failed");
    assert_eq!(
        outcome(e.details.as_ref().unwrap(), "SecretKey"),
        "NotChecked"
    );
}

#[test]
fn unknown_tenant_is_90002() {
    let fake = fake();
    let s = secret(SECRET);
    let probe = cmaad::entra::ServerAppProbe {
        tenant_id: "00000000-1111-2222-3333-444444444444",
        tenant_name: "Contoso",
        ..server_probe(&s)
    };
    let e = verifier(&fake).verify_server_app(&probe).unwrap_err();
    assert_refused(&e, "TenantNotFound", "TenantId", 90002);
    assert!(e.message.contains("Azure environment"), "{}", e.message);
}

#[test]
fn unknown_domain_is_90002_on_tenant_name() {
    let fake = fake();
    let s = secret(SECRET);
    let probe = cmaad::entra::ServerAppProbe {
        tenant_name: "nowhere.onmicrosoft.com",
        ..server_probe(&s)
    };
    let e = verifier(&fake).verify_server_app(&probe).unwrap_err();
    assert_refused(&e, "TenantNotFound", "TenantName", 90002);
    assert_eq!(
        fake.count(Endpoint::Token),
        0,
        "no token request after a failed tenant check"
    );
}

#[test]
fn malformed_tenant_is_900023() {
    let fake = fake();
    fake.add_fault(Fault::on(Endpoint::Token, FaultKind::Aadsts(900023)));
    let s = secret(SECRET);
    let e = verifier(&fake)
        .verify_server_app(&server_probe(&s))
        .unwrap_err();
    assert_refused(&e, "InvalidTenant", "TenantId", 900023);
}

#[test]
fn unknown_app_id_uri_is_500011() {
    let fake = fake();
    let s = secret(SECRET);
    let probe = cmaad::entra::ServerAppProbe {
        app_id_uri: Some("api://05a349fa-0d5c-4a1c-9f3e-1c2d3e4f5a6b/ConfigMgrServise"),
        ..server_probe(&s)
    };
    let e = verifier(&fake).verify_server_app(&probe).unwrap_err();
    assert_refused(&e, "AppIdUriNotFound", "AppIdUri", 500011);
    assert_eq!(outcome(e.details.as_ref().unwrap(), "AppIdUri"), "Failed");
}

#[test]
fn consent_required_and_public_client_codes_are_named() {
    for (code, name, target) in [
        (65001, "ConsentRequired", "ClientId"),
        (7000218, "PublicClientFlowsDisabled", "ClientId"),
        (53003, "BlockedByConditionalAccess", "ClientId"),
    ] {
        let fake = fake();
        fake.add_fault(Fault::on(Endpoint::Token, FaultKind::Aadsts(code)).times(1));
        let s = secret(SECRET);
        let e = verifier(&fake)
            .verify_server_app(&server_probe(&s))
            .unwrap_err();
        assert_refused(&e, name, target, code);
        assert_eq!(fake.count(Endpoint::Token), 1, "a refusal is not retried");
    }
}

#[test]
fn unknown_code_keeps_code_and_first_line() {
    let fake = fake();
    fake.add_fault(Fault::on(Endpoint::Token, FaultKind::Aadsts(4242424)));
    let s = secret(SECRET);
    let e = verifier(&fake)
        .verify_server_app(&server_probe(&s))
        .unwrap_err();
    assert_eq!(e.code, "EntraError");
    assert_eq!(e.status, Status::VerificationFailed);
    assert_eq!(e.entra_error_codes, vec![4242424]);
    assert!(
        e.message.contains("AADSTS4242424: \"The request failed"),
        "{}",
        e.message
    );
    assert!(
        !e.message.contains("Trace ID"),
        "only the first line: {}",
        e.message
    );
    assert_eq!(outcome(e.details.as_ref().unwrap(), "Entra"), "Failed");
}

#[test]
fn tenant_name_of_another_tenant_is_a_mismatch() {
    let fake = fake();
    let s = secret(SECRET);
    let probe = cmaad::entra::ServerAppProbe {
        tenant_name: OTHER_DOMAIN,
        ..server_probe(&s)
    };
    let e = verifier(&fake).verify_server_app(&probe).unwrap_err();
    assert_eq!(
        (e.status, e.code.as_str(), e.target.as_deref()),
        (
            Status::VerificationFailed,
            "TenantMismatch",
            Some("TenantName")
        )
    );
    assert!(
        e.message.contains(OTHER_TENANT) && e.message.contains(TENANT),
        "{}",
        e.message
    );
    let discovery = fake
        .requests()
        .into_iter()
        .find(|r| r.endpoint == Endpoint::Discovery)
        .unwrap();
    assert_eq!(
        discovery.path,
        format!("/{OTHER_DOMAIN}/v2.0/.well-known/openid-configuration")
    );
    assert_eq!(fake.count(Endpoint::Token), 0);
}

#[test]
fn self_token_by_uri_90009_falls_back_to_app_id() {
    let server = server_app().rejecting_self_token_by_uri();
    let client = client_app(&server);
    let fake = FakeEntra::start(directory_with(server, client));
    let s = secret(SECRET);
    let v = verifier(&fake)
        .verify_server_app(&server_probe(&s))
        .unwrap();
    assert!(v.verified);
    let scopes: Vec<String> = fake
        .requests()
        .iter()
        .filter(|r| r.endpoint == Endpoint::Token)
        .filter_map(|r| r.form_field("scope").map(str::to_string))
        .collect();
    assert_eq!(
        scopes,
        vec![
            format!("{APP_ID_URI}/.default"),
            format!("{SERVER_ID}/.default")
        ]
    );
    // The fallback still checks the secret.
    let wrong = secret("wrong");
    let e = verifier(&fake)
        .verify_server_app(&server_probe(&wrong))
        .unwrap_err();
    assert_eq!(e.code, "InvalidClientSecret");
}

#[test]
fn app_id_uri_ending_in_slash_gets_double_slash_scope() {
    let uri = "https://contoso.onmicrosoft.com/ConfigMgrService/";
    let mut server = server_app();
    server.identifier_uris = vec![uri.to_string()];
    let client = client_app(&server);
    let fake = FakeEntra::start(directory_with(server, client));
    let s = secret(SECRET);
    let probe = cmaad::entra::ServerAppProbe {
        app_id_uri: Some(uri),
        ..server_probe(&s)
    };
    assert!(verifier(&fake).verify_server_app(&probe).unwrap().verified);
    let token = fake
        .requests()
        .into_iter()
        .find(|r| r.endpoint == Endpoint::Token)
        .unwrap();
    assert_eq!(
        token.form_field("scope"),
        Some("https://contoso.onmicrosoft.com/ConfigMgrService//.default")
    );
}

#[test]
fn non_guid_ids_are_refused_before_any_request() {
    let fake = fake();
    let s = secret(SECRET);
    let probe = cmaad::entra::ServerAppProbe {
        tenant_id: "contoso/../x",
        ..server_probe(&s)
    };
    let e = verifier(&fake).verify_server_app(&probe).unwrap_err();
    assert_eq!(
        (e.status, e.target.as_deref()),
        (Status::InvalidArgument, Some("TenantId"))
    );
    assert!(fake.requests().is_empty());
}
