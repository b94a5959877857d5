//! The embedded site store: one SQLite file (WAL, busy timeout, foreign keys) holding tenants,
//! apps and services, with server app secrets sealed under the site key. A [`Store`] is shared
//! by all threads of a session; writes run in immediate transactions so concurrent processes
//! queue on the busy timeout instead of failing.

#[cfg(windows)]
mod acl;
mod apps;
#[cfg(windows)]
mod dpapi;
pub mod keyfile;
mod schema;
pub mod seal;

mod services;
mod tenants;

pub use apps::{app_has_client_apps, app_in_use, not_a_server_app, NewSecret, RemovedApp};
pub use tenants::tenant_not_found;

use crate::cloud::AzureEnvironment;
use crate::error::{Error, Result, Status};
use crate::model::AppFilter;
use crate::model::{format_time, App, AppType, CloudService, Discovery, Schedule, ScheduleKind};
use crate::secret::SecretKey;
use chrono::{DateTime, Utc};
use rusqlite::config::DbConfig;
use rusqlite::types::Value as SqlValue;
use rusqlite::Transaction;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension, Row, TransactionBehavior};
use seal::SiteKey;
use serde_json::{json, Value};
use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

thread_local! {
    /// True while [`Store::plan`] runs on this thread: writes are rolled back.
    static PLANNING: Cell<bool> = const { Cell::new(false) };
}

/// Ends a write transaction: committed, or rolled back under [`Store::plan`].
fn finish(tx: Transaction<'_>) -> Result<()> {
    if PLANNING.with(Cell::get) {
        tx.rollback()?;
    } else {
        tx.commit()?;
    }
    Ok(())
}

/// How long a write waits for another process's transaction before failing.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// A tenant row.
#[derive(Debug, Clone, PartialEq)]
pub struct Tenant {
    /// Row ID.
    pub id: i64,
    /// Tenant GUID.
    pub guid: String,
    /// Tenant label.
    pub name: String,
    /// The tenant's cloud.
    pub environment: AzureEnvironment,
}

/// A new app row, ready to insert.
pub struct NewApp<'a> {
    /// Tenant GUID.
    pub tenant_id: &'a str,
    /// Tenant label (used when the tenant is new).
    pub tenant_name: &'a str,
    /// The tenant's cloud.
    pub environment: AzureEnvironment,
    /// Display name.
    pub name: &'a str,
    /// Application (client) ID.
    pub client_id: &'a str,
    /// Server or client app.
    pub app_type: AppType,
    /// App ID URI (server apps).
    pub identifier_uri: Option<&'a str>,
    /// Secret and its expiry (server apps).
    pub secret: Option<(&'a SecretKey, DateTime<Utc>)>,
    /// Server app a client app belongs to.
    pub server_app_id: Option<i64>,
    /// When it was verified, if it was.
    pub verified: Option<DateTime<Utc>>,
}

/// The site store.
pub struct Store {
    conn: Mutex<Connection>,
    key: SiteKey,
    path: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Store({})", self.path.display())
    }
}

const APP_COLUMNS: &str = "a.id, a.name, a.client_id, t.tenant_guid, t.name, a.is_client, a.identifier_uri, a.secret_expiry, a.secret_created, t.environment, a.server_app_id, a.last_verified, a.created, a.updated, a.secret_key_id";

impl Store {
    /// Opens (creating if needed) the store at `path`; its folder is created owner-only.
    ///
    /// `path` is only ever a file path, never a SQLite URI (`file:…?vfs=…` names a file of that
    /// name). Before anything is written, the file must be a regular file (or absent), a CMAAD
    /// store ([`schema::APPLICATION_ID`]) or an empty database, and of a schema version this
    /// build understands; otherwise it is refused unchanged (`NotARegularFile`,
    /// `NotACmaadStore`, `StoreTooNew`).
    pub fn open(path: &Path) -> Result<Store> {
        Store::open_with_key(path, &seal::KeySource::Environment)
    }

