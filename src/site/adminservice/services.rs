//! Cloud management services on a site: `SMS_Azure_CloudService` with its apps
//! (`AssociatedAADWebApplications`, lazy) and its `SMS_AAD_Discovery_Settings` rows, read,
//! changed (whole-object `PUT` of each changed object) and removed (discovery rows first, then
//! the service; the classes are probed before anything is deleted).

use super::{
    encode, same_value, text, wildcard_matches, AdminServiceSite, Write, AGENT_GROUP_DISCOVERY,
    AGENT_USER_DISCOVERY, DISCOVERY, SERVICES,
};
use crate::error::{Error, Result};
use crate::model::{AppType, CloudService, Discovery, ServiceFilter};
use crate::site::backend::ServiceChange;
use crate::site::SiteBackend;
use serde_json::{json, Map, Value};

/// A discovery row: its key, `AgentType` and the whole row.
type DiscoveryRow = (u64, u32, Map<String, Value>);

impl AdminServiceSite {
    pub(super) fn service_row(&self, id: u64) -> Result<Option<CloudService>> {
        let rows = self.get(&format!("{SERVICES}({id})"))?;
        let Some(o) = rows.first() else {
            return Ok(None);
        };
        let linked: Vec<i64> = o
            .get("AssociatedAADWebApplications")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_i64).collect())
            .unwrap_or_default();
        let mut server = None;
        let mut client = None;
        for app_id in linked {
            match self.app(app_id)? {
                Some(a) if a.app_type == AppType::ServerApplication => server = Some(a),
                Some(a) => client = Some(a),
                None => {}
            }
        }
        let Some(server) = server else {
            return Ok(None);
        };
        let discovery = self.discovery_of(id)?;
        Ok(Some(CloudService {
            id: id as i64,
            name: text(o, "Name"),
            description: o
                .get("Description")
                .and_then(Value::as_str)
                .map(str::to_string),
            tenant_id: server.tenant_id.clone(),
            server_app_id: server.id,
            client_app_id: client.map(|c| c.id).unwrap_or_default(),
            environment: server.environment,
            discovery,
            enable_aad_group_sync: false,
            disable_aad_authentication: false,
            created: server.created,
            updated: None,
        }))
    }

    /// The discovery rows of service `service_id`: key, `AgentType` and the whole row (a key
    /// lookup, for the lazy scope names).
    fn discovery_rows(&self, service_id: u64) -> Result<Vec<DiscoveryRow>> {
        let rows = self.get(&format!(
            "{DISCOVERY}?$select=ID&$filter={}",
            encode(&format!("CloudServiceId eq {service_id}"))
        ))?;
        let mut out = Vec::new();
        for id in rows.iter().filter_map(|o| o.get("ID")?.as_u64()) {
            if let Some(o) = self.get(&format!("{DISCOVERY}({id})"))?.into_iter().next() {
                let agent = o.get("AgentType").and_then(Value::as_u64).unwrap_or(0);
                out.push((id, u32::try_from(agent).unwrap_or(0), o));
            }
        }
        Ok(out)
    }

    fn discovery_of(&self, service_id: u64) -> Result<Discovery> {
        let mut discovery = Discovery::default();
        for (_, agent, o) in self.discovery_rows(service_id)? {
            let enabled = o
                .get("FullSyncEnabled")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let delta = o
                .get("DeltaSyncEnabled")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let mins = o
                .get("DeltaSyncInterval")
                .and_then(Value::as_i64)
                .map(|m| m as i32);
            match agent {
                AGENT_USER_DISCOVERY => {
                    discovery.enable_user_discovery = enabled;
                    discovery.enable_user_delta_discovery = delta;
                    discovery.user_delta_discovery_mins = mins;
                }
                AGENT_GROUP_DISCOVERY => {
                    discovery.enable_group_discovery = enabled;
                    discovery.enable_group_delta_discovery = delta;
                    discovery.group_delta_discovery_mins = mins;
                    discovery.add_group_name = serde_json::from_value(
                        o.get("DiscoveryScopeNames").cloned().unwrap_or_default(),
                    )
                    .unwrap_or_default();
                }
                _ => {}
            }
        }
        Ok(discovery)
    }

    /// Brings the discovery rows of service `service_id` to `d`: a row that differs is changed
    /// in place, one is added for a newly enabled agent, and a disabled agent's row is switched
    /// off (never deleted).
    fn write_discovery(&self, service_id: u64, name: &str, d: &Discovery) -> Result<()> {
        let existing = self.discovery_rows(service_id)?;
        for agent in AGENTS {
            let row = existing.iter().find(|(_, a, _)| *a == agent);
            let wanted = discovery_row(service_id, agent, d)
                .and_then(|v| v.as_object().cloned())
                .map_or_else(|| row.map(|_| switched_off()), Some);
            match (row, wanted) {
                (Some((id, _, stored)), Some(changes)) if !holds(stored, &changes) => {
                    self.replace(DISCOVERY, *id, changes, None, Some(name))?;
                }
                (None, Some(body)) => {
                    self.create(DISCOVERY, Value::Object(body), name)?;
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Every service with the keys of its apps (`AssociatedAADWebApplications`, lazy: one key
    /// lookup per service).
    pub(super) fn service_links(&self) -> Result<Vec<(u64, String, Vec<u64>)>> {
        let mut out = Vec::new();
        for o in self.get(&format!("{SERVICES}?$select=ID,Name"))? {
            let Some(id) = o.get("ID").and_then(Value::as_u64) else {
                continue;
            };
            let apps = self
                .get(&format!(
                    "{SERVICES}({id})?$select=ID,AssociatedAADWebApplications"
                ))?
                .first()
                .and_then(|o| o.get("AssociatedAADWebApplications"))
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_u64).collect())
                .unwrap_or_default();
            out.push((id, text(&o, "Name"), apps));
        }
        Ok(out)
    }
    /// `Get-CMAzureService`: by `ID` (a key lookup) or by `Name` (`*`, `?` wildcards).
    pub(super) fn services_matching(&self, filter: &ServiceFilter) -> Result<Vec<CloudService>> {
        let ids: Vec<u64> = match filter.id {
            Some(id) => u64::try_from(id).into_iter().collect(),
            None => self
                .get(&format!("{SERVICES}?$select=ID,Name"))?
                .iter()
                .filter(|o| {
                    filter
                        .name
                        .as_deref()
                        .is_none_or(|p| wildcard_matches(p, &text(o, "Name")))
                })
                .filter_map(|o| o.get("ID")?.as_u64())
                .collect(),
        };
        let mut services = Vec::new();
        for id in ids {
            if let Some(service) = self.service_row(id)? {
                if filter
                    .name
                    .as_deref()
                    .is_none_or(|p| wildcard_matches(p, &service.name))
                {
                    services.push(service);
                }
            }
        }
        services.sort_by_key(|s| s.id);
        Ok(services)
    }

    /// `Set-CMCloudManagementAzureService` on a site: the service's `Name` and `Description`
    /// and its discovery rows, each written only when it changed. Collection sync to Entra
    /// groups (`SMS_AAD_Sync_Settings`) is not written: a change to it is refused before
    /// anything is written, with the console steps.
    pub(super) fn change_service(
        &self,
        id: u64,
        change: &mut ServiceChange<'_>,
    ) -> Result<CloudService> {
        let before = self.service_row(id)?.ok_or_else(|| not_found(id))?;
        let mut after = before.clone();
        change(&mut after)?;
        if after.enable_aad_group_sync != before.enable_aad_group_sync {
            return Err(Error::invalid(
                "EnableAADGroupSync",
                "SiteSettingNotWritable",
                format!("CMAAD does not write collection sync to Entra groups on a site (its SMS_AAD_Sync_Settings row is set through the provider's ConfigureCollectionAADGroupSync method, which no public document describes): in the Configuration Manager console, Administration > Cloud Services > Azure Services, select '{}', choose Properties and set Enable Microsoft Entra group sync on the Collection Synchronization tab.", before.name),
            ));
        }
        if !after.name.eq_ignore_ascii_case(&before.name) {
            if let Some(other) = self.service_by_name(&after.name)? {
                if other.id != before.id {
                    return Err(crate::store::service_exists(&other).with_target("NewName"));
                }
            }
        }
        let renamed = after.name != before.name || after.description != before.description;
        let rediscovered = after.discovery != before.discovery;
        if renamed {
            self.probe_writable(SERVICES, Write::Update)?;
        }
        if rediscovered {
            self.probe_writable(DISCOVERY, Write::Update)?;
        }
        if renamed {
            let mut changes = Map::new();
            changes.insert("Name".into(), json!(after.name));
            changes.insert("Description".into(), json!(after.description));
            self.replace(SERVICES, id, changes, None, None)?;
        }
        if rediscovered {
            self.write_discovery(id, &after.name, &after.discovery)?;
        }
        self.service_row(id)?.ok_or_else(|| not_found(id))
    }

    /// `Remove-CMAzureService` on a site: its discovery rows, then the service (its apps
    /// stay). Both classes are probed first, so a refusal deletes nothing.
    pub(super) fn delete_service(&self, id: u64) -> Result<CloudService> {
        let service = self.service_row(id)?.ok_or_else(|| not_found(id))?;
        self.probe_writable(DISCOVERY, Write::Delete)?;
        self.probe_writable(SERVICES, Write::Delete)?;
        for (row, _, _) in self.discovery_rows(id)? {
            self.delete(DISCOVERY, row, &service.name)?;
        }
        self.delete(SERVICES, id, &service.name)?;
        Ok(service)
    }
}

/// The discovery agents CMAAD writes.
pub(super) const AGENTS: [u32; 2] = [AGENT_USER_DISCOVERY, AGENT_GROUP_DISCOVERY];

/// The discovery row of `agent` for service `service_id`, when that discovery is enabled.
pub(super) fn discovery_row(service_id: u64, agent: u32, d: &Discovery) -> Option<Value> {
    match agent {
        AGENT_USER_DISCOVERY if d.enable_user_discovery => Some(json!({
            "CloudServiceId": service_id,
            "AgentType": AGENT_USER_DISCOVERY,
            "FullSyncEnabled": true,
            "DeltaSyncEnabled": d.enable_user_delta_discovery,
            "DeltaSyncInterval": d.user_delta_discovery_mins,
        })),
        AGENT_GROUP_DISCOVERY if d.enable_group_discovery => Some(json!({
            "CloudServiceId": service_id,
            "AgentType": AGENT_GROUP_DISCOVERY,
            "FullSyncEnabled": true,
            "DeltaSyncEnabled": d.enable_group_delta_discovery,
            "DeltaSyncInterval": d.group_delta_discovery_mins,
            "DiscoveryScopeNames": d.add_group_name,
        })),
        _ => None,
    }
}

/// The changes that switch a discovery row off.
fn switched_off() -> Map<String, Value> {
    let mut off = Map::new();
    off.insert("FullSyncEnabled".into(), json!(false));
    off.insert("DeltaSyncEnabled".into(), json!(false));
    off
}

/// True when `stored` already has every value of `changes`.
fn holds(stored: &Map<String, Value>, changes: &Map<String, Value>) -> bool {
    changes
        .iter()
        .all(|(k, v)| same_value(stored.get(k).unwrap_or(&Value::Null), v))
}

fn not_found(id: u64) -> Error {
    Error::not_found(
        "ID",
        "ServiceNotFound",
        format!("Service ID {id} is not on the site (it may have been removed meanwhile): list the services with Get-CMAzureService."),
    )
}
