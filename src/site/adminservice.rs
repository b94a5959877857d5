//! A ConfigMgr site read and written through its SMS Provider's AdminService `wmi` route:
//! `SMS_AAD_Tenant_Ex`, `SMS_AAD_Application_Ex`, `SMS_Azure_CloudService`,
//! `SMS_AAD_Discovery_Settings` (configmgr-reference §7–8).
//!
//! Reads select every property but `SecretKey` (never selected, never read back) and resolve
//! the application's `TenantID` (a row key) through `SMS_AAD_Tenant_Ex`, whose rows are cached
//! for the session and fetched again when an unknown row key appears. Lazy properties (the
//! association arrays) come only from key lookups.
//!
//! Writes follow the pattern the `wmi` route documents for other classes (`POST` → 201 with
//! the key; key lookups to read back): before the first write to a class the provider is probed
//! with an empty object (a provider that takes writes refuses it as incomplete, 400; one that
//! does not, 405), every write is read back and compared, and a refused write says what to
//! enter in the console instead. A secret is sent only when the provider's certificate was
//! checked, and is never read back.
//!
//! What no public document settles, and a live site must confirm (one constant each here):
//! the `Environment` values of `SMS_AAD_Tenant_Ex`, `ServiceType` of a cloud management
//! service, `AgentType` of user and group discovery, and whether the provider encrypts a
//! plain `SecretKey` on `POST`.

use super::backend::ServiceChange;
use super::connection::{Reply, SiteConnection};
use super::journal::{Change, Journal};
use super::trust::Trust;
use super::SiteBackend;
use crate::cloud::AzureEnvironment;
use crate::error::{Error, Result, Status};
use crate::model::{format_time, App, AppFilter, AppType, CloudService};
use crate::model::{ServiceFilter, TenantFilter, TenantInfo};
use crate::secret::SecretKey;
use crate::store::{
    app_has_client_apps, app_in_use, not_a_server_app, NewApp, NewSecret, RemovedApp, Tenant,
};
use chrono::{DateTime, Utc};
use reqwest::Method;
use serde_json::{json, Map, Value};
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

mod plan;
mod services;
mod tenants;

pub use plan::PlannedRequest;

use services::{discovery_row, AGENTS};

const TENANTS: &str = "SMS_AAD_Tenant_Ex";
const APPS: &str = "SMS_AAD_Application_Ex";
const SERVICES: &str = "SMS_Azure_CloudService";
const DISCOVERY: &str = "SMS_AAD_Discovery_Settings";

/// Every non-lazy property of `SMS_AAD_Application_Ex` except `SecretKey`.
const APP_SELECT: &str = "ID,Name,ClientID,TenantID,IsClientApp,IdentifierUri,SecretKeyExpiry,SecretKeyCreationTime,ApplicationCreationTime,LastUpdateTime,SiteCode";
/// The same plus the lazy association array, for key lookups.
const APP_SELECT_KEY: &str = "ID,Name,ClientID,TenantID,IsClientApp,IdentifierUri,SecretKeyExpiry,SecretKeyCreationTime,ApplicationCreationTime,LastUpdateTime,SiteCode,AssociatedAADApplications";
/// Every property but `SecretKey`: the object a whole-object `PUT` writes back.
const APP_SELECT_WHOLE: &str = "ID,Name,ClientID,TenantID,IsClientApp,IdentifierUri,ReplyUrl,SecretKeyExpiry,SecretKeyCreationTime,ApplicationCreationTime,LastUpdateTime,AssociatedAADApplications,Source,SiteCode";

/// `SMS_Azure_CloudService.ServiceType` of a cloud management service (to confirm on a site).
const SERVICE_TYPE_CLOUD_MANAGEMENT: u32 = 1;
/// `SMS_AAD_Discovery_Settings.AgentType` of user discovery (to confirm on a site).
const AGENT_USER_DISCOVERY: u32 = 1;
/// `SMS_AAD_Discovery_Settings.AgentType` of group discovery (to confirm on a site).
const AGENT_GROUP_DISCOVERY: u32 = 2;

/// `SMS_AAD_Tenant_Ex.Environment` for a cloud (to confirm on a site; 0 and absent read as
/// the public cloud).
fn environment_value(environment: AzureEnvironment) -> u32 {
    match environment {
        AzureEnvironment::AzurePublicCloud => 1,
        AzureEnvironment::AzureUSGovernmentCloud => 2,
        AzureEnvironment::AzureChinaCloud => 3,
    }
}

fn environment_of(value: Option<u64>) -> AzureEnvironment {
    match value {
        Some(2) => AzureEnvironment::AzureUSGovernmentCloud,
        Some(3) => AzureEnvironment::AzureChinaCloud,
        _ => AzureEnvironment::AzurePublicCloud,
    }
}

