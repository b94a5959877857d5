//! The C ABI: a thin layer that checks pointers and text, converts to the Rust API and back,
//! and never lets a panic or an error escape without a status and a JSON document.
//!
//! Ownership: every `char **out_json` receives one NUL-terminated UTF-8 JSON document allocated
//! by the library (a result, or `{"Error": {...}}`), which the caller frees with
//! [`cmaad_string_free`]; it is NULL only when `out_json` itself is NULL. A session is created by
//! [`cmaad_session_open`] and destroyed by [`cmaad_session_close`]. Sessions are thread-safe.

#![allow(non_camel_case_types)]
// Every exported function checks its pointers itself and is documented for C callers.
#![allow(clippy::missing_safety_doc)]

use crate::error::{Error, Result, Status};
use crate::secret::SecretKey;
use crate::session::Session;
use crate::store::seal::KeySource;
use crate::wire;
use chrono::Utc;
use serde_json::Value;
use std::ffi::{c_char, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

mod hierarchy;
pub use hierarchy::*;
mod provisioning;
pub use provisioning::*;
mod site;
pub use site::*;

/// The ABI's version; it changes on any breaking change to this header.
pub const CMAAD_ABI_VERSION: u32 = 1;

/// Longest secret accepted, in UTF-16 code units.
const MAX_SECRET_UNITS: usize = 4096;

/// Outcome of every call. The JSON document in `out_json` says more.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum cmaad_status {
    /// Success: `out_json` holds the result.
    CMAAD_OK = 0,
    /// Bad input: the error names the field and the fix.
    CMAAD_INVALID_ARGUMENT = 1,
    /// A referenced app, tenant or service does not exist.
    CMAAD_NOT_FOUND = 2,
    /// The object exists already; the error carries its `ID`.
    CMAAD_ALREADY_EXISTS = 3,
    /// Microsoft Entra ID refused the app or tenant.
    CMAAD_VERIFICATION_FAILED = 4,
    /// Entra or Graph could not be reached.
    CMAAD_NETWORK = 5,
    /// The site store failed.
    CMAAD_STORE = 6,
    /// A bug or a caught panic; the host process survives.
    CMAAD_INTERNAL = 7,
}

impl From<Status> for cmaad_status {
    fn from(s: Status) -> Self {
        match s {
            Status::Ok => cmaad_status::CMAAD_OK,
            Status::InvalidArgument => cmaad_status::CMAAD_INVALID_ARGUMENT,
            Status::NotFound => cmaad_status::CMAAD_NOT_FOUND,
            Status::AlreadyExists => cmaad_status::CMAAD_ALREADY_EXISTS,
            Status::VerificationFailed => cmaad_status::CMAAD_VERIFICATION_FAILED,
            Status::Network => cmaad_status::CMAAD_NETWORK,
            Status::Store => cmaad_status::CMAAD_STORE,
            Status::Internal => cmaad_status::CMAAD_INTERNAL,
        }
    }
}

/// An open site session (opaque). Created by `cmaad_session_open`, freed by `cmaad_session_close`.
pub struct cmaad_session {
    inner: Session,
}

// Sessions are shared by many threads (PowerShell runspaces): keep `Session` `Send + Sync`.
const _: fn() = || {
    fn thread_safe<T: Send + Sync>() {}
    thread_safe::<Session>();
};

/// Runs `body` behind the panic boundary and writes its document to `out_json`.
pub(crate) fn call(
    out_json: *mut *mut c_char,
    body: impl FnOnce() -> Result<Value>,
) -> cmaad_status {
    call_text(out_json, || body().map(|doc| doc.to_string()))
}

/// [`call`] for a body that writes its result document as text itself (large lists).
fn call_text(out_json: *mut *mut c_char, body: impl FnOnce() -> Result<String>) -> cmaad_status {
    call_documents(out_json, || (body(), Vec::new()))
}

