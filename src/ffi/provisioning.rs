//! The C ABI of app creation: an administrator's Graph sign-in handle and the functions that
//! create, update and audit registrations with it. Same conventions as the rest of the ABI: one
//! JSON document in `*out_json` per call, out-pointers NULL on error, panics caught.

use super::{call, optional_text, secret, session, session_call, text};
use crate::error::{Error, Result};
use crate::provisioning::{GraphSignIn, Provisioning};
use crate::wire::provisioning as doc;
use std::ffi::c_char;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

/// An administrator's Microsoft Graph sign-in (opaque), held in process memory only: its token
/// (and an automation app's secret) live in buffers wiped when it is freed. Created by
/// `cmaad_graph_signin_begin` or `cmaad_graph_signin_client_credentials`, freed by
/// `cmaad_graph_signin_free`. Thread-safe; `cmaad_graph_signin_cancel` may run while another
/// thread is in `cmaad_graph_signin_complete`.
pub struct cmaad_graph_signin {
    inner: GraphSignIn,
}

/// Borrows the sign-in behind a handle.
pub(super) unsafe fn signin<'a>(p: *const cmaad_graph_signin) -> Result<&'a GraphSignIn> {
    p.as_ref().map(|s| &s.inner).ok_or_else(|| {
        Error::invalid("signin", "NullSignIn", "signin is NULL: sign in with cmaad_graph_signin_begin/_complete or cmaad_graph_signin_client_credentials first.")
    })
}

/// Borrows an optional sign-in (NULL means none: only WhatIf requests work without one).
unsafe fn optional_signin<'a>(p: *const cmaad_graph_signin) -> Option<&'a GraphSignIn> {
    p.as_ref().map(|s| &s.inner)
}

/// Hands a new sign-in to the caller through `out_signin`.
unsafe fn hand_out(out_signin: *mut *mut cmaad_graph_signin, inner: GraphSignIn) {
    *out_signin = Box::into_raw(Box::new(cmaad_graph_signin { inner }));
}

fn null_out_signin() -> Error {
    Error::invalid(
        "out_signin",
        "NullArgument",
        "out_signin is NULL: pass the address of a cmaad_graph_signin pointer.",
    )
}

/// Device code sign-in to Microsoft Graph, phase one (`Connect-CMAADAzure`).
///
/// `request_json`: `TenantId` (GUID), optional `ClientId` (a public client app; default
/// 14d82eec-204b-4c2f-b7e8-296a70dab67e, Microsoft Graph PowerShell's well-known public client,
/// which some tenants block) and `AzureEnvironmentOption`. The sign-in asks for the delegated
/// Graph permissions Application.ReadWrite.All, AppRoleAssignment.ReadWrite.All and
/// DelegatedPermissionGrant.ReadWrite.All. On success `*out_signin` receives a pending sign-in
/// (free it with `cmaad_graph_signin_free`) and `*out_json` is
/// `{"UserCode", "VerificationUri", "Message", "ExpiresIn", "Interval", "TenantId", "ClientId",
/// "AzureEnvironment"}`: show `Message` to the person, then call `cmaad_graph_signin_complete`.
///
/// With `"Resource": "AdminService"` the sign-in is for the session's ConfigMgr site opened with
/// `"Authentication": "Bearer"` instead of Graph: `TenantId` and `ClientId` default to (and
/// must equal) the session's `Site.TenantId` and `Site.ClientId` (the site's client app, a
/// public client), the scope is `<Site.AppIdUri>/.default`, and `cmaad_graph_signin_complete`
/// hands the token to the site's connection (never to the caller). Such a sign-in cannot create
/// apps (`SignInNotForGraph`). Its status documents carry `"Resource": "AdminService"`.
#[no_mangle]
pub unsafe extern "C" fn cmaad_graph_signin_begin(
    session_ptr: *mut super::cmaad_session,
    request_json: *const c_char,
    out_signin: *mut *mut cmaad_graph_signin,
    out_json: *mut *mut c_char,
) -> super::cmaad_status {
    if !out_signin.is_null() {
        *out_signin = ptr::null_mut();
    }
    call(out_json, || {
        if out_signin.is_null() {
            return Err(null_out_signin());
        }
        let s = session(session_ptr)?;
        let request = doc::signin_request(text(request_json, "request_json")?)?;
        let (inner, prompt) = GraphSignIn::begin(s, &request)?;
        hand_out(out_signin, inner);
        Ok(doc::device_code_prompt(&prompt))
    })
}