    /// [`Store::open`] with the site key taken from `key` (see [`seal::KeySource`]).
    pub fn open_with_key(path: &Path, key: &seal::KeySource) -> Result<Store> {
        check_store_file(path)?;
        create_folder(path)?;
        create_private_file(path)?;
        let mut conn = Connection::open_with_flags(
            sqlite_path(path),
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| Error::from(e).with_target("StorePath"))?;
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| Error::from(e).with_target("StorePath"))?;
        let key = prepare_with_retry(&mut conn, path, key)?;
        Ok(Store {
            conn: Mutex::new(conn),
            key,
            path: path.to_path_buf(),
        })
    }

    /// The store file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `WhatIf` on the store: runs `op` on this thread with every write transaction rolled back
    /// instead of committed, so its reads and rule checks (an app that does not exist, an app a
    /// service uses) fail as the real call would and nothing is written. Other threads of the
    /// session write as usual.
    ///
    /// # Errors
    /// `op`'s errors.
    pub fn plan<T>(op: impl FnOnce() -> Result<T>) -> Result<T> {
        struct Planning(bool);
        impl Drop for Planning {
            fn drop(&mut self) {
                PLANNING.with(|p| p.set(self.0));
            }
        }
        let _restore = Planning(PLANNING.with(|p| p.replace(true)));
        op()
    }

    /// The tenant with `guid`, if known.
    pub fn tenant(&self, guid: &str) -> Result<Option<Tenant>> {
        tenant_by_guid(&self.conn(), guid)
    }

    /// The app with row ID `id`, if any.
    pub fn app(&self, id: i64) -> Result<Option<App>> {
        let conn = self.conn();
        app_by_id(&conn, id)
    }

    /// The app with `client_id` in tenant `tenant_guid`, if any.
    pub fn app_by_client_id(&self, tenant_guid: &str, client_id: &str) -> Result<Option<App>> {
        let conn = self.conn();
        let sql = format!("SELECT {APP_COLUMNS} FROM apps a JOIN tenants t ON t.id = a.tenant_id WHERE t.tenant_guid = ?1 AND a.client_id = ?2");
        let app = conn
            .prepare_cached(&sql)?
            .query_row(params![tenant_guid, client_id], app_from_row)
            .optional()?;
        Ok(app)
    }

    /// The tenant's server apps, oldest first.
    pub fn server_apps_of(&self, tenant_guid: &str) -> Result<Vec<App>> {
        self.find_apps(
            &AppFilter {
                tenant_id: Some(tenant_guid.to_string()),
                app_type: Some(AppType::ServerApplication),
                ..AppFilter::default()
            },
            Utc::now(),
        )
    }

    /// Checks that `app` could be inserted now: its tenant name and cloud agree with what is
    /// stored and its client ID is new in the tenant.
    pub fn check_new_app(&self, app: &NewApp<'_>) -> Result<()> {
        check_new_app(&self.conn(), app)
    }

    /// Checks that an app of `kind` could join tenant `tenant_id` as `tenant_name` in
    /// `environment` (the tenant rules of [`Store::check_new_app`] without a client ID yet).
    pub fn check_tenant(
        &self,
        tenant_id: &str,
        tenant_name: &str,
        environment: AzureEnvironment,
        kind: AppType,
    ) -> Result<()> {
        check_tenant(&self.conn(), tenant_id, tenant_name, environment, kind).map(|_| ())
    }

    /// Inserts an app (and its tenant when new) in one transaction, re-checking every rule.
    pub fn insert_app(&self, app: &NewApp<'_>, now: DateTime<Utc>) -> Result<App> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        check_new_app(&tx, app)?;
        let tenant = match tenant_by_guid(&tx, app.tenant_id)? {
            Some(t) => t.id,
            None => {
                tx.execute(
                    "INSERT INTO tenants (tenant_guid, name, environment, created) VALUES (?1, ?2, ?3, ?4)",
                    params![app.tenant_id, app.tenant_name, app.environment.name(), format_time(&now)],
                )?;
                tx.last_insert_rowid()
            }
        };
        let sealed = app
            .secret
            .map(|(s, _)| self.key.seal_secret(s, app.tenant_id, app.client_id))
            .transpose()?;
        let stamp = format_time(&now);
        tx.execute(
            "INSERT INTO apps (tenant_id, name, client_id, is_client, identifier_uri, secret_sealed, secret_expiry, secret_created, server_app_id, last_verified, created, updated)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)",
            params![
                tenant,
                app.name,
                app.client_id,
                app.app_type.is_client(),
                app.identifier_uri,
                sealed,
                app.secret.map(|(_, e)| format_time(&e)),
                app.secret.map(|_| stamp.clone()),
                app.server_app_id,
                app.verified.as_ref().map(format_time),
                stamp,
            ],
        )?;
        let id = tx.last_insert_rowid();
        let stored = app_by_id(&tx, id)?
            .ok_or_else(|| Error::internal("An app vanished inside its own transaction."))?;
        finish(tx)?;
        Ok(stored)
    }

    /// Apps matching every given filter, in ID order.
    pub fn find_apps(&self, filter: &AppFilter, now: DateTime<Utc>) -> Result<Vec<App>> {
        let (sql, args) = filter_sql(filter, now);
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(args.iter()), app_from_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// The decrypted secret of server app `app`.
    pub fn server_secret(&self, app: &App) -> Result<SecretKey> {
        let sealed: Option<Vec<u8>> = self
            .conn()
            .prepare_cached("SELECT secret_sealed FROM apps WHERE id = ?1")?
            .query_row([app.id], |r| r.get(0))
            .optional()?
            .flatten();
        let sealed = sealed.ok_or_else(|| {
            Error::not_found(
                "ServerAppId",
                "NoSecret",
                format!(
                    "App {} '{}' has no stored secret: it is a client app.",
                    app.id, app.name
                ),
            )
        })?;
        self.key
            .open_secret(&sealed, &app.tenant_id, &app.client_id)
    }

    /// Records a successful verification of app `id`.
    pub fn mark_verified(&self, id: i64, at: DateTime<Utc>) -> Result<()> {
        self.conn()
            .prepare_cached("UPDATE apps SET last_verified = ?1 WHERE id = ?2")?
            .execute(params![format_time(&at), id])?;
        Ok(())
    }

    /// The service with row ID `id`, if any.
    pub fn service(&self, id: i64) -> Result<Option<CloudService>> {
        service_where(&self.conn(), "s.id = ?1", &id)
    }

    /// The service named `name` (case-insensitive), if any.
    pub fn service_by_name(&self, name: &str) -> Result<Option<CloudService>> {
        service_where(&self.conn(), "s.name = ?1 COLLATE NOCASE", &name)
    }

    /// Inserts a cloud management service; the caller has checked the apps.
    pub fn insert_service(&self, service: &CloudService) -> Result<CloudService> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if let Some(existing) = service_where(&tx, "s.name = ?1 COLLATE NOCASE", &service.name)? {
            return Err(service_exists(&existing));
        }
        let tenant = tenant_by_guid(&tx, &service.tenant_id)?
            .ok_or_else(|| Error::internal("The service's tenant is not in the store."))?;
        tx.execute(
            "INSERT INTO services (name, description, tenant_id, server_app_id, client_app_id, environment, discovery, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                service.name,
                service.description,
                tenant.id,
                service.server_app_id,
                service.client_app_id,
                service.environment.name(),
                discovery_to_json(&service.discovery).to_string(),
                format_time(&service.created),
            ],
        )?;
        let id = tx.last_insert_rowid();
        let stored = service_where(&tx, "s.id = ?1", &id)?
            .ok_or_else(|| Error::internal("A service vanished inside its own transaction."))?;
        finish(tx)?;
        Ok(stored)
    }
}