/// [`call`] for an operation of the session behind `session_ptr`: the document, result or
/// error, carries the session's [`Session::document_warnings`] in `Warnings` (added to those
/// it has).
pub(crate) fn session_call(
    out_json: *mut *mut c_char,
    session_ptr: *const cmaad_session,
    body: impl FnOnce(&Session) -> Result<Value>,
) -> cmaad_status {
    session_call_text(out_json, session_ptr, |s| {
        body(s).map(|doc| doc.to_string())
    })
}

/// [`session_call`] for a body that writes its result document as text itself.
fn session_call_text(
    out_json: *mut *mut c_char,
    session_ptr: *const cmaad_session,
    body: impl FnOnce(&Session) -> Result<String>,
) -> cmaad_status {
    call_documents(out_json, || {
        // SAFETY: the handle is checked for NULL; the header asks for one from cmaad_session_open.
        match unsafe { session(session_ptr) } {
            Ok(s) => {
                let result = body(s);
                (result, s.document_warnings())
            }
            Err(e) => (Err(e), Vec::new()),
        }
    })
}

/// A change of the session `s`: with `what_if`, the plan of the requests `op` would send
/// ([`Session::plan`]); otherwise `op`'s result as `doc` writes it.
fn change<T>(
    s: &Session,
    what_if: bool,
    op: impl FnOnce(&Session) -> Result<T>,
    doc: impl FnOnce(T) -> Value,
) -> Result<Value> {
    if what_if {
        Ok(wire::what_if::plan(&s.plan(op)?))
    } else {
        op(s).map(doc)
    }
}

/// Runs `body` behind the panic boundary and writes its document, with its warnings, to
/// `out_json`.
fn call_documents(
    out_json: *mut *mut c_char,
    body: impl FnOnce() -> (Result<String>, Vec<String>),
) -> cmaad_status {
    if out_json.is_null() {
        return cmaad_status::CMAAD_INVALID_ARGUMENT;
    }
    // SAFETY: out_json is non-null and, per the header, points to a writable `char *`.
    unsafe { *out_json = ptr::null_mut() };
    let (result, warnings) = catch_unwind(AssertUnwindSafe(body))
        .unwrap_or_else(|panic| (Err(panic_error(panic)), Vec::new()));
    let (status, text) = match result {
        Ok(text) => (cmaad_status::CMAAD_OK, text),
        Err(e) => (e.status.into(), e.to_document().to_string()),
    };
    let text = with_warnings(text, &warnings);
    // SAFETY: as above.
    unsafe { *out_json = into_c_string(text) };
    status
}

/// The document `text` with `warnings` added to its `Warnings` array (each once).
fn with_warnings(text: String, warnings: &[String]) -> String {
    if warnings.is_empty() {
        return text;
    }
    let Ok(Value::Object(mut doc)) = serde_json::from_str::<Value>(&text) else {
        return text;
    };
    let list = doc
        .entry("Warnings")
        .or_insert_with(|| Value::Array(Vec::new()));
    if let Value::Array(list) = list {
        for w in warnings {
            if !list.iter().any(|v| v.as_str() == Some(w)) {
                list.push(Value::String(w.clone()));
            }
        }
    }
    Value::Object(doc).to_string()
}

fn panic_error(panic: Box<dyn std::any::Any + Send>) -> Error {
    let what = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown".to_string());
    Error::internal(format!("CMAAD hit an internal error ({what}); nothing was changed by this call. Please report it with the steps that led to it."))
}

fn into_c_string(text: String) -> *mut c_char {
    // serde_json escapes U+0000, so the text has no interior NUL.
    CString::new(text)
        .map(CString::into_raw)
        .unwrap_or(ptr::null_mut())
}

