//! The typed interface every site operation goes through: tenants, server and client apps,
//! cloud management services with their discovery settings. Two implementations: the embedded
//! store ([`crate::store::Store`], offline, labs, tests) and a ConfigMgr site over AdminService
//! ([`super::AdminServiceSite`]). No JSON crosses this interface.

use crate::error::Result;
use crate::model::AppFilter;
use crate::model::{App, CloudService};
use crate::store::{NewApp, Store, Tenant};
use chrono::{DateTime, Utc};

/// Where a session's site objects live.
pub trait SiteBackend: Send + Sync + std::fmt::Debug {
    /// The tenant with this GUID, if the site knows it.
    fn tenant(&self, guid: &str) -> Result<Option<Tenant>>;
    /// One app by `ID`.
    fn app(&self, id: i64) -> Result<Option<App>>;
    /// The server apps of a tenant, oldest first.
    fn server_apps_of(&self, tenant_guid: &str) -> Result<Vec<App>>;
    /// Every app matching all of the filter's fields.
    fn find_apps(&self, filter: &AppFilter, now: DateTime<Utc>) -> Result<Vec<App>>;
    /// Fails as an insert would (tenant name mismatch, duplicate client ID), changing nothing.
    fn check_new_app(&self, app: &NewApp<'_>) -> Result<()>;
    /// Adds the app (and its tenant when new).
    fn insert_app(&self, app: &NewApp<'_>, now: DateTime<Utc>) -> Result<App>;
    /// A cloud management service by name (case-insensitive).
    fn service_by_name(&self, name: &str) -> Result<Option<CloudService>>;
    /// Adds a cloud management service and its discovery settings.
    fn insert_service(&self, service: &CloudService) -> Result<CloudService>;
}

impl SiteBackend for Store {
    fn tenant(&self, guid: &str) -> Result<Option<Tenant>> {
        Store::tenant(self, guid)
    }
    fn app(&self, id: i64) -> Result<Option<App>> {
        Store::app(self, id)
    }
    fn server_apps_of(&self, tenant_guid: &str) -> Result<Vec<App>> {
        Store::server_apps_of(self, tenant_guid)
    }
    fn find_apps(&self, filter: &AppFilter, now: DateTime<Utc>) -> Result<Vec<App>> {
        Store::find_apps(self, filter, now)
    }
    fn check_new_app(&self, app: &NewApp<'_>) -> Result<()> {
        Store::check_new_app(self, app)
    }
    fn insert_app(&self, app: &NewApp<'_>, now: DateTime<Utc>) -> Result<App> {
        Store::insert_app(self, app, now)
    }
    fn service_by_name(&self, name: &str) -> Result<Option<CloudService>> {
        Store::service_by_name(self, name)
    }
    fn insert_service(&self, service: &CloudService) -> Result<CloudService> {
        Store::insert_service(self, service)
    }
}
