//! The lifecycle operations of a session: renewing a secret copied from the portal, changing
//! and removing apps, and `Get-`/`Set-`/`Remove-` for services and tenants. Each checks the
//! whole request before it writes, and writes in one transaction: a refused call changes nothing.

use super::{app_document, Session};
use crate::entra::{ServerAppProbe, Verification};
use crate::error::{Error, Result};
use crate::model::{App, AppType, CloudService};
use crate::request::lifecycle::{app_ref_request, service_ref_request};
use crate::request::{
    AppRef, ServiceFilter, ServiceRef, SetAppRequest, SetSecretRequest, SetServiceRequest,
    SetTenantRequest, TenantFilter,
};
use crate::secret::SecretKey;
use crate::store::{not_a_server_app, NewSecret};
use chrono::Utc;
use serde_json::{json, Value};

impl Session {
    /// The stored app a request names, or `NotFound` on the field that named it.
    pub(crate) fn resolve_app(&self, app: &AppRef) -> Result<App> {
        let found = match app {
            AppRef::Id(id) => self.store.app(*id)?,
            AppRef::ClientId {
                tenant_id,
                client_id,
            } => self.store.app_by_client_id(tenant_id, client_id)?,
        };
        found.ok_or_else(|| {
            Error::not_found(
                app.field(),
                "AppNotFound",
                format!(
                    "{} is not in the site store: list the apps with Get-CMAADApplication.",
                    app.describe()
                ),
            )
        })
    }

    /// The stored server app a request names; a client app is refused (it has no secret).
    pub(crate) fn resolve_server_app(&self, app: &AppRef) -> Result<App> {
        let found = self.resolve_app(app)?;
        if found.app_type != AppType::ServerApplication {
            return Err(not_a_server_app(&found).with_target(app.field()));
        }
        Ok(found)
    }

    /// `Set-CMAADApplication -SecretKey -SecretKeyExpiry [-Verify]`: stores a secret renewed in
    /// the portal. With `Verify`, the new secret must obtain a token first; if it does not,
    /// nothing changes.
    pub fn set_app_secret(&self, request_json: &str, secret: &SecretKey) -> Result<Value> {
        let req = SetSecretRequest::parse(request_json, Utc::now())?;
        let app = self.resolve_server_app(&req.app)?;
        let verification = if req.verify {
            Some(self.verify_new_secret(&app, secret)?)
        } else {
            None
        };
        let new = NewSecret {
            secret,
            expiry: req.secret_key_expiry,
            key_id: None,
            verified: verification.as_ref().map(|_| Utc::now()),
        };
        let stored = self.store.set_secret(app.id, &new, Utc::now())?;
        Ok(app_document(&stored, verification, &[]))
    }

    /// Checks `secret` for stored server app `app` against Entra.
    fn verify_new_secret(&self, app: &App, secret: &SecretKey) -> Result<Verification> {
        let probe = ServerAppProbe {
            environment: app.environment,
            tenant_id: &app.tenant_id,
            tenant_name: &app.tenant_name,
            client_id: &app.client_id,
            secret,
            app_id_uri: app.identifier_uri.as_deref(),
        };
        self.verifier.verify_server_app(&probe)
    }

    /// `Set-CMAADApplication -NewName -AppIdUri`: the app's name and App ID URI in the site
    /// (Entra is not changed; set the same URI on the app's Expose an API page).
    pub fn set_app(&self, request_json: &str) -> Result<Value> {
        let req = SetAppRequest::parse(request_json)?;
        let app = self.resolve_app(&req.app)?;
        if req.app_id_uri.is_some() && app.app_type != AppType::ServerApplication {
            return Err(Error::invalid(
                "AppIdUri",
                "NotAServerApp",
                format!("App {} '{}' is a client app, which has no App ID URI: set AppIdUri on the tenant's server app.", app.id, app.name),
            ));
        }
        let checked = req.checked_uri(&app.tenant_id, &app.client_id)?;
        let warnings: Vec<String> = checked.iter().filter_map(|c| c.warning.clone()).collect();
        let stored = self.store.update_app(
            app.id,
            req.new_name.as_deref(),
            checked.as_ref().map(|c| c.uri.as_str()),
            Utc::now(),
        )?;
        Ok(app_document(&stored, None, &warnings))
    }