/// Borrows a NUL-terminated UTF-8 argument; `field` names it in errors.
pub(crate) unsafe fn text<'a>(p: *const c_char, field: &str) -> Result<&'a str> {
    if p.is_null() {
        return Err(Error::invalid(
            field,
            "NullArgument",
            format!("{field} is NULL: pass a NUL-terminated UTF-8 JSON document."),
        ));
    }
    CStr::from_ptr(p).to_str().map_err(|e| {
        Error::invalid(
            field,
            "InvalidUtf8",
            format!(
                "{field} is not valid UTF-8 (bad byte at offset {}): encode the text as UTF-8.",
                e.valid_up_to()
            ),
        )
    })
}

/// Borrows an optional argument (NULL means absent).
pub(crate) unsafe fn optional_text<'a>(p: *const c_char, field: &str) -> Result<Option<&'a str>> {
    if p.is_null() {
        Ok(None)
    } else {
        text(p, field).map(Some)
    }
}

/// Borrows the session behind a handle.
pub(crate) unsafe fn session<'a>(s: *const cmaad_session) -> Result<&'a Session> {
    s.as_ref().map(|s| &s.inner).ok_or_else(|| {
        Error::invalid(
            "session",
            "NullSession",
            "session is NULL: open one with cmaad_session_open first.",
        )
    })
}

/// Copies the UTF-16 secret into zeroizing memory.
pub(crate) unsafe fn secret(units: *const u16, len: usize) -> Result<SecretKey> {
    const FIELD: &str = "SecretKey";
    if len > MAX_SECRET_UNITS {
        return Err(Error::invalid(FIELD, "InvalidSecretKey", format!("SecretKey is {len} UTF-16 units long, more than any Entra client secret: pass only the secret's Value.")));
    }
    if units.is_null() {
        return if len == 0 {
            Err(Error::invalid(
                FIELD,
                "EmptySecretKey",
                "SecretKey is empty: pass the secret's Value (not its Secret ID).",
            ))
        } else {
            Err(Error::invalid(
                FIELD,
                "NullArgument",
                "secret_utf16 is NULL but secret_len is not 0: pass the secret's UTF-16 buffer.",
            ))
        };
    }
    SecretKey::from_utf16(std::slice::from_raw_parts(units, len), FIELD)
}

/// The ABI version this library implements (`CMAAD_ABI_VERSION`). Thread-safe, never fails.
#[no_mangle]
pub extern "C" fn cmaad_abi_version() -> u32 {
    CMAAD_ABI_VERSION
}

/// The library version as a static NUL-terminated string. Never free it.
#[no_mangle]
pub extern "C" fn cmaad_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// Opens a session on the site store.
///
/// `options_json` may be NULL (all defaults) or a JSON object with any of `StorePath`,
/// `AzureEnvironment`, `AuthorityHost`, `GraphHost`, `Proxy`, `NoProxy` (hosts reached without
/// the proxy, `NO_PROXY` syntax), `TimeoutSeconds`, `TrustedCaPath` and `ProcessEnvironment`
/// (default true; false: the library reads none of `CMAAD_STORE`, `CMAAD_SITE_KEY`,
/// `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` from the process environment, because the caller
/// passes those settings explicitly). The site key is `CMAAD_SITE_KEY` or the key file beside the
/// store (`cmaad_session_open_with_site_key` passes one).
/// On success `*out_session` receives a session the caller closes with `cmaad_session_close`,
/// and `*out_json` describes it. On error `*out_session` is NULL and `*out_json` holds the error.
/// `*out_json` is always freed by the caller with `cmaad_string_free`.
#[no_mangle]
pub unsafe extern "C" fn cmaad_session_open(
    options_json: *const c_char,
    out_session: *mut *mut cmaad_session,
    out_json: *mut *mut c_char,
) -> cmaad_status {
    cmaad_session_open_with_site_key(options_json, ptr::null(), 0, out_session, out_json)
}

