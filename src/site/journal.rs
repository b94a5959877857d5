//! The journal of every change CMAAD made to a ConfigMgr site: when, which site (site code and
//! provider), which class and object, which operation, and the request's ID. It lives in the
//! local store file (table `site_changes`), holds no secrets and serves as an audit trail.

use crate::error::{Error, Result};
use crate::store::BUSY_TIMEOUT;
use chrono::Utc;
use rusqlite::Connection;
use serde_json::{json, Value};
use std::path::Path;
use std::sync::Mutex;

/// One change to record.
#[derive(Debug, Clone)]
pub struct Change<'a> {
    /// Site code.
    pub site_code: &'a str,
    /// Provider machine name.
    pub provider: &'a str,
    /// WMI class.
    pub class: &'a str,
    /// The object's key.
    pub object_id: u64,
    /// The object's name (app, tenant or service name).
    pub object: &'a str,
    /// `Create`, `Update`, `Delete`.
    pub operation: &'a str,
}

/// The journal, in the store file at `path`.
#[derive(Debug)]
pub struct Journal {
    conn: Mutex<Connection>,
}

impl Journal {
    /// Opens the journal table in the store file (creating the table on first use).
    ///
    /// # Errors
    /// `Store` when the file cannot be opened or written.
    pub fn open(path: &Path) -> Result<Journal> {
        let fail = |e: rusqlite::Error| {
            Error::store(
                "JournalUnavailable",
                format!(
                    "The site change journal in {} cannot be opened ({e}).",
                    path.display()
                ),
            )
        };
        let conn = Connection::open(path).map_err(fail)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(fail)?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS site_changes (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                at TEXT NOT NULL,
                site_code TEXT NOT NULL,
                provider TEXT NOT NULL,
                class TEXT NOT NULL,
                object_id INTEGER NOT NULL,
                object TEXT NOT NULL,
                operation TEXT NOT NULL,
                request_id TEXT NOT NULL
            )",
        )
        .map_err(fail)?;
        Ok(Journal {
            conn: Mutex::new(conn),
        })
    }

    /// Records one change.
    ///
    /// # Errors
    /// `Store` when the row cannot be written.
    pub fn record(&self, change: &Change<'_>) -> Result<()> {
        let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        conn.execute(
            "INSERT INTO site_changes (at, site_code, provider, class, object_id, object, operation, request_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            rusqlite::params![
                crate::model::format_time(&Utc::now()),
                change.site_code,
                change.provider,
                change.class,
                change.object_id as i64,
                change.object,
                change.operation,
                uuid::Uuid::new_v4().to_string(),
            ],
        )
        .map_err(|e| Error::store("JournalWriteFailed", format!("The site change could not be journaled ({e}).")))?;
        Ok(())
    }

    /// Every change made to site `site_code` (compared without case; other sites journaled in
    /// the same store are left out), oldest first, as
    /// `{"value":[{"At","SiteCode","Provider","Class","ObjectId","Object","Operation","RequestId"}]}`.
    ///
    /// # Errors
    /// `Store` when the table cannot be read.
    pub fn list(&self, site_code: &str) -> Result<Value> {
        let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        let fail = |e: rusqlite::Error| {
            Error::store(
                "JournalUnavailable",
                format!("The site change journal cannot be read ({e})."),
            )
        };
        let mut stmt = conn
            .prepare("SELECT at, site_code, provider, class, object_id, object, operation, request_id FROM site_changes WHERE site_code = ?1 COLLATE NOCASE ORDER BY id")
            .map_err(fail)?;
        let rows = stmt
            .query_map([site_code], |r| {
                Ok(json!({
                    "At": r.get::<_, String>(0)?, "SiteCode": r.get::<_, String>(1)?,
                    "Provider": r.get::<_, String>(2)?, "Class": r.get::<_, String>(3)?,
                    "ObjectId": r.get::<_, i64>(4)?, "Object": r.get::<_, String>(5)?,
                    "Operation": r.get::<_, String>(6)?, "RequestId": r.get::<_, String>(7)?,
                }))
            })
            .map_err(fail)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(fail)?;
        Ok(json!({ "value": rows }))
    }
}