/// The `AlreadyExists` error for a service name.
pub fn service_exists(existing: &CloudService) -> Error {
    Error::new(
        Status::AlreadyExists,
        "ServiceExists",
        format!(
            "A cloud management service named '{}' already exists (ID {}): choose another Name.",
            existing.name, existing.id
        ),
    )
    .with_target("Name")
    .with_existing_id(existing.id)
}

/// The name SQLite is given for `path`: a relative path is prefixed with `./`, so a name such
/// as `file:site.db?mode=memory` or `:memory:` is the file of that name, never a URI or an
/// in-memory database (the bundled SQLite accepts URIs in every file name that starts with
/// `file:`).
fn sqlite_path(path: &Path) -> PathBuf {
    if path.is_relative() {
        Path::new(".").join(path)
    } else {
        path.to_path_buf()
    }
}

/// An existing `StorePath` must be a regular file (a symbolic link to one is followed); SQLite's
/// companion files (`-wal`, `-shm`, `-journal`), which it creates itself, must be regular files
/// and not links when they already exist (a planted link would have SQLite write elsewhere).
fn check_store_file(path: &Path) -> Result<()> {
    let refuse = |shown: &Path, what: &str| {
        Err(Error::invalid(
            "StorePath",
            "NotARegularFile",
            format!("StorePath '{}': {} is {what}, not a regular file: give the path of the site store file (it is created if it does not exist), and remove what is in the way.", path.display(), shown.display()),
        ))
    };
    if let Ok(meta) = std::fs::metadata(path) {
        if !meta.is_file() {
            return refuse(path, crate::files::kind_of(&meta));
        }
    }
    for suffix in ["-wal", "-shm", "-journal"] {
        let mut companion = path.as_os_str().to_owned();
        companion.push(suffix);
        let companion = PathBuf::from(companion);
        match std::fs::symlink_metadata(&companion) {
            Ok(meta) if meta.file_type().is_symlink() => {
                return refuse(&companion, "a symbolic link")
            }
            Ok(meta) if !meta.is_file() => return refuse(&companion, crate::files::kind_of(&meta)),
            _ => {}
        }
    }
    Ok(())
}