/// Opens a session as `cmaad_session_open` does, with the site key given by the caller.
///
/// `site_key_utf16` holds `site_key_len` UTF-16 code units of the key's base64 text (32 bytes
/// encoded, as in `CMAAD_SITE_KEY`); the library copies it into memory it wipes, never returns
/// or logs it, and the caller keeps ownership of the buffer and should zero it after the call.
/// NULL with length 0 means no key is given: `CMAAD_SITE_KEY` (unless `ProcessEnvironment` is
/// false) or the key file beside the store is used, as by `cmaad_session_open`.
#[no_mangle]
pub unsafe extern "C" fn cmaad_session_open_with_site_key(
    options_json: *const c_char,
    site_key_utf16: *const u16,
    site_key_len: usize,
    out_session: *mut *mut cmaad_session,
    out_json: *mut *mut c_char,
) -> cmaad_status {
    open_session(out_session, out_json, || {
        let mut options =
            wire::options::session_options(optional_text(options_json, "options_json")?)?;
        if !site_key_utf16.is_null() || site_key_len != 0 {
            options.site_key = KeySource::Given(site_key(site_key_utf16, site_key_len)?);
        }
        Session::open(options)
    })
}

/// Clears `*out_session`, runs `open` behind the panic boundary and hands the session out with
/// its description.
pub(crate) unsafe fn open_session(
    out_session: *mut *mut cmaad_session,
    out_json: *mut *mut c_char,
    open: impl FnOnce() -> Result<Session>,
) -> cmaad_status {
    if !out_session.is_null() {
        *out_session = ptr::null_mut();
    }
    call(out_json, || {
        if out_session.is_null() {
            return Err(Error::invalid(
                "out_session",
                "NullArgument",
                "out_session is NULL: pass the address of a cmaad_session pointer.",
            ));
        }
        let session = open()?;
        let doc = wire::options::session(&session);
        *out_session = Box::into_raw(Box::new(cmaad_session { inner: session }));
        Ok(doc)
    })
}

/// Copies a caller's site key (UTF-16 units of its base64 text) into zeroizing memory.
unsafe fn site_key(units: *const u16, len: usize) -> Result<SecretKey> {
    const FIELD: &str = "SiteKey";
    if units.is_null() || len > MAX_SECRET_UNITS {
        return Err(Error::invalid(
            FIELD,
            "InvalidSiteKey",
            format!("The site key buffer is NULL or {len} UTF-16 units long: pass the base64 text of 32 bytes (44 characters), as in CMAAD_SITE_KEY."),
        ));
    }
    SecretKey::from_utf16(std::slice::from_raw_parts(units, len), FIELD)
}

/// Closes a session and frees it. NULL is a no-op. The handle must not be used afterwards, and
/// no other thread may be using it during the call.
#[no_mangle]
pub unsafe extern "C" fn cmaad_session_close(session: *mut cmaad_session) {
    if session.is_null() {
        return;
    }
    let _ = catch_unwind(AssertUnwindSafe(|| drop(Box::from_raw(session))));
}

/// Imports a server (web) app (`Import-CMAADServerApplication`).
///
/// `request_json`: `TenantName`, `TenantId`, `AppName`, `ClientId`, `SecretKeyExpiry` (RFC 3339),
/// optional `AppIdUri`, `AzureEnvironmentOption`, `Verify`. The secret is passed separately as
/// `secret_len` UTF-16 code units at `secret_utf16` (as `Marshal.SecureStringToGlobalAllocUnicode`
/// gives them); the library copies it into memory it wipes and never returns or logs it; the
/// caller keeps ownership of the buffer and should zero it after the call.
/// With `"WhatIf": true` in `request_json` nothing changes: the result is `{"WhatIf": true,
/// "Requests": [{"Method", "Url", "Body"}]}`, the AdminService requests a site session would
/// send (`SecretKey` as `<redacted>`; reads are made), or no requests for a store session.
#[no_mangle]
pub unsafe extern "C" fn cmaad_import_server_app(
    session_ptr: *mut cmaad_session,
    request_json: *const c_char,
    secret_utf16: *const u16,
    secret_len: usize,
    out_json: *mut *mut c_char,
) -> cmaad_status {
    session_call(out_json, session_ptr, |s| {
        let (what_if, request) = wire::what_if::split(text(request_json, "request_json")?)?;
        let secret = secret(secret_utf16, secret_len)?;
        let request = wire::apps::server_app_import(&request, Utc::now())?;
        change(
            s,
            what_if,
            |s| s.import_server_app(&request, &secret),
            |r| wire::apps::app_result(&r),
        )
    })
}

