//! Helpers shared by the integration tests: temporary stores, canned requests and a C-ABI
//! caller that returns (status, parsed document).

#![allow(dead_code)]

use cmaad::ffi::{self, cmaad_session, cmaad_status};
use serde_json::{json, Value};
use std::ffi::{c_char, CStr, CString};
use std::ptr;

/// Tenant used by most tests.
pub const TENANT: &str = "05a349fa-0d5c-4a1c-9f3e-1c2d3e4f5a6b";
/// Server app client ID.
pub const SERVER_CLIENT_ID: &str = "7078946d-1a2b-4c3d-8e9f-0a1b2c3d4e5f";
/// Client app client ID.
pub const CLIENT_CLIENT_ID: &str = "cf114f48-2b3c-4d5e-9f0a-1b2c3d4e5f60";
/// A secret used in tests; the suite checks it never shows up in output.
pub const SECRET: &str = "1uXGR^!0@Cjas6qI*J02ZeS&&zY19^hC*9";

/// A server app request for `TENANT` expiring in a year.
pub fn server_request() -> Value {
    json!({
        "TenantName": "Contoso",
        "TenantId": TENANT,
        "AppName": "CmgServerApp",
        "ClientId": SERVER_CLIENT_ID,
        "SecretKeyExpiry": (chrono::Utc::now() + chrono::Duration::days(365)).to_rfc3339(),
        "AppIdUri": format!("api://{TENANT}/ConfigMgrService"),
    })
}

/// A session opened through the C ABI on a store in a fresh temp folder.
pub struct FfiSession {
    pub dir: tempfile::TempDir,
    pub handle: *mut cmaad_session,
}

impl FfiSession {
    /// Opens a session on `<tmp>/site.db` with extra options merged in.
    pub fn open_with(extra: Value) -> FfiSession {
        let dir = tempfile::tempdir().unwrap();
        let mut options = json!({ "StorePath": dir.path().join("site.db") });
        if let (Some(o), Some(e)) = (options.as_object_mut(), extra.as_object()) {
            o.extend(e.clone());
        }
        let (status, doc, handle) = open(Some(&options.to_string()));
        assert_eq!(status, cmaad_status::CMAAD_OK, "{doc}");
        FfiSession { dir, handle }
    }

    /// Opens a session with default options.
    pub fn open() -> FfiSession {
        Self::open_with(json!({}))
    }

    /// Imports a server app through the C ABI.
    pub fn import_server(&self, req: &Value, secret: &str) -> (cmaad_status, Value) {
        let units: Vec<u16> = secret.encode_utf16().collect();
        let r = CString::new(req.to_string()).unwrap();
        call(|out| unsafe {
            ffi::cmaad_import_server_app(self.handle, r.as_ptr(), units.as_ptr(), units.len(), out)
        })
    }

    /// Imports a client app through the C ABI.
    pub fn import_client(&self, req: &Value) -> (cmaad_status, Value) {
        let r = CString::new(req.to_string()).unwrap();
        call(|out| unsafe { ffi::cmaad_import_client_app(self.handle, r.as_ptr(), out) })
    }

    /// Lists apps through the C ABI.
    pub fn get(&self, filter: Option<&Value>) -> (cmaad_status, Value) {
        let f = filter.map(|f| CString::new(f.to_string()).unwrap());
        call(|out| unsafe {
            ffi::cmaad_get_apps(
                self.handle,
                f.as_ref().map_or(ptr::null(), |c| c.as_ptr()),
                out,
            )
        })
    }

    /// Creates a service through the C ABI.
    pub fn new_service(&self, req: &Value) -> (cmaad_status, Value) {
        let r = CString::new(req.to_string()).unwrap();
        call(|out| unsafe { ffi::cmaad_new_cloud_management_service(self.handle, r.as_ptr(), out) })
    }

    /// Every app, as a comparable snapshot of the store's app table.
    pub fn snapshot(&self) -> Value {
        let (status, doc) = self.get(None);
        assert_eq!(status, cmaad_status::CMAAD_OK);
        doc
    }

    /// Imports the standard server and client apps; returns their IDs.
    pub fn seed(&self) -> (i64, i64) {
        let (s, server) = self.import_server(&server_request(), SECRET);
        assert_eq!(s, cmaad_status::CMAAD_OK, "{server}");
        let (s, client) = self.import_client(&json!({"AppName": "CmgClientApp", "ClientId": CLIENT_CLIENT_ID, "ServerAppId": server["ID"]}));
        assert_eq!(s, cmaad_status::CMAAD_OK, "{client}");
        (
            server["ID"].as_i64().unwrap(),
            client["ID"].as_i64().unwrap(),
        )
    }
}

// SAFETY: the C ABI documents sessions as thread-safe (ffi.rs asserts `Session: Send + Sync`).
unsafe impl Send for FfiSession {}
unsafe impl Sync for FfiSession {}

impl Drop for FfiSession {
    fn drop(&mut self) {
        unsafe { ffi::cmaad_session_close(self.handle) };
    }
}

/// Opens a session with raw options; returns status, document and handle.
pub fn open(options: Option<&str>) -> (cmaad_status, Value, *mut cmaad_session) {
    let o = options.map(|s| CString::new(s).unwrap());
    let mut handle = ptr::null_mut();
    let (status, doc) = call(|out| unsafe {
        ffi::cmaad_session_open(
            o.as_ref().map_or(ptr::null(), |c| c.as_ptr()),
            &mut handle,
            out,
        )
    });
    if status != cmaad_status::CMAAD_OK {
        assert!(handle.is_null(), "out_session must be NULL on error");
    }
    (status, doc, handle)
}

/// Runs one C-ABI call, checks the out_json protocol and frees the document.
pub fn call(f: impl FnOnce(*mut *mut c_char) -> cmaad_status) -> (cmaad_status, Value) {
    let mut out: *mut c_char = ptr::dangling_mut::<c_char>(); // must be overwritten
    let status = f(&mut out);
    assert!(!out.is_null(), "every call writes a document");
    let text = unsafe { CStr::from_ptr(out) }
        .to_str()
        .expect("documents are UTF-8")
        .to_string();
    unsafe { ffi::cmaad_string_free(out) };
    let doc: Value = serde_json::from_str(&text).expect("documents are JSON");
    assert!(
        !text.contains(SECRET),
        "a secret leaked into a document: {text}"
    );
    if status == cmaad_status::CMAAD_OK {
        assert!(doc.get("Error").is_none(), "{text}");
    } else {
        let e = &doc["Error"];
        for key in [
            "Status",
            "Code",
            "Target",
            "Message",
            "EntraErrorCodes",
            "CorrelationId",
        ] {
            assert!(e.get(key).is_some(), "error document lacks {key}: {text}");
        }
        assert!(
            e["Message"].as_str().unwrap().len() > 20,
            "message too terse: {text}"
        );
    }
    (status, doc)
}

/// The error's code.
pub fn code(doc: &Value) -> &str {
    doc["Error"]["Code"].as_str().unwrap_or("")
}

/// The error's target field.
pub fn target(doc: &Value) -> &str {
    doc["Error"]["Target"].as_str().unwrap_or("")
}

/// Asserts that a call answered `status` with error `code_` about `field` ("" for none).
pub fn assert_refused(
    st: cmaad_status,
    doc: &Value,
    status: cmaad_status,
    code_: &str,
    field: &str,
) {
    assert_eq!(
        (st, code(doc), target(doc)),
        (status, code_, field),
        "{doc}"
    );
}
