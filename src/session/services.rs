//! Cloud management services (`New-`, `Get-`, `Set-CMCloudManagementAzureService`,
//! `Remove-CMAzureService`): a server and a client app of one tenant, with discovery settings
//! that follow ConfigMgr's rules. Removing a service keeps its apps; nothing changes in Entra.

use super::Session;
use crate::cloud::AzureEnvironment;
use crate::error::{Error, Result};
use crate::model::{
    App, AppType, CloudService, Discovery, DiscoveryChange, ServiceFilter, ServiceRef,
};
use chrono::Utc;

/// `New-CMCloudManagementAzureService`'s request, checked.
#[derive(Debug, Clone)]
pub struct NewService {
    /// Unique service name.
    pub name: String,
    /// The server app's `ID`.
    pub server_app_id: i64,
    /// The client app's `ID`.
    pub client_app_id: i64,
    /// Optional description.
    pub description: Option<String>,
    /// The service's cloud (the apps' when not given).
    pub environment: Option<AzureEnvironment>,
    /// Discovery settings, checked with ConfigMgr's rules.
    pub discovery: Discovery,
}

/// `Set-CMCloudManagementAzureService`: absent fields keep their value.
#[derive(Debug, Clone)]
pub struct SetService {
    /// The service.
    pub service: ServiceRef,
    /// New unique name.
    pub new_name: Option<String>,
    /// New description; `Some(None)` (an empty string) clears it.
    pub description: Option<Option<String>>,
    /// Collection sync to Entra groups.
    pub enable_aad_group_sync: Option<bool>,
    /// Discovery changes, checked against the stored settings.
    pub discovery: DiscoveryChange,
}

impl Session {
    /// `New-CMCloudManagementAzureService`.
    pub fn new_cloud_management_service(&self, req: &NewService) -> Result<CloudService> {
        let server =
            self.service_app(req.server_app_id, "ServerAppId", AppType::ServerApplication)?;
        let client =
            self.service_app(req.client_app_id, "ClientAppId", AppType::ClientApplication)?;
        if server.tenant_id != client.tenant_id {
            return Err(Error::invalid(
                "ClientAppId",
                "AppsInDifferentTenants",
                format!("Server app '{}' is in tenant {} but client app '{}' is in tenant {}: both apps of a service must be in the same tenant.", server.name, server.tenant_id, client.name, client.tenant_id),
            ));
        }
        let environment = match req.environment {
            Some(e) if e != server.environment => {
                return Err(Error::invalid(
                    "AzureEnvironmentOption",
                    "EnvironmentMismatch",
                    format!(
                        "The apps are in {}, not {e}: omit AzureEnvironmentOption or give {}.",
                        server.environment, server.environment
                    ),
                ))
            }
            _ => server.environment,
        };
        if let Some(existing) = self.backend().service_by_name(&req.name)? {
            return Err(crate::store::service_exists(&existing));
        }
        let service = CloudService {
            id: 0,
            name: req.name.clone(),
            description: req.description.clone(),
            tenant_id: server.tenant_id.clone(),
            server_app_id: server.id,
            client_app_id: client.id,
            environment,
            discovery: req.discovery.clone(),
            enable_aad_group_sync: false,
            disable_aad_authentication: false,
            created: Utc::now(),
            updated: None,
        };
        self.backend().insert_service(&service)
    }

    fn service_app(&self, id: i64, field: &str, kind: AppType) -> Result<App> {
        let param = if kind == AppType::ServerApplication {
            "ServerApp"
        } else {
            "ClientApp"
        };
        let app = self.backend().app(id)?.ok_or_else(|| {
            Error::not_found(field, "AppNotFound", format!("{param} ID {id} is not in the site store: get it with Get-CMAADApplication -AppType {}.", kind.name()))
        })?;
        if app.app_type != kind {
            return Err(Error::invalid(
                field,
                if kind == AppType::ServerApplication {
                    "NotAServerApp"
                } else {
                    "NotAClientApp"
                },
                format!(
                    "App {id} '{}' is a {}, but {param} must be a {}: pass the tenant's {} app.",
                    app.name,
                    app.app_type.name(),
                    kind.name(),
                    if kind == AppType::ServerApplication {
                        "server (web)"
                    } else {
                        "client (native)"
                    }
                ),
            ));
        }
        Ok(app)
    }

    /// `Get-CMAzureService`: services by `ID` or `Name` (wildcards).
    pub fn get_services(&self, filter: &ServiceFilter) -> Result<Vec<CloudService>> {
        self.backend().find_services(filter)
    }

    /// The stored service a request names, or `NotFound` on the field that named it.
    fn resolve_service(&self, service: &ServiceRef) -> Result<CloudService> {
        let found = match service {
            ServiceRef::Id(id) => self.backend().service(*id)?,
            ServiceRef::Name(name) => self.backend().service_by_name(name)?,
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
    pub fn set_cloud_management_service(&self, req: &SetService) -> Result<CloudService> {
        let service = self.resolve_service(&req.service)?;
        self.backend()
            .update_service(service.id, Utc::now(), &mut |s| {
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
            })
    }

    /// `Remove-CMAzureService`: removes the service from the site and returns it as it was; its
    /// apps stay, and nothing changes in Entra.
    pub fn remove_service(&self, service: &ServiceRef) -> Result<CloudService> {
        let service = self.resolve_service(service)?;
        self.backend().remove_service(service.id)
    }
}
