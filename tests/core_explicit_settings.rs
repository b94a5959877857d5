//! A host that passes its settings explicitly (the PowerShell module: `$env:` changes made in
//! PowerShell never reach native code on Linux): `"ProcessEnvironment": false` makes the library
//! ignore `CMAAD_STORE`, `CMAAD_SITE_KEY` and the proxy variables of the process, and
//! `cmaad_session_open_with_site_key` takes the site key as UTF-16 units. One test function: it
//! changes the process environment, which the other tests of this binary must not see.

mod common;

use cmaad::ffi::{self, cmaad_session, cmaad_status};
use common::{call, server_request, SECRET};
use serde_json::{json, Value};
use std::ffi::CString;
use std::ptr;

const KEY_A: &str = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";
const KEY_B: &str = "AgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4fICE=";

fn open_with_key(options: &Value, key: Option<&str>) -> (cmaad_status, Value, *mut cmaad_session) {
    let o = CString::new(options.to_string()).unwrap();
    let units: Vec<u16> = key.map(|k| k.encode_utf16().collect()).unwrap_or_default();
    let mut handle = ptr::null_mut();
    let (status, doc) = call(|out| unsafe {
        ffi::cmaad_session_open_with_site_key(
            o.as_ptr(),
            if key.is_some() {
                units.as_ptr()
            } else {
                ptr::null()
            },
            units.len(),
            &mut handle,
            out,
        )
    });
    (status, doc, handle)
}

fn close(handle: *mut cmaad_session) {
    unsafe { ffi::cmaad_session_close(handle) };
}

#[test]
fn explicit_settings_win_over_the_process_environment() {
    let dir = tempfile::tempdir().unwrap();
    let from_env = dir.path().join("from-env.db");
    let chosen = dir.path().join("chosen.db");
    std::env::set_var("CMAAD_STORE", &from_env);
    std::env::set_var("XDG_DATA_HOME", dir.path().join("data"));
    std::env::set_var("CMAAD_SITE_KEY", KEY_B);

    // Without ProcessEnvironment=false the C caller's environment decides, as before.
    let (status, doc, handle) = open_with_key(&json!({}), None);
    assert_eq!(status, cmaad_status::CMAAD_OK, "{doc}");
    assert_eq!(doc["StorePath"], json!(from_env.display().to_string()));
    close(handle);

    // With it, CMAAD_STORE is not read: the default folder's store is used instead.
    let (status, doc, handle) = open_with_key(&json!({ "ProcessEnvironment": false }), None);
    assert_eq!(status, cmaad_status::CMAAD_OK, "{doc}");
    let default = dir.path().join("data").join("cmaad").join("site.db");
    assert_eq!(doc["StorePath"], json!(default.display().to_string()));
    close(handle);

    // The given key seals the store; CMAAD_SITE_KEY (KEY_B) is ignored and no key file is made.
    let options = json!({ "StorePath": chosen, "ProcessEnvironment": false, "Proxy": "http://127.0.0.1:9", "NoProxy": ".contoso.com" });
    let (status, doc, handle) = open_with_key(&options, Some(KEY_A));
    assert_eq!(status, cmaad_status::CMAAD_OK, "{doc}");
    let units: Vec<u16> = SECRET.encode_utf16().collect();
    let request = CString::new(server_request().to_string()).unwrap();
    let (status, doc) = call(|out| unsafe {
        ffi::cmaad_import_server_app(handle, request.as_ptr(), units.as_ptr(), units.len(), out)
    });
    assert_eq!(status, cmaad_status::CMAAD_OK, "{doc}");
    close(handle);
    assert!(!dir.path().join("chosen.db.key").exists());

    // Another key is refused, the same key opens it, and the key never shows in a document.
    let (status, doc, _) = open_with_key(&options, Some(KEY_B));
    assert_eq!(status, cmaad_status::CMAAD_STORE, "{doc}");
    assert_eq!(doc["Error"]["Code"], "SiteKeyMismatch");
    assert!(!doc.to_string().contains(KEY_B));
    let (status, doc, handle) = open_with_key(&options, Some(KEY_A));
    assert_eq!(status, cmaad_status::CMAAD_OK, "{doc}");
    assert!(!doc.to_string().contains(KEY_A));
    close(handle);

    // Without a given key and without the environment, the key file beside a new store is used.
    let fresh = json!({ "StorePath": dir.path().join("fresh.db"), "ProcessEnvironment": false });
    let (status, doc, handle) = open_with_key(&fresh, None);
    assert_eq!(status, cmaad_status::CMAAD_OK, "{doc}");
    close(handle);
    assert!(dir.path().join("fresh.db.key").exists());

    // A NULL buffer with a length, or a key that is not base64 of 32 bytes, is refused by name.
    let o = CString::new(fresh.to_string()).unwrap();
    let mut handle = ptr::null_mut();
    let (status, doc) = call(|out| unsafe {
        ffi::cmaad_session_open_with_site_key(o.as_ptr(), ptr::null(), 44, &mut handle, out)
    });
    assert_eq!(status, cmaad_status::CMAAD_INVALID_ARGUMENT, "{doc}");
    assert_eq!(doc["Error"]["Target"], "SiteKey");
    assert!(handle.is_null());
    let (status, doc, _) = open_with_key(&options, Some("not-a-key"));
    assert_eq!(status, cmaad_status::CMAAD_STORE, "{doc}");
    assert_eq!(doc["Error"]["Code"], "InvalidSiteKey");

    std::env::remove_var("CMAAD_STORE");
    std::env::remove_var("CMAAD_SITE_KEY");
    std::env::remove_var("XDG_DATA_HOME");
}
