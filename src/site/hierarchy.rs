//! Several sites in one call (a hierarchy's primaries, or separate sites an admin runs): each
//! site is read on a thread of its own, at most [`MAX_PARALLEL_SITES`] at a time, and a site
//! that fails is reported as failed without stopping the others.

use super::{AdminServiceSite, SiteBackend};
use crate::error::Error;
use crate::model::{App, AppFilter};
use chrono::{DateTime, Utc};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// Sites read at once.
pub const MAX_PARALLEL_SITES: usize = 8;

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