/// Imports a client (native) app (`Import-CMAADClientApplication`).
///
/// `request_json`: `AppName`, `ClientId`, and `TenantId` or `ServerAppId`; optional `Verify`.
/// With `"WhatIf": true` in `request_json` nothing changes: the result is `{"WhatIf": true,
/// "Requests": [{"Method", "Url", "Body"}]}`, the AdminService requests a site session would
/// send (`SecretKey` as `<redacted>`; reads are made), or no requests for a store session.
#[no_mangle]
pub unsafe extern "C" fn cmaad_import_client_app(
    session_ptr: *mut cmaad_session,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
) -> cmaad_status {
    session_call(out_json, session_ptr, |s| {
        let (what_if, request) = wire::what_if::split(text(request_json, "request_json")?)?;
        let request = wire::apps::client_app_import(&request)?;
        change(
            s,
            what_if,
            |s| s.import_client_app(&request),
            |r| wire::apps::app_result(&r),
        )
    })
}

/// Lists apps (`Get-CMAADApplication`) as `{"value": [...]}`.
///
/// `filter_json` may be NULL (every app) or an object with any of `AppName`, `AppType`,
/// `ClientId`, `TenantId`, `TenantName`, `ExpiringWithinDays`; all given filters must match.
#[no_mangle]
pub unsafe extern "C" fn cmaad_get_apps(
    session_ptr: *mut cmaad_session,
    filter_json: *const c_char,
    out_json: *mut *mut c_char,
) -> cmaad_status {
    session_call_text(out_json, session_ptr, |s| {
        let filter = wire::apps::app_filter(optional_text(filter_json, "filter_json")?)?;
        wire::apps::app_list(&s.get_apps(&filter)?)
    })
}

/// Creates the cloud management Azure service (`New-CMCloudManagementAzureService`).
///
/// `request_json`: `Name`, `ServerAppId`, `ClientAppId`, optional `Description`,
/// `AzureEnvironmentOption` and the discovery fields by their parameter names.
/// With `"WhatIf": true` in `request_json` nothing changes: the result is `{"WhatIf": true,
/// "Requests": [{"Method", "Url", "Body"}]}`, the AdminService requests a site session would
/// send (`SecretKey` as `<redacted>`; reads are made), or no requests for a store session.
#[no_mangle]
pub unsafe extern "C" fn cmaad_new_cloud_management_service(
    session_ptr: *mut cmaad_session,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
) -> cmaad_status {
    session_call(out_json, session_ptr, |s| {
        let (what_if, request) = wire::what_if::split(text(request_json, "request_json")?)?;
        let request = wire::services::new_service(&request)?;
        change(
            s,
            what_if,
            |s| s.new_cloud_management_service(&request),
            |r| wire::services::service(&r),
        )
    })
}

