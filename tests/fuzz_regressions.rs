//! Replays the fuzz corpus and every crash the fuzzers ever found (fuzz/corpus/requests,
//! fuzz/regressions) through the C ABI: no input may yield CMAAD_INTERNAL or a non-JSON answer.
//! The fuzzers themselves run with `scripts/fuzz.sh` (nightly + cargo-fuzz).

mod common;

use cmaad::ffi::{self, cmaad_status};
use common::*;
use std::ffi::CString;
use std::path::Path;

fn replay(s: &FfiSession, data: &[u8]) -> Option<cmaad_status> {
    let (&which, rest) = data.split_first()?;
    let doc = CString::new(rest).ok()?;
    let secret: Vec<u16> = "fuzz-secret~1".encode_utf16().collect();
    let (status, _) = call(|out| unsafe {
        match which % 5 {
            0 => ffi::cmaad_import_server_app(
                s.handle,
                doc.as_ptr(),
                secret.as_ptr(),
                secret.len(),
                out,
            ),
            1 => ffi::cmaad_import_client_app(s.handle, doc.as_ptr(), out),
            2 => ffi::cmaad_get_apps(s.handle, doc.as_ptr(), out),
            _ => ffi::cmaad_new_cloud_management_service(s.handle, doc.as_ptr(), out),
        }
    });
    Some(status)
}

#[test]
fn corpus_and_found_crashes_replay_cleanly() {
    let s = FfiSession::open();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut replayed = 0;
    for dir in ["corpus/requests", "regressions"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        for entry in entries.flatten() {
            let data = std::fs::read(entry.path()).unwrap();
            if let Some(status) = replay(&s, &data) {
                assert_ne!(
                    status,
                    cmaad_status::CMAAD_INTERNAL,
                    "{}",
                    entry.path().display()
                );
                replayed += 1;
            }
        }
    }
    assert!(
        replayed >= 5,
        "the fuzz corpus is missing ({replayed} inputs)"
    );
}