    /// `Remove-CMAADApplication`: removes the app from the site, never from Entra. Refused while
    /// a service uses it, and for a server app while client apps were imported with it.
    pub fn remove_app(&self, request_json: &str) -> Result<Value> {
        let app = self.resolve_app(&app_ref_request(request_json)?)?;
        let removed = self.store.remove_app(app.id)?;
        let mut doc = removed.app.to_json(Utc::now());
        doc["Removed"] = json!(true);
        doc["TenantRemoved"] = json!(removed.tenant_removed);
        Ok(doc)
    }

    /// `Get-CMAzureService`: services by `ID` or `Name` (wildcards), as `{"value": [...]}`.
    pub fn get_services(&self, filter_json: Option<&str>) -> Result<Value> {
        let filter = ServiceFilter::parse(filter_json)?;
        let services = self.store.find_services(&filter)?;
        Ok(json!({ "value": services.iter().map(CloudService::to_json).collect::<Vec<_>>() }))
    }

    /// The stored service a request names, or `NotFound` on the field that named it.
    fn resolve_service(&self, service: &ServiceRef) -> Result<CloudService> {
        let found = match service {
            ServiceRef::Id(id) => self.store.service(*id)?,
            ServiceRef::Name(name) => self.store.service_by_name(name)?,
        };
        found.ok_or_else(|| {
            let what = match service {
                ServiceRef::Id(id) => format!("Service ID {id}"),
                ServiceRef::Name(name) => format!("Service '{name}'"),
            };
            Error::not_found(
                service.field(),
                "ServiceNotFound",
                format!(
                    "{what} is not in the site store: list the services with Get-CMAzureService."
                ),
            )
        })
    }

    /// `Set-CMCloudManagementAzureService`: name, description, group sync and discovery settings;
    /// absent fields keep their value, and the merged settings follow the creation rules.
    pub fn set_cloud_management_service(&self, request_json: &str) -> Result<Value> {
        let req = SetServiceRequest::parse(request_json)?;
        let service = self.resolve_service(&req.service)?;
        let updated = self.store.update_service(service.id, Utc::now(), |s| {
            s.discovery = req.discovery.apply(&s.discovery)?;
            if let Some(name) = &req.new_name {
                s.name = name.clone();
            }
            if let Some(description) = &req.description {
                s.description = description.clone();
            }
            if let Some(sync) = req.enable_aad_group_sync {
                s.enable_aad_group_sync = sync;
            }
            Ok(())
        })?;
        Ok(updated.to_json())
    }

    /// `Remove-CMAzureService`: removes the service from the site; its apps stay, and nothing
    /// changes in Entra.
    pub fn remove_service(&self, request_json: &str) -> Result<Value> {
        let service = self.resolve_service(&service_ref_request(request_json)?)?;
        let removed = self.store.remove_service(service.id)?;
        let mut doc = removed.to_json();
        doc["Removed"] = json!(true);
        Ok(doc)
    }

    /// `Get-CMAADTenant`: tenants by `TenantId` or `TenantName`, as `{"value": [...]}`.
    pub fn get_tenants(&self, filter_json: Option<&str>) -> Result<Value> {
        let filter = TenantFilter::parse(filter_json)?;
        let tenants = self.store.find_tenants(&filter)?;
        Ok(json!({ "value": tenants.iter().map(|t| t.to_json()).collect::<Vec<_>>() }))
    }

    /// Changes a tenant: its label, and "Disable Microsoft Entra authentication for this tenant"
    /// (for a tenant with no users or devices, e.g. one that only holds the CMG's subscription).
    pub fn set_tenant(&self, request_json: &str) -> Result<Value> {
        let req = SetTenantRequest::parse(request_json)?;
        let tenant = self.store.update_tenant(
            &req.tenant_id,
            req.new_name.as_deref(),
            req.disable_aad_authentication,
            Utc::now(),
        )?;
        Ok(tenant.to_json())
    }
}