/// Checks, configures and migrates a freshly opened store and loads its key. Each step is
/// idempotent, so the whole sequence is repeated while it fails with `StoreBusy` (at most
/// [`OPEN_ATTEMPTS`] times and within [`BUSY_TIMEOUT`]): SQLite returns `SQLITE_BUSY` at once,
/// without calling the busy handler, where waiting could deadlock, e.g. when two processes that
/// create the same store at the same moment both hold a read lock and one switches the file to
/// WAL (<https://www.sqlite.org/c3ref/busy_handler.html>).
fn prepare_with_retry(
    conn: &mut Connection,
    path: &Path,
    key: &seal::KeySource,
) -> Result<SiteKey> {
    let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
    let mut attempt = 1;
    loop {
        match prepare(conn, path, key) {
            Err(e)
                if e.code == "StoreBusy"
                    && attempt < OPEN_ATTEMPTS
                    && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(10 * attempt as u64));
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// How many times opening a store retries after an immediate `SQLITE_BUSY`.
const OPEN_ATTEMPTS: u32 = 20;

fn prepare(conn: &mut Connection, path: &Path, key: &seal::KeySource) -> Result<SiteKey> {
    schema::check_identity(conn, path).map_err(|e| corrupt_or(e, path))?;
    configure(conn).map_err(|e| corrupt_or(e, path))?;
    schema::migrate(conn).map_err(|e| corrupt_or(e, path))?;
    load_key(conn, path, key)
}

fn configure(conn: &Connection) -> Result<()> {
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(Error::store("StoreUnavailable", format!("The site store could not switch to WAL journaling (it reports '{mode}'): put the store on a local disk.")));
    }
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    // Plans must not depend on bound values: otherwise SQLite re-prepares a cached statement
    // on every call whose parameter it once compared with a partial index's condition (a
    // lookup by ClientId cost 17 µs instead of 0.7 µs).
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    Ok(())
}

fn corrupt_or(e: Error, path: &Path) -> Error {
    if e.code == "StoreCorrupt" {
        Error::store("StoreCorrupt", format!("The site store {} is not a valid CMAAD database: restore it from a backup, or point StorePath at a new file.", path.display())).with_target("StorePath")
    } else {
        e
    }
}

fn load_key(conn: &Connection, path: &Path, source: &seal::KeySource) -> Result<SiteKey> {
    let check: Option<Vec<u8>> = conn
        .query_row("SELECT value FROM meta WHERE key = 'key_check'", [], |r| {
            r.get(0)
        })
        .optional()?;
    let key = SiteKey::load_from(source, &seal::key_file_for(path), check.is_none())?;
    match check {
        Some(check) if !key.matches(&check) => Err(Error::store(
            "SiteKeyMismatch",
            format!("The site key from {} is not the key this store was written with: restore the store's own key file ({}) or the {} it was used with.", key.source, seal::key_file_for(path).display(), seal::SITE_KEY_ENV),
        )),
        Some(_) => Ok(key),
        None => {
            conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('key_check', ?1)", [key.key_check()?])?;
            let stored: Vec<u8> = conn.query_row("SELECT value FROM meta WHERE key = 'key_check'", [], |r| r.get(0))?;
            if key.matches(&stored) {
                Ok(key)
            } else {
                Err(Error::store("SiteKeyMismatch", "Another process set up this store with a different site key at the same moment: open it again."))
            }
        }
    }
}

/// Creates the store file owner-only (0600) when it does not exist yet, so that SQLite, which
/// gives its `-wal` and `-shm` files the permissions of the database file, creates those
/// owner-only too. An existing store is left as it is.
fn create_private_file(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let created = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW)
            .open(path);
        match created {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => {
                return Err(Error::store("StoreUnavailable", format!("The site store {} cannot be created ({e}): choose a StorePath in a folder you can write to.", path.display())).with_target("StorePath"))
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Creates the store's folder when it does not exist: owner-only (0700) on Unix; on Windows a
/// folder under `%ProgramData%` gets the machine store's DACL (`acl::create_folder`).
fn create_folder(path: &Path) -> Result<()> {
    let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) else {
        return Ok(());
    };
    if dir.is_dir() {
        return Ok(());
    }
    #[cfg(windows)]
    let created = acl::create_folder(dir);
    #[cfg(not(windows))]
    let created = {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        builder.create(dir)
    };
    created.map_err(|e| {
        Error::store("StoreFolderUnavailable", format!("The store folder {} cannot be created ({e}): choose a StorePath in a folder you can write to.", dir.display())).with_target("StorePath")
    })
}

fn tenant_by_guid(conn: &Connection, guid: &str) -> Result<Option<Tenant>> {
    Ok(conn
        .query_row(
            "SELECT id, tenant_guid, name, environment FROM tenants WHERE tenant_guid = ?1",
            [guid],
            |r| {
                Ok(Tenant {
                    id: r.get(0)?,
                    guid: r.get(1)?,
                    name: r.get(2)?,
                    environment: parse_env(&r.get::<_, String>(3)?),
                })
            },
        )
        .optional()?)
}

/// Checks that an app of `kind` may join tenant `tenant_id` under `tenant_name` in
/// `environment`: a known tenant keeps its name (for server apps) and its cloud. Returns the
/// stored tenant, if there is one.
fn check_tenant(
    conn: &Connection,
    tenant_id: &str,
    tenant_name: &str,
    environment: AzureEnvironment,
    kind: AppType,
) -> Result<Option<Tenant>> {
    let Some(tenant) = tenant_by_guid(conn, tenant_id)? else {
        return Ok(None);
    };
    if !tenant.name.eq_ignore_ascii_case(tenant_name) && kind == AppType::ServerApplication {
        return Err(Error::invalid(
            "TenantName",
            "TenantNameMismatch",
            format!("Tenant {} is already known as '{}', not '{}': use TenantName '{}' (one tenant has one name in the site).", tenant.guid, tenant.name, tenant_name, tenant.name),
        ));
    }
    if tenant.environment != environment {
        return Err(Error::invalid(
            "AzureEnvironmentOption",
            "EnvironmentMismatch",
            format!("Tenant {} is in {}, not {}: a tenant lives in one cloud; omit AzureEnvironmentOption or give {}.", tenant.guid, tenant.environment, environment, tenant.environment),
        ));
    }
    Ok(Some(tenant))
}

fn check_new_app(conn: &Connection, app: &NewApp<'_>) -> Result<()> {
    let Some(tenant) = check_tenant(
        conn,
        app.tenant_id,
        app.tenant_name,
        app.environment,
        app.app_type,
    )?
    else {
        return Ok(());
    };
    let existing: Option<(i64, String, bool)> = conn
        .query_row(
            "SELECT id, name, is_client FROM apps WHERE tenant_id = ?1 AND client_id = ?2",
            params![tenant.id, app.client_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    match existing {
        Some((id, name, is_client)) => Err(Error::new(
            Status::AlreadyExists,
            "AppExists",
            format!(
                "ClientId {} is already imported in tenant {} as {} app '{}' (ID {id}): use that app, or remove it before importing again.",
                app.client_id,
                tenant.guid,
                if is_client { "client" } else { "server" },
                name
            ),
        )
        .with_target("ClientId")
        .with_existing_id(id)),
        None => Ok(()),
    }
}

fn app_by_id(conn: &Connection, id: i64) -> Result<Option<App>> {
    let sql = format!(
        "SELECT {APP_COLUMNS} FROM apps a JOIN tenants t ON t.id = a.tenant_id WHERE a.id = ?1"
    );
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id], app_from_row)
        .optional()?)
}

fn filter_sql(filter: &AppFilter, now: DateTime<Utc>) -> (String, Vec<SqlValue>) {
    let mut sql = format!(
        "SELECT {APP_COLUMNS} FROM apps a JOIN tenants t ON t.id = a.tenant_id WHERE 1 = 1"
    );
    let mut args: Vec<SqlValue> = Vec::new();
    let mut add = |clause: &str, v: SqlValue| {
        args.push(v);
        sql.push_str(&clause.replace('?', &format!("?{}", args.len())));
    };
    if let Some(n) = &filter.app_name {
        add(" AND a.name = ? COLLATE NOCASE", SqlValue::Text(n.clone()));
    }
    if let Some(t) = filter.app_type {
        add(
            " AND a.is_client = ?",
            SqlValue::Integer(i64::from(t.is_client())),
        );
    }
    if let Some(c) = &filter.client_id {
        add(" AND a.client_id = ?", SqlValue::Text(c.clone()));
    }
    if let Some(t) = &filter.tenant_id {
        add(" AND t.tenant_guid = ?", SqlValue::Text(t.clone()));
    }
    if let Some(n) = &filter.tenant_name {
        add(" AND t.name = ? COLLATE NOCASE", SqlValue::Text(n.clone()));
    }
    if let Some(days) = filter.expiring_within_days {
        add(
            " AND a.is_client = 0 AND a.secret_expiry < ?",
            SqlValue::Text(format_time(&expiry_limit(now, days))),
        );
    }
    sql.push_str(" ORDER BY a.id");
    (sql, args)
}

/// The first instant (whole second) whose secrets are more than `days` whole days away: a secret
/// matches `ExpiringWithinDays N` exactly when its `DaysUntilSecretExpiry` is at most N.
fn expiry_limit(now: DateTime<Utc>, days: i64) -> DateTime<Utc> {
    use chrono::SubsecRound;
    let limit = now + chrono::Duration::days(days + 1);
    let whole = limit.trunc_subsecs(0);
    if whole < limit {
        whole + chrono::Duration::seconds(1)
    } else {
        whole
    }
}

fn parse_env(s: &str) -> AzureEnvironment {
    AzureEnvironment::parse(s, "AzureEnvironment").unwrap_or_default()
}

fn parse_time(s: Option<String>) -> Option<DateTime<Utc>> {
    s.as_deref().and_then(crate::model::time::parse_rfc3339)
}

fn app_from_row(r: &Row<'_>) -> rusqlite::Result<App> {
    let is_client: bool = r.get(5)?;
    Ok(App {
        id: r.get(0)?,
        name: r.get(1)?,
        client_id: r.get(2)?,
        tenant_id: r.get(3)?,
        tenant_name: r.get(4)?,
        app_type: if is_client {
            AppType::ClientApplication
        } else {
            AppType::ServerApplication
        },
        identifier_uri: r.get(6)?,
        secret_key_expiry: parse_time(r.get(7)?),
        secret_key_creation_time: parse_time(r.get(8)?),
        environment: parse_env(&r.get::<_, String>(9)?),
        server_app_id: r.get(10)?,
        last_verified: parse_time(r.get(11)?),
        created: parse_time(r.get(12)?).unwrap_or_default(),
        updated: parse_time(r.get(13)?).unwrap_or_default(),
        secret_key_id: r.get(14)?,
    })
}

fn service_where(
    conn: &Connection,
    clause: &str,
    arg: &dyn rusqlite::ToSql,
) -> Result<Option<CloudService>> {
    let sql = format!(
        "SELECT {SERVICE_COLUMNS} FROM services s JOIN tenants t ON t.id = s.tenant_id WHERE {clause}"
    );
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([arg], service_from_row)
        .optional()?)
}