/// The warning of a session whose provider certificate is not checked.
const UNCHECKED_SESSION: &str = "SkipCertificateCheck: the SMS Provider's certificate is not checked in this session; anyone on the network path could answer. Trust the exported SMS Issuing root (TrustedCaPath) or pin CertificateThumbprint instead.";

/// A ConfigMgr site behind its SMS Provider.
#[derive(Debug)]
pub struct AdminServiceSite {
    connection: SiteConnection,
    tenants: Mutex<HashMap<u64, Tenant>>,
    writable: Mutex<HashSet<&'static str>>,
    journal: Option<Journal>,
    plans: plan::Plans,
}

impl AdminServiceSite {
    /// The site over `connection`; changes are journaled in `journal` when given.
    pub fn new(connection: SiteConnection, journal: Option<Journal>) -> AdminServiceSite {
        AdminServiceSite {
            connection,
            tenants: Mutex::new(HashMap::new()),
            writable: Mutex::new(HashSet::new()),
            journal,
            plans: plan::Plans::default(),
        }
    }

    /// The connection (counters, warnings).
    pub fn connection(&self) -> &SiteConnection {
        &self.connection
    }

    /// The site as the session's description shows it (no credential).
    pub fn describe(&self) -> Value {
        let o = self.connection.options();
        let trust = match &o.trust {
            Trust::Roots(None) => "SystemRoots",
            Trust::Roots(Some(_)) => "TrustedCaPath",
            Trust::Pin(_) => "CertificateThumbprint",
            Trust::Skip => "SkipCertificateCheck",
        };
        let mut doc = json!({
            "ProviderMachineName": o.provider_machine_name,
            "SiteCode": o.site_code,
            "Authentication": o.authentication.name(),
            "UserName": o.user_name,
            "CertificateCheck": trust,
            "Warnings": if o.trust == Trust::Skip {
                vec![UNCHECKED_SESSION]
            } else {
                Vec::new()
            },
        });
        if let Some(bearer) = &o.bearer {
            doc["Bearer"] = bearer.describe(&o.provider_machine_name);
        }
        doc
    }

    /// The warnings a document of this session carries: once the provider was contacted with
    /// the certificate check off, the session's standing warning, plus one per TLS connection
    /// made since last asked (with the certificate's thumbprint). None when the check is on.
    pub fn certificate_warnings(&self) -> Vec<String> {
        let mut warnings = self.connection.take_warnings();
        let contacted = self.connection.stats().requests > 0;
        if self.connection.options().trust == Trust::Skip && contacted {
            warnings.insert(0, UNCHECKED_SESSION.to_string());
        }
        warnings
    }

    /// The site code this session is connected to.
    pub fn site_code(&self) -> &str {
        &self.connection.options().site_code
    }

    /// The journal of changes CMAAD made to this site.
    pub fn journal(&self) -> Option<&Journal> {
        self.journal.as_ref()
    }

    /// `GET wmi/<path>`: the objects of `value`.
    fn get(&self, path: &str) -> Result<Vec<Map<String, Value>>> {
        if self.planned_path(path) {
            return Ok(Vec::new());
        }
        let reply = self
            .connection
            .send(Method::GET, &format!("wmi/{path}"), None)?;
        if reply.status != 200 {
            return Err(self.provider_error(&reply, path, None));
        }
        Ok(objects(reply.body))
    }

    fn tenant_rows(&self, refresh: bool) -> Result<HashMap<u64, Tenant>> {
        let mut cache = self.tenants.lock().unwrap_or_else(|p| p.into_inner());
        if refresh || cache.is_empty() {
            let rows = self.get(&format!("{TENANTS}?$select=ID,TenantID,Name,Environment"))?;
            *cache = rows
                .iter()
                .filter_map(|o| Some((o.get("ID")?.as_u64()?, tenant_of(o)?)))
                .collect();
        }
        Ok(cache.clone())
    }

