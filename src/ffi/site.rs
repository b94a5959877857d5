//! The C ABI of ConfigMgr sites: opening a session on a site with the account's password, and
//! the journal of changes made to sites. Same conventions as the rest of the ABI: one JSON
//! document in `*out_json` per call, out-pointers NULL on error, panics caught.

use super::{
    call, cmaad_session, cmaad_status, open_session, optional_text, secret, session, session_call,
    text,
};
use crate::error::{Error, Result};
use crate::provisioning::Provisioning;
use crate::session::Session;
use serde_json::Value;
use std::ffi::c_char;

/// Opens a session on a ConfigMgr site (`"Site"` in `options_json`: `ProviderMachineName`,
/// `SiteCode`, optional `Authentication` (`Negotiate`, `Ntlm`), `UserName`, `KdcAddress`,
/// `AllowNtlm`, `CertificateThumbprint`, `SkipCertificateCheck`), with the password of
/// `Site.UserName` as `password_len` UTF-16 code units at `password_utf16`.
///
/// A site reached with an Entra token needs no password and opens with `cmaad_session_open`:
/// `"Authentication": "Bearer"` with `TenantId`, `ClientId` (the site's client app),
/// `AppIdUri` (its server app's App ID URI) and optional `CmgUrl`
/// (`https://<CMG>/CCM_Proxy_ServerAuth/<ID>`, to go through a cloud management gateway);
/// then sign in with `cmaad_graph_signin_begin`/`_complete` and `"Resource": "AdminService"`
/// before the first operation. The session's description then carries `"Site": {...,
/// "Bearer": {"TenantId", "ClientId", "AppIdUri", "CmgUrl", "Endpoint"}}` (never the token). The library copies
/// the password into memory it wipes and never returns or logs it; the caller keeps the buffer
/// and should zero it after the call. Nothing is contacted until the first operation.
///
/// On success `*out_session` receives a session the caller closes with `cmaad_session_close`,
/// and `*out_json` describes it (never the password). With `SkipCertificateCheck`, every
/// document the session's calls return once the provider was contacted (results and errors)
/// carries `"Warnings": [...]` saying so, and the call that opened a TLS connection adds the
/// certificate's SHA-256. On error `*out_session` is NULL.
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

/// Rotates a server app's secret in the session's ConfigMgr site without ever leaving the CMG
/// without a working secret: a new Entra password (with a Graph token from the current secret),
/// a wait until it works, the site's `SMS_AAD_Application_Ex` written and read back, and only
/// then, with `RemoveOldSecret`, the old password removed. A failure leaves the site and Entra
/// holding a working pair; the error's `Details.Step` names the step (`GraphToken`,
/// `ReadRegistration`, `AddPassword`, `VerifyNewSecret`, `WriteSite`, `ConfirmSite`).
///
/// `request_json` is `cmaad_rotate_app_secret`'s (`ID` or `ClientId` + `TenantId`,
/// `ValidityDays` or `SecretKeyExpiry`, `RemoveOldSecret`, `PropagationTimeoutSeconds`,
/// `DisplayName`). The site's current secret (a site never returns it) comes as
/// `current_secret_len` UTF-16 code units at `current_secret_utf16`, copied into memory the
/// library wipes; the caller keeps the buffer and should zero it after the call.
#[no_mangle]
pub unsafe extern "C" fn cmaad_rotate_site_app_secret(
    session_ptr: *mut cmaad_session,
    request_json: *const c_char,
    current_secret_utf16: *const u16,
    current_secret_len: usize,
    out_json: *mut *mut c_char,
) -> cmaad_status {
    session_call(out_json, session_ptr, |s| {
        let request = crate::wire::secrets::secret_rotation(
            text(request_json, "request_json")?,
            chrono::Utc::now(),
        )?;
        let current = secret(current_secret_utf16, current_secret_len)?;
        Ok(crate::wire::secrets::rotation(
            &s.rotate_site_app_secret(&request, &current)?,
        ))
    })
}