const SERVICE_COLUMNS: &str = "s.id, s.name, s.description, t.tenant_guid, s.server_app_id, s.client_app_id, s.environment, s.discovery, s.created, s.enable_aad_group_sync, t.disable_aad_auth, s.updated";

fn service_from_row(r: &Row<'_>) -> rusqlite::Result<CloudService> {
    let discovery: String = r.get(7)?;
    Ok(CloudService {
        id: r.get(0)?,
        name: r.get(1)?,
        description: r.get(2)?,
        tenant_id: r.get(3)?,
        server_app_id: r.get(4)?,
        client_app_id: r.get(5)?,
        environment: parse_env(&r.get::<_, String>(6)?),
        discovery: discovery_from_json(&serde_json::from_str(&discovery).unwrap_or(Value::Null)),
        created: parse_time(r.get(8)?).unwrap_or_default(),
        enable_aad_group_sync: r.get(9)?,
        disable_aad_authentication: r.get(10)?,
        updated: parse_time(r.get(11)?),
    })
}

/// The discovery column: the settings as a JSON object keyed by the cmdlet parameter names.
fn discovery_to_json(d: &Discovery) -> Value {
    let schedule =
        |s: &Option<Schedule>| s.map(|s| json!({ "Kind": s.kind.name(), "Interval": s.interval }));
    json!({
        "EnableUserDiscovery": d.enable_user_discovery,
        "EnableUserDeltaDiscovery": d.enable_user_delta_discovery,
        "UserDeltaDiscoveryMins": d.user_delta_discovery_mins,
        "UserDiscoverySchedule": schedule(&d.user_discovery_schedule),
        "EnableGroupDiscovery": d.enable_group_discovery,
        "EnableGroupDeltaDiscovery": d.enable_group_delta_discovery,
        "GroupDeltaDiscoveryMins": d.group_delta_discovery_mins,
        "GroupDiscoverySchedule": schedule(&d.group_discovery_schedule),
        "AddGroupName": d.add_group_name,
    })
}

