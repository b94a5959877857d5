//! The site key file and `CMAAD_SITE_KEY` on Unix: what is refused before it is trusted, how a
//! new key is written, and what a set-but-unusable variable does. (Windows: tests/windows/.)
#![cfg(unix)]

use cmaad::secret::SecretKey;
use cmaad::store::seal::{key_file_for, KeySource, SiteKey, SITE_KEY_ENV};
use cmaad::store::Store;
use std::ffi::OsString;
use std::fs;
use std::os::unix::ffi::OsStringExt;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::{mpsc, Mutex, MutexGuard};
use std::time::Duration;

/// `CMAAD_SITE_KEY` is process-wide: every test here holds this lock while it opens anything.
static ENV: Mutex<()> = Mutex::new(());

fn env_lock() -> MutexGuard<'static, ()> {
    let guard = ENV.lock().unwrap_or_else(|p| p.into_inner());
    std::env::remove_var(SITE_KEY_ENV);
    guard
}

const KNOWN_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

fn plant_key(path: &Path, mode: u32) {
    fs::write(path, format!("{KNOWN_KEY}\n")).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

fn open_error(store: &Path) -> cmaad::Error {
    Store::open(store).expect_err("the store opened with an unsafe key file")
}

fn assert_refused(e: &cmaad::Error, key: &Path, problem: &str, fix: &str) {
    assert_eq!(e.code, "SiteKeyFileUnsafe", "{e:?}");
    let m = &e.message;
    assert!(
        m.contains(&key.display().to_string()),
        "names the file: {m}"
    );
    assert!(m.contains(problem), "says '{problem}': {m}");
    assert!(m.contains(fix), "says the fix '{fix}': {m}");
}

#[test]
fn a_planted_key_file_others_can_read_is_refused() {
    let _env = env_lock();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("site.db");
    let key = key_file_for(&store);
    plant_key(&key, 0o644);
    assert_refused(&open_error(&store), &key, "mode 0644", "chmod 600");
    plant_key(&key, 0o660);
    assert_refused(&open_error(&store), &key, "mode 0660", "chmod 600");
    // The same file, owner-only, is the store's key.
    plant_key(&key, 0o600);
    Store::open(&store).unwrap();
}

#[test]
fn a_symbolic_link_as_key_file_is_refused() {
    let _env = env_lock();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("site.db");
    let key = key_file_for(&store);
    let target = dir.path().join("elsewhere.key");
    plant_key(&target, 0o600);
    std::os::unix::fs::symlink(&target, &key).unwrap();
    assert_refused(&open_error(&store), &key, "is a symbolic link", "remove it");
    // A dangling link is not a missing key file either: nothing is created through it.
    fs::remove_file(&target).unwrap();
    assert_refused(&open_error(&store), &key, "is a symbolic link", "remove it");
    assert!(!target.exists(), "a key was written through the link");
}

#[test]
fn a_fifo_as_key_file_is_refused_without_hanging() {
    let _env = env_lock();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("site.db");
    let key = key_file_for(&store);
    let c = std::ffi::CString::new(key.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let (tx, rx) = mpsc::channel();
    let path = store.clone();
    // A FIFO with no writer blocks a plain open forever; the test must not.
    std::thread::spawn(move || tx.send(Store::open(&path).map(|_| ())).unwrap());
    let result = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("opening a store whose key file is a FIFO hung");
    assert_refused(&result.unwrap_err(), &key, "is a FIFO", "remove it");
}

#[test]
fn a_folder_as_key_file_is_refused() {
    let _env = env_lock();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("site.db");
    let key = key_file_for(&store);
    fs::create_dir(&key).unwrap();
    fs::set_permissions(&key, fs::Permissions::from_mode(0o700)).unwrap();
    assert_refused(&open_error(&store), &key, "is a folder", "remove it");
}

#[test]
fn a_key_file_owned_by_someone_else_is_refused() {
    let _env = env_lock();
    // SAFETY: geteuid cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        panic!("this test gives a file to another user (chown) and must run as root, as CI does");
    }
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("site.db");
    let key = key_file_for(&store);
    plant_key(&key, 0o600);
    std::os::unix::fs::chown(&key, Some(65534), Some(65534)).unwrap();
    assert_refused(
        &open_error(&store),
        &key,
        "is owned by user ID 65534, not by you (user ID 0)",
        "if you did not create it, remove it",
    );
}

#[test]
fn store_wal_shm_and_key_are_created_owner_only() {
    let _env = env_lock();
    // SAFETY: umask cannot fail; the usual 022 would leave SQLite's files readable by all.
    let old = unsafe { libc::umask(0o022) };
    let dir = tempfile::tempdir().unwrap();
    let store_path = dir.path().join("site.db");
    let store = Store::open(&store_path).unwrap();
    let mut names = vec![];
    for suffix in ["", "-wal", "-shm", ".key"] {
        let mut name = store_path.as_os_str().to_os_string();
        name.push(suffix);
        let mode = fs::metadata(&name).unwrap().permissions().mode() & 0o777;
        names.push(format!("{}: {mode:04o}", Path::new(&name).display()));
        assert_eq!(mode & 0o077, 0, "{names:?}");
    }
    drop(store);
    // SAFETY: as above.
    unsafe { libc::umask(old) };
}

/// Runs only as the child of `a_full_disk_leaves_no_partial_key_file`: creates a key with
/// files limited to 20 bytes (a disk that fills after 20 bytes) and prints the outcome.
#[test]
fn key_creation_child() {
    let Some(key) = std::env::var_os("CMAAD_TEST_KEY_CHILD") else {
        return;
    };
    // SAFETY: setting a signal disposition and a resource limit of this (child) process.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
        let limit = libc::rlimit {
            rlim_cur: 20,
            rlim_max: 20,
        };
        assert_eq!(libc::setrlimit(libc::RLIMIT_FSIZE, &limit), 0);
    }
    match SiteKey::load(Path::new(&key), true) {
        Ok(_) => println!("CHILD-RESULT ok"),
        Err(e) => println!("CHILD-RESULT {}: {}", e.code, e.message),
    }
}

