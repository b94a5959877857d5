//! Documents of the calls over several sites (`cmaad_sites_get_apps`,
//! `cmaad_sites_maintain_secrets`): the `"Site"` object whose `ProviderMachineName` lists the
//! SMS Providers, read into one checked [`SiteOptions`] per site; the per-site results written
//! as one document with a summary.
//!
//! ```json
//! "Site": {"ProviderMachineName": ["cm01.contoso.com", "cm02.contoso.com"],
//!          "SiteCode": ["P01", "P02"], "UserName": "cmadmin@CONTOSO.COM", ...}
//! ```
//! `SiteCode` and `CertificateThumbprint` give one value per provider, in the same order; every
//! other field is `cmaad_session_open_site`'s and applies to every site.

use super::fields::Fields;
use crate::error::{Error, Result};
use crate::model::values::guid;
use crate::model::AppFilter;
use crate::site::hierarchy::{ExpiryAction, SiteApps, SiteExpiry};
use crate::site::SiteOptions;
use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};
use std::time::Duration;

/// A request over several sites: the sites and the rest of the request's fields.
pub struct SitesRequest {
    /// One checked option set per provider, in the order given.
    pub sites: Vec<SiteOptions>,
    /// The request's other fields, read by the call.
    pub fields: Fields,
}

/// Reads `request_json`'s `"Site"` into one [`SiteOptions`] per provider; `trusted_ca_pem` and
/// `timeout` are the session's.
///
/// # Errors
/// `InvalidArgument` naming `Site.<field>` (with the provider's position when one site's value
/// is wrong).
pub fn sites_request(
    json: &str,
    trusted_ca_pem: Option<&[u8]>,
    timeout: Duration,
) -> Result<SitesRequest> {
    let mut fields = Fields::parse(json, "request")?;
    let site = fields.optional_object("Site")?.ok_or_else(|| {
        Error::invalid(
            "Site",
            "MissingField",
            "Site is missing from the request: give {\"Site\": {\"ProviderMachineName\": [\"cm01.contoso.com\", ...], \"SiteCode\": [\"P01\", ...]}}.",
        )
    })?;
    let providers = per_site(&site, "ProviderMachineName")?.ok_or_else(|| {
        Error::invalid(
            "Site.ProviderMachineName",
            "MissingField",
            "Site.ProviderMachineName is missing: list the SMS Providers, e.g. [\"cm01.contoso.com\", \"cm02.contoso.com\"].",
        )
    })?;
    if providers.is_empty() {
        return Err(Error::invalid(
            "Site.ProviderMachineName",
            "EmptyList",
            "Site.ProviderMachineName is an empty list: name at least one SMS Provider.",
        ));
    }
    let codes = per_site(&site, "SiteCode")?.unwrap_or_default();
    if codes.len() != providers.len() {
        return Err(Error::invalid(
            "Site.SiteCode",
            "SiteCodeCountMismatch",
            format!("Site.SiteCode gives {} site code(s) for {} SMS Provider(s): give one site code per provider, in the same order (-SiteCode P01,P02 -ProviderMachineName cm01,cm02).", codes.len(), providers.len()),
        ));
    }
    let pins = per_site(&site, "CertificateThumbprint")?;
    if pins.as_ref().is_some_and(|p| p.len() != providers.len()) {
        return Err(Error::invalid(
            "Site.CertificateThumbprint",
            "ThumbprintCountMismatch",
            "Site.CertificateThumbprint pins each provider's own certificate: give one SHA-256 thumbprint per provider, in the same order, or trust the SMS Issuing roots with TrustedCaPath instead.",
        ));
    }
    let mut sites = Vec::with_capacity(providers.len());
    for (i, provider) in providers.iter().enumerate() {
        if providers[..i]
            .iter()
            .any(|p| p.eq_ignore_ascii_case(provider))
        {
            return Err(Error::invalid(
                "Site.ProviderMachineName",
                "DuplicateProvider",
                format!("Site.ProviderMachineName names '{provider}' twice: name each SMS Provider once."),
            ));
        }
        let mut one: Map<String, Value> = site.clone();
        one.insert("ProviderMachineName".into(), json!(provider));
        one.insert("SiteCode".into(), json!(codes[i]));
        match &pins {
            Some(p) => one.insert("CertificateThumbprint".into(), json!(p[i])),
            None => one.remove("CertificateThumbprint"),
        };
        let options = super::site::site_options(one, trusted_ca_pem.map(<[u8]>::to_vec), timeout)
            .map_err(|mut e| {
            e.message = format!(
                "{} (site {} of {}, {provider})",
                e.message,
                i + 1,
                providers.len()
            );
            e
        })?;
        if options.bearer.is_some() {
            return Err(Error::invalid(
                "Site.Authentication",
                "BearerAcrossSitesUnsupported",
                "Site.Authentication Bearer is not available over several sites in one call (a sign-in belongs to one session's site): use Negotiate with UserName and the password, or the logged-on user on Windows.",
            ));
        }
        sites.push(options);
    }
    Ok(SitesRequest { sites, fields })
}

