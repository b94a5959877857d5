//! Several sites in one call (a hierarchy's primaries, or separate sites an admin runs): each
//! site is read on a thread of its own, at most [`MAX_PARALLEL_SITES`] at a time, and a site
//! that fails is reported as failed without stopping the others.
//!
//! - [`open_sites`]: one [`AdminServiceSite`] per provider, sharing authentication and trust;
//! - [`find_apps_across`]: every site's apps matching a filter (e.g. `ExpiringWithinDays`);
//! - [`expiry_report_across`]: what secret maintenance finds due on each site's apps.

use super::connection::SiteConnection;
use super::{AdminServiceSite, SiteBackend, SiteOptions};
use crate::error::{Error, Result};
use crate::model::{format_time, App, AppFilter, AppType};
use chrono::{DateTime, Utc};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use zeroize::Zeroizing;

/// Sites read at once.
pub const MAX_PARALLEL_SITES: usize = 8;

/// Sites one call may name (a central administration site has at most 25 primaries).
pub const MAX_SITES: usize = 64;

/// A site's apps, or why it could not be read.
type SiteResult = Result<Vec<App>, Error>;

/// One site's answer.
#[derive(Debug)]
pub struct SiteApps {
    /// The site code.
    pub site_code: String,
    /// The provider.
    pub provider: String,
    /// The matching apps, or why the site could not be read.
    pub result: SiteResult,
}

/// One [`AdminServiceSite`] per entry of `sites` (nothing is contacted yet); the account in
/// `Site.UserName` (the same for every site) signs in with `password`. No journal: these
/// sites are read, not written.
///
/// # Errors
/// `InvalidArgument` as [`super::connect`] for the credential, or when more than
/// [`MAX_SITES`] sites are named.
pub fn open_sites(
    sites: Vec<SiteOptions>,
    password: Option<&Zeroizing<String>>,
) -> Result<Vec<AdminServiceSite>> {
    if sites.len() > MAX_SITES {
        return Err(Error::invalid(
            "Site.ProviderMachineName",
            "TooManySites",
            format!(
                "{} SMS Providers were named; one call reads at most {MAX_SITES}: split the list.",
                sites.len()
            ),
        ));
    }
    sites
        .into_iter()
        .map(|options| {
            let credential = super::credential(&options, password.cloned())?;
            Ok(AdminServiceSite::new(
                SiteConnection::new(options, credential)?,
                None,
            ))
        })
        .collect()
}

/// Every site's apps matching `filter` (e.g. `ExpiringWithinDays`), in the order of `sites`.
pub fn find_apps_across(
    sites: &[AdminServiceSite],
    filter: &AppFilter,
    now: DateTime<Utc>,
) -> Vec<SiteApps> {
    let next = AtomicUsize::new(0);
    let slots: Mutex<Vec<Option<SiteResult>>> =
        Mutex::new((0..sites.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..MAX_PARALLEL_SITES.min(sites.len()) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(site) = sites.get(i) else { break };
                let result = site.find_apps(filter, now);
                slots.lock().unwrap_or_else(|p| p.into_inner())[i] = Some(result);
            });
        }
    });
    let slots = slots.into_inner().unwrap_or_else(|p| p.into_inner());
    sites
        .iter()
        .zip(slots)
        .map(|(site, result)| {
            let options = site.connection().options();
            SiteApps {
                site_code: options.site_code.clone(),
                provider: options.provider_machine_name.clone(),
                result: result.unwrap_or_else(|| {
                    Err(Error::internal(
                        "The site's reader stopped without an answer.",
                    ))
                }),
            }
        })
        .collect()
}

/// What an app's secret needs, judged from the site's `SecretKeyExpiry` alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpiryAction {
    /// Nothing is due (or the app is a client app, which has no secret).
    NothingDue,
    /// The secret expires within the report's window: rotate it.
    RotationDue,
    /// The secret has expired or its expiry is unknown: a person must act.
    NeedsAttention,
}

impl ExpiryAction {
    /// The name used in documents.
    pub fn name(self) -> &'static str {
        match self {
            ExpiryAction::NothingDue => "NothingDue",
            ExpiryAction::RotationDue => "RotationDue",
            ExpiryAction::NeedsAttention => "NeedsAttention",
        }
    }
}

/// One app's line in a site's expiry report.
#[derive(Debug, Clone)]
pub struct ExpiryEntry {
    /// The app as the site holds it.
    pub app: App,
    /// Days until its secret expires (server apps).
    pub days_until_secret_expiry: Option<i64>,
    /// What it needs.
    pub action: ExpiryAction,
    /// The same in words, with what to do.
    pub detail: String,
}

/// One site's expiry report.
#[derive(Debug)]
pub struct SiteExpiry {
    /// The site code.
    pub site_code: String,
    /// The provider.
    pub provider: String,
    /// One entry per app, or why the site could not be read.
    pub result: Result<Vec<ExpiryEntry>, Error>,
}

/// The expiry report of every site: each app (of `tenant_id`, if given) with what its secret
/// needs when rotation is due within `rotate_within_days`. Sites are read as
/// [`find_apps_across`] reads them.
pub fn expiry_report_across(
    sites: &[AdminServiceSite],
    rotate_within_days: i64,
    tenant_id: Option<&str>,
    now: DateTime<Utc>,
) -> Vec<SiteExpiry> {
    let filter = tenant_id.map(AppFilter::tenant).unwrap_or_default();
    find_apps_across(sites, &filter, now)
        .into_iter()
        .map(|site| SiteExpiry {
            result: site.result.map(|apps| {
                apps.into_iter()
                    .map(|app| expiry_entry(app, &site.site_code, rotate_within_days, now))
                    .collect()
            }),
            site_code: site.site_code,
            provider: site.provider,
        })
        .collect()
}

fn expiry_entry(app: App, site_code: &str, within_days: i64, now: DateTime<Utc>) -> ExpiryEntry {
    let days = app.days_until_secret_expiry(now);
    let expiry = app
        .secret_key_expiry
        .as_ref()
        .map(format_time)
        .unwrap_or_default();
    let (action, detail) = match (app.app_type, days) {
        (AppType::ClientApplication, _) => (
            ExpiryAction::NothingDue,
            "A client app has no secret.".to_string(),
        ),
        (AppType::ServerApplication, None) => (
            ExpiryAction::NeedsAttention,
            format!("Site {site_code} holds no SecretKeyExpiry for this server app: renew its secret (Set-CMAADApplication -SecretKey -SecretKeyExpiry) so the site knows when it expires."),
        ),
        (AppType::ServerApplication, Some(_)) if app.secret_expired(now) => (
            ExpiryAction::NeedsAttention,
            format!("The secret expired on {expiry}: the CMG can no longer use this app. Create a new secret on the app's Certificates & secrets page in Entra, then give it to site {site_code} (Set-CMAADApplication -SecretKey -SecretKeyExpiry)."),
        ),
        (AppType::ServerApplication, Some(d)) if d <= within_days => (
            ExpiryAction::RotationDue,
            format!("The secret expires in {d} day(s) ({expiry}): rotate it with site {site_code} connected (Update-CMAADApplicationSecret)."),
        ),
        (AppType::ServerApplication, Some(d)) => (
            ExpiryAction::NothingDue,
            format!("The secret expires in {d} day(s); nothing is due."),
        ),
    };
    ExpiryEntry {
        app,
        days_until_secret_expiry: days,
        action,
        detail,
    }
}
