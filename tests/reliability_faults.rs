//! Entra faults through the C ABI: each permanent fault on the token endpoint ends a verified
//! import within a bounded time with a clear Network or VerificationFailed error, and stores
//! nothing; a transient fault is ridden out and the import lands once.

mod common;
mod entra_support;

use cmaad::ffi::cmaad_status::{self, *};
use cmaad_fake_entra::{Endpoint, Fault, FaultKind};
use common::{code, FfiSession};
use serde_json::json;
use std::time::{Duration, Instant};

/// Retries are bounded at 60 s in all and each request by TimeoutSeconds (2 s here).
const BOUND: Duration = Duration::from_secs(70);

fn verified_import(s: &FfiSession) -> (cmaad_status, serde_json::Value) {
    let mut r = common::server_request();
    r["Verify"] = json!(true);
    s.import_server(&r, common::SECRET)
}

#[test]
fn permanent_faults_end_in_bounded_time_with_nothing_stored() {
    let cases: Vec<(&str, FaultKind, cmaad_status, &str)> = vec![
        (
            "timeout",
            FaultKind::Delay(Duration::from_secs(5)),
            CMAAD_NETWORK,
            "Timeout",
        ),
        (
            "connection reset",
            FaultKind::Drop,
            CMAAD_NETWORK,
            "ConnectionFailed",
        ),
        (
            "429 storm",
            FaultKind::Throttle {
                retry_after_secs: 1,
            },
            CMAAD_NETWORK,
            "Throttled",
        ),
        (
            "503",
            FaultKind::Status {
                status: 503,
                retry_after_secs: Some(1),
            },
            CMAAD_NETWORK,
            "EntraUnavailable",
        ),
        (
            "500",
            FaultKind::Status {
                status: 500,
                retry_after_secs: None,
            },
            CMAAD_NETWORK,
            "EntraUnavailable",
        ),
        (
            "malformed body",
            FaultKind::MalformedBody,
            CMAAD_NETWORK,
            "MalformedResponse",
        ),
        (
            "HTML from a proxy",
            FaultKind::WrongContentType,
            CMAAD_NETWORK,
            "UnexpectedResponse",
        ),
        (
            "oversized body",
            FaultKind::Oversized(8 << 20),
            CMAAD_NETWORK,
            "ResponseTooLarge",
        ),
        (
            "unknown AADSTS code",
            FaultKind::Aadsts(9_999_999),
            CMAAD_VERIFICATION_FAILED,
            "EntraError",
        ),
    ];
    let fake = entra_support::fake();
    let s = FfiSession::open_with(
        json!({"AuthorityHost": fake.base_url(), "GraphHost": fake.base_url(), "TimeoutSeconds": 2}),
    );
    let before = s.snapshot();
    for (what, kind, status, code_) in cases {
        fake.clear_faults();
        fake.add_fault(Fault::on(Endpoint::Token, kind));
        let started = Instant::now();
        let (st, doc) = verified_import(&s);
        let took = started.elapsed();
        assert_eq!((st, code(&doc)), (status, code_), "{what}: {doc}");
        assert!(took < BOUND, "{what} took {took:?}");
        assert!(
            doc["Error"]["Message"].as_str().unwrap().len() > 30,
            "{what}: {doc}"
        );
        assert_eq!(s.snapshot(), before, "{what} stored something");
        eprintln!("fault {what}: {code_} after {:.1} s", took.as_secs_f64());
    }
}

#[test]
fn a_transient_fault_is_ridden_out_and_the_import_lands_once() {
    let fake = entra_support::fake();
    let s = FfiSession::open_with(
        json!({"AuthorityHost": fake.base_url(), "GraphHost": fake.base_url(), "TimeoutSeconds": 2}),
    );
    fake.add_fault(
        Fault::on(
            Endpoint::Token,
            FaultKind::Throttle {
                retry_after_secs: 1,
            },
        )
        .times(1),
    );
    fake.add_fault(Fault::on(Endpoint::Token, FaultKind::Drop).times(1));
    let (st, doc) = verified_import(&s);
    assert_eq!(st, CMAAD_OK, "{doc}");
    assert_eq!(fake.count(Endpoint::Token), 3);
    assert_eq!(s.snapshot()["value"].as_array().unwrap().len(), 1);
}
