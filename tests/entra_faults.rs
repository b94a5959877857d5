//! Transient and hostile faults: throttling, 5xx, slow and dropped connections, malformed,
//! mistyped and oversized bodies. Every case ends in a clear error within its time bound.

mod entra_support;

use cmaad::Status;
use cmaad_fake_entra::{Endpoint, Fault, FaultKind};
use entra_support::*;
use std::time::{Duration, Instant};

fn verify(
    fake: &cmaad_fake_entra::FakeEntra,
) -> (cmaad::Result<cmaad::entra::Verification>, Duration) {
    let s = secret(SECRET);
    let start = Instant::now();
    let result = verifier(fake).verify_server_app(&server_probe(&s));
    (result, start.elapsed())
}

fn network_error(fake: &cmaad_fake_entra::FakeEntra, code: &str) -> cmaad::Error {
    let (result, elapsed) = verify(fake);
    let e = result.unwrap_err();
    assert_eq!(
        (e.status, e.code.as_str()),
        (Status::Network, code),
        "{e:?}"
    );
    assert!(elapsed < Duration::from_secs(4), "took {elapsed:?}");
    assert!(!e.message.contains(SECRET));
    e
}

#[test]
fn throttled_once_then_served_after_retry_after() {
    let fake = fake();
    fake.add_fault(
        Fault::on(
            Endpoint::Token,
            FaultKind::Throttle {
                retry_after_secs: 1,
            },
        )
        .times(1),
    );
    let (result, elapsed) = verify(&fake);
    assert!(result.unwrap().verified);
    assert_eq!(fake.count(Endpoint::Token), 2);
    assert!(
        elapsed >= Duration::from_secs(1),
        "Retry-After was not honoured: {elapsed:?}"
    );
}

#[test]
fn server_errors_are_retried_with_backoff() {
    let fake = fake();
    fake.add_fault(
        Fault::on(
            Endpoint::Token,
            FaultKind::Status {
                status: 500,
                retry_after_secs: None,
            },
        )
        .times(1),
    );
    fake.add_fault(
        Fault::on(
            Endpoint::Token,
            FaultKind::Status {
                status: 503,
                retry_after_secs: None,
            },
        )
        .times(1),
    );
    let (result, _) = verify(&fake);
    assert!(result.unwrap().verified);
    assert_eq!(fake.count(Endpoint::Token), 3);
}

#[test]
fn always_503_ends_within_the_budget() {
    let fake = fake();
    fake.add_fault(Fault::on(
        Endpoint::Token,
        FaultKind::Status {
            status: 503,
            retry_after_secs: Some(1),
        },
    ));
    let e = network_error(&fake, "EntraUnavailable");
    assert!(e.message.contains("503"), "{}", e.message);
    assert!(fake.count(Endpoint::Token) <= 3, "attempts are bounded");
}

#[test]
fn retry_after_beyond_the_budget_stops_at_once() {
    let fake = fake();
    fake.add_fault(Fault::on(
        Endpoint::Token,
        FaultKind::Throttle {
            retry_after_secs: 120,
        },
    ));
    let (result, elapsed) = verify(&fake);
    let e = result.unwrap_err();
    assert_eq!(e.code, "Throttled");
    assert!(
        elapsed < Duration::from_secs(1),
        "waited for a Retry-After past the budget: {elapsed:?}"
    );
    assert_eq!(fake.count(Endpoint::Token), 1);
}

#[test]
fn slow_answer_within_the_timeout_is_fine() {
    let fake = fake();
    fake.add_fault(
        Fault::on(
            Endpoint::Token,
            FaultKind::Delay(Duration::from_millis(300)),
        )
        .times(1),
    );
    let (result, elapsed) = verify(&fake);
    assert!(result.unwrap().verified);
    assert!(elapsed >= Duration::from_millis(300));
}

#[test]
fn hanging_server_times_out() {
    let fake = fake();
    fake.add_fault(Fault::on(
        Endpoint::Token,
        FaultKind::Delay(Duration::from_secs(30)),
    ));
    let e = network_error(&fake, "Timeout");
    assert!(e.message.contains("TimeoutSeconds"), "{}", e.message);
}

#[test]
fn dropped_connection_is_retried() {
    let fake = fake();
    fake.add_fault(Fault::on(Endpoint::Token, FaultKind::Drop).times(1));
    let (result, _) = verify(&fake);
    assert!(result.unwrap().verified);
    assert_eq!(fake.count(Endpoint::Token), 2);
}

#[test]
fn always_dropped_connection_fails_clearly() {
    let fake = fake();
    fake.add_fault(Fault::on(Endpoint::Token, FaultKind::Drop));
    let e = network_error(&fake, "ConnectionFailed");
    assert!(e.message.contains("proxy"), "{}", e.message);
    assert_eq!(fake.count(Endpoint::Token), 3);
}

#[test]
fn malformed_json_is_not_trusted() {
    let fake = fake();
    fake.add_fault(Fault::on(Endpoint::Token, FaultKind::MalformedBody));
    network_error(&fake, "MalformedResponse");
    assert_eq!(
        fake.count(Endpoint::Token),
        1,
        "a malformed answer is not retried"
    );
}

#[test]
fn html_from_a_proxy_is_reported_as_such() {
    let fake = fake();
    fake.add_fault(Fault::on(Endpoint::Discovery, FaultKind::WrongContentType));
    let e = network_error(&fake, "UnexpectedResponse");
    assert!(
        e.message.contains("text/html") && e.message.contains("proxy"),
        "{}",
        e.message
    );
}

#[test]
fn oversized_body_is_cut_off() {
    let fake = fake();
    fake.add_fault(Fault::on(
        Endpoint::Token,
        FaultKind::Oversized(3 * 1024 * 1024),
    ));
    network_error(&fake, "ResponseTooLarge");
}

#[test]
fn network_errors_carry_the_checks_made_so_far() {
    let fake = fake();
    fake.add_fault(Fault::on(Endpoint::Token, FaultKind::MalformedBody));
    let e = network_error(&fake, "MalformedResponse");
    assert_eq!(outcome(e.details.as_ref().unwrap(), "TenantName"), "Passed");
}

#[test]
fn unreachable_host_fails_fast() {
    let fake = fake();
    let v = {
        let endpoints = cmaad::cloud::Endpoints {
            authority_host: Some("http://127.0.0.1:9".into()),
            graph_host: None,
        };
        let net = cmaad::runtime::NetConfig {
            proxy: None,
            connect_timeout: Duration::from_secs(1),
            ..Default::default()
        };
        cmaad::entra::Verifier::new(endpoints, net, Duration::from_secs(1)).with_retry(fast_retry())
    };
    let s = secret(SECRET);
    let start = Instant::now();
    let e = v.verify_server_app(&server_probe(&s)).unwrap_err();
    assert_eq!(e.status, Status::Network);
    // Nothing listens on port 9: refused, which retrying cannot cure, so one attempt only.
    assert_eq!(e.code, "ConnectionRefused", "{e:?}");
    assert!(e.message.contains("; 1 attempt in"), "{}", e.message);
    assert!(start.elapsed() < Duration::from_secs(4));
    drop(fake);
}
