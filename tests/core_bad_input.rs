//! Every bad input of the core issue gets its own status, code and field, and leaves the store
//! unchanged.

mod common;

use cmaad::ffi::{self, cmaad_status, cmaad_status::*};
use common::*;
use serde_json::{json, Value};
use std::ffi::{c_char, CString};
use std::ptr;

fn with(mut base: Value, key: &str, v: Value) -> Value {
    if v.is_null() {
        base.as_object_mut().unwrap().remove(key);
    } else {
        base[key] = v;
    }
    base
}

#[test]
fn bad_server_requests_each_get_a_clear_error_and_store_nothing() {
    let s = FfiSession::open();
    let (server_id, _) = s.seed();
    let before = s.snapshot();
    let fresh = with(
        server_request(),
        "ClientId",
        json!("31111111-2222-4333-8444-555555555555"),
    );
    let past = (chrono::Utc::now() - chrono::Duration::days(1)).to_rfc3339();
    let cases: Vec<(&str, Value, cmaad_status, &str, &str)> = vec![
        (
            "missing TenantName",
            with(fresh.clone(), "TenantName", Value::Null),
            CMAAD_INVALID_ARGUMENT,
            "MissingField",
            "TenantName",
        ),
        (
            "missing SecretKeyExpiry",
            with(fresh.clone(), "SecretKeyExpiry", Value::Null),
            CMAAD_INVALID_ARGUMENT,
            "MissingField",
            "SecretKeyExpiry",
        ),
        (
            "blank AppName",
            with(fresh.clone(), "AppName", json!("   ")),
            CMAAD_INVALID_ARGUMENT,
            "EmptyName",
            "AppName",
        ),
        (
            "empty TenantName",
            with(fresh.clone(), "TenantName", json!("")),
            CMAAD_INVALID_ARGUMENT,
            "EmptyName",
            "TenantName",
        ),
        (
            "long AppName",
            with(fresh.clone(), "AppName", json!("a".repeat(257))),
            CMAAD_INVALID_ARGUMENT,
            "NameTooLong",
            "AppName",
        ),
        (
            "non-GUID TenantId",
            with(fresh.clone(), "TenantId", json!("contoso")),
            CMAAD_INVALID_ARGUMENT,
            "InvalidTenantId",
            "TenantId",
        ),
        (
            "non-GUID ClientId",
            with(fresh.clone(), "ClientId", json!("abc")),
            CMAAD_INVALID_ARGUMENT,
            "InvalidClientId",
            "ClientId",
        ),
        (
            "expiry in the past",
            with(fresh.clone(), "SecretKeyExpiry", json!(past)),
            CMAAD_INVALID_ARGUMENT,
            "ExpiryInPast",
            "SecretKeyExpiry",
        ),
        (
            "unparseable expiry",
            with(fresh.clone(), "SecretKeyExpiry", json!("next tuesday")),
            CMAAD_INVALID_ARGUMENT,
            "InvalidDate",
            "SecretKeyExpiry",
        ),
        (
            "relative App ID URI",
            with(fresh.clone(), "AppIdUri", json!("ConfigMgrService")),
            CMAAD_INVALID_ARGUMENT,
            "RelativeAppIdUri",
            "AppIdUri",
        ),
        (
            "ftp App ID URI",
            with(fresh.clone(), "AppIdUri", json!("ftp://contoso.com/x")),
            CMAAD_INVALID_ARGUMENT,
            "InvalidAppIdUriScheme",
            "AppIdUri",
        ),
        (
            "unknown field",
            with(fresh.clone(), "ClientSecret", json!("x")),
            CMAAD_INVALID_ARGUMENT,
            "UnknownField",
            "ClientSecret",
        ),
        (
            "wrongly typed field",
            with(fresh.clone(), "Verify", json!("yes")),
            CMAAD_INVALID_ARGUMENT,
            "WrongType",
            "Verify",
        ),
        (
            "number for a string",
            with(fresh.clone(), "AppName", json!(5)),
            CMAAD_INVALID_ARGUMENT,
            "WrongType",
            "AppName",
        ),
        (
            "German cloud",
            with(
                fresh.clone(),
                "AzureEnvironmentOption",
                json!("AzureGermanCloud"),
            ),
            CMAAD_INVALID_ARGUMENT,
            "RetiredEnvironment",
            "AzureEnvironmentOption",
        ),
        (
            "same client ID",
            server_request(),
            CMAAD_ALREADY_EXISTS,
            "AppExists",
            "ClientId",
        ),
        (
            "tenant under another name",
            with(fresh.clone(), "TenantName", json!("Fabrikam")),
            CMAAD_INVALID_ARGUMENT,
            "TenantNameMismatch",
            "TenantName",
        ),
    ];
    for (what, req, status, code_, field) in cases {
        let (st, doc) = s.import_server(&req, SECRET);
        assert_eq!(
            (st, code(&doc), target(&doc)),
            (status, code_, field),
            "{what}: {doc}"
        );
        assert_eq!(s.snapshot(), before, "{what} changed the store");
    }
    let (st, doc) = s.import_server(&fresh, "");
    assert_eq!((st, code(&doc)), (CMAAD_INVALID_ARGUMENT, "EmptySecretKey"));
    assert_eq!(s.snapshot(), before);
    let _ = server_id;
}

