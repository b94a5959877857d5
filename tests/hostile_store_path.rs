//! `StorePath` is a file path, never a SQLite URI: `file:…?mode=memory` or `?vfs=unix-excl`
//! names a file of that name (relative to the working folder), the data persist in it and the
//! site key lands beside it.
//!
//! One test in its own binary: it changes the process's working folder.

mod common;

use cmaad::ffi::cmaad_status::*;
use common::{open, server_request, FfiSession, SECRET};
use serde_json::json;

#[test]
fn a_store_path_that_looks_like_a_sqlite_uri_is_a_file_name() {
    let cwd = tempfile::tempdir().unwrap();
    std::env::set_current_dir(cwd.path()).unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    for name in [
        "file:site.db?mode=memory".to_string(),
        format!("file:{}/site.db?vfs=unix-excl", elsewhere.path().display()),
    ] {
        let session = |name: &str| {
            let (status, doc, handle) = open(Some(&json!({"StorePath": name}).to_string()));
            assert_eq!(status, CMAAD_OK, "{name}: {doc}");
            assert_eq!(doc["StorePath"], json!(name));
            FfiSession {
                dir: tempfile::tempdir().unwrap(),
                handle,
            }
        };
        let first = session(&name);
        let (st, doc) = first.import_server(&server_request(), SECRET);
        assert_eq!(st, CMAAD_OK, "{doc}");
        drop(first);
        let literal = cwd.path().join(&name);
        assert!(
            literal.is_file(),
            "{name} is not the file {}",
            literal.display()
        );
        let key = cwd.path().join(format!("{name}.key"));
        assert!(
            key.is_file(),
            "the site key is not beside the store: {}",
            key.display()
        );
        let again = session(&name);
        let (_, apps) = again.get(None);
        assert_eq!(apps["value"].as_array().unwrap().len(), 1, "{name}: {apps}");
    }
    assert!(
        std::fs::read_dir(elsewhere.path())
            .unwrap()
            .next()
            .is_none(),
        "the URI's path was used"
    );
}