/// Device code sign-in, phase two: polls Entra every `Interval` seconds (5 s more after each
/// `slow_down`) until the person signs in, declines (`SignInDeclined`), the code expires
/// (`SignInExpired`), the timeout passes (`SignInTimeout`; the sign-in can be completed again)
/// or `cmaad_graph_signin_cancel` is called (`SignInCancelled`). Blocks the calling thread.
///
/// `request_json` may be NULL or `{"TimeoutSeconds": 1..3600}` (default 900). The result is
/// `{"SignedIn": true, "Kind": "DeviceCode", "TenantId", "ClientId", "AzureEnvironment",
/// "Resource", "Scopes": [...], "Roles": [], "ExpiresInSeconds"}`; the token itself never leaves
/// the library.
#[no_mangle]
pub unsafe extern "C" fn cmaad_graph_signin_complete(
    session_ptr: *mut super::cmaad_session,
    signin_ptr: *mut cmaad_graph_signin,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
) -> super::cmaad_status {
    call(out_json, || {
        let s = session(session_ptr)?;
        let signin = signin(signin_ptr)?;
        let timeout = doc::signin_timeout(optional_text(request_json, "request_json")?)?;
        Ok(doc::signin_status(&signin.complete(s, timeout)?))
    })
}

/// Cancels a device code sign-in being completed on another thread; that call returns
/// `SignInCancelled` promptly. Safe from any thread while the handle is alive; NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn cmaad_graph_signin_cancel(signin_ptr: *mut cmaad_graph_signin) {
    if let Some(s) = signin_ptr.as_ref() {
        let _ = catch_unwind(AssertUnwindSafe(|| s.inner.cancel()));
    }
}

/// Signs in to Microsoft Graph as an automation app with its client secret (for scheduled
/// tasks). The app needs the Graph application permission Application.ReadWrite.All (plus
/// AppRoleAssignment.ReadWrite.All and DelegatedPermissionGrant.ReadWrite.All to grant consent),
/// admin-consented.
///
/// `request_json`: `TenantId`, `ClientId`, optional `AzureEnvironmentOption`. The secret is
/// passed as in `cmaad_import_server_app` (UTF-16 code units; the caller keeps and should zero
/// its buffer); the sign-in keeps a wiped copy to renew its token. On success `*out_signin`
/// receives the sign-in (free with `cmaad_graph_signin_free`) and `*out_json` describes it as
/// `cmaad_graph_signin_complete` does, with `"Kind": "ClientCredentials"` and the app's `Roles`.
#[no_mangle]
pub unsafe extern "C" fn cmaad_graph_signin_client_credentials(
    session_ptr: *mut super::cmaad_session,
    request_json: *const c_char,
    secret_utf16: *const u16,
    secret_len: usize,
    out_signin: *mut *mut cmaad_graph_signin,
    out_json: *mut *mut c_char,
) -> super::cmaad_status {
    if !out_signin.is_null() {
        *out_signin = ptr::null_mut();
    }
    call(out_json, || {
        if out_signin.is_null() {
            return Err(null_out_signin());
        }
        let s = session(session_ptr)?;
        let request = text(request_json, "request_json")?;
        let key = secret(secret_utf16, secret_len)?;
        let request = doc::client_credentials_request(request)?;
        let inner = GraphSignIn::client_credentials(s, &request, key)?;
        let status = doc::signin_status(&inner.status());
        hand_out(out_signin, inner);
        Ok(status)
    })
}