#[test]
fn bad_documents_and_pointers() {
    let s = FfiSession::open();
    s.seed();
    let before = s.snapshot();
    let raw = |bytes: &[u8]| -> (cmaad_status, Value) {
        let c = CString::new(bytes).unwrap();
        call(|out| unsafe { ffi::cmaad_import_client_app(s.handle, c.as_ptr(), out) })
    };
    for (what, bytes, code_) in [
        ("malformed JSON", &b"{\"AppName\": "[..], "MalformedJson"),
        ("array", &b"[1,2]"[..], "NotAnObject"),
        ("string", &b"\"x\""[..], "NotAnObject"),
        (
            "invalid UTF-8",
            &b"{\"AppName\": \"\xff\xfe\"}"[..],
            "InvalidUtf8",
        ),
        (
            "deep nesting",
            "[".repeat(5000).as_bytes(),
            "TooDeeplyNested",
        ),
    ] {
        let (st, doc) = raw(bytes);
        assert_eq!(
            (st, code(&doc)),
            (CMAAD_INVALID_ARGUMENT, code_),
            "{what}: {doc}"
        );
    }
    // NULL for each argument.
    let req = CString::new(
        json!({"AppName": "C", "ClientId": CLIENT_CLIENT_ID, "TenantId": TENANT}).to_string(),
    )
    .unwrap();
    let units: Vec<u16> = SECRET.encode_utf16().collect();
    let (st, doc) =
        call(|out| unsafe { ffi::cmaad_import_client_app(ptr::null_mut(), req.as_ptr(), out) });
    assert_eq!(
        (st, code(&doc), target(&doc)),
        (CMAAD_INVALID_ARGUMENT, "NullSession", "session")
    );
    let (st, doc) = call(|out| unsafe { ffi::cmaad_import_client_app(s.handle, ptr::null(), out) });
    assert_eq!((st, target(&doc)), (CMAAD_INVALID_ARGUMENT, "request_json"));
    let (st, doc) = call(|out| unsafe {
        ffi::cmaad_import_server_app(s.handle, req.as_ptr(), ptr::null(), 5, out)
    });
    assert_eq!((st, code(&doc)), (CMAAD_INVALID_ARGUMENT, "NullArgument"));
    let (st, doc) = call(|out| unsafe {
        ffi::cmaad_import_server_app(s.handle, req.as_ptr(), units.as_ptr(), 100_000, out)
    });
    assert_eq!(
        (st, code(&doc)),
        (CMAAD_INVALID_ARGUMENT, "InvalidSecretKey")
    );
    let bad16 = [0xD800u16, 0x41];
    let (st, doc) = call(|out| unsafe {
        ffi::cmaad_import_server_app(s.handle, req.as_ptr(), bad16.as_ptr(), 2, out)
    });
    assert_eq!(
        (st, code(&doc)),
        (CMAAD_INVALID_ARGUMENT, "InvalidSecretKey")
    );
    let (st, doc) =
        call(|out| unsafe { ffi::cmaad_new_cloud_management_service(s.handle, ptr::null(), out) });
    assert_eq!((st, code(&doc)), (CMAAD_INVALID_ARGUMENT, "NullArgument"));
    // NULL out_json: nothing can be written, the status still says why.
    let st = unsafe { ffi::cmaad_get_apps(s.handle, ptr::null(), ptr::null_mut::<*mut c_char>()) };
    assert_eq!(st, CMAAD_INVALID_ARGUMENT);
    // NULL out_session.
    let (st, doc) =
        call(|out| unsafe { ffi::cmaad_session_open(ptr::null(), ptr::null_mut(), out) });
    assert_eq!((st, target(&doc)), (CMAAD_INVALID_ARGUMENT, "out_session"));
    unsafe { ffi::cmaad_session_close(ptr::null_mut()) };
    unsafe { ffi::cmaad_string_free(ptr::null_mut()) };
    assert_eq!(s.snapshot(), before);
}

