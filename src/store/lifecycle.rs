//! Store operations of the secret lifecycle and the rest of the cmdlet family: renewing a
//! secret, changing and removing apps, listing, changing and removing services, listing and
//! changing tenants. Each write is one immediate transaction that re-checks its rules, so a
//! refused or failed call changes nothing.

use super::{
    app_by_id, discovery_to_json, format_time, parse_env, parse_time, service_from_row,
    service_where, Store, SERVICE_COLUMNS,
};
use crate::error::{Error, Result};
use crate::model::{App, AppType, CloudService, TenantInfo};
use crate::model::{ServiceFilter, TenantFilter};
use crate::secret::SecretKey;
use chrono::{DateTime, Utc};
use rusqlite::types::Value as SqlValue;
use rusqlite::{params, Connection, OptionalExtension, Row, TransactionBehavior};

/// A new secret for a stored server app.
pub struct NewSecret<'a> {
    /// The secret.
    pub secret: &'a SecretKey,
    /// When it expires.
    pub expiry: DateTime<Utc>,
    /// Graph's `keyId`, when CMAAD added the secret itself.
    pub key_id: Option<&'a str>,
    /// When it was verified, if it was.
    pub verified: Option<DateTime<Utc>>,
}

/// What removing an app did.
#[derive(Debug, Clone)]
pub struct RemovedApp {
    /// The app as it was.
    pub app: App,
    /// True when it was the tenant's last app and the tenant went with it.
    pub tenant_removed: bool,
}

impl Store {
    /// Replaces server app `id`'s secret, expiry and key ID; `SecretKeyCreationTime` and
    /// `LastUpdateTime` become `now`.
    pub fn set_secret(&self, id: i64, new: &NewSecret<'_>, now: DateTime<Utc>) -> Result<App> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let app = existing_app(&tx, id)?;
        if app.app_type != AppType::ServerApplication {
            return Err(not_a_server_app(&app));
        }
        let sealed = self
            .key
            .seal_secret(new.secret, &app.tenant_id, &app.client_id)?;
        let stamp = format_time(&now);
        tx.execute(
            "UPDATE apps SET secret_sealed = ?1, secret_expiry = ?2, secret_created = ?3, secret_key_id = ?4,
                 last_verified = COALESCE(?5, last_verified), updated = ?3 WHERE id = ?6",
            params![
                sealed,
                format_time(&new.expiry),
                stamp,
                new.key_id,
                new.verified.as_ref().map(format_time),
                id
            ],
        )?;
        let stored = existing_app(&tx, id)?;
        tx.commit()?;
        Ok(stored)
    }

    /// Renames app `id` and/or sets its App ID URI.
    pub fn update_app(
        &self,
        id: i64,
        new_name: Option<&str>,
        identifier_uri: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<App> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        existing_app(&tx, id)?;
        tx.execute(
            "UPDATE apps SET name = COALESCE(?1, name), identifier_uri = COALESCE(?2, identifier_uri), updated = ?3 WHERE id = ?4",
            params![new_name, identifier_uri, format_time(&now), id],
        )?;
        let stored = existing_app(&tx, id)?;
        tx.commit()?;
        Ok(stored)
    }

    /// Removes app `id` from the site (never from Entra). Refused while a service uses it or,
    /// for a server app, while client apps were imported with it. The tenant goes too when this
    /// was its last app.
    pub fn remove_app(&self, id: i64) -> Result<RemovedApp> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let app = existing_app(&tx, id)?;
        refuse_if_used(&tx, &app)?;
        tx.execute("DELETE FROM apps WHERE id = ?1", [id])?;
        let tenant_removed = tx.execute(
            "DELETE FROM tenants WHERE tenant_guid = ?1 AND NOT EXISTS (SELECT 1 FROM apps a WHERE a.tenant_id = tenants.id)",
            [&app.tenant_id],
        )? == 1;
        tx.commit()?;
        Ok(RemovedApp {
            app,
            tenant_removed,
        })
    }

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
        tx.commit()?;
        Ok(stored)
    }

    /// Removes service `id` from the site; its apps stay.
    pub fn remove_service(&self, id: i64) -> Result<CloudService> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let service = existing_service(&tx, id)?;
        tx.execute("DELETE FROM services WHERE id = ?1", [id])?;
        tx.commit()?;
        Ok(service)
    }

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
        tx.commit()?;
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

/// The `InvalidArgument` error for a client app where a server app is needed.
pub fn not_a_server_app(app: &App) -> Error {
    Error::invalid(
        "ID",
        "NotAServerApp",
        format!(
            "App {} '{}' is a client app, which has no secret: give the tenant's server (web) app.",
            app.id, app.name
        ),
    )
}

fn existing_app(conn: &Connection, id: i64) -> Result<App> {
    app_by_id(conn, id)?.ok_or_else(|| {
        Error::not_found(
            "ID",
            "AppNotFound",
            format!("App ID {id} is not in the site store (it may have been removed meanwhile): list the apps with Get-CMAADApplication."),
        )
    })
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

/// Refuses to remove an app a service uses, or a server app client apps were imported with.
fn refuse_if_used(conn: &Connection, app: &App) -> Result<()> {
    let services = rows_using(
        conn,
        "SELECT id, name FROM services WHERE server_app_id = ?1 OR client_app_id = ?1 ORDER BY id",
        app.id,
    )?;
    if !services.is_empty() {
        return Err(Error::invalid(
            "ID",
            "AppInUse",
            format!("App {} '{}' is used by the cloud management service {}: remove the service first (Remove-CMAzureService), or keep the app.", app.id, app.name, listed(&services)),
        )
        .with_details(serde_json::json!({ "ServiceIDs": ids(&services) })));
    }
    let clients = rows_using(
        conn,
        "SELECT id, name FROM apps WHERE server_app_id = ?1 ORDER BY id",
        app.id,
    )?;
    if !clients.is_empty() {
        return Err(Error::invalid(
            "ID",
            "AppHasClientApps",
            format!("Server app {} '{}' has client apps imported with it: {}. Remove those first (Remove-CMAADApplication), then the server app.", app.id, app.name, listed(&clients)),
        )
        .with_details(serde_json::json!({ "ClientAppIDs": ids(&clients) })));
    }
    Ok(())
}

/// The (ID, name) rows that `sql` finds referring to app `id`.
fn rows_using(conn: &Connection, sql: &str, id: i64) -> Result<Vec<(i64, String)>> {
    Ok(conn
        .prepare_cached(sql)?
        .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?)
}

/// `'name' (ID n), ...` for a message.
fn listed(rows: &[(i64, String)]) -> String {
    rows.iter()
        .map(|(id, n)| format!("'{n}' (ID {id})"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn ids(rows: &[(i64, String)]) -> Vec<i64> {
    rows.iter().map(|(id, _)| *id).collect()
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
