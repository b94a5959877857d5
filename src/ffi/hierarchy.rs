//! The C ABI over several ConfigMgr sites in one call (a hierarchy's primaries, or separate
//! sites one admin runs): expiry reports and secret maintenance reports. Each site is read on a
//! thread of its own, at most eight at a time; a site that cannot be read is reported in the
//! result without stopping the others. Same conventions as the rest of the ABI: one JSON
//! document in `*out_json` per call (the caller frees it with `cmaad_string_free`), panics
//! caught, every pointer checked.

use super::{call, cmaad_session, cmaad_status, secret, session, text};
use crate::error::Result;
use crate::session::Session;
use crate::site::hierarchy;
use crate::site::AdminServiceSite;
use crate::wire::fields::Fields;
use crate::wire::hierarchy as doc;
use chrono::Utc;
use std::ffi::c_char;
use zeroize::Zeroizing;

/// Opens the request's sites with the session's `TrustedCaPath` and timeout, and the password
/// of `Site.UserName` (absent when `password_utf16` is NULL and `password_len` is 0).
unsafe fn sites_of(
    s: &Session,
    request_json: *const c_char,
    password_utf16: *const u16,
    password_len: usize,
) -> Result<(Vec<AdminServiceSite>, Fields)> {
    let options = s.options();
    let request = doc::sites_request(
        text(request_json, "request_json")?,
        options.trusted_ca_pem.as_deref(),
        options.timeout,
    )?;
    let password = if password_utf16.is_null() && password_len == 0 {
        None
    } else {
        let key =
            secret(password_utf16, password_len).map_err(|e| e.with_target("Site.Password"))?;
        Some(Zeroizing::new(key.expose().to_string()))
    };
    let sites = hierarchy::open_sites(request.sites, password.as_ref())?;
    Ok((sites, request.fields))
}

/// Lists the apps of several ConfigMgr sites (`Get-CMAADApplication -ProviderMachineName
/// cm01,cm02,cm03`), e.g. every server app whose secret expires within 30 days.
///
/// `request_json`:
/// `{"Site": {"ProviderMachineName": ["cm01.contoso.com", ...], "SiteCode": ["P01", ...],
/// ...}, "Filter": {...}}`. `Site` takes `cmaad_session_open_site`'s fields; `SiteCode` (and
/// `CertificateThumbprint`, when given) list one value per provider in the same order, every
/// other field (`UserName`, `KdcAddress`, `Authentication`, `AllowNtlm`,
/// `SkipCertificateCheck`) applies to every site; at most 64 providers. `Filter` takes
/// `cmaad_get_apps`' filters (`AppName`, `AppType`, `ClientId`, `TenantId`, `TenantName`,
/// `ExpiringWithinDays`); absent means every app. The session gives `TrustedCaPath` (one file
/// may hold several sites' SMS Issuing roots) and `TimeoutSeconds`; its own site and store are
/// not used.
///
/// The password of `Site.UserName` comes as `password_len` UTF-16 code units at
/// `password_utf16` (NULL and 0 without `UserName`: on Windows the logged-on user then signs
/// in to every site), copied into memory the library wipes; the caller keeps its buffer and
/// should zero it after the call. `Authentication` `Bearer` is refused here
/// (`BearerAcrossSitesUnsupported`): a sign-in belongs to one session's site.
///
/// The result is `{"value": [app documents, each with "SiteCode" and "ProviderMachineName"],
/// "Sites": [{"SiteCode", "ProviderMachineName", "Succeeded", "Count", "Error"?}],
/// "Summary": {"Sites", "Succeeded", "Failed", "Apps"}}`, sites in the order given. A site that
/// cannot be read is `"Succeeded": false` with its `Error`; the status is not OK only for a bad
/// request.
#[no_mangle]
pub unsafe extern "C" fn cmaad_sites_get_apps(
    session_ptr: *mut cmaad_session,
    request_json: *const c_char,
    password_utf16: *const u16,
    password_len: usize,
    out_json: *mut *mut c_char,
) -> cmaad_status {
    call(out_json, || {
        let s = session(session_ptr)?;
        let (sites, mut fields) = sites_of(s, request_json, password_utf16, password_len)?;
        let filter = doc::filter(&mut fields)?;
        fields.finish()?;
        let now = Utc::now();
        Ok(doc::sites_apps(
            &hierarchy::find_apps_across(&sites, &filter, now),
            now,
        ))
    })
}

/// Secret maintenance report over several ConfigMgr sites (`Invoke-CMAADSecretMaintenance
/// -ProviderMachineName cm01,cm02,cm03`): every app of every site with what its secret needs,
/// judged from the site's `SecretKeyExpiry`, and one summary for a scheduled task.
///
/// `request_json`: `{"Site": {...}, "RotateWithinDays": 30, "TenantId": "..."}`; `Site` and the
/// password as in `cmaad_sites_get_apps`. `RotateWithinDays` (0–365, default 30) is the window
/// in which a secret is due; `TenantId` limits the report to one tenant's apps; `Rotate` may
/// only be false (rotate the due apps of each site with that site connected).
///
/// The result is `{"value": [{"SiteCode", "ProviderMachineName", "ID", "Name", "AppType",
/// "TenantID", "DaysUntilSecretExpiry", "Action", "Detail"}], "Sites": [...as in
/// cmaad_sites_get_apps], "Summary": {"Sites", "SitesFailed", "Total", "NothingDue",
/// "RotationDue", "NeedsAttention"}}`. `Action` is `NothingDue`, `RotationDue` (expires within
/// the window) or `NeedsAttention` (expired, or no expiry known); `NeedsAttention` also counts
/// each site that could not be read, so a scheduled task can exit non-zero on it alone.
#[no_mangle]
pub unsafe extern "C" fn cmaad_sites_maintain_secrets(
    session_ptr: *mut cmaad_session,
    request_json: *const c_char,
    password_utf16: *const u16,
    password_len: usize,
    out_json: *mut *mut c_char,
) -> cmaad_status {
    call(out_json, || {
        let s = session(session_ptr)?;
        let (sites, mut fields) = sites_of(s, request_json, password_utf16, password_len)?;
        let (within_days, tenant) = doc::expiry_plan(&mut fields)?;
        fields.finish()?;
        Ok(doc::sites_expiry(&hierarchy::expiry_report_across(
            &sites,
            within_days,
            tenant.as_deref(),
            Utc::now(),
        )))
    })
}
