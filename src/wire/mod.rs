//! JSON at the boundary: the C ABI's request documents read into the typed requests of
//! [`crate::session`] and [`crate::provisioning`], and their typed results written as the
//! contract's documents. One room per subject, as in the layers below: [`apps`], [`services`],
//! [`tenants`], [`secrets`], [`verification`], [`provisioning`], the session's [`options`],
//! and [`what_if`] for the requests that change a site. Only [`crate::ffi`] (and the benchmarks) use this module.

pub mod apps;
pub mod fields;
pub mod hierarchy;
pub mod options;
pub mod provisioning;
pub mod secrets;
pub mod services;
pub mod site;
pub mod tenants;
pub mod verification;
pub mod what_if;

use crate::error::Error;
use serde_json::Value;

/// The inside of an error document (`{"Status", "Code", ...}`), as per-app entries carry it.
pub fn error_body(e: &Error) -> Value {
    e.to_document()
        .get_mut("Error")
        .map(Value::take)
        .unwrap_or(Value::Null)
}