/// Stores a server app's secret renewed in the portal (`Set-CMAADApplication -SecretKey
/// -SecretKeyExpiry`).
///
/// `request_json`: `ID`, or `ClientId` with `TenantId`; `SecretKeyExpiry` (RFC 3339, future);
/// optional `Verify` (the new secret must obtain a token first; if it does not, nothing
/// changes). The secret is passed as in `cmaad_import_server_app`. The result is the app
/// document with the new `SecretKeyExpiry`, `SecretKeyCreationTime` and `LastUpdateTime`.
/// With `"WhatIf": true` in `request_json` nothing changes: the result is `{"WhatIf": true,
/// "Requests": [{"Method", "Url", "Body"}]}`, the AdminService requests a site session would
/// send (`SecretKey` as `<redacted>`; reads are made), or no requests for a store session.
#[no_mangle]
pub unsafe extern "C" fn cmaad_set_app_secret(
    session_ptr: *mut cmaad_session,
    request_json: *const c_char,
    secret_utf16: *const u16,
    secret_len: usize,
    out_json: *mut *mut c_char,
) -> cmaad_status {
    session_call(out_json, session_ptr, |s| {
        let (what_if, request) = wire::what_if::split(text(request_json, "request_json")?)?;
        let secret = secret(secret_utf16, secret_len)?;
        let request = wire::secrets::secret_renewal(&request, Utc::now())?;
        change(
            s,
            what_if,
            |s| s.set_app_secret(&request, &secret),
            |r| wire::apps::app_result(&r),
        )
    })
}

/// Changes an app's name and/or App ID URI in the site (`Set-CMAADApplication -NewName
/// -AppIdUri`); Entra is not changed.
///
/// `request_json`: `ID`, or `ClientId` with `TenantId`; `NewName` and/or `AppIdUri` (server
/// apps only). The result is the app document, with `Warnings` when the URI is not recommended.
/// With `"WhatIf": true` in `request_json` nothing changes: the result is `{"WhatIf": true,
/// "Requests": [{"Method", "Url", "Body"}]}`, the AdminService requests a site session would
/// send (`SecretKey` as `<redacted>`; reads are made), or no requests for a store session.
#[no_mangle]
pub unsafe extern "C" fn cmaad_set_app(
    session_ptr: *mut cmaad_session,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
) -> cmaad_status {
    session_call(out_json, session_ptr, |s| {
        let (what_if, request) = wire::what_if::split(text(request_json, "request_json")?)?;
        let request = wire::apps::set_app(&request)?;
        change(
            s,
            what_if,
            |s| s.set_app(&request),
            |r| wire::apps::app_result(&r),
        )
    })
}

/// Removes an app from the site, never from Entra (`Remove-CMAADApplication`).
///
/// `request_json`: `ID`, or `ClientId` with `TenantId`. Refused (`AppInUse`) while a service
/// uses the app, and (`AppHasClientApps`) for a server app whose client apps are still stored.
/// The result is the removed app's document with `"Removed": true` and `TenantRemoved` (true
/// when it was the tenant's last app).
/// With `"WhatIf": true` in `request_json` nothing changes: the result is `{"WhatIf": true,
/// "Requests": [{"Method", "Url", "Body"}]}`, the AdminService requests a site session would
/// send (`SecretKey` as `<redacted>`; reads are made), or no requests for a store session.
#[no_mangle]
pub unsafe extern "C" fn cmaad_remove_app(
    session_ptr: *mut cmaad_session,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
) -> cmaad_status {
    session_call(out_json, session_ptr, |s| {
        let (what_if, request) = wire::what_if::split(text(request_json, "request_json")?)?;
        let app = wire::apps::app_ref(&request)?;
        change(
            s,
            what_if,
            |s| s.remove_app(&app),
            |r| wire::apps::removed_app(&r),
        )
    })
}

/// Verifies every stored app matching `filter_json` against Entra with its stored credentials,
/// at most 8 at a time, and records `LastVerified` for those that pass.
///
/// `filter_json`: as for `cmaad_get_apps` (NULL for every app). The result is
/// `{"value": [{every field of the app as `cmaad_get_apps` gives it, "Verified",
/// "Verification" | "Error"}], "Summary": {"Total", "Verified", "Failed", "ExpiredSecrets"}}`. The call
/// succeeds when apps fail verification; their entries carry the error.
#[no_mangle]
pub unsafe extern "C" fn cmaad_verify_apps(
    session_ptr: *mut cmaad_session,
    filter_json: *const c_char,
    out_json: *mut *mut c_char,
) -> cmaad_status {
    session_call(out_json, session_ptr, |s| {
        let filter = wire::apps::app_filter(optional_text(filter_json, "filter_json")?)?;
        Ok(wire::verification::verification_report(
            &s.verify_apps(&filter)?,
        ))
    })
}