    /// The tenant row `row`, fetching the rows again when it is not known yet.
    fn tenant_row(&self, row: u64) -> Result<Option<Tenant>> {
        let cached = self
            .tenants
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&row)
            .cloned();
        match cached {
            Some(t) => Ok(Some(t)),
            None => Ok(self.tenant_rows(true)?.remove(&row)),
        }
    }

    fn tenant_row_of(&self, guid: &str) -> Result<Option<(u64, Tenant)>> {
        let find = |rows: HashMap<u64, Tenant>| {
            rows.into_iter()
                .find(|(_, t)| t.guid.eq_ignore_ascii_case(guid))
        };
        if let Some(found) = find(self.tenant_rows(false)?) {
            return Ok(Some(found));
        }
        Ok(find(self.tenant_rows(true)?))
    }

    fn app_of(&self, o: &Map<String, Value>) -> Result<Option<App>> {
        let Some(row) = o.get("TenantID").and_then(Value::as_u64) else {
            return Ok(None);
        };
        let Some(tenant) = self.tenant_row(row)? else {
            return Ok(None);
        };
        let time = |name: &str| o.get(name).and_then(Value::as_str).and_then(parse_time);
        let app_type = if o.get("IsClientApp").and_then(Value::as_bool) == Some(true) {
            AppType::ClientApplication
        } else {
            AppType::ServerApplication
        };
        let now = Utc::now();
        Ok(Some(App {
            id: o.get("ID").and_then(Value::as_i64).unwrap_or_default(),
            name: text(o, "Name"),
            client_id: text(o, "ClientID").to_ascii_lowercase(),
            tenant_id: tenant.guid.clone(),
            tenant_name: tenant.name.clone(),
            app_type,
            identifier_uri: o
                .get("IdentifierUri")
                .and_then(Value::as_str)
                .map(str::to_string),
            secret_key_expiry: time("SecretKeyExpiry"),
            secret_key_creation_time: time("SecretKeyCreationTime"),
            secret_key_id: None,
            environment: tenant.environment,
            server_app_id: None,
            last_verified: None,
            created: time("ApplicationCreationTime").unwrap_or(now),
            updated: time("LastUpdateTime").unwrap_or(now),
        }))
    }

    /// A client app's server app, from the lazy `AssociatedAADApplications` (a key lookup).
    fn with_server_app(&self, mut app: App) -> Result<App> {
        if app.app_type != AppType::ClientApplication {
            return Ok(app);
        }
        let rows = self.get(&format!(
            "{APPS}({})?$select=ID,AssociatedAADApplications",
            app.id
        ))?;
        let linked: Vec<i64> = rows
            .first()
            .and_then(|o| o.get("AssociatedAADApplications"))
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_i64).collect())
            .unwrap_or_default();
        app.server_app_id = linked.first().copied();
        Ok(app)
    }

    fn apps_where(&self, filter: &str) -> Result<Vec<App>> {
        let query = if filter.is_empty() {
            format!("{APPS}?$select={APP_SELECT}")
        } else {
            format!("{APPS}?$select={APP_SELECT}&$filter={}", encode(filter))
        };
        let mut apps = Vec::new();
        for o in self.get(&query)? {
            if let Some(app) = self.app_of(&o)? {
                apps.push(self.with_server_app(app)?);
            }
        }
        apps.sort_by_key(|a| a.id);
        Ok(apps)
    }

    /// Checks once per session and class that the provider takes writes: an empty object is
    /// refused as incomplete (400) by a provider that does, with 405 by one that does not.
    fn probe_writable(&self, class: &'static str, write: Write) -> Result<()> {
        if self.planning()
            || self
                .writable
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .contains(class)
        {
            return Ok(());
        }
        let reply =
            self.connection
                .send(Method::POST, &format!("wmi/{class}"), Some(&json!({})))?;
        match reply.status {
            400 => {
                self.writable
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(class);
                Ok(())
            }
            201 => Err(Error::new(
                Status::Internal,
                "SiteProbeCreatedObject",
                format!("The SMS Provider created an empty {class} object when probed: remove it in the console and report the provider version."),
            )),
            _ => Err(self.provider_error(&reply, class, Some(write))),
        }
    }

    /// `POST wmi/<class>`, read back by key and compared; returns the new key.
    fn create(&self, class: &'static str, body: Value, object: &str) -> Result<u64> {
        self.probe_writable(class, Write::Create)?;
        if let Some(placeholder) = self.record(Method::POST, class, Some(&body), Some(class)) {
            return Ok(placeholder);
        }
        let reply = self
            .connection
            .send(Method::POST, &format!("wmi/{class}"), Some(&body))?;
        if reply.status != 201 && reply.status != 200 {
            return Err(self.provider_error(&reply, class, Some(Write::Create)));
        }
        let id = reply
            .body
            .get("ID")
            .and_then(Value::as_u64)
            .ok_or_else(|| {
                Error::new(
                    Status::Network,
                    "SiteWriteNotConfirmed",
                    format!("The SMS Provider accepted the new {class} object but did not return its ID: check the console before retrying."),
                )
            })?;
        self.confirm(class, id, &body)?;
        self.journal_change(class, id, object, Write::Create)?;
        Ok(id)
    }

    /// `PUT wmi/<class>(<id>)` of the whole object as the provider holds it (an app's every
    /// property but `SecretKey`) with `changes` applied, and `secret` as `SecretKey` when given
    /// (only over a checked connection). The changes are read back and compared, except with a
    /// secret: its caller confirms through `SecretKeyExpiry` ([`Self::confirm_secret`]), so a
    /// rotation can tell a failed write from an unconfirmed one.
    fn replace(
        &self,
        class: &'static str,
        id: u64,
        changes: Map<String, Value>,
        secret: Option<&SecretKey>,
        object: Option<&str>,
    ) -> Result<()> {
        let write = if secret.is_some() {
            self.require_checked_tls()?;
            Write::Secret
        } else {
            Write::Update
        };
        self.probe_writable(class, write)?;
        let mut whole = self.whole_object(class, id)?;
        let name = object.map_or_else(|| text(&whole, "Name"), str::to_string);
        whole.extend(changes.clone());
        if let Some(secret) = secret {
            whole.insert("SecretKey".into(), json!(secret.expose()));
        }
        let path = format!("{class}({id})");
        let whole = Value::Object(whole);
        if self
            .record(Method::PUT, &path, Some(&whole), None)
            .is_some()
        {
            return Ok(());
        }
        let reply = self
            .connection
            .send(Method::PUT, &format!("wmi/{path}"), Some(&whole))?;
        if !(200..300).contains(&reply.status) {
            return Err(self.provider_error(&reply, class, Some(write)));
        }
        if secret.is_none() {
            self.confirm(class, id, &Value::Object(changes))?;
        }
        self.journal_change(class, id, &name, write)
    }

    /// `DELETE wmi/<class>(<id>)` → 204, then a key lookup must find nothing.
    fn delete(&self, class: &'static str, id: u64, object: &str) -> Result<()> {
        self.probe_writable(class, Write::Delete)?;
        let path = format!("{class}({id})");
        if self.record(Method::DELETE, &path, None, None).is_some() {
            return Ok(());
        }
        let reply = self
            .connection
            .send(Method::DELETE, &format!("wmi/{path}"), None)?;
        if !(200..300).contains(&reply.status) {
            return Err(self.provider_error(&reply, class, Some(Write::Delete)));
        }
        if !self.get(&format!("{class}({id})?$select=ID"))?.is_empty() {
            return Err(Error::new(
                Status::Network,
                "SiteWriteNotConfirmed",
                format!("The SMS Provider answered that it deleted {class}({id}), but it still reads back: check the console."),
            ));
        }
        self.journal_change(class, id, object, Write::Delete)
    }

    /// `class(id)` as the provider holds it, ready to be written back whole: provider
    /// annotations dropped, an app without `SecretKey` (never selected).
    fn whole_object(&self, class: &'static str, id: u64) -> Result<Map<String, Value>> {
        let path = if class == APPS {
            format!("{APPS}({id})?$select={APP_SELECT_WHOLE}")
        } else {
            format!("{class}({id})")
        };
        let mut object = self.get(&path)?.into_iter().next().ok_or_else(|| {
            Error::not_found(
                "ID",
                "SiteObjectNotFound",
                format!(
                    "{class}({id}) is not on site {} (it may have been removed meanwhile): list the objects again.",
                    self.connection.options().site_code
                ),
            )
        })?;
        object.retain(|k, _| !k.starts_with('@') && k != "__LAZYPROPERTIES" && k != "SecretKey");
        Ok(object)
    }

    /// Records one change in the journal (no secrets: class, key, name and operation only).
    fn journal_change(&self, class: &str, id: u64, object: &str, write: Write) -> Result<()> {
        let Some(journal) = &self.journal else {
            return Ok(());
        };
        journal.record(&Change {
            site_code: &self.connection.options().site_code,
            provider: &self.connection.options().provider_machine_name,
            class,
            object_id: id,
            object,
            operation: write.operation(),
        })
    }

    /// Reads `class(id)` back and compares what was written (never `SecretKey`).
    fn confirm(&self, class: &'static str, id: u64, written: &Value) -> Result<()> {
        let names: Vec<&str> = written
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, _)| k.as_str())
            .filter(|k| *k != "SecretKey")
            .collect();
        let stored = self.get(&format!("{class}({id})?$select={}", names.join(",")))?;
        let stored = stored.first().ok_or_else(|| {
            Error::new(
                Status::Network,
                "SiteWriteNotConfirmed",
                format!("The SMS Provider answered that it created {class}({id}), but it cannot be read back: check the console before retrying."),
            )
        })?;
        let differs = written.as_object().into_iter().flatten().find(|(k, v)| {
            k.as_str() != "SecretKey"
                && !same_value(stored.get(k.as_str()).unwrap_or(&Value::Null), v)
        });
        match differs {
            None => Ok(()),
            Some((k, _)) => Err(Error::new(
                Status::Network,
                "SiteWriteNotConfirmed",
                format!("{class}({id}) was written but reads back with a different {k}: check it in the console."),
            )),
        }
    }

    fn provider_error(&self, reply: &Reply, what: &str, write: Option<Write>) -> Error {
        let operation = if write.is_some() { "write" } else { "read" };
        let code = scrub(reply.body["error"]["code"].as_str().unwrap_or_default());
        let message = scrub(reply.body["error"]["message"].as_str().unwrap_or_default());
        let site = &self.connection.options().provider_machine_name;
        let denied = reply.status == 403 || message.to_ascii_lowercase().contains("access denied");
        if denied {
            return Error::invalid(
                "Site.UserName",
                "SiteAccessDenied",
                format!("The SMS Provider {site} denied access to {what} (HTTP {}, code '{code}'): the account needs a ConfigMgr administrative role with rights on Azure services (Full Administrator, or Infrastructure Administrator).", reply.status),
            );
        }
        match (reply.status, write) {
            (405, Some(write)) => Error::invalid(
                "Site",
                "SiteRefusedWrite",
                format!("The SMS Provider {site} does not accept writes to {what} over AdminService (HTTP 405). {}", console_instructions(what, write)),
            ),
            (404, _) => Error::not_found(
                "Site",
                "SiteObjectNotFound",
                format!("The SMS Provider {site} has no {what} (code '{code}': {message})."),
            ),
            (429, _) => Error::new(Status::Network, "Throttled", format!("The SMS Provider {site} kept throttling the requests (HTTP 429): try again in a few minutes.")),
            (s, _) if s >= 500 => Error::new(Status::Network, "SiteUnavailable", format!("The SMS Provider {site} kept failing (HTTP {s}, code '{code}': {message}); see adminservice.log and SMS_REST_PROVIDER.log on the provider.")),
            (s, _) => Error::invalid(
                "Site",
                "SiteRejectedRequest",
                format!("The SMS Provider {site} refused to {operation} {what} (HTTP {s}, code '{code}': {message})."),
            ),
        }
    }

    fn require_checked_tls(&self) -> Result<()> {
        if self.connection.options().trust == Trust::Skip {
            return Err(Error::invalid(
                "Site.SkipCertificateCheck",
                "UncheckedConnection",
                "A secret is sent to the SMS Provider only over a connection whose certificate was checked: drop SkipCertificateCheck and give TrustedCaPath (the exported SMS Issuing root) or CertificateThumbprint.",
            ));
        }
        Ok(())
    }
}

