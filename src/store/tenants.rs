//! Tenants in the store: listing with their app and service counts, renaming, and "Disable
//! Microsoft Entra authentication for this tenant".

use super::{format_time, parse_env, parse_time, Store};
use crate::error::{Error, Result};
use crate::model::{TenantFilter, TenantInfo};
use chrono::{DateTime, Utc};
use rusqlite::types::Value as SqlValue;
use rusqlite::{params, Connection, OptionalExtension, Row, TransactionBehavior};

impl Store {
    /// Tenants matching the filter, in ID order.
    pub fn find_tenants(&self, filter: &TenantFilter) -> Result<Vec<TenantInfo>> {
        let mut sql = format!("{TENANT_SELECT} WHERE 1 = 1");
        let mut args: Vec<SqlValue> = Vec::new();
        if let Some(guid) = &filter.tenant_id {
            args.push(SqlValue::Text(guid.clone()));
            sql.push_str(&format!(" AND t.tenant_guid = ?{}", args.len()));
        }
        if let Some(name) = &filter.tenant_name {
            args.push(SqlValue::Text(name.clone()));
            sql.push_str(&format!(" AND t.name = ?{} COLLATE NOCASE", args.len()));
        }
        sql.push_str(" ORDER BY t.id");
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(args.iter()), tenant_from_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Renames tenant `guid` and/or sets its "Disable Microsoft Entra authentication" flag.
    pub fn update_tenant(
        &self,
        guid: &str,
        new_name: Option<&str>,
        disable_aad_authentication: Option<bool>,
        now: DateTime<Utc>,
    ) -> Result<TenantInfo> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let changed = tx.execute(
            "UPDATE tenants SET name = COALESCE(?1, name), disable_aad_auth = COALESCE(?2, disable_aad_auth), updated = ?3 WHERE tenant_guid = ?4",
            params![new_name, disable_aad_authentication, format_time(&now), guid],
        )?;
        if changed == 0 {
            return Err(tenant_not_found(guid));
        }
        let stored = tenant_info(&tx, guid)?.ok_or_else(|| tenant_not_found(guid))?;
        super::finish(tx)?;
        Ok(stored)
    }
}

/// The `NotFound` error for a tenant GUID.
pub fn tenant_not_found(guid: &str) -> Error {
    Error::not_found(
        "TenantId",
        "TenantNotFound",
        format!("Tenant {guid} is not in the site store: list the known tenants with Get-CMAADTenant; a tenant appears when its first app is imported."),
    )
}

const TENANT_SELECT: &str = "SELECT t.id, t.tenant_guid, t.name, t.environment, t.disable_aad_auth,
    (SELECT COUNT(*) FROM apps a WHERE a.tenant_id = t.id AND a.is_client = 0),
    (SELECT COUNT(*) FROM apps a WHERE a.tenant_id = t.id AND a.is_client = 1),
    (SELECT COUNT(*) FROM services s WHERE s.tenant_id = t.id),
    t.created, t.updated
    FROM tenants t";

fn tenant_info(conn: &Connection, guid: &str) -> Result<Option<TenantInfo>> {
    Ok(conn
        .prepare_cached(&format!("{TENANT_SELECT} WHERE t.tenant_guid = ?1"))?
        .query_row([guid], tenant_from_row)
        .optional()?)
}

fn tenant_from_row(r: &Row<'_>) -> rusqlite::Result<TenantInfo> {
    let created = parse_time(r.get(8)?).unwrap_or_default();
    Ok(TenantInfo {
        id: r.get(0)?,
        tenant_id: r.get(1)?,
        name: r.get(2)?,
        environment: parse_env(&r.get::<_, String>(3)?),
        disable_aad_authentication: r.get(4)?,
        server_apps: r.get(5)?,
        client_apps: r.get(6)?,
        services: r.get(7)?,
        created,
        updated: parse_time(r.get(9)?).unwrap_or(created),
    })
}