/// Rotates a server app's secret with no downtime through Microsoft Graph, using the app's own
/// stored credentials (it needs `Application.ReadWrite.OwnedBy` on itself or
/// `Application.ReadWrite.All`).
///
/// `request_json`: `ID`, or `ClientId` with `TenantId`; optional `ValidityDays` (1–730, default
/// 365) or `SecretKeyExpiry`, `DisplayName`, `RemoveOldSecret` (default false),
/// `PropagationTimeoutSeconds` (1–600, default 60). Steps: Graph token, read the registration,
/// `addPassword`, wait until the new secret obtains a token, store it, then optionally
/// `removePassword` of the old one. A failure before the store step leaves the stored secret
/// unchanged (`Details.Step` names the step, the added password is removed again). The result is
/// the app document plus `"Rotation": {"NewKeyId", "PropagationSeconds", "OldKeyId",
/// "OldSecretRemoved", "Warnings"?}`.
#[no_mangle]
pub unsafe extern "C" fn cmaad_rotate_app_secret(
    session_ptr: *mut cmaad_session,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
) -> cmaad_status {
    session_call(out_json, session_ptr, |s| {
        let request =
            wire::secrets::secret_rotation(text(request_json, "request_json")?, Utc::now())?;
        Ok(wire::secrets::rotation(&s.rotate_app_secret(&request)?))
    })
}

/// Lists cloud management services (`Get-CMAzureService`) as `{"value": [...]}`.
///
/// `filter_json` may be NULL (every service) or an object with `ID` and/or `Name` (`*` and `?`
/// wildcards, case-insensitive).
#[no_mangle]
pub unsafe extern "C" fn cmaad_get_services(
    session_ptr: *mut cmaad_session,
    filter_json: *const c_char,
    out_json: *mut *mut c_char,
) -> cmaad_status {
    session_call(out_json, session_ptr, |s| {
        let filter = wire::services::service_filter(optional_text(filter_json, "filter_json")?)?;
        Ok(wire::services::service_list(&s.get_services(&filter)?))
    })
}

/// Changes a cloud management service (`Set-CMCloudManagementAzureService`).
///
/// `request_json`: `ID` or `Name`; any of `NewName`, `Description` (empty clears it),
/// `EnableAADGroupSync`, the discovery fields of `cmaad_new_cloud_management_service`, and
/// `DeleteGroupName`. Absent fields keep their value; the result follows the creation rules.
/// With `"WhatIf": true` in `request_json` nothing changes: the result is `{"WhatIf": true,
/// "Requests": [{"Method", "Url", "Body"}]}`, the AdminService requests a site session would
/// send (`SecretKey` as `<redacted>`; reads are made), or no requests for a store session.
#[no_mangle]
pub unsafe extern "C" fn cmaad_set_cloud_management_service(
    session_ptr: *mut cmaad_session,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
) -> cmaad_status {
    session_call(out_json, session_ptr, |s| {
        let (what_if, request) = wire::what_if::split(text(request_json, "request_json")?)?;
        let request = wire::services::set_service(&request)?;
        change(
            s,
            what_if,
            |s| s.set_cloud_management_service(&request),
            |r| wire::services::service(&r),
        )
    })
}

