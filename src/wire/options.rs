//! The session's documents: the options of `cmaad_session_open` in, the session's description out.

use super::fields::{environment, Fields};
use crate::cloud::check_endpoint_url;
use crate::error::{Error, Result};
use crate::session::options::{
    check_proxy, default_store_folder_path, default_store_path, read_trusted_roots,
    DEFAULT_TIMEOUT, TIMEOUT_SECONDS,
};
use crate::session::{Session, SessionOptions};
use crate::store::seal::KeySource;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::time::Duration;

/// Parses session options; `None` or blank means all defaults.
pub fn session_options(json: Option<&str>) -> Result<SessionOptions> {
    let mut f = Fields::parse_optional(json, "options")?;
    let process_environment = f.optional_bool("ProcessEnvironment")?.unwrap_or(true);
    let store_path = match f.optional_str("StorePath")? {
        Some(p) if p.trim().is_empty() => {
            return Err(Error::invalid(
                "StorePath",
                "EmptyPath",
                "StorePath is empty: give a file path, or omit it for the default.",
            ))
        }
        Some(p) => PathBuf::from(p),
        None if process_environment => default_store_path()?,
        None => default_store_folder_path()?,
    };
    let mut options = SessionOptions::new(store_path);
    options.process_environment = process_environment;
    if !process_environment {
        options.site_key = KeySource::KeyFile;
    }
    options.environment = environment(&mut f, "AzureEnvironment")?.unwrap_or_default();
    options.endpoints.authority_host = f
        .optional_str("AuthorityHost")?
        .map(|u| check_endpoint_url(&u, "AuthorityHost"))
        .transpose()?;
    options.endpoints.graph_host = f
        .optional_str("GraphHost")?
        .map(|u| check_endpoint_url(&u, "GraphHost"))
        .transpose()?;
    options.proxy = f
        .optional_str("Proxy")?
        .map(|u| check_proxy(&u))
        .transpose()?;
    options.timeout = f
        .optional_i64_in("TimeoutSeconds", TIMEOUT_SECONDS, "seconds")?
        .map_or(DEFAULT_TIMEOUT, |s| Duration::from_secs(s as u64));
    options.no_proxy = f.optional_str("NoProxy")?;
    options.trusted_ca_pem = f
        .optional_str("TrustedCaPath")?
        .map(|p| read_trusted_roots(&p))
        .transpose()?;
    options.site = f
        .optional_object("Site")?
        .map(|m| super::site::site_options(m, options.trusted_ca_pem.clone(), options.timeout))
        .transpose()?;
    f.finish()?;
    Ok(options)
}

/// The session's description (`cmaad_session_open`'s result document).
pub fn session(s: &Session) -> Value {
    let o = s.options();
    json!({
        "StorePath": s.store().path().display().to_string(),
        "AzureEnvironment": o.environment.name(),
        "AuthorityHost": o.endpoints.authority(o.environment),
        "GraphHost": o.endpoints.graph(o.environment),
        "Proxy": o.proxy.as_deref().map(crate::proxy::redacted),
        "TimeoutSeconds": o.timeout.as_secs(),
        "Version": crate::VERSION,
        "Site": s.site().map(crate::site::AdminServiceSite::describe),
    })
}
