//! Values that pass validation must mean what they say: every stored time reads back as itself,
//! and a time that cannot (beyond year 9999 in UTC) is refused naming the field.

mod common;

use cmaad::ffi::{self, cmaad_status::*};
use common::{assert_refused, call, server_request, FfiSession, SECRET};
use serde_json::json;
use std::ffi::CString;

/// Imports the standard server app with `expiry`.
fn import_expiring(s: &FfiSession, expiry: &str) -> (ffi::cmaad_status, serde_json::Value) {
    let mut request = server_request();
    request["SecretKeyExpiry"] = json!(expiry);
    s.import_server(&request, SECRET)
}

/// The refusal of a time that cannot be stored.
fn out_of_range(st: ffi::cmaad_status, doc: &serde_json::Value) {
    assert_refused(
        st,
        doc,
        CMAAD_INVALID_ARGUMENT,
        "DateOutOfRange",
        "SecretKeyExpiry",
    );
}

#[test]
fn an_expiry_beyond_year_9999_in_utc_is_refused() {
    let s = FfiSession::open();
    let (st, doc) = import_expiring(&s, "9999-12-31T23:59:59-12:00");
    out_of_range(st, &doc);
    assert_eq!(s.get(None).1["value"], json!([]), "something was stored");

    // The same through Set-CMAADApplication's call, on a stored app.
    let (id, _) = s.seed();
    let set =
        CString::new(json!({"ID": id, "SecretKeyExpiry": "9999-12-31T23:59:59-12:00"}).to_string())
            .unwrap();
    let units: Vec<u16> = "An0ther~Secret.Value".encode_utf16().collect();
    let (st, doc) = call(|out| unsafe {
        ffi::cmaad_set_app_secret(s.handle, set.as_ptr(), units.as_ptr(), units.len(), out)
    });
    out_of_range(st, &doc);
}

#[test]
fn the_last_storable_second_round_trips() {
    let s = FfiSession::open();
    let (st, doc) = import_expiring(&s, "9999-12-31T23:59:59Z");
    assert_eq!(st, CMAAD_OK, "{doc}");
    let (_, all) = s.get(None);
    assert_eq!(
        all["value"][0]["SecretKeyExpiry"],
        json!("9999-12-31T23:59:59Z"),
        "{all}"
    );
    let (_, expiring) = s.get(Some(&json!({"ExpiringWithinDays": 0})));
    assert_eq!(
        expiring["value"],
        json!([]),
        "listed as expiring: {expiring}"
    );
}
