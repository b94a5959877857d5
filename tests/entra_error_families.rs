//! Every AADSTS family gets its own code, target and fix; a code without a family still names
//! the step, the tenant and the app and quotes Entra's description; transport failures that
//! retrying cannot cure get their own codes and are not retried.

mod entra_support;

use cmaad::Status;
use cmaad_fake_entra::{Endpoint, Fault, FaultKind};
use entra_support::*;
use std::time::Duration;

fn refusal(code: u64) -> cmaad::Error {
    let fake = fake();
    fake.add_fault(Fault::on(Endpoint::Token, FaultKind::Aadsts(code)));
    let s = secret(SECRET);
    verifier(&fake)
        .verify_server_app(&server_probe(&s))
        .unwrap_err()
}

#[test]
fn cross_cloud_confidential_clients_are_the_wrong_cloud() {
    for code in [900432, 900382, 90038] {
        let e = refusal(code);
        assert_eq!(
            (e.status, e.code.as_str(), e.target.as_deref()),
            (Status::VerificationFailed, "WrongCloud", Some("TenantId")),
            "AADSTS{code}: {e:?}"
        );
        assert!(
            e.message.contains("AzureUSGovernmentCloud"),
            "{}",
            e.message
        );
        assert_eq!(e.entra_error_codes, vec![code]);
    }
}

#[test]
fn each_family_has_its_code_and_target() {
    let table: &[(u64, &str, Option<&str>, Status)] = &[
        (
            7000215,
            "InvalidClientSecret",
            Some("SecretKey"),
            Status::VerificationFailed,
        ),
        (
            70002,
            "InvalidClientSecret",
            Some("SecretKey"),
            Status::VerificationFailed,
        ),
        (
            7000222,
            "ClientSecretExpired",
            Some("SecretKey"),
            Status::VerificationFailed,
        ),
        (
            700016,
            "AppNotFound",
            Some("ClientId"),
            Status::VerificationFailed,
        ),
        (
            7000112,
            "AppDisabled",
            Some("ClientId"),
            Status::VerificationFailed,
        ),
        (
            700025,
            "ServerAppIsPublicClient",
            Some("ClientId"),
            Status::VerificationFailed,
        ),
        (
            90002,
            "TenantNotFound",
            Some("TenantId"),
            Status::VerificationFailed,
        ),
        (
            50059,
            "InvalidTenant",
            Some("TenantId"),
            Status::VerificationFailed,
        ),
        (
            5000224,
            "TenantBlocked",
            Some("TenantId"),
            Status::VerificationFailed,
        ),
        (
            500021,
            "TenantRestricted",
            Some("TenantId"),
            Status::VerificationFailed,
        ),
        (
            500011,
            "AppIdUriNotFound",
            Some("AppIdUri"),
            Status::VerificationFailed,
        ),
        (
            700022,
            "InvalidScope",
            Some("AppIdUri"),
            Status::VerificationFailed,
        ),
        (
            90094,
            "ConsentRequired",
            Some("ClientId"),
            Status::VerificationFailed,
        ),
        (
            50057,
            "AccountUnavailable",
            None,
            Status::VerificationFailed,
        ),
        (
            50105,
            "UserNotAssigned",
            Some("ClientId"),
            Status::VerificationFailed,
        ),
        (
            50074,
            "MfaRequired",
            Some("ClientId"),
            Status::VerificationFailed,
        ),
        (
            530032,
            "BlockedByConditionalAccess",
            Some("ClientId"),
            Status::VerificationFailed,
        ),
        (
            50196,
            "RequestLoop",
            Some("ClientId"),
            Status::VerificationFailed,
        ),
        (90014, "RequestRejected", None, Status::VerificationFailed),
        (90055, "Throttled", None, Status::Network),
        (90033, "EntraUnavailable", None, Status::Network),
    ];
    for &(number, code, target, status) in table {
        let e = refusal(number);
        assert_eq!(
            (e.status, e.code.as_str(), e.target.as_deref()),
            (status, code, target),
            "AADSTS{number}: {}",
            e.message
        );
        assert!(
            e.message.contains(&format!("AADSTS{number}")),
            "{}",
            e.message
        );
    }
}

#[test]
fn an_unknown_code_names_step_tenant_and_app_and_quotes_entra() {
    let e = refusal(9_876_543);
    assert_eq!(e.code, "EntraError");
    for part in [
        "client-credentials token request",
        TENANT,
        SERVER_ID,
        "AADSTS9876543: \"The request failed (fault injected by the local Entra fake).\"",
        "https://login.microsoftonline.com/error?code=9876543",
    ] {
        assert!(e.message.contains(part), "no {part:?} in: {}", e.message);
    }
    assert!(e.correlation_id.is_some());
}

/// A verifier for `authority` (no proxy) with the fast retry policy.
fn verifier_for(authority: &str, extra_roots_pem: Option<Vec<u8>>) -> cmaad::entra::Verifier {
    let endpoints = cmaad::cloud::Endpoints {
        authority_host: Some(authority.to_string()),
        graph_host: None,
    };
    let net = cmaad::runtime::NetConfig {
        connect_timeout: Duration::from_secs(2),
        extra_roots_pem,
        ..Default::default()
    };
    cmaad::entra::Verifier::new(endpoints, net, Duration::from_secs(2)).with_retry(fast_retry())
}

fn transport_failure(authority: &str, code: &str) -> cmaad::Error {
    let s = secret(SECRET);
    let e = verifier_for(authority, None)
        .verify_server_app(&server_probe(&s))
        .unwrap_err();
    assert_eq!(
        (e.status, e.code.as_str()),
        (Status::Network, code),
        "{e:?}"
    );
    assert!(
        e.message.contains("; 1 attempt in"),
        "retried: {}",
        e.message
    );
    assert!(!e.message.contains(SECRET));
    e
}

#[test]
fn an_untrusted_certificate_says_trusted_ca_path_and_is_not_retried() {
    let fake = cmaad_fake_entra::FakeEntra::start_https(directory());
    let e = transport_failure(fake.base_url(), "UntrustedCertificate");
    assert!(e.message.contains("TrustedCaPath"), "{}", e.message);
    // The fix it names works: the same fake with its CA trusted.
    let pem = fake.ca_pem().unwrap().as_bytes().to_vec();
    let s = secret(SECRET);
    let verified = verifier_for(fake.base_url(), Some(pem)).verify_server_app(&server_probe(&s));
    assert!(verified.unwrap().verified);
}

#[test]
fn a_refused_connection_has_its_own_code() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    transport_failure(&format!("http://127.0.0.1:{port}"), "ConnectionRefused");
}

/// A name that cannot resolve, found out without any network traffic: a DNS label is at most
/// 63 characters, so the resolver refuses this one before asking any server (plain http, which
/// the Rust API's endpoints allow, so TLS does not refuse the name first).
#[test]
fn a_name_that_does_not_resolve_has_its_own_code() {
    let host = format!("http://{}.cmaad-test.invalid", "a".repeat(70));
    let e = transport_failure(&host, "NameNotResolved");
    assert!(e.message.contains("DNS"), "{}", e.message);
}

/// Something that does not speak TLS answers at an https address (a plain-HTTP port): its own
/// code, not retried.
#[test]
fn a_failed_tls_handshake_has_its_own_code() {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten().take(4) {
            let mut buf = [0u8; 1024];
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        }
    });
    transport_failure(&format!("https://127.0.0.1:{port}"), "TlsHandshakeFailed");
}