fn discovery_from_json(v: &Value) -> Discovery {
    let flag = |k: &str| v[k].as_bool().unwrap_or(false);
    let mins = |k: &str| v[k].as_i64().map(|m| m as i32);
    let sched = |k: &str| {
        let s = &v[k];
        let kind = ScheduleKind::parse(s["Kind"].as_str()?, k).ok()?;
        Some(Schedule {
            kind,
            interval: s["Interval"].as_u64()? as u32,
        })
    };
    Discovery {
        enable_user_discovery: flag("EnableUserDiscovery"),
        enable_user_delta_discovery: flag("EnableUserDeltaDiscovery"),
        user_delta_discovery_mins: mins("UserDeltaDiscoveryMins"),
        user_discovery_schedule: sched("UserDiscoverySchedule"),
        enable_group_discovery: flag("EnableGroupDiscovery"),
        enable_group_delta_discovery: flag("EnableGroupDeltaDiscovery"),
        group_delta_discovery_mins: mins("GroupDeltaDiscoveryMins"),
        group_discovery_schedule: sched("GroupDiscoverySchedule"),
        add_group_name: v["AddGroupName"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|g| g.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::StatementStatus;

    /// A cached lookup is prepared once: binding a new value never makes SQLite re-prepare it.
    #[test]
    fn cached_lookups_are_not_re_prepared() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("site.db")).unwrap();
        let filters = [
            AppFilter {
                client_id: Some("5b3c1d2e-0000-4000-8000-000000000001".into()),
                ..AppFilter::default()
            },
            AppFilter {
                app_type: Some(AppType::ServerApplication),
                ..AppFilter::default()
            },
            AppFilter {
                app_name: Some("Contoso".into()),
                tenant_id: Some("05a349fa-0d5c-4a1c-9f3e-1c2d3e4f5a6b".into()),
                ..AppFilter::default()
            },
        ];
        for filter in filters {
            let now = Utc::now();
            for _ in 0..3 {
                store.find_apps(&filter, now).unwrap();
            }
            let (sql, _) = filter_sql(&filter, now);
            let conn = store.conn();
            let reprepared = conn
                .prepare_cached(&sql)
                .unwrap()
                .get_status(StatementStatus::RePrepare);
            assert_eq!(reprepared, 0, "{sql}");
        }
    }
}
