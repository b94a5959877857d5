//! The typed interface every site operation goes through: tenants, server and client apps (and
//! their secrets), cloud management services with their discovery settings. Two
//! implementations: the embedded store ([`crate::store::Store`], offline, labs, tests) and a
//! ConfigMgr site over AdminService ([`super::AdminServiceSite`]). No JSON crosses this
//! interface. A site that cannot do something (return a secret, record `LastVerified`, write a
//! setting no documented property holds) fails with an error naming the field and the fix; it
//! never falls back to the store.

use crate::cloud::AzureEnvironment;
use crate::error::Result;
use crate::model::{
    App, AppFilter, AppType, CloudService, ServiceFilter, TenantFilter, TenantInfo,
};
use crate::secret::SecretKey;
use crate::store::{NewApp, NewSecret, RemovedApp, Store, Tenant};
use chrono::{DateTime, Utc};

/// A change to a stored service, seeing the service as stored (`Set-CMCloudManagementAzureService`).
pub type ServiceChange<'a> = dyn FnMut(&mut CloudService) -> Result<()> + 'a;

/// Where a session's site objects live.
pub trait SiteBackend: Send + Sync + std::fmt::Debug {
    /// The tenant with this GUID, if the site knows it.
    fn tenant(&self, guid: &str) -> Result<Option<Tenant>>;
    /// Tenants matching the filter with their app and service counts, in ID order.
    fn find_tenants(&self, filter: &TenantFilter) -> Result<Vec<TenantInfo>>;
    /// Renames tenant `guid` and/or sets "Disable Microsoft Entra authentication".
    fn update_tenant(
        &self,
        guid: &str,
        new_name: Option<&str>,
        disable_aad_authentication: Option<bool>,
        now: DateTime<Utc>,
    ) -> Result<TenantInfo>;
    /// One app by `ID`.
    fn app(&self, id: i64) -> Result<Option<App>>;
    /// The app with `client_id` in tenant `tenant_guid`.
    fn app_by_client_id(&self, tenant_guid: &str, client_id: &str) -> Result<Option<App>>;
    /// The server apps of a tenant, oldest first.
    fn server_apps_of(&self, tenant_guid: &str) -> Result<Vec<App>>;
    /// Every app matching all of the filter's fields.
    fn find_apps(&self, filter: &AppFilter, now: DateTime<Utc>) -> Result<Vec<App>>;
    /// Fails as an app of `kind` joining tenant `tenant_id` as `tenant_name` in `environment`
    /// would (the tenant rules of [`SiteBackend::check_new_app`] without a client ID yet).
    fn check_tenant(
        &self,
        tenant_id: &str,
        tenant_name: &str,
        environment: AzureEnvironment,
        kind: AppType,
    ) -> Result<()>;
    /// Fails as an insert would (tenant name mismatch, duplicate client ID), changing nothing.
    fn check_new_app(&self, app: &NewApp<'_>) -> Result<()>;
    /// Adds the app (and its tenant when new).
    fn insert_app(&self, app: &NewApp<'_>, now: DateTime<Utc>) -> Result<App>;
    /// Renames app `id` and/or sets its App ID URI.
    fn update_app(
        &self,
        id: i64,
        new_name: Option<&str>,
        identifier_uri: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<App>;
    /// Removes app `id` (never from Entra); refused while a service or a client app uses it.
    fn remove_app(&self, id: i64) -> Result<RemovedApp>;
    /// Replaces server app `id`'s secret and expiry.
    fn set_secret(&self, id: i64, new: &NewSecret<'_>, now: DateTime<Utc>) -> Result<App>;
    /// The secret of server app `app` (a ConfigMgr site never returns it: an error says so).
    fn server_secret(&self, app: &App) -> Result<SecretKey>;
    /// Records a successful verification of app `id` (a site has nowhere to keep it).
    fn mark_verified(&self, id: i64, at: DateTime<Utc>) -> Result<()>;
    /// Services matching the filter, in ID order.
    fn find_services(&self, filter: &ServiceFilter) -> Result<Vec<CloudService>>;
    /// A cloud management service by `ID`.
    fn service(&self, id: i64) -> Result<Option<CloudService>>;
    /// A cloud management service by name (case-insensitive).
    fn service_by_name(&self, name: &str) -> Result<Option<CloudService>>;
    /// Adds a cloud management service and its discovery settings.
    fn insert_service(&self, service: &CloudService) -> Result<CloudService>;
    /// Changes service `id` with `change`; a new name must stay unique.
    fn update_service(
        &self,
        id: i64,
        now: DateTime<Utc>,
        change: &mut ServiceChange<'_>,
    ) -> Result<CloudService>;
    /// Removes service `id` (its apps stay).
    fn remove_service(&self, id: i64) -> Result<CloudService>;
}

impl SiteBackend for Store {
    fn tenant(&self, guid: &str) -> Result<Option<Tenant>> {
        Store::tenant(self, guid)
    }
    fn find_tenants(&self, filter: &TenantFilter) -> Result<Vec<TenantInfo>> {
        Store::find_tenants(self, filter)
    }
    fn update_tenant(
        &self,
        guid: &str,
        new_name: Option<&str>,
        disable_aad_authentication: Option<bool>,
        now: DateTime<Utc>,
    ) -> Result<TenantInfo> {
        Store::update_tenant(self, guid, new_name, disable_aad_authentication, now)
    }
    fn app(&self, id: i64) -> Result<Option<App>> {
        Store::app(self, id)
    }
    fn app_by_client_id(&self, tenant_guid: &str, client_id: &str) -> Result<Option<App>> {
        Store::app_by_client_id(self, tenant_guid, client_id)
    }
    fn server_apps_of(&self, tenant_guid: &str) -> Result<Vec<App>> {
        Store::server_apps_of(self, tenant_guid)
    }
    fn find_apps(&self, filter: &AppFilter, now: DateTime<Utc>) -> Result<Vec<App>> {
        Store::find_apps(self, filter, now)
    }
    fn check_tenant(
        &self,
        tenant_id: &str,
        tenant_name: &str,
        environment: AzureEnvironment,
        kind: AppType,
    ) -> Result<()> {
        Store::check_tenant(self, tenant_id, tenant_name, environment, kind)
    }
    fn check_new_app(&self, app: &NewApp<'_>) -> Result<()> {
        Store::check_new_app(self, app)
    }
    fn insert_app(&self, app: &NewApp<'_>, now: DateTime<Utc>) -> Result<App> {
        Store::insert_app(self, app, now)
    }
    fn update_app(
        &self,
        id: i64,
        new_name: Option<&str>,
        identifier_uri: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<App> {
        Store::update_app(self, id, new_name, identifier_uri, now)
    }
    fn remove_app(&self, id: i64) -> Result<RemovedApp> {
        Store::remove_app(self, id)
    }
    fn set_secret(&self, id: i64, new: &NewSecret<'_>, now: DateTime<Utc>) -> Result<App> {
        Store::set_secret(self, id, new, now)
    }
    fn server_secret(&self, app: &App) -> Result<SecretKey> {
        Store::server_secret(self, app)
    }
    fn mark_verified(&self, id: i64, at: DateTime<Utc>) -> Result<()> {
        Store::mark_verified(self, id, at)
    }
    fn find_services(&self, filter: &ServiceFilter) -> Result<Vec<CloudService>> {
        Store::find_services(self, filter)
    }
    fn service(&self, id: i64) -> Result<Option<CloudService>> {
        Store::service(self, id)
    }
    fn service_by_name(&self, name: &str) -> Result<Option<CloudService>> {
        Store::service_by_name(self, name)
    }
    fn insert_service(&self, service: &CloudService) -> Result<CloudService> {
        Store::insert_service(self, service)
    }
    fn update_service(
        &self,
        id: i64,
        now: DateTime<Utc>,
        change: &mut ServiceChange<'_>,
    ) -> Result<CloudService> {
        Store::update_service(self, id, now, change)
    }
    fn remove_service(&self, id: i64) -> Result<CloudService> {
        Store::remove_service(self, id)
    }
}
