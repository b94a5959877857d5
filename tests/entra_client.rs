//! Client app verification: the device-code existence probe (never polled) and the Graph read of
//! the app's settings with the server app's token.

mod entra_support;

use cmaad::entra::Outcome;
use cmaad::Status;
use cmaad_fake_entra::{Endpoint, FakeEntra};
use entra_support::*;

fn outcomes(v: &cmaad::entra::Verification) -> Vec<(String, Outcome)> {
    v.checks
        .iter()
        .map(|c| (c.name.clone(), c.outcome))
        .collect()
}

#[test]
fn existing_app_without_server_credentials_says_what_was_not_checked() {
    let fake = fake();
    let v = verifier(&fake)
        .verify_client_app(&client_probe(None))
        .unwrap();
    assert!(v.verified);
    assert_eq!(v.checks[0].name, "AppExists");
    assert_eq!(v.checks[0].outcome, Outcome::Passed);
    for check in &v.checks[1..] {
        assert_eq!(check.outcome, Outcome::NotChecked, "{check:?}");
        assert!(
            check.detail.contains("device-code request does not reveal"),
            "{}",
            check.detail
        );
    }
    let probe = fake
        .requests()
        .into_iter()
        .find(|r| r.endpoint == Endpoint::DeviceCode)
        .unwrap();
    assert_eq!(probe.path, format!("/{TENANT}/oauth2/v2.0/devicecode"));
    assert_eq!(probe.form_field("client_id"), Some(CLIENT_ID));
    assert!(probe.form_field("scope").is_some());
    assert_eq!(
        fake.count(Endpoint::Token),
        0,
        "the device code is never polled"
    );
}

#[test]
fn unknown_client_app_is_700016() {
    let fake = fake();
    let probe = cmaad::entra::ClientAppProbe {
        client_id: "22222222-3333-4444-5555-666666666666",
        ..client_probe(None)
    };
    let e = verifier(&fake).verify_client_app(&probe).unwrap_err();
    assert_eq!(
        (e.status, e.code.as_str(), e.target.as_deref()),
        (Status::VerificationFailed, "AppNotFound", Some("ClientId"))
    );
    assert_eq!(e.entra_error_codes, vec![700016]);
    assert_eq!(outcome(e.details.as_ref().unwrap(), "AppExists"), "Failed");
}

#[test]
fn unknown_tenant_for_client_is_90002() {
    let fake = fake();
    let probe = cmaad::entra::ClientAppProbe {
        tenant_id: "00000000-1111-2222-3333-444444444444",
        ..client_probe(None)
    };
    let e = verifier(&fake).verify_client_app(&probe).unwrap_err();
    assert_eq!(
        (e.code.as_str(), e.target.as_deref()),
        ("TenantNotFound", Some("TenantId"))
    );
}

#[test]
fn good_client_app_passes_every_graph_check() {
    let fake = fake();
    let s = secret(SECRET);
    let v = verifier(&fake)
        .verify_client_app(&client_probe(Some(&s)))
        .unwrap();
    assert!(v.verified);
    let expected: Vec<(String, Outcome)> = [
        "AppExists",
        "PublicClientFlows",
        "BrokerRedirectUri",
        "UserImpersonation",
    ]
    .iter()
    .map(|n| (n.to_string(), Outcome::Passed))
    .collect();
    assert_eq!(outcomes(&v), expected);
    let graph: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.endpoint == Endpoint::Graph)
        .collect();
    assert_eq!(
        graph[0].path,
        format!("/v1.0/applications(appId='{CLIENT_ID}')")
    );
    assert_eq!(graph[0].header("authorization"), Some("Bearer <redacted>"));
    let token = fake
        .requests()
        .into_iter()
        .find(|r| r.endpoint == Endpoint::Token)
        .unwrap();
    assert_eq!(
        token.form_field("scope"),
        Some("https://graph.microsoft.com/.default")
    );
}

#[test]
fn public_client_flows_off_is_reported() {
    let server = server_app();
    let client = client_app(&server).public_client(false);
    let fake = FakeEntra::start(directory_with(server, client));
    let s = secret(SECRET);
    let e = verifier(&fake)
        .verify_client_app(&client_probe(Some(&s)))
        .unwrap_err();
    assert_eq!(
        (e.status, e.code.as_str(), e.target.as_deref()),
        (
            Status::VerificationFailed,
            "PublicClientFlowsDisabled",
            Some("ClientId")
        )
    );
    assert!(
        e.message.contains("Allow public client flows"),
        "{}",
        e.message
    );
    let details = e.details.unwrap();
    assert_eq!(outcome(&details, "PublicClientFlows"), "Failed");
    assert_eq!(outcome(&details, "BrokerRedirectUri"), "Passed");
}

#[test]
fn missing_broker_uri_and_user_impersonation_are_reported() {
    let server = server_app();
    let mut client = client_app(&server);
    client.public_client_redirect_uris.clear();
    client.required_resource_access.clear();
    let fake = FakeEntra::start(directory_with(server, client));
    let s = secret(SECRET);
    let e = verifier(&fake)
        .verify_client_app(&client_probe(Some(&s)))
        .unwrap_err();
    assert_eq!(e.code, "BrokerRedirectUriMissing");
    assert!(
        e.message
            .contains("ms-appx-web://Microsoft.AAD.BrokerPlugin/")
            && e.message.contains("user_impersonation"),
        "{}",
        e.message
    );
    let details = e.details.unwrap();
    assert_eq!(outcome(&details, "UserImpersonation"), "Failed");
}

#[test]
fn a_scope_other_than_user_impersonation_does_not_count() {
    let server = server_app();
    let mut client = client_app(&server);
    client.required_resource_access.clear();
    let client = client.requires_scope(SERVER_ID, "00000000-0000-0000-0000-000000000001");
    let fake = FakeEntra::start(directory_with(server, client));
    let s = secret(SECRET);
    let e = verifier(&fake)
        .verify_client_app(&client_probe(Some(&s)))
        .unwrap_err();
    assert_eq!(e.code, "UserImpersonationMissing");
}

#[test]
fn server_app_without_read_permission_leaves_settings_not_checked() {
    let mut server = server_app();
    server.graph_roles.clear();
    let client = client_app(&server);
    let fake = FakeEntra::start(directory_with(server, client));
    let s = secret(SECRET);
    let v = verifier(&fake)
        .verify_client_app(&client_probe(Some(&s)))
        .unwrap();
    assert!(v.verified);
    assert_eq!(v.checks[1].outcome, Outcome::NotChecked);
    assert!(
        v.checks[1].detail.contains("Directory.Read.All"),
        "{}",
        v.checks[1].detail
    );
    assert_eq!(fake.count(Endpoint::Graph), 0);
}

#[test]
fn refused_server_secret_leaves_settings_not_checked() {
    let fake = fake();
    let wrong = secret("wrong");
    let v = verifier(&fake)
        .verify_client_app(&client_probe(Some(&wrong)))
        .unwrap();
    assert!(
        v.checks[1].detail.contains("AADSTS7000215"),
        "{}",
        v.checks[1].detail
    );
    assert!(!serde_json::to_string(&v).unwrap().contains("wrong\""));
}
