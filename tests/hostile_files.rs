//! Files and paths are checked for what they are before they are trusted: `TrustedCaPath` must
//! be a regular file of sane size (a FIFO, a device or a huge file is refused at once), a store
//! path must be a regular file, and only a CMAAD store (or an empty database) is opened as one:
//! another application's database, or a newer CMAAD's store, is refused without any change.
//! (Unix: the test makes FIFOs and reads `/dev/zero`.)

#![cfg(unix)]

mod common;

use cmaad::ffi::cmaad_status::*;
use common::{assert_refused, open, FfiSession};
use serde_json::{json, Value};
use std::path::Path;
use std::time::Duration;

/// Opens a session with `options` on another thread; fails the test if it does not answer
/// within 10 s (a FIFO used to block the open forever).
fn open_within_time(options: Value) -> (cmaad::ffi::cmaad_status, Value) {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let (status, doc, handle) = open(Some(&options.to_string()));
        if !handle.is_null() {
            unsafe { cmaad::ffi::cmaad_session_close(handle) };
        }
        let _ = tx.send((status, doc));
    });
    rx.recv_timeout(Duration::from_secs(10))
        .expect("cmaad_session_open did not answer within 10 s")
}

/// A session on the store at `path` (its own temp folder unused).
fn session_at(path: &Path) -> FfiSession {
    let (status, doc, handle) = open(Some(&json!({"StorePath": path}).to_string()));
    assert_eq!(status, CMAAD_OK, "{doc}");
    FfiSession {
        dir: tempfile::tempdir().unwrap(),
        handle,
    }
}

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
}

fn refused(options: Value, status: cmaad::ffi::cmaad_status, want: &str, field: &str) {
    let (st, doc) = open_within_time(options);
    assert_refused(st, &doc, status, want, field);
}

#[test]
fn trusted_ca_path_must_be_a_regular_file_of_sane_size() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("site.db");
    let fifo = dir.path().join("ca.fifo");
    mkfifo(&fifo);
    let huge = dir.path().join("huge.pem");
    // Sparse: 64 MiB that take no disk space, far above any CA bundle.
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(64 << 20)
        .unwrap();
    for (path, want) in [
        (fifo.as_path(), "NotARegularFile"),
        (Path::new("/dev/zero"), "NotARegularFile"),
        (dir.path(), "NotARegularFile"),
        (huge.as_path(), "FileTooLarge"),
    ] {
        refused(
            json!({"StorePath": store, "TrustedCaPath": path}),
            CMAAD_INVALID_ARGUMENT,
            want,
            "TrustedCaPath",
        );
    }
}

#[test]
fn a_store_path_must_be_a_regular_file() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("site.db");
    mkfifo(&fifo);
    let not_regular = |path: &Path| {
        refused(
            json!({"StorePath": path}),
            CMAAD_INVALID_ARGUMENT,
            "NotARegularFile",
            "StorePath",
        )
    };
    not_regular(&fifo);
    not_regular(dir.path());
    // A link planted where SQLite puts its write-ahead log would have it write elsewhere.
    let other = tempfile::tempdir().unwrap();
    let victim = other.path().join("victim");
    std::fs::write(&victim, b"keep").unwrap();
    let store = other.path().join("site.db");
    std::os::unix::fs::symlink(&victim, other.path().join("site.db-wal")).unwrap();
    not_regular(&store);
    assert!(!store.exists(), "the store was created");
    assert_eq!(std::fs::read(&victim).unwrap(), b"keep");
}

/// Every file in `dir` with its bytes.
fn files_in(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

#[test]
fn another_applications_database_is_refused_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("inventory.db");
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch(
            "CREATE TABLE machines (name TEXT); INSERT INTO machines VALUES ('CM01');",
        )
        .unwrap();
    }
    let marked = dir.path().join("marked.db");
    {
        let conn = rusqlite::Connection::open(&marked).unwrap();
        conn.pragma_update(None, "application_id", 0x0F05_517Ei32)
            .unwrap();
    }
    let before = files_in(dir.path());
    for path in [&db, &marked] {
        refused(
            json!({"StorePath": path}),
            CMAAD_STORE,
            "NotACmaadStore",
            "StorePath",
        );
    }
    assert_eq!(
        files_in(dir.path()),
        before,
        "a file changed, or a key, WAL or journal appeared"
    );
}

#[test]
fn a_newer_stores_version_is_checked_before_its_journal_mode_changes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("site.db");
    drop(session_at(&path));
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        let mode: String = conn
            .query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "delete");
        conn.pragma_update(None, "user_version", 99).unwrap();
    }
    let before = files_in(dir.path());
    refused(json!({"StorePath": path}), CMAAD_STORE, "StoreTooNew", "");
    assert_eq!(files_in(dir.path()), before, "the newer store was changed");
}

#[test]
fn stores_are_marked_and_unmarked_cmaad_stores_are_adopted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("site.db");
    let session = session_at(&path);
    let (st, doc) = session.import_server(&common::server_request(), common::SECRET);
    assert_eq!(st, CMAAD_OK, "{doc}");
    drop(session);
    let application_id = |path: &Path| -> i32 {
        let conn = rusqlite::Connection::open(path).unwrap();
        conn.query_row("PRAGMA application_id", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(
        application_id(&path),
        0x434D_4141,
        "a new store is not marked"
    );
    // A store written before stores were marked: opened, kept and marked.
    rusqlite::Connection::open(&path)
        .unwrap()
        .pragma_update(None, "application_id", 0)
        .unwrap();
    let session = session_at(&path);
    assert_eq!(session.get(None).1["value"].as_array().unwrap().len(), 1);
    drop(session);
    assert_eq!(application_id(&path), 0x434D_4141);
}
