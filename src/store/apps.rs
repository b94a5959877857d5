//! Apps in the store beyond the import: renewing a secret, renaming or re-pointing the App ID
//! URI, removing. Each write is one immediate transaction that re-checks its rules, so a
//! refused or failed call changes nothing.

use super::{app_by_id, format_time, Store};
use crate::error::{Error, Result};
use crate::model::{App, AppType};
use crate::secret::SecretKey;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, TransactionBehavior};

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
        super::finish(tx)?;
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
        super::finish(tx)?;
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
        super::finish(tx)?;
        Ok(RemovedApp {
            app,
            tenant_removed,
        })
    }
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

/// Refuses to remove an app a service uses, or a server app client apps were imported with.
fn refuse_if_used(conn: &Connection, app: &App) -> Result<()> {
    let services = rows_using(
        conn,
        "SELECT id, name FROM services WHERE server_app_id = ?1 OR client_app_id = ?1 ORDER BY id",
        app.id,
    )?;
    if !services.is_empty() {
        return Err(app_in_use(app, &services));
    }
    let clients = rows_using(
        conn,
        "SELECT id, name FROM apps WHERE server_app_id = ?1 ORDER BY id",
        app.id,
    )?;
    if !clients.is_empty() {
        return Err(app_has_client_apps(app, &clients));
    }
    Ok(())
}

/// `AppInUse`: the (ID, name) services using `app` must be removed first.
pub fn app_in_use(app: &App, services: &[(i64, String)]) -> Error {
    Error::invalid(
        "ID",
        "AppInUse",
        format!("App {} '{}' is used by the cloud management service {}: remove the service first (Remove-CMAzureService), or keep the app.", app.id, app.name, listed(services)),
    )
    .with_details(serde_json::json!({ "ServiceIDs": ids(services) }))
}

/// `AppHasClientApps`: the (ID, name) client apps imported with server app `app` go first.
pub fn app_has_client_apps(app: &App, clients: &[(i64, String)]) -> Error {
    Error::invalid(
        "ID",
        "AppHasClientApps",
        format!("Server app {} '{}' has client apps imported with it: {}. Remove those first (Remove-CMAADApplication), then the server app.", app.id, app.name, listed(clients)),
    )
    .with_details(serde_json::json!({ "ClientAppIDs": ids(clients) }))
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