impl SiteBackend for AdminServiceSite {
    fn find_tenants(&self, filter: &TenantFilter) -> Result<Vec<TenantInfo>> {
        self.tenant_infos(filter)
    }

    fn update_tenant(
        &self,
        guid: &str,
        new_name: Option<&str>,
        disable_aad_authentication: Option<bool>,
        _now: DateTime<Utc>,
    ) -> Result<TenantInfo> {
        self.change_tenant(guid, new_name, disable_aad_authentication)
    }

    fn app_by_client_id(&self, tenant_guid: &str, client_id: &str) -> Result<Option<App>> {
        let filter = AppFilter {
            tenant_id: Some(tenant_guid.to_string()),
            client_id: Some(client_id.to_string()),
            ..AppFilter::default()
        };
        Ok(self.find_apps(&filter, Utc::now())?.into_iter().next())
    }

    fn update_app(
        &self,
        id: i64,
        new_name: Option<&str>,
        identifier_uri: Option<&str>,
        _now: DateTime<Utc>,
    ) -> Result<App> {
        let mut changes = Map::new();
        if let Some(name) = new_name {
            changes.insert("Name".into(), json!(name));
        }
        if let Some(uri) = identifier_uri {
            changes.insert("IdentifierUri".into(), json!(uri));
        }
        self.replace(APPS, key(id)?, changes, None, None)?;
        self.app(id)?.ok_or_else(|| unreadable(APPS, id))
    }

