//! Helpers for the lifecycle tests: one caller for every request-taking C function, a whole-store
//! snapshot (apps, services, tenants) and direct store edits for states the API refuses to make
//! (an already expired secret).

#![allow(dead_code)]

use crate::common::{call, FfiSession};
use cmaad::ffi::{self, cmaad_session, cmaad_status};
use serde_json::{json, Value};
use std::ffi::{c_char, CString};
use std::ptr;

/// A C function taking a session, a JSON document and `out_json`.
pub type DocFn =
    unsafe extern "C" fn(*mut cmaad_session, *const c_char, *mut *mut c_char) -> cmaad_status;

/// Calls `f` with `doc` (NULL when `None`).
pub fn run(s: &FfiSession, f: DocFn, doc: Option<&Value>) -> (cmaad_status, Value) {
    let text = doc.map(|d| CString::new(d.to_string()).unwrap());
    call(|out| unsafe {
        f(
            s.handle,
            text.as_ref().map_or(ptr::null(), |c| c.as_ptr()),
            out,
        )
    })
}

/// Calls `f` with `doc`.
pub fn req(s: &FfiSession, f: DocFn, doc: Value) -> (cmaad_status, Value) {
    run(s, f, Some(&doc))
}

/// `cmaad_set_app_secret` with `secret`.
pub fn set_secret(s: &FfiSession, doc: &Value, secret: &str) -> (cmaad_status, Value) {
    let units: Vec<u16> = secret.encode_utf16().collect();
    let r = CString::new(doc.to_string()).unwrap();
    call(|out| unsafe {
        ffi::cmaad_set_app_secret(s.handle, r.as_ptr(), units.as_ptr(), units.len(), out)
    })
}

/// Apps, services and tenants as one comparable document.
pub fn store_snapshot(s: &FfiSession) -> Value {
    let apps = s.snapshot();
    let (_, services) = run(s, ffi::cmaad_get_services, None);
    let (_, tenants) = run(s, ffi::cmaad_get_tenants, None);
    json!({ "apps": apps, "services": services, "tenants": tenants })
}

/// Sets app `id`'s stored expiry directly in the store file (the API refuses past dates).
pub fn force_expiry(s: &FfiSession, id: i64, expiry: chrono::DateTime<chrono::Utc>) {
    let conn = rusqlite::Connection::open(s.dir.path().join("site.db")).unwrap();
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .unwrap();
    let text = expiry.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let n = conn
        .execute(
            "UPDATE apps SET secret_expiry = ?1 WHERE id = ?2",
            rusqlite::params![text, id],
        )
        .unwrap();
    assert_eq!(n, 1);
}

/// A server app request for client ID `client_id` expiring at `expiry`.
pub fn server_expiring(
    client_id: &str,
    name: &str,
    expiry: chrono::DateTime<chrono::Utc>,
) -> Value {
    let mut r = crate::common::server_request();
    r["ClientId"] = json!(client_id);
    r["AppName"] = json!(name);
    r["SecretKeyExpiry"] = json!(expiry.to_rfc3339());
    r
}

/// The IDs in a `{"value": [...]}` document.
pub fn ids(doc: &Value) -> Vec<i64> {
    doc["value"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v["ID"].as_i64()).collect())
        .unwrap_or_default()
}