/// `cmaad_rotate_site_app_secret` with a Graph sign-in instead of the current secret (which
/// the site never returns): an administrator's sign-in, or an automation app's
/// (`cmaad_graph_signin_client_credentials`) allowed to change the app's passwords
/// (Application.ReadWrite.All, or Application.ReadWrite.OwnedBy as its owner). The steps, the
/// guarantees and the result are `cmaad_rotate_site_app_secret`'s; with `RemoveOldSecret` the
/// old password is the one whose end matches the site's `SecretKeyExpiry` (when none or several
/// do, it stays and `Rotation.Warnings` says so). The sign-in must be for the app's tenant.
#[no_mangle]
pub unsafe extern "C" fn cmaad_rotate_site_app_secret_with_signin(
    session_ptr: *mut cmaad_session,
    signin_ptr: *mut super::cmaad_graph_signin,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
) -> cmaad_status {
    signed_in_call(out_json, session_ptr, signin_ptr, |p| {
        let request = crate::wire::secrets::secret_rotation(
            text(request_json, "request_json")?,
            chrono::Utc::now(),
        )?;
        Ok(crate::wire::secrets::rotation(
            &p.rotate_site_app_secret(&request)?,
        ))
    })
}

/// `cmaad_maintain_secrets` with a Graph sign-in, for a scheduled task on a ConfigMgr site: the
/// site's due secrets are rotated as `cmaad_rotate_site_app_secret_with_signin` does (each entry
/// `Rotated`, or `NeedsAttention` with the failing step), instead of needing a person. On a store
/// session it is `cmaad_maintain_secrets`. `request_json` and the result are
/// `cmaad_maintain_secrets`'s.
#[no_mangle]
pub unsafe extern "C" fn cmaad_maintain_secrets_with_signin(
    session_ptr: *mut cmaad_session,
    signin_ptr: *mut super::cmaad_graph_signin,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
) -> cmaad_status {
    signed_in_call(out_json, session_ptr, signin_ptr, |p| {
        let plan =
            crate::wire::secrets::maintenance_plan(optional_text(request_json, "request_json")?)?;
        Ok(crate::wire::secrets::maintenance_report(
            &p.maintain_secrets(&plan)?,
        ))
    })
}

/// A call of the session with the sign-in behind `signin_ptr` (required).
unsafe fn signed_in_call(
    out_json: *mut *mut c_char,
    session_ptr: *const cmaad_session,
    signin_ptr: *const super::cmaad_graph_signin,
    body: impl FnOnce(&Provisioning<'_>) -> Result<Value>,
) -> cmaad_status {
    session_call(out_json, session_ptr, |s| {
        body(&Provisioning::new(
            s,
            Some(super::provisioning::signin(signin_ptr)?),
        ))
    })
}

/// The changes CMAAD made to the session's ConfigMgr site (`Get-CMAADSiteChange`):
/// `{"value":[{"At","SiteCode","Provider","Class","ObjectId","Object","Operation","RequestId"}]}`,
/// oldest first, from the journal in the local store; changes to other sites journaled in the
/// same store are left out. No secrets are journaled.
#[no_mangle]
pub unsafe extern "C" fn cmaad_get_site_changes(
    session_ptr: *mut cmaad_session,
    out_json: *mut *mut c_char,
) -> cmaad_status {
    call(out_json, || site_changes(session(session_ptr)?))
}

fn site_changes(s: &Session) -> Result<Value> {
    let site = s.site().ok_or_else(|| {
        Error::invalid(
            "session",
            "NoSite",
            "The session is not connected to a ConfigMgr site: open it with cmaad_session_open_site.",
        )
    })?;
    match site.journal() {
        Some(journal) => journal.list(site.site_code()),
        None => Ok(serde_json::json!({ "value": [] })),
    }
}