    fn remove_app(&self, id: i64) -> Result<RemovedApp> {
        let app = self.app(id)?.ok_or_else(|| unreadable(APPS, id))?;
        let services: Vec<(i64, String)> = self
            .service_links()?
            .into_iter()
            .filter(|(_, _, apps)| apps.contains(&key(id).unwrap_or_default()))
            .map(|(sid, name, _)| (sid as i64, name))
            .collect();
        if !services.is_empty() {
            return Err(app_in_use(&app, &services));
        }
        if app.app_type == AppType::ServerApplication {
            let clients: Vec<(i64, String)> = self
                .apps_where("IsClientApp eq true")?
                .into_iter()
                .filter(|c| c.server_app_id == Some(id))
                .map(|c| (c.id, c.name))
                .collect();
            if !clients.is_empty() {
                return Err(app_has_client_apps(&app, &clients));
            }
        }
        self.delete(APPS, key(id)?, &app.name)?;
        Ok(RemovedApp {
            app,
            tenant_removed: false,
        })
    }

    fn set_secret(&self, id: i64, new: &NewSecret<'_>, _now: DateTime<Utc>) -> Result<App> {
        let app = self.app(id)?.ok_or_else(|| unreadable(APPS, id))?;
        if app.app_type != AppType::ServerApplication {
            return Err(not_a_server_app(&app));
        }
        self.write_secret(id, new.secret, new.expiry)?;
        self.confirm_secret(id, new.expiry)
    }

