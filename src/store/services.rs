//! Cloud management services in the store: listing (with `Get-CMAzureService`'s wildcards),
//! changing and removing. Each write is one immediate transaction.

use super::{
    discovery_to_json, format_time, service_from_row, service_where, Store, SERVICE_COLUMNS,
};
use crate::error::{Error, Result};
use crate::model::{CloudService, ServiceFilter};
use chrono::{DateTime, Utc};
use rusqlite::types::Value as SqlValue;
use rusqlite::{params, Connection, TransactionBehavior};

impl Store {
    /// Services matching the filter, in ID order.
    pub fn find_services(&self, filter: &ServiceFilter) -> Result<Vec<CloudService>> {
        let mut sql = format!(
            "SELECT {SERVICE_COLUMNS} FROM services s JOIN tenants t ON t.id = s.tenant_id WHERE 1 = 1"
        );
        let mut args: Vec<SqlValue> = Vec::new();
        if let Some(id) = filter.id {
            args.push(SqlValue::Integer(id));
            sql.push_str(&format!(" AND s.id = ?{}", args.len()));
        }
        if let Some(pattern) = &filter.name {
            args.push(SqlValue::Text(like_pattern(pattern)));
            sql.push_str(&format!(" AND s.name LIKE ?{} ESCAPE '\\'", args.len()));
        }
        sql.push_str(" ORDER BY s.id");
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(args.iter()), service_from_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Changes service `id` with `change`, which sees the stored service inside the transaction;
    /// a new name must stay unique.
    pub fn update_service(
        &self,
        id: i64,
        now: DateTime<Utc>,
        change: impl FnOnce(&mut CloudService) -> Result<()>,
    ) -> Result<CloudService> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut service = existing_service(&tx, id)?;
        change(&mut service)?;
        if let Some(other) = service_where(&tx, "s.name = ?1 COLLATE NOCASE", &service.name)? {
            if other.id != id {
                return Err(super::service_exists(&other).with_target("NewName"));
            }
        }
        tx.execute(
            "UPDATE services SET name = ?1, description = ?2, discovery = ?3, enable_aad_group_sync = ?4, updated = ?5 WHERE id = ?6",
            params![
                service.name,
                service.description,
                discovery_to_json(&service.discovery).to_string(),
                service.enable_aad_group_sync,
                format_time(&now),
                id
            ],
        )?;
        let stored = existing_service(&tx, id)?;
        super::finish(tx)?;
        Ok(stored)
    }

    /// Removes service `id` from the site; its apps stay.
    pub fn remove_service(&self, id: i64) -> Result<CloudService> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let service = existing_service(&tx, id)?;
        tx.execute("DELETE FROM services WHERE id = ?1", [id])?;
        super::finish(tx)?;
        Ok(service)
    }
}

fn existing_service(conn: &Connection, id: i64) -> Result<CloudService> {
    service_where(conn, "s.id = ?1", &id)?.ok_or_else(|| {
        Error::not_found(
            "ID",
            "ServiceNotFound",
            format!("Service ID {id} is not in the site store (it may have been removed meanwhile): list the services with Get-CMAzureService."),
        )
    })
}

/// A `Get-CMAzureService -Name` pattern (`*`, `?`) as a SQL LIKE pattern.
fn like_pattern(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    for c in pattern.chars() {
        match c {
            '*' => out.push('%'),
            '?' => out.push('_'),
            '%' | '_' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::like_pattern;

    #[test]
    fn wildcards_become_like_patterns() {
        assert_eq!(like_pattern("Contoso*"), "Contoso%");
        assert_eq!(like_pattern("a?c"), "a_c");
        assert_eq!(like_pattern("100%_x"), "100\\%\\_x");
    }
}
