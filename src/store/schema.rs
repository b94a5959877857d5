//! The store's schema, applied by version (`PRAGMA user_version`). Each migration runs once, in
//! an immediate transaction, so processes opening a new store at the same time agree.

use crate::error::{Error, Result};
use rusqlite::{Connection, TransactionBehavior};
use std::path::Path;

/// `PRAGMA application_id` of a CMAAD store: "CMAA" in ASCII. SQLite keeps it in the file
/// header (offset 68) so `file(1)` and other tools can tell what the database belongs to
/// (<https://www.sqlite.org/pragma.html#pragma_application_id>).
pub const APPLICATION_ID: i32 = 0x434D_4141;

/// The tables every CMAAD store has had since schema version 1.
const CMAAD_TABLES: [&str; 4] = ["tenants", "apps", "services", "meta"];

/// Migrations in order; the store's version is the number applied.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE tenants (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_guid TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    environment TEXT NOT NULL,
    created     TEXT NOT NULL
);
CREATE TABLE apps (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id      INTEGER NOT NULL REFERENCES tenants(id) ON DELETE RESTRICT,
    name           TEXT NOT NULL,
    client_id      TEXT NOT NULL,
    is_client      INTEGER NOT NULL CHECK (is_client IN (0, 1)),
    identifier_uri TEXT,
    secret_sealed  BLOB,
    secret_expiry  TEXT,
    secret_created TEXT,
    server_app_id  INTEGER REFERENCES apps(id) ON DELETE RESTRICT,
    last_verified  TEXT,
    created        TEXT NOT NULL,
    updated        TEXT NOT NULL,
    UNIQUE (tenant_id, client_id),
    CHECK (is_client = 1 OR secret_sealed IS NOT NULL)
);
CREATE INDEX apps_by_name ON apps(name COLLATE NOCASE);
CREATE INDEX apps_by_client_id ON apps(client_id);
CREATE INDEX apps_by_expiry ON apps(secret_expiry) WHERE is_client = 0;
CREATE TABLE services (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT NOT NULL UNIQUE COLLATE NOCASE,
    description   TEXT,
    service_type  TEXT NOT NULL DEFAULT 'CloudManagement',
    tenant_id     INTEGER NOT NULL REFERENCES tenants(id) ON DELETE RESTRICT,
    server_app_id INTEGER NOT NULL REFERENCES apps(id) ON DELETE RESTRICT,
    client_app_id INTEGER NOT NULL REFERENCES apps(id) ON DELETE RESTRICT,
    environment   TEXT NOT NULL,
    discovery     TEXT NOT NULL,
    created       TEXT NOT NULL
);
CREATE INDEX services_by_app ON services(server_app_id, client_app_id);
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
"#,
    // 2: the secret lifecycle and the rest of the cmdlet family.
    r#"
ALTER TABLE tenants ADD COLUMN disable_aad_auth INTEGER NOT NULL DEFAULT 0 CHECK (disable_aad_auth IN (0, 1));
ALTER TABLE tenants ADD COLUMN updated TEXT;
ALTER TABLE apps ADD COLUMN secret_key_id TEXT;
ALTER TABLE services ADD COLUMN enable_aad_group_sync INTEGER NOT NULL DEFAULT 0 CHECK (enable_aad_group_sync IN (0, 1));
ALTER TABLE services ADD COLUMN updated TEXT;
CREATE INDEX apps_by_server_app ON apps(server_app_id) WHERE server_app_id IS NOT NULL;
CREATE INDEX services_by_client_app ON services(client_app_id);
"#,
];

/// The schema version this build writes.
pub const CURRENT_VERSION: i64 = MIGRATIONS.len() as i64;

/// Checks, reading only, that the database at `path` may become or is a CMAAD store of a
/// version this build understands: it carries [`APPLICATION_ID`], or is empty (a new store),
/// or is a CMAAD store written before stores were marked (version 1 to current, with CMAAD's
/// tables; [`migrate`] marks it). Anything else is another application's database and is
/// refused with `NotACmaadStore`; a newer CMAAD's store with `StoreTooNew`.
pub fn check_identity(conn: &Connection, path: &Path) -> Result<()> {
    // One read transaction, so the three reads see one state of the file even while another
    // process creates the store (tables, version and mark are committed together).
    let read = conn.unchecked_transaction()?;
    let application_id: i32 = read.query_row("PRAGMA application_id", [], |r| r.get(0))?;
    let version: i64 = read.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let tables: Vec<String> = read
        .prepare(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    read.finish()?;
    let unmarked_cmaad = (1..=CURRENT_VERSION).contains(&version)
        && CMAAD_TABLES.iter().all(|t| tables.iter().any(|n| n == t));
    let ours = application_id == APPLICATION_ID
        || (application_id == 0 && (tables.is_empty() && version == 0 || unmarked_cmaad));
    if !ours {
        return Err(Error::store(
            "NotACmaadStore",
            format!("StorePath '{}' is a database of another application (application_id {application_id:#x}, {} table(s), schema version {version}): CMAAD left it unchanged. Point StorePath at a new file or at a CMAAD site store.", path.display(), tables.len()),
        )
        .with_target("StorePath"));
    }
    if version > CURRENT_VERSION {
        return Err(too_new(version));
    }
    Ok(())
}

fn too_new(version: i64) -> Error {
    Error::store(
        "StoreTooNew",
        format!("The site store has schema version {version}, newer than this CMAAD understands ({CURRENT_VERSION}): update CMAAD."),
    )
}

/// Brings the store to [`CURRENT_VERSION`] and marks it with [`APPLICATION_ID`]; refuses a
/// store written by a newer CMAAD.
pub fn migrate(conn: &mut Connection) -> Result<()> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let application_id: i32 = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
    if version == CURRENT_VERSION && application_id == APPLICATION_ID {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > CURRENT_VERSION {
        return Err(too_new(version));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
    }
    tx.pragma_update(None, "application_id", APPLICATION_ID)?;
    tx.commit()?;
    Ok(())
}