/// Frees a sign-in and wipes its token and secret. NULL is a no-op. No other call may be using
/// the handle (cancel a running `cmaad_graph_signin_complete` and wait for it to return first).
#[no_mangle]
pub unsafe extern "C" fn cmaad_graph_signin_free(signin_ptr: *mut cmaad_graph_signin) {
    if !signin_ptr.is_null() {
        let _ = catch_unwind(AssertUnwindSafe(|| drop(Box::from_raw(signin_ptr))));
    }
}

/// Creates the server (web) app registration as seed 003 prescribes, with device-only tokens
/// allowed (`isDeviceOnlyAuthSupported`), and imports it (`New-CMAADServerApplication`).
///
/// `request_json`: `AppName`; optional `AppIdUri` (default `api://{TenantId}/{AppName}`, checked
/// unused in the tenant first), `SecretKeyExpiry` (`OneYear` default, or `TwoYears`),
/// `EnableUserDiscovery` (adds Graph Directory.Read.All as an application permission),
/// `HomePageUrl`, `TenantName` (the tenant's label in the site; default the stored one, else the
/// tenant GUID), `GrantAdminConsent` (default true), `WhatIf`, `TenantId` (must match the
/// sign-in; with `WhatIf` it replaces the sign-in, which may then be NULL).
/// Result: the imported app document plus `"Registration": {"ObjectId", "AppId",
/// "ServicePrincipalId", "IdentifierUri", "UserImpersonationScopeId", "SecretKeyId",
/// "SecretKeyExpiry", "AdminConsent": [{"Permission", "Granted", "Note"}]}` and `Warnings`. The
/// secret goes from Graph into the store and never into a document. With `WhatIf`:
/// `{"WhatIf": true, "AppType", "TenantId", "Application": <POST body>, "Password",
/// "ServicePrincipal", "AdminConsent"}` and nothing is created. On failure everything created is
/// deleted again; the error's `Details` say `{"RolledBack": true, "Removed": [...]}` or, if that
/// failed, `{"RolledBack": false, "Remaining": [{"Kind", "ObjectId"}]}`; nothing is imported.
#[no_mangle]
pub unsafe extern "C" fn cmaad_new_server_app(
    session_ptr: *mut super::cmaad_session,
    signin_ptr: *mut cmaad_graph_signin,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
) -> super::cmaad_status {
    call(out_json, || {
        let provisioning = Provisioning::new(session(session_ptr)?, optional_signin(signin_ptr));
        let request = doc::new_server_request(text(request_json, "request_json")?)?;
        Ok(doc::creation(&provisioning.new_server_app(&request)?))
    })
}

/// Creates the client (native) app registration for a stored server app and imports it linked
/// to that server app (`New-CMAADClientApplication -InputObject <server app>`).
///
/// `request_json`: `AppName`, `ServerAppId` (the server app's `ID` in the site); optional
/// `GrantAdminConsent` (default true), `WhatIf` (the sign-in may then be NULL). Result: the
/// imported app document plus `"Registration": {"ObjectId", "AppId", "ServicePrincipalId",
/// "RedirectUri", "UserImpersonationScopeId", "AdminConsent": [...]}`. Failures roll back as
/// for `cmaad_new_server_app`.
#[no_mangle]
pub unsafe extern "C" fn cmaad_new_client_app(
    session_ptr: *mut super::cmaad_session,
    signin_ptr: *mut cmaad_graph_signin,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
) -> super::cmaad_status {
    call(out_json, || {
        let provisioning = Provisioning::new(session(session_ptr)?, optional_signin(signin_ptr));
        let request = doc::new_client_request(text(request_json, "request_json")?)?;
        Ok(doc::creation(&provisioning.new_client_app(&request)?))
    })
}