    fn server_secret(&self, app: &App) -> Result<SecretKey> {
        Err(Error::invalid(
            "SecretKey",
            "SiteHoldsSecret",
            format!("Site {} holds the secret of app {} '{}' and never gives it back (CMAAD never reads SecretKey): to rotate it, give the site's current secret to the site rotation (cmaad_rotate_site_app_secret); to verify it, sign in to Graph (Connect-CMAADAzure) and audit the app, or verify the app in the console.", self.connection.options().site_code, app.id, app.name),
        ))
    }

    fn mark_verified(&self, _id: i64, _at: DateTime<Utc>) -> Result<()> {
        // SMS_AAD_Application_Ex has no LastVerified: the time is reported in the result only.
        Ok(())
    }

    fn find_services(&self, filter: &ServiceFilter) -> Result<Vec<CloudService>> {
        self.services_matching(filter)
    }

    fn service(&self, id: i64) -> Result<Option<CloudService>> {
        match u64::try_from(id) {
            Ok(id) => self.service_row(id),
            Err(_) => Ok(None),
        }
    }

    fn update_service(
        &self,
        id: i64,
        _now: DateTime<Utc>,
        change: &mut ServiceChange<'_>,
    ) -> Result<CloudService> {
        self.change_service(key(id)?, change)
    }

    fn remove_service(&self, id: i64) -> Result<CloudService> {
        self.delete_service(key(id)?)
    }

    fn tenant(&self, guid: &str) -> Result<Option<Tenant>> {
        Ok(self.tenant_row_of(guid)?.map(|(_, t)| t))
    }

    fn app(&self, id: i64) -> Result<Option<App>> {
        let rows = self.get(&format!("{APPS}({id})?$select={APP_SELECT_KEY}"))?;
        match rows.first() {
            Some(o) => self.app_of(o)?.map(|a| self.with_server_app(a)).transpose(),
            None => Ok(None),
        }
    }

    fn server_apps_of(&self, tenant_guid: &str) -> Result<Vec<App>> {
        let Some((row, _)) = self.tenant_row_of(tenant_guid)? else {
            return Ok(Vec::new());
        };
        self.apps_where(&format!("TenantID eq {row} and IsClientApp eq false"))
    }

    fn find_apps(&self, filter: &AppFilter, now: DateTime<Utc>) -> Result<Vec<App>> {
        let mut clauses = Vec::new();
        if let Some(name) = &filter.app_name {
            clauses.push(format!("Name eq {}", literal(name)));
        }
        if let Some(kind) = filter.app_type {
            clauses.push(format!("IsClientApp eq {}", kind.is_client()));
        }
        if let Some(client_id) = &filter.client_id {
            clauses.push(format!("ClientID eq {}", literal(client_id)));
        }
        if filter.tenant_id.is_some() || filter.tenant_name.is_some() {
            let tenants = TenantFilter {
                tenant_id: filter.tenant_id.clone(),
                tenant_name: filter.tenant_name.clone(),
            };
            let rows: Vec<u64> = self
                .tenant_rows(true)?
                .into_iter()
                .filter(|(_, t)| tenants.matches(&t.guid, &t.name))
                .map(|(row, _)| row)
                .collect();
            if rows.is_empty() {
                return Ok(Vec::new());
            }
            let any: Vec<String> = rows.iter().map(|r| format!("TenantID eq {r}")).collect();
            clauses.push(format!("({})", any.join(" or ")));
        }
        let mut apps = self.apps_where(&clauses.join(" and "))?;
        if let Some(days) = filter.expiring_within_days {
            apps.retain(|a| {
                a.app_type == AppType::ServerApplication
                    && a.days_until_secret_expiry(now).is_some_and(|d| d <= days)
            });
        }
        Ok(apps)
    }

    fn check_tenant(
        &self,
        tenant_id: &str,
        tenant_name: &str,
        _environment: AzureEnvironment,
        kind: AppType,
    ) -> Result<()> {
        let known = self.tenant_row_of(tenant_id)?;
        if known.is_none() {
            self.probe_writable(TENANTS, Write::Create)?;
        }
        self.probe_writable(APPS, Write::Create)?;
        if let Some((_, tenant)) = known {
            if !tenant.name.eq_ignore_ascii_case(tenant_name) {
                return Err(Error::invalid(
                    "TenantName",
                    "TenantNameMismatch",
                    format!(
                        "Tenant {} is known to site {} as '{}', not '{}': use TenantName '{}'.",
                        tenant.guid,
                        self.connection.options().site_code,
                        tenant.name,
                        tenant_name,
                        tenant.name
                    ),
                ));
            }
        }
        if kind == AppType::ServerApplication {
            self.require_checked_tls()?;
        }
        Ok(())
    }

