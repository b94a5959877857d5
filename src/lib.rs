//! CMAAD: onboard a Configuration Manager site to Microsoft Entra ID for the cloud management
//! gateway. The Rust API (sessions, operations, store) is usable on its own; [`ffi`] is a thin
//! C ABI over it.

// `Error` carries everything an error document needs (code, field, message, Entra codes,
// details); it travels only on failure paths, so its size is not worth boxing.
#![allow(clippy::result_large_err)]

pub mod cloud;
pub mod error;
pub mod runtime;
pub mod secret;

pub use error::{Error, Result, Status};
pub mod ffi;
pub mod files;
pub mod model;
pub mod provisioning;
pub mod proxy;
pub mod requirements;
pub mod scrub;
pub mod session;
pub mod site;
pub mod store;
pub mod wire;

pub use session::{Session, SessionOptions};

/// The library's version (`cmaad_version`).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
pub mod entra;
