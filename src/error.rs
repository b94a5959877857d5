//! The one error type of CMAAD: a status for the C ABI, a stable code, the field it concerns and
//! a message that says what is wrong and how to fix it. Secrets never enter an error.

use serde_json::{json, Value};

/// Outcome classes shared by the Rust API and the C ABI (`cmaad_status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum Status {
    /// Success.
    Ok = 0,
    /// The caller's input is wrong; the message names the field and the fix.
    InvalidArgument = 1,
    /// A referenced object (app, tenant, service) does not exist.
    NotFound = 2,
    /// The object already exists; the document carries its `ID` where there is one.
    AlreadyExists = 3,
    /// Microsoft Entra ID answered and refused the application or the tenant.
    VerificationFailed = 4,
    /// Entra or Graph could not be reached or kept failing.
    Network = 5,
    /// The site store could not be opened, read or written.
    Store = 6,
    /// A bug or a caught panic; the host process survives.
    Internal = 7,
}

impl Status {
    /// The name used in error documents (`"InvalidArgument"`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Status::Ok => "Ok",
            Status::InvalidArgument => "InvalidArgument",
            Status::NotFound => "NotFound",
            Status::AlreadyExists => "AlreadyExists",
            Status::VerificationFailed => "VerificationFailed",
            Status::Network => "Network",
            Status::Store => "Store",
            Status::Internal => "Internal",
        }
    }
}

/// A failure with everything a caller needs to act on it.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
#[error("{message}")]
pub struct Error {
    /// Outcome class.
    pub status: Status,
    /// Stable machine-readable code, e.g. `InvalidClientId`.
    pub code: String,
    /// The request field the error concerns, if any.
    pub target: Option<String>,
    /// What is wrong and how to fix it. Never contains a secret.
    pub message: String,
    /// AADSTS codes Entra answered with.
    pub entra_error_codes: Vec<u64>,
    /// Entra's correlation ID for a support case.
    pub correlation_id: Option<String>,
    /// The existing object's `ID` for `AlreadyExists`.
    pub existing_id: Option<i64>,
    /// Extra structured detail (e.g. the checks a verification made).
    pub details: Option<Value>,
}

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A new error of `status` with a `code` and a `message`.
    pub fn new(status: Status, code: &str, message: impl Into<String>) -> Self {
        Error {
            status,
            code: code.to_string(),
            target: None,
            message: message.into(),
            entra_error_codes: Vec::new(),
            correlation_id: None,
            existing_id: None,
            details: None,
        }
    }

    /// An `InvalidArgument` error about `field`.
    pub fn invalid(field: &str, code: &str, message: impl Into<String>) -> Self {
        Error::new(Status::InvalidArgument, code, message).with_target(field)
    }

    /// A `NotFound` error about `field`.
    pub fn not_found(field: &str, code: &str, message: impl Into<String>) -> Self {
        Error::new(Status::NotFound, code, message).with_target(field)
    }

    /// A `Store` error; `what` says which store operation failed.
    pub fn store(code: &str, message: impl Into<String>) -> Self {
        Error::new(Status::Store, code, message)
    }

    /// An `Internal` error (a bug or a caught panic).
    pub fn internal(message: impl Into<String>) -> Self {
        Error::new(Status::Internal, "InternalError", message)
    }

    /// Sets the field the error concerns.
    pub fn with_target(mut self, field: &str) -> Self {
        self.target = Some(field.to_string());
        self
    }

    /// Records the existing object's `ID` (for `AlreadyExists`).
    pub fn with_existing_id(mut self, id: i64) -> Self {
        self.existing_id = Some(id);
        self
    }

    /// Attaches structured detail.
    pub fn with_details(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }

    /// The error document of the contract: `{"Error": {...}}`.
    pub fn to_document(&self) -> Value {
        let mut body = json!({
            "Status": self.status.name(),
            "Code": self.code,
            "Target": self.target,
            "Message": self.message,
            "EntraErrorCodes": self.entra_error_codes,
            "CorrelationId": self.correlation_id,
        });
        if let Some(id) = self.existing_id {
            body["ID"] = json!(id);
        }
        if let Some(details) = &self.details {
            body["Details"] = details.clone();
        }
        json!({ "Error": body })
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        store_error(&e)
    }
}

/// Maps a SQLite failure to a store error whose message says what to do.
fn store_error(e: &rusqlite::Error) -> Error {
    use rusqlite::ErrorCode;
    let code = e.sqlite_error_code();
    match code {
        Some(ErrorCode::DatabaseBusy) | Some(ErrorCode::DatabaseLocked) => Error::store(
            "StoreBusy",
            format!("The site store stayed locked by another process past the busy timeout ({e}); retry, or stop the other CMAAD task."),
        ),
        Some(ErrorCode::NotADatabase) | Some(ErrorCode::DatabaseCorrupt) => Error::store(
            "StoreCorrupt",
            format!("The site store file is not a valid CMAAD database ({e}): restore it from a backup or point StorePath at another file."),
        ),
        Some(ErrorCode::ReadOnly) | Some(ErrorCode::CannotOpen) | Some(ErrorCode::PermissionDenied) => Error::store(
            "StoreUnavailable",
            format!("The site store cannot be opened for writing ({e}): check the file's permissions and free disk space."),
        ),
        Some(ErrorCode::DiskFull) => Error::store("StoreFull", format!("The disk holding the site store is full ({e}): free space and retry.")),
        _ => Error::store("StoreError", format!("The site store failed: {e}.")),
    }
}