    fn check_new_app(&self, app: &NewApp<'_>) -> Result<()> {
        self.check_tenant(
            app.tenant_id,
            app.tenant_name,
            app.environment,
            app.app_type,
        )?;
        let existing = self.apps_where(&format!("ClientID eq {}", literal(app.client_id)))?;
        if let Some(e) = existing
            .iter()
            .find(|e| e.tenant_id.eq_ignore_ascii_case(app.tenant_id))
        {
            return Err(Error::new(
                Status::AlreadyExists,
                "AppAlreadyExists",
                format!(
                    "Site {} already has app {} '{}' with ClientId {} in tenant {}.",
                    self.connection.options().site_code,
                    e.id,
                    e.name,
                    e.client_id,
                    e.tenant_id
                ),
            )
            .with_target("ClientId")
            .with_existing_id(e.id));
        }
        Ok(())
    }

    fn insert_app(&self, app: &NewApp<'_>, _now: DateTime<Utc>) -> Result<App> {
        self.check_new_app(app)?;
        let row = match self.tenant_row_of(app.tenant_id)? {
            Some((row, _)) => row,
            None => {
                let body = json!({
                    "TenantID": app.tenant_id,
                    "Name": app.tenant_name,
                    "Environment": environment_value(app.environment),
                });
                let row = self.create(TENANTS, body, app.tenant_name)?;
                self.tenant_rows(true)?;
                row
            }
        };
        let mut body = json!({
            "Name": app.name,
            "ClientID": app.client_id,
            "TenantID": row,
            "IsClientApp": app.app_type.is_client(),
        });
        if let Some(uri) = app.identifier_uri {
            body["IdentifierUri"] = json!(uri);
        }
        if let Some(server) = app.server_app_id {
            body["AssociatedAADApplications"] = json!([server]);
        }
        let mut written = body.clone();
        if let Some((secret, expiry)) = app.secret {
            self.require_checked_tls()?;
            written["SecretKeyExpiry"] = json!(format_time(&expiry));
            body["SecretKeyExpiry"] = json!(format_time(&expiry));
            body["SecretKey"] = json!(secret.expose());
        }
        let id = self.create(APPS, body, app.name)?;
        self.app(id as i64)?
            .ok_or_else(|| unreadable(APPS, id as i64))
    }

    fn service_by_name(&self, name: &str) -> Result<Option<CloudService>> {
        let rows = self.get(&format!(
            "{SERVICES}?$select=ID,Name,ServiceType&$filter={}",
            encode(&format!("Name eq {}", literal(name)))
        ))?;
        match rows
            .first()
            .and_then(|o| o.get("ID"))
            .and_then(Value::as_u64)
        {
            Some(id) => self.service_row(id),
            None => Ok(None),
        }
    }

    fn insert_service(&self, service: &CloudService) -> Result<CloudService> {
        let mut body = json!({
            "Name": service.name,
            "ServiceType": SERVICE_TYPE_CLOUD_MANAGEMENT,
            "AssociatedAADWebApplications": [service.server_app_id, service.client_app_id],
        });
        if let Some(d) = &service.description {
            body["Description"] = json!(d);
        }
        let id = self.create(SERVICES, body, &service.name)?;
        for agent in AGENTS {
            if let Some(settings) = discovery_row(id, agent, &service.discovery) {
                self.create(DISCOVERY, settings, &service.name)?;
            }
        }
        self.service_row(id)?
            .ok_or_else(|| unreadable(SERVICES, id as i64))
    }
}

impl AdminServiceSite {
    /// Writes a new secret and expiry to server app `id` (`PUT` of the whole object, as read
    /// without `SecretKey`), journaled as `UpdateSecret`; [`Self::confirm_secret`] then checks
    /// that the provider took it.
    ///
    /// # Errors
    /// As writes do: unchecked TLS, refusal (with console instructions), provider errors.
    pub fn write_secret(&self, id: i64, secret: &SecretKey, expiry: DateTime<Utc>) -> Result<()> {
        let mut changes = Map::new();
        changes.insert("SecretKeyExpiry".into(), json!(format_time(&expiry)));
        self.replace(APPS, key(id)?, changes, Some(secret), None)
    }

    /// Reads server app `id` back and checks that its `SecretKeyExpiry` is `expiry` (the sign
    /// that the provider took the new secret; the secret itself is never read back).
    ///
    /// # Errors
    /// `Network` `SiteWriteNotConfirmed` when the expiry read back differs.
    pub fn confirm_secret(&self, id: i64, expiry: DateTime<Utc>) -> Result<App> {
        let app = self.app(id)?.ok_or_else(|| {
            Error::new(
                Status::Network,
                "SiteWriteNotConfirmed",
                format!("{APPS}({id}) cannot be read back after the secret was written."),
            )
        })?;
        if app.secret_key_expiry.map(|e| e.timestamp()) != Some(expiry.timestamp()) {
            return Err(Error::new(
                Status::Network,
                "SiteWriteNotConfirmed",
                format!("{APPS}({id}) reads back with SecretKeyExpiry {} instead of {}: the provider did not take the new secret.", app.secret_key_expiry.map(|e| format_time(&e)).unwrap_or_default(), format_time(&expiry)),
            ));
        }
        Ok(app)
    }
}