/// Brings the tenant's stored server apps up to what the CMG needs since ConfigMgr 2309
/// (`Set-UpdateServerApplication -TenantId`), in Entra: the `http://localhost` public client
/// redirect URI and `isDeviceOnlyAuthSupported: true` (device tokens without a user). Only what
/// is missing is changed, so it can run any number of times.
///
/// `request_json`: `TenantId` or `ID`; optional `WhatIf` (reads, changes nothing). Result:
/// `{"value": [{"ID", "Name", "ClientID", "Changed", "WouldChange", "RedirectUris",
/// "IsDeviceOnlyAuthSupported"}], "WhatIf"}`.
#[no_mangle]
pub unsafe extern "C" fn cmaad_update_server_app(
    session_ptr: *mut super::cmaad_session,
    signin_ptr: *mut cmaad_graph_signin,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
) -> super::cmaad_status {
    call(out_json, || {
        let provisioning = Provisioning::new(session(session_ptr)?, optional_signin(signin_ptr));
        let request = doc::update_server_request(text(request_json, "request_json")?)?;
        Ok(doc::server_app_update(
            &provisioning.update_server_app(&request)?,
        ))
    })
}

/// Checks an existing registration against every requirement the CMG has of its kind
/// (`Test-CMAADApplication`): seed 003's settings, device-only tokens for a server app, and an
/// App ID URI in one of the forms Entra documents.
///
/// `request_json`: `ClientId`; optional `AppType` (`ServerApplication`/`ClientApplication`;
/// default: a server app if it exposes user_impersonation) and, for a client app,
/// `ServerClientId` (default: the tenant's stored server app). Result: `{"ClientId",
/// "DisplayName", "AppType", "TenantId", "Passed", "Checks": [{"Name", "Outcome"
/// (Passed|Failed|NotChecked), "Detail", "Fix"}]}`; a failed check is not an error.
#[no_mangle]
pub unsafe extern "C" fn cmaad_audit_app(
    session_ptr: *mut super::cmaad_session,
    signin_ptr: *mut cmaad_graph_signin,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
) -> super::cmaad_status {
    call(out_json, || {
        let s = session(session_ptr)?;
        let provisioning = Provisioning::new(s, Some(signin(signin_ptr)?));
        let request = doc::audit_request(text(request_json, "request_json")?)?;
        Ok(doc::audit_report(&provisioning.audit_app(&request)?))
    })
}

/// Verifies every app matching `filter_json` as `cmaad_verify_apps` does, with an
/// administrator's Graph sign-in (`Test-CMAADApplication -Stored` after `Connect-CMAADAzure`).
/// On a ConfigMgr site, whose apps' secret the site keeps, each app that exists is also audited
/// through Graph (the checks of `cmaad_audit_app`, a failed one with its fix), and a server app's
/// `SiteSecretOnRegistration` check tells whether a password on the registration ends within two
/// days of the site's `SecretKeyExpiry` (one that does not may have been removed in Entra while
/// the site holds it). Apps of another tenant than the sign-in's get a `NotChecked`
/// `Registration` check. On a store session this is `cmaad_verify_apps`.
///
/// `filter_json`: as for `cmaad_get_apps` (NULL for every app). The result is
/// `cmaad_verify_apps`'s document.
#[no_mangle]
pub unsafe extern "C" fn cmaad_verify_apps_with_signin(
    session_ptr: *mut super::cmaad_session,
    signin_ptr: *mut cmaad_graph_signin,
    filter_json: *const c_char,
    out_json: *mut *mut c_char,
) -> super::cmaad_status {
    session_call(out_json, session_ptr, |s| {
        let provisioning = Provisioning::new(s, Some(signin(signin_ptr)?));
        let filter = crate::wire::apps::app_filter(optional_text(filter_json, "filter_json")?)?;
        Ok(crate::wire::verification::verification_report(
            &provisioning.verify_apps(&filter)?,
        ))
    })
}