/// Removes a cloud management service from the site (`Remove-CMAzureService`); its apps stay
/// and nothing changes in Entra.
///
/// `request_json`: `ID` or `Name`. The result is the removed service with `"Removed": true`.
/// With `"WhatIf": true` in `request_json` nothing changes: the result is `{"WhatIf": true,
/// "Requests": [{"Method", "Url", "Body"}]}`, the AdminService requests a site session would
/// send (`SecretKey` as `<redacted>`; reads are made), or no requests for a store session.
#[no_mangle]
pub unsafe extern "C" fn cmaad_remove_service(
    session_ptr: *mut cmaad_session,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
) -> cmaad_status {
    session_call(out_json, session_ptr, |s| {
        let (what_if, request) = wire::what_if::split(text(request_json, "request_json")?)?;
        let service = wire::services::service_ref(&request)?;
        change(
            s,
            what_if,
            |s| s.remove_service(&service),
            |r| wire::services::removed_service(&r),
        )
    })
}

/// Lists tenants (`Get-CMAADTenant`) as `{"value": [...]}`.
///
/// `filter_json` may be NULL (every tenant) or an object with `TenantId` and/or `TenantName`.
#[no_mangle]
pub unsafe extern "C" fn cmaad_get_tenants(
    session_ptr: *mut cmaad_session,
    filter_json: *const c_char,
    out_json: *mut *mut c_char,
) -> cmaad_status {
    session_call(out_json, session_ptr, |s| {
        let filter = wire::tenants::tenant_filter(optional_text(filter_json, "filter_json")?)?;
        Ok(wire::tenants::tenant_list(&s.get_tenants(&filter)?))
    })
}

/// Changes a tenant: `DisableAADAuthentication` ("Disable Microsoft Entra authentication for
/// this tenant", for a tenant without users or devices) and/or its label `NewName`.
///
/// `request_json`: `TenantId` and at least one change. The result is the tenant document.
/// With `"WhatIf": true` in `request_json` nothing changes: the result is `{"WhatIf": true,
/// "Requests": [{"Method", "Url", "Body"}]}`, the AdminService requests a site session would
/// send (`SecretKey` as `<redacted>`; reads are made), or no requests for a store session.
#[no_mangle]
pub unsafe extern "C" fn cmaad_set_tenant(
    session_ptr: *mut cmaad_session,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
) -> cmaad_status {
    session_call(out_json, session_ptr, |s| {
        let (what_if, request) = wire::what_if::split(text(request_json, "request_json")?)?;
        let request = wire::tenants::set_tenant(&request)?;
        change(
            s,
            what_if,
            |s| s.set_tenant(&request),
            |r| wire::tenants::tenant(&r),
        )
    })
}

/// Secret maintenance for a scheduled task: verifies every stored app, rotates server app
/// secrets expiring within `RotateWithinDays` (default 30) through Graph with no downtime, and
/// reports each app's `Action` (`Verified`, `Rotated`, `RotationDue`, `NeedsAttention`) with a
/// `Summary` whose `NeedsAttention` count says whether a person must act.
///
/// `request_json` may be NULL (defaults) or an object with any of `RotateWithinDays` (0–365),
/// `Rotate` (default true), `ValidityDays` (1–730, default 365), `RemoveOldSecret` (default
/// false), `TenantId`. Apps failing is part of the result; the status is not OK only for a bad
/// request or an unreadable store.
#[no_mangle]
pub unsafe extern "C" fn cmaad_maintain_secrets(
    session_ptr: *mut cmaad_session,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
) -> cmaad_status {
    session_call(out_json, session_ptr, |s| {
        let plan = wire::secrets::maintenance_plan(optional_text(request_json, "request_json")?)?;
        Ok(wire::secrets::maintenance_report(
            &s.maintain_secrets(&plan)?,
        ))
    })
}

/// Frees a document returned through `out_json`. NULL is a no-op. Free each document once.
#[no_mangle]
pub unsafe extern "C" fn cmaad_string_free(s: *mut c_char) {
    if !s.is_null() {
        let _ = catch_unwind(AssertUnwindSafe(|| drop(CString::from_raw(s))));
    }
}
