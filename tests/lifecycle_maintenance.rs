//! The scheduled task's logic (`cmaad_maintain_secrets`) against the local Entra/Graph fake:
//! a due secret is rotated, a healthy app is only verified, and a wrong or expired secret is
//! reported as needing a person, with a summary a script turns into its exit code.

mod common;

use chrono::{Duration, Utc};
use cmaad::ffi::{self, cmaad_status::*};
use cmaad_fake_entra::{App, Config, FakeEntra, Tenant};
use common::*;
use serde_json::{json, Value};
use std::ffi::CString;

const DUE: (&str, &str) = (
    "11111111-aaaa-4aaa-8aaa-000000000001",
    "21111111-aaaa-4aaa-8aaa-000000000001",
);
const HEALTHY: (&str, &str) = (
    "11111111-aaaa-4aaa-8aaa-000000000002",
    "21111111-aaaa-4aaa-8aaa-000000000002",
);
const WRONG: (&str, &str) = (
    "11111111-aaaa-4aaa-8aaa-000000000003",
    "21111111-aaaa-4aaa-8aaa-000000000003",
);
const EXPIRED: (&str, &str) = (
    "11111111-aaaa-4aaa-8aaa-000000000004",
    "21111111-aaaa-4aaa-8aaa-000000000004",
);

fn directory() -> Config {
    let app = |client: &str| {
        App::new(client, "CmgServerApp")
            .secret(SECRET)
            .graph_roles(&["Application.ReadWrite.OwnedBy", "Directory.Read.All"])
    };
    [DUE, HEALTHY, WRONG, EXPIRED]
        .iter()
        .fold(Config::new(), |c, (tenant, client)| {
            c.tenant(Tenant::new(tenant).app(app(client)))
        })
}

fn import(
    s: &FfiSession,
    (tenant, client): (&str, &str),
    expires_in: Duration,
    secret: &str,
) -> i64 {
    let r = json!({"TenantName": format!("T{}", &tenant[35..]), "TenantId": tenant, "AppName": "CmgServerApp", "ClientId": client, "SecretKeyExpiry": (Utc::now() + expires_in).to_rfc3339()});
    let (st, doc) = s.import_server(&r, secret);
    assert_eq!(st, CMAAD_OK, "{doc}");
    doc["ID"].as_i64().unwrap()
}

fn maintain(s: &FfiSession, request: Option<Value>) -> (cmaad::ffi::cmaad_status, Value) {
    let r = request.map(|r| CString::new(r.to_string()).unwrap());
    call(|out| unsafe {
        ffi::cmaad_maintain_secrets(
            s.handle,
            r.as_ref().map_or(std::ptr::null(), |c| c.as_ptr()),
            out,
        )
    })
}

fn action(doc: &Value, id: i64) -> &Value {
    doc["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["ID"] == id)
        .expect("an entry per app")
}

#[test]
fn rotates_what_is_due_and_reports_what_needs_a_person() {
    let fake = FakeEntra::start(directory());
    let s = FfiSession::open_with(
        json!({"AuthorityHost": fake.base_url(), "GraphHost": fake.base_url(), "TimeoutSeconds": 5}),
    );
    let due = import(&s, DUE, Duration::days(10), SECRET);
    let healthy = import(&s, HEALTHY, Duration::days(200), SECRET);
    let wrong = import(&s, WRONG, Duration::days(200), "not-the-secret");
    let expired = import(&s, EXPIRED, Duration::seconds(2), SECRET);
    std::thread::sleep(std::time::Duration::from_millis(2100));

    // Report only: nothing is rotated, the due app is flagged as due.
    let (st, dry) = maintain(&s, Some(json!({"Rotate": false})));
    assert_eq!(st, CMAAD_OK, "{dry}");
    assert_eq!(action(&dry, due)["Action"], "RotationDue");
    assert_eq!(dry["Summary"]["Rotated"], 0);

    let (st, doc) = maintain(&s, None);
    assert_eq!(st, CMAAD_OK, "{doc}");
    assert_eq!(action(&doc, due)["Action"], "Rotated", "{doc}");
    assert!(action(&doc, due)["DaysUntilSecretExpiry"].as_i64().unwrap() >= 364);
    assert_eq!(action(&doc, healthy)["Action"], "Verified");
    let w = action(&doc, wrong);
    assert_eq!(
        (w["Action"].as_str(), w["Error"]["Code"].as_str()),
        (Some("NeedsAttention"), Some("InvalidClientSecret")),
        "{w}"
    );
    let e = action(&doc, expired);
    assert_eq!(e["Action"], "NeedsAttention");
    assert!(
        e["Detail"]
            .as_str()
            .unwrap()
            .contains("Set-CMAADApplication"),
        "{e}"
    );
    assert_eq!(
        doc["Summary"],
        json!({"Total": 4, "Verified": 1, "Rotated": 1, "RotationDue": 0, "NeedsAttention": 2})
    );

    // The rotated secret is stored and works: the next run only verifies it.
    let (_, again) = maintain(&s, Some(json!({"TenantId": DUE.0})));
    assert_eq!(
        again["Summary"],
        json!({"Total": 1, "Verified": 1, "Rotated": 0, "RotationDue": 0, "NeedsAttention": 0}),
        "{again}"
    );
}

#[test]
fn bad_requests_are_refused() {
    let s = FfiSession::open();
    for (r, code_, field) in [
        (
            json!({"RotateWithinDays": -1}),
            "OutOfRange",
            "RotateWithinDays",
        ),
        (json!({"ValidityDays": 0}), "OutOfRange", "ValidityDays"),
        (json!({"Rotate": "yes"}), "WrongType", "Rotate"),
        (json!({"Tenant": "x"}), "UnknownField", "Tenant"),
    ] {
        let (st, doc) = maintain(&s, Some(r));
        assert_eq!(
            (st, code(&doc), target(&doc)),
            (CMAAD_INVALID_ARGUMENT, code_, field)
        );
    }
}