/// `SiteWriteNotConfirmed` for an object that should be there and cannot be read.
fn unreadable(class: &str, id: i64) -> Error {
    Error::new(
        Status::Network,
        "SiteWriteNotConfirmed",
        format!("{class}({id}) cannot be read back: check the console."),
    )
}

/// What a write does: the journal's operation and the console steps a refusal prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Write {
    Create,
    Update,
    Delete,
    Secret,
}

impl Write {
    fn operation(self) -> &'static str {
        match self {
            Write::Create => "Create",
            Write::Update => "Update",
            Write::Delete => "Delete",
            Write::Secret => "UpdateSecret",
        }
    }
}

/// An object key of the site (IDs are `UInt32`): a negative `ID` names nothing.
fn key(id: i64) -> Result<u64> {
    u64::try_from(id).map_err(|_| {
        Error::not_found(
            "ID",
            "SiteObjectNotFound",
            format!("ID {id} names no object: site keys are positive; list the objects with Get-CMAADApplication or Get-CMAzureService."),
        )
    })
}

/// A `Get-CMAzureService -Name` pattern (`*`, `?`, case-insensitive) matching `name`.
fn wildcard_matches(pattern: &str, name: &str) -> bool {
    let body = regex_lite::escape(pattern)
        .replace("\\*", ".*")
        .replace("\\?", ".");
    regex_lite::Regex::new(&format!("(?is)^{body}$")).is_ok_and(|r| r.is_match(name))
}

/// What to do in the console when the provider does not take a write over AdminService.
fn console_instructions(class: &str, write: Write) -> String {
    let azure =
        "In the Configuration Manager console: Administration > Cloud Services > Azure Services";
    let tenants = "In the Configuration Manager console: Administration > Cloud Services > Microsoft Entra Tenants";
    let app_class = class.starts_with(APPS) || class.starts_with(TENANTS);
    match (app_class, write) {
        (true, Write::Create) => format!("{azure} > Configure Azure Services > Cloud Management > Web app: Import (Tenant Name, Tenant ID, Application Name, Client ID, Secret Key, Secret Key Expiry, App ID URI; Verify; OK), then Native Client app: Import (Application Name, Client ID). CMAAD's Get-CMAADApplication then reads what the console wrote."),
        (true, Write::Secret) => format!("{tenants}: select the tenant, select the web app, choose Renew Secret Key and enter the new Secret Key and Secret Key Expiry. Get-CMAADApplication then shows the new expiry."),
        (true, Write::Update) => format!("{tenants}: select the tenant and the app; for an imported app whose name or App ID URI changed, delete it there and import it again with the new values (Azure Services > Configure Azure Services)."),
        (true, Write::Delete) => format!("{tenants}: select the tenant, select the app, choose Delete (remove the Azure service that uses it first)."),
        (false, Write::Create) => format!("{azure} > Configure Azure Services > Cloud Management: choose the imported web and native client apps, then the discovery settings, and finish the wizard."),
        (false, Write::Update | Write::Secret) => format!("{azure}: select the service, choose Properties, and change the name and description (General) or user and group discovery (Discovery)."),
        (false, Write::Delete) => format!("{azure}: select the service and choose Delete."),
    }
}

/// The objects of an answer's `value`, moved out of it (not copied: a list of apps is read
/// once per call).
fn objects(body: Value) -> Vec<Map<String, Value>> {
    let Value::Object(mut body) = body else {
        return Vec::new();
    };
    match body.remove("value") {
        Some(Value::Array(items)) => items
            .into_iter()
            .filter_map(|v| match v {
                Value::Object(o) => Some(o),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn tenant_of(o: &Map<String, Value>) -> Option<Tenant> {
    Some(Tenant {
        id: o.get("ID")?.as_i64()?,
        guid: o.get("TenantID")?.as_str()?.to_ascii_lowercase(),
        name: text(o, "Name"),
        environment: environment_of(o.get("Environment").and_then(Value::as_u64)),
    })
}

fn text(o: &Map<String, Value>, name: &str) -> String {
    o.get(name)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Values equal as the provider stores them: times by instant, strings ignoring case.
fn same_value(stored: &Value, written: &Value) -> bool {
    match (stored, written) {
        (Value::String(a), Value::String(b)) => match (parse_time(a), parse_time(b)) {
            (Some(x), Some(y)) => x == y,
            _ => a.eq_ignore_ascii_case(b),
        },
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (a, b) => a == b,
    }
}

/// An OData string literal (`'` doubled).
fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// The provider's message, scrubbed of anything credential-looking like all server text
/// ([`crate::scrub::server_text`]), bounded and without control characters.
fn scrub(message: &str) -> String {
    crate::scrub::server_text(message, &[])
        .chars()
        .filter(|c| !c.is_control())
        .take(300)
        .collect()
}
