//! Token reuse: the fake counts token requests. A cached token never vouches for another secret.

mod entra_support;

use cmaad_fake_entra::{Endpoint, FakeEntra};
use entra_support::*;
use std::time::Duration;

#[test]
fn repeated_checks_reuse_one_token_across_verifiers() {
    let fake = fake();
    let s = secret(SECRET);
    for _ in 0..3 {
        assert!(
            verifier(&fake)
                .verify_server_app(&server_probe(&s))
                .unwrap()
                .verified
        );
    }
    assert_eq!(fake.count(Endpoint::Token), 1);
}

#[test]
fn a_wrong_secret_is_never_verified_by_a_cached_token() {
    let fake = fake();
    let right = secret(SECRET);
    assert!(verifier(&fake)
        .verify_server_app(&server_probe(&right))
        .is_ok());
    let wrong = secret("not-the-secret");
    let e = verifier(&fake)
        .verify_server_app(&server_probe(&wrong))
        .unwrap_err();
    assert_eq!(e.code, "InvalidClientSecret");
    assert_eq!(fake.count(Endpoint::Token), 2);
}

#[test]
fn another_scope_is_another_token() {
    let fake = fake();
    let s = secret(SECRET);
    verifier(&fake)
        .verify_server_app(&server_probe(&s))
        .unwrap();
    let probe = cmaad::entra::ServerAppProbe {
        app_id_uri: None,
        ..server_probe(&s)
    };
    verifier(&fake).verify_server_app(&probe).unwrap();
    assert_eq!(fake.count(Endpoint::Token), 2);
}

#[test]
fn short_lived_tokens_are_renewed_before_expiry() {
    let fake = FakeEntra::start(directory().token_lifetime_secs(1));
    let s = secret(SECRET);
    verifier(&fake)
        .verify_server_app(&server_probe(&s))
        .unwrap();
    verifier(&fake)
        .verify_server_app(&server_probe(&s))
        .unwrap();
    assert_eq!(
        fake.count(Endpoint::Token),
        1,
        "reused within its first half-life"
    );
    std::thread::sleep(Duration::from_millis(600));
    verifier(&fake)
        .verify_server_app(&server_probe(&s))
        .unwrap();
    assert_eq!(fake.count(Endpoint::Token), 2, "renewed in its last half");
}

#[test]
fn expires_in_as_a_string_is_accepted() {
    let fake = FakeEntra::start(directory().expires_in_as_string());
    let s = secret(SECRET);
    assert!(
        verifier(&fake)
            .verify_server_app(&server_probe(&s))
            .unwrap()
            .verified
    );
    verifier(&fake)
        .verify_server_app(&server_probe(&s))
        .unwrap();
    assert_eq!(fake.count(Endpoint::Token), 1);
}

#[test]
fn requests_identify_cmaad() {
    let fake = fake();
    let s = secret(SECRET);
    let probe = cmaad::entra::ServerAppProbe {
        app_id_uri: None,
        ..server_probe(&s)
    };
    verifier(&fake)
        .verify_server_app(&server_probe(&s))
        .unwrap();
    verifier(&fake).verify_server_app(&probe).unwrap();
    let agents: Vec<String> = fake
        .requests()
        .iter()
        .filter_map(|r| r.header("user-agent").map(str::to_string))
        .collect();
    assert!(agents.iter().all(|a| a.starts_with("CMAAD/")), "{agents:?}");
}