#[test]
fn bad_filters_and_service_requests() {
    let s = FfiSession::open();
    let (server, client) = s.seed();
    for (filter, code_, field) in [
        (json!({"AppType": "WebApp"}), "InvalidAppType", "AppType"),
        (json!({"ClientId": "nope"}), "InvalidClientId", "ClientId"),
        (json!({"Tenant": "x"}), "UnknownField", "Tenant"),
        (
            json!({"ExpiringWithinDays": -1}),
            "OutOfRange",
            "ExpiringWithinDays",
        ),
    ] {
        let (st, doc) = s.get(Some(&filter));
        assert_eq!(
            (st, code(&doc), target(&doc)),
            (CMAAD_INVALID_ARGUMENT, code_, field),
            "{filter}"
        );
    }
    let base = json!({"Name": "Svc", "ServerAppId": server, "ClientAppId": client});
    for (req, code_, field) in [
        (with(base.clone(), "Name", json!(" ")), "EmptyName", "Name"),
        (
            with(base.clone(), "ServerAppId", json!("1")),
            "WrongType",
            "ServerAppId",
        ),
        (
            with(base.clone(), "UserDeltaDiscoveryMins", json!(10)),
            "DeltaDiscoveryDisabled",
            "UserDeltaDiscoveryMins",
        ),
        (
            with(base.clone(), "EnableUserDeltaDiscovery", json!(true)),
            "DiscoveryDisabled",
            "EnableUserDeltaDiscovery",
        ),
        (
            with(base.clone(), "AddGroupName", json!(["Admins"])),
            "GroupDiscoveryDisabled",
            "AddGroupName",
        ),
    ] {
        let (st, doc) = s.new_service(&req);
        assert_eq!(
            (st, code(&doc), target(&doc)),
            (CMAAD_INVALID_ARGUMENT, code_, field),
            "{req}"
        );
    }
}

#[test]
fn bad_options_and_stores() {
    for (options, code_, field) in [
        (json!({"StorePath": ""}), "EmptyPath", "StorePath"),
        (
            json!({"AuthorityHost": "http://login.example.com"}),
            "InsecureUrl",
            "AuthorityHost",
        ),
        (json!({"GraphHost": "graph"}), "InvalidUrl", "GraphHost"),
        (json!({"TimeoutSeconds": 0}), "OutOfRange", "TimeoutSeconds"),
        (
            json!({"AzureEnvironment": "Moon"}),
            "InvalidAzureEnvironment",
            "AzureEnvironment",
        ),
        (json!({"Proxy": "ftp://proxy"}), "InvalidProxy", "Proxy"),
    ] {
        let (st, doc, _) = open(Some(&options.to_string()));
        assert_eq!(
            (st, code(&doc), target(&doc)),
            (CMAAD_INVALID_ARGUMENT, code_, field),
            "{options}"
        );
    }
    // A folder that cannot be created: its parent is a file.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("file"), b"x").unwrap();
    let (st, doc, _) = open(Some(
        &json!({"StorePath": dir.path().join("file/sub/site.db")}).to_string(),
    ));
    assert_eq!(
        (st, code(&doc), target(&doc)),
        (CMAAD_STORE, "StoreFolderUnavailable", "StorePath")
    );
    // A corrupt store file.
    let corrupt = dir.path().join("corrupt.db");
    std::fs::write(&corrupt, vec![0x5a; 8192]).unwrap();
    let (st, doc, _) = open(Some(&json!({"StorePath": corrupt}).to_string()));
    assert_eq!(
        (st, code(&doc), target(&doc)),
        (CMAAD_STORE, "StoreCorrupt", "StorePath"),
        "{doc}"
    );
}

#[test]
fn wrong_site_key_is_refused() {
    let s = FfiSession::open();
    s.seed();
    let path = s.dir.path().join("site.db");
    let key = s.dir.path().join("site.db.key");
    std::fs::remove_file(&key).unwrap();
    let (st, doc, _) = open(Some(&json!({"StorePath": path}).to_string()));
    assert_eq!((st, code(&doc)), (CMAAD_STORE, "SiteKeyMissing"), "{doc}");
    std::fs::write(&key, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n").unwrap();
    #[cfg(unix)]
    {
        // Owner-only, or it is refused as unsafe before its key is compared.
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let (st, doc, _) = open(Some(&json!({"StorePath": path}).to_string()));
    assert_eq!((st, code(&doc)), (CMAAD_STORE, "SiteKeyMismatch"), "{doc}");
}
