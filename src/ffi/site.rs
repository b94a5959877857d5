//! The C ABI of ConfigMgr sites: opening a session on a site with the account's password, and
//! the journal of changes made to sites. Same conventions as the rest of the ABI: one JSON
//! document in `*out_json` per call, out-pointers NULL on error, panics caught.

use super::{call, cmaad_session, cmaad_status, open_session, optional_text, secret, session};
use crate::error::{Error, Result};
use crate::session::Session;
use serde_json::Value;
use std::ffi::c_char;

/// Opens a session on a ConfigMgr site (`"Site"` in `options_json`: `ProviderMachineName`,
/// `SiteCode`, optional `Authentication` (`Negotiate`, `Ntlm`), `UserName`, `KdcAddress`,
/// `AllowNtlm`, `CertificateThumbprint`, `SkipCertificateCheck`), with the password of
/// `Site.UserName` as `password_len` UTF-16 code units at `password_utf16`. The library copies
/// the password into memory it wipes and never returns or logs it; the caller keeps the buffer
/// and should zero it after the call. Nothing is contacted until the first operation.
///
/// On success `*out_session` receives a session the caller closes with `cmaad_session_close`,
/// and `*out_json` describes it (never the password). On error `*out_session` is NULL.
/// `*out_json` is always freed by the caller with `cmaad_string_free`.
#[no_mangle]
pub unsafe extern "C" fn cmaad_session_open_site(
    options_json: *const c_char,
    password_utf16: *const u16,
    password_len: usize,
    out_session: *mut *mut cmaad_session,
    out_json: *mut *mut c_char,
) -> cmaad_status {
    open_session(out_session, out_json, || {
        let options =
            crate::wire::options::session_options(optional_text(options_json, "options_json")?)?;
        let password =
            secret(password_utf16, password_len).map_err(|e| e.with_target("Site.Password"))?;
        Session::open_with_credential(options, Some(password))
    })
}

/// The changes CMAAD made to the session's ConfigMgr site (`Get-CMAADSiteChange`):
/// `{"value":[{"At","SiteCode","Provider","Class","ObjectId","Object","Operation","RequestId"}]}`,
/// oldest first, from the journal in the local store. No secrets are journaled.
#[no_mangle]
pub unsafe extern "C" fn cmaad_get_site_changes(
    session_ptr: *mut cmaad_session,
    out_json: *mut *mut c_char,
) -> cmaad_status {
    call(out_json, || site_changes(session(session_ptr)?))
}

fn site_changes(s: &Session) -> Result<Value> {
    let journal = s.site().and_then(|site| site.journal()).ok_or_else(|| {
        Error::invalid(
            "session",
            "NoSite",
            "The session is not connected to a ConfigMgr site: open it with cmaad_session_open_site.",
        )
    })?;
    journal.list()
}
