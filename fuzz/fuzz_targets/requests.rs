//! Fuzzes every JSON entry point of the C ABI: the first byte picks the function, the rest is
//! the document. A caught panic surfaces as CMAAD_INTERNAL, which fails the target; every
//! answer must be one JSON document.
#![no_main]

use cmaad::ffi::{self, cmaad_session, cmaad_status};
use libfuzzer_sys::fuzz_target;
use once_cell::sync::Lazy;
use std::ffi::{c_char, CStr, CString};
use std::ptr;

/// The fuzzing session and the folder of its store (kept alive with it).
struct Shared {
    session: *mut cmaad_session,
    _dir: tempfile::TempDir,
}
unsafe impl Send for Shared {}
unsafe impl Sync for Shared {}

static SESSION: Lazy<Shared> = Lazy::new(|| {
    let dir = tempfile::tempdir().unwrap();
    let options = CString::new(format!(
        "{{\"StorePath\": {:?}}}",
        dir.path().join("site.db").display().to_string()
    ))
    .unwrap();
    let mut s = ptr::null_mut();
    let mut out = ptr::null_mut();
    let st = unsafe { ffi::cmaad_session_open(options.as_ptr(), &mut s, &mut out) };
    unsafe { ffi::cmaad_string_free(out) };
    assert_eq!(st, cmaad_status::CMAAD_OK);
    Shared {
        session: s,
        _dir: dir,
    }
});

fn check(status: cmaad_status, out: *mut c_char) {
    assert!(!out.is_null());
    let text = unsafe { CStr::from_ptr(out) }
        .to_str()
        .expect("UTF-8 document")
        .to_string();
    unsafe { ffi::cmaad_string_free(out) };
    let _: serde_json::Value = serde_json::from_str(&text).expect("JSON document");
    assert_ne!(
        status,
        cmaad_status::CMAAD_INTERNAL,
        "internal error: {text}"
    );
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let Ok(doc) = CString::new(rest) else { return };
    let s = SESSION.session;
    let secret: Vec<u16> = "fuzz-secret~1".encode_utf16().collect();
    let mut out = ptr::null_mut();
    let status = unsafe {
        match which % 5 {
            0 => ffi::cmaad_import_server_app(
                s,
                doc.as_ptr(),
                secret.as_ptr(),
                secret.len(),
                &mut out,
            ),
            1 => ffi::cmaad_import_client_app(s, doc.as_ptr(), &mut out),
            2 => ffi::cmaad_get_apps(s, doc.as_ptr(), &mut out),
            3 => ffi::cmaad_new_cloud_management_service(s, doc.as_ptr(), &mut out),
            _ => {
                // Options parsing only: a valid document would open (and leak) a session per input.
                match cmaad::wire::options::session_options(Some(&String::from_utf8_lossy(rest))) {
                    Ok(_) | Err(_) => return,
                }
            }
        }
    };
    check(status, out);
});
