//! Tenants on a site (`Get-CMAADTenant`): `SMS_AAD_Tenant_Ex` rows with the counts CMAAD shows
//! (server apps, client apps, services of the tenant), and the one tenant setting the class
//! documents, its `Name`.

use super::{parse_time, AdminServiceSite, APPS, TENANTS};
use crate::error::{Error, Result};
use crate::model::{TenantFilter, TenantInfo};
use crate::store::tenant_not_found;
use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// What the apps of one tenant row add up to.
#[derive(Default)]
struct Counts {
    server_apps: i64,
    client_apps: i64,
    services: i64,
    first_app: Option<DateTime<Utc>>,
    last_change: Option<DateTime<Utc>>,
}

impl AdminServiceSite {
    /// Tenants matching the filter, in `ID` order. `Created` and `LastUpdated` come from the
    /// tenant's apps (the class keeps no times of its own); `DisableAADAuthentication` is
    /// reported false, as the class has no documented property for it.
    pub(super) fn tenant_infos(&self, filter: &TenantFilter) -> Result<Vec<TenantInfo>> {
        let rows = self.tenant_rows(true)?;
        let mut counts: HashMap<u64, Counts> = HashMap::new();
        let mut app_tenant: HashMap<u64, u64> = HashMap::new();
        let apps = self.get(&format!(
            "{APPS}?$select=ID,TenantID,IsClientApp,ApplicationCreationTime,LastUpdateTime"
        ))?;
        for o in &apps {
            let (Some(id), Some(row)) = (
                o.get("ID").and_then(Value::as_u64),
                o.get("TenantID").and_then(Value::as_u64),
            ) else {
                continue;
            };
            app_tenant.insert(id, row);
            let c = counts.entry(row).or_default();
            if o.get("IsClientApp").and_then(Value::as_bool) == Some(true) {
                c.client_apps += 1;
            } else {
                c.server_apps += 1;
            }
            let created = o
                .get("ApplicationCreationTime")
                .and_then(Value::as_str)
                .and_then(parse_time);
            let updated = o
                .get("LastUpdateTime")
                .and_then(Value::as_str)
                .and_then(parse_time);
            c.first_app = c.first_app.into_iter().chain(created).min();
            c.last_change = c.last_change.into_iter().chain(updated).max();
        }
        for (_, _, linked) in self.service_links()? {
            if let Some(row) = linked.iter().find_map(|a| app_tenant.get(a)) {
                counts.entry(*row).or_default().services += 1;
            }
        }
        let mut tenants: Vec<TenantInfo> = rows
            .into_iter()
            .filter(|(_, t)| filter.matches(&t.guid, &t.name))
            .map(|(row, t)| {
                let c = counts.remove(&row).unwrap_or_default();
                let created = c.first_app.unwrap_or_else(Utc::now);
                TenantInfo {
                    id: row as i64,
                    tenant_id: t.guid,
                    name: t.name,
                    environment: t.environment,
                    disable_aad_authentication: false,
                    server_apps: c.server_apps,
                    client_apps: c.client_apps,
                    services: c.services,
                    created,
                    updated: c.last_change.unwrap_or(created),
                }
            })
            .collect();
        tenants.sort_by_key(|t| t.id);
        Ok(tenants)
    }

    /// Renames tenant `guid` (`PUT` of its whole `SMS_AAD_Tenant_Ex` row). "Disable Microsoft
    /// Entra authentication for this tenant" has no documented property: asking for it is
    /// refused before anything is written, with the console steps.
    pub(super) fn change_tenant(
        &self,
        guid: &str,
        new_name: Option<&str>,
        disable_aad_authentication: Option<bool>,
    ) -> Result<TenantInfo> {
        let (row, tenant) = self
            .tenant_row_of(guid)?
            .ok_or_else(|| tenant_not_found(guid))?;
        if disable_aad_authentication.is_some() {
            return Err(Error::invalid(
                "DisableAADAuthentication",
                "SiteSettingNotWritable",
                format!("SMS_AAD_Tenant_Ex has no documented property for \"Disable Microsoft Entra authentication for this tenant\", so CMAAD does not write it on a site: in the Configuration Manager console, Administration > Cloud Services > Microsoft Entra Tenants, select '{}' and set it in the tenant's properties.", tenant.name),
            ));
        }
        if let Some(name) = new_name {
            let mut changes = Map::new();
            changes.insert("Name".into(), json!(name));
            self.replace(TENANTS, row, changes, None, None)?;
            self.tenant_rows(true)?;
        }
        let filter = TenantFilter {
            tenant_id: Some(tenant.guid.clone()),
            tenant_name: None,
        };
        self.tenant_infos(&filter)?
            .into_iter()
            .next()
            .ok_or_else(|| tenant_not_found(guid))
    }
}