/// A per-site field: one string (one site) or an array of strings.
fn per_site(site: &Map<String, Value>, name: &str) -> Result<Option<Vec<String>>> {
    match site.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(vec![s.clone()])),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str().map(str::to_string).ok_or_else(|| {
                    Error::invalid(
                        &format!("Site.{name}"),
                        "WrongType",
                        format!("Site.{name} must be a string or an array of strings, one per SMS Provider."),
                    )
                })
            })
            .collect::<Result<Vec<_>>>()
            .map(Some),
        Some(_) => Err(Error::invalid(
            &format!("Site.{name}"),
            "WrongType",
            format!("Site.{name} must be a string or an array of strings, one per SMS Provider."),
        )),
    }
}

/// `cmaad_sites_get_apps`'s `"Filter"` (the filters of `cmaad_get_apps`); absent = every app.
pub fn filter(fields: &mut Fields) -> Result<AppFilter> {
    let filter = fields.optional_object("Filter")?;
    super::apps::app_filter(filter.map(|m| Value::Object(m).to_string()).as_deref())
        .map_err(|e| prefix_target(e, "Filter"))
}

/// `cmaad_sites_maintain_secrets`' plan: `RotateWithinDays` (0–365, default 30) and
/// `TenantId`; `Rotate` may only be false.
pub fn expiry_plan(fields: &mut Fields) -> Result<(i64, Option<String>)> {
    let within = fields
        .optional_i64_in("RotateWithinDays", 0..=365, "days")?
        .unwrap_or(30);
    if fields.optional_bool("Rotate")? == Some(true) {
        return Err(Error::invalid(
            "Rotate",
            "RotateAcrossSitesUnsupported",
            "Rotate is not available over several sites in one call: run the report (Rotate false), then rotate each due app with its site connected (Invoke-CMAADSecretMaintenance or Update-CMAADApplicationSecret on that site).",
        ));
    }
    let tenant = fields
        .optional_str("TenantId")?
        .map(|t| guid(&t, "TenantId"))
        .transpose()?;
    Ok((within, tenant))
}

fn prefix_target(mut e: Error, parent: &str) -> Error {
    if let Some(t) = &e.target {
        e.target = Some(format!("{parent}.{t}"));
    }
    e
}

/// A site's `{"SiteCode", "ProviderMachineName", "Succeeded", "Count", "Error"?}`.
fn site_line<T>(code: &str, provider: &str, result: &Result<Vec<T>>) -> Value {
    let mut doc = json!({
        "SiteCode": code,
        "ProviderMachineName": provider,
        "Succeeded": result.is_ok(),
        "Count": result.as_ref().map(Vec::len).unwrap_or(0),
    });
    if let Err(e) = result {
        doc["Error"] = super::error_body(e);
    }
    doc
}

/// `{"value": [app documents with "SiteCode" and "ProviderMachineName"], "Sites": [...],
/// "Summary": {"Sites", "Succeeded", "Failed", "Apps"}}`.
pub fn sites_apps(report: &[SiteApps], now: DateTime<Utc>) -> Value {
    let mut value = Vec::new();
    for site in report {
        for app in site.result.iter().flatten() {
            let mut doc = super::apps::app(app, now);
            doc["SiteCode"] = json!(site.site_code);
            doc["ProviderMachineName"] = json!(site.provider);
            value.push(doc);
        }
    }
    let failed = report.iter().filter(|s| s.result.is_err()).count();
    json!({
        "Summary": {
            "Sites": report.len(),
            "Succeeded": report.len() - failed,
            "Failed": failed,
            "Apps": value.len(),
        },
        "Sites": report.iter().map(|s| site_line(&s.site_code, &s.provider, &s.result)).collect::<Vec<_>>(),
        "value": value,
    })
}

/// `{"value": [{"SiteCode", "ProviderMachineName", "ID", "Name", "AppType", "TenantID",
/// "DaysUntilSecretExpiry", "Action", "Detail"}], "Sites": [...], "Summary": {"Sites",
/// "SitesFailed", "Total", "NothingDue", "RotationDue", "NeedsAttention"}}`; `NeedsAttention`
/// counts the sites that could not be read as well.
pub fn sites_expiry(report: &[SiteExpiry]) -> Value {
    let mut value = Vec::new();
    let mut counts = [0usize; 3];
    for site in report {
        for e in site.result.iter().flatten() {
            counts[e.action as usize] += 1;
            let mut entry = super::secrets::maintenance_entry(
                &e.app,
                e.days_until_secret_expiry,
                e.action.name(),
                &e.detail,
            );
            entry["SiteCode"] = json!(site.site_code);
            entry["ProviderMachineName"] = json!(site.provider);
            value.push(entry);
        }
    }
    let failed = report.iter().filter(|s| s.result.is_err()).count();
    json!({
        "Summary": {
            "Sites": report.len(),
            "SitesFailed": failed,
            "Total": value.len(),
            "NothingDue": counts[ExpiryAction::NothingDue as usize],
            "RotationDue": counts[ExpiryAction::RotationDue as usize],
            "NeedsAttention": counts[ExpiryAction::NeedsAttention as usize] + failed,
        },
        "Sites": report.iter().map(|s| site_line(&s.site_code, &s.provider, &s.result)).collect::<Vec<_>>(),
        "value": value,
    })
}