#[test]
fn a_full_disk_leaves_no_partial_key_file() {
    let _env = env_lock();
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("site.db.key");
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "key_creation_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("CMAAD_TEST_KEY_CHILD", &key)
        .env_remove(SITE_KEY_ENV)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("CHILD-RESULT SiteKeyUnwritable") && stdout.contains("File too large"),
        "the key could not be written and said so: {stdout}"
    );
    let left: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(
        left.is_empty(),
        "a partial key or temporary file was left behind: {left:?}"
    );
    // Space is back: the next first open creates a whole key.
    let created = SiteKey::load(&key, true).unwrap();
    let again = SiteKey::load(&key, false).unwrap();
    assert!(again.matches(&created.key_check().unwrap()));
    assert_eq!(fs::read_to_string(&key).unwrap().trim().len(), 44);
}

/// Opens `store` with `CMAAD_SITE_KEY` set to `value`: the error, or `None` when it opened.
fn open_error_with_env_key(value: OsString, store: &Path) -> Option<cmaad::Error> {
    std::env::set_var(SITE_KEY_ENV, value);
    let result = Store::open(store);
    std::env::remove_var(SITE_KEY_ENV);
    result.err()
}

#[test]
fn a_set_but_unusable_site_key_variable_is_an_error() {
    let _env = env_lock();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("site.db");
    let key = key_file_for(&store);
    let cases: [(OsString, &str); 4] = [
        (
            OsString::from_vec(b"AAEC\xff\xfeAwQ=".to_vec()),
            "not text (UTF-8)",
        ),
        (OsString::from("not base64 at all!"), "not base64"),
        (
            OsString::from("AAECAwQFBgcICQoLDA0ODw=="),
            "16 bytes, not 32",
        ),
        (OsString::from(""), "0 bytes, not 32"),
    ];
    for (value, problem) in cases {
        let e =
            open_error_with_env_key(value, &store).expect("an unusable CMAAD_SITE_KEY was used");
        assert_eq!(e.code, "InvalidSiteKey", "{e:?}");
        assert!(e.message.contains(SITE_KEY_ENV), "{}", e.message);
        assert!(
            e.message.contains(problem),
            "says '{problem}': {}",
            e.message
        );
        assert!(!key.exists(), "a key file was written instead ({problem})");
    }
    // A usable one opens the store and no key file is written.
    assert_eq!(
        open_error_with_env_key(OsString::from(KNOWN_KEY), &store),
        None
    );
    assert!(!key.exists());
}

#[test]
fn an_explicit_key_wins_over_the_variable_and_the_file() {
    let _env = env_lock();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("site.db");
    std::env::set_var(SITE_KEY_ENV, "not base64 at all!");
    let opened = Store::open_with_key(&store, &given(KNOWN_KEY));
    std::env::remove_var(SITE_KEY_ENV);
    opened.unwrap();
    assert!(!key_file_for(&store).exists());
    let e = Store::open_with_key(&store, &given("AAECAwQFBgcICQoLDA0ODw==")).unwrap_err();
    assert_eq!(e.code, "InvalidSiteKey");
    assert!(e.message.contains("16 bytes, not 32"), "{}", e.message);
    // KeyFile: the caller looked at its own environment and found nothing; the variable of this
    // process is not consulted.
    std::env::set_var(SITE_KEY_ENV, "not base64 at all!");
    let opened = Store::open_with_key(&dir.path().join("other.db"), &KeySource::KeyFile);
    std::env::remove_var(SITE_KEY_ENV);
    opened.unwrap();
    assert!(key_file_for(&dir.path().join("other.db")).exists());
}

fn given(base64: &str) -> KeySource {
    KeySource::Given(
        SecretKey::new(zeroize::Zeroizing::new(base64.to_string()), "SiteKey").unwrap(),
    )
}
