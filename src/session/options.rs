//! A session's settings: the store file, the default cloud, host overrides, proxy, timeout and
//! extra trusted CAs, each with its check.

use crate::cloud::{AzureEnvironment, Endpoints};
use crate::error::{Error, Result};
use crate::store::seal::KeySource;
use std::path::PathBuf;
use std::time::Duration;

/// Environment variable naming the store file when `StorePath` is not given.
pub const STORE_ENV: &str = "CMAAD_STORE";
/// Per-request timeout when none is given.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Range of `TimeoutSeconds`.
pub const TIMEOUT_SECONDS: std::ops::RangeInclusive<i64> = 1..=600;

/// Checked session options (`cmaad_session_open`'s `options_json`). `Debug` shows the proxy
/// redacted.
#[derive(Clone, PartialEq)]
pub struct SessionOptions {
    /// The store file.
    pub store_path: PathBuf,
    /// Default cloud for requests that do not name one.
    pub environment: AzureEnvironment,
    /// Host overrides.
    pub endpoints: Endpoints,
    /// Explicit proxy.
    pub proxy: Option<String>,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Extra trusted CA certificates (PEM) read from `TrustedCaPath`.
    pub trusted_ca_pem: Option<Vec<u8>>,
    /// Hosts reached without the explicit proxy (`NoProxy`, `NO_PROXY` syntax).
    pub no_proxy: Option<String>,
    /// False when the caller passes its settings explicitly (`"ProcessEnvironment": false`):
    /// `CMAAD_STORE`, `CMAAD_SITE_KEY` and the proxy variables of the process are not read.
    pub process_environment: bool,
    /// Where the site key comes from (`cmaad_session_open_with_site_key` gives it).
    pub site_key: KeySource,
    /// The ConfigMgr site (`"Site"`) whose SMS Provider holds the objects; `None` = the store.
    pub site: Option<crate::site::SiteOptions>,
}

impl std::fmt::Debug for SessionOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionOptions")
            .field("store_path", &self.store_path)
            .field("environment", &self.environment)
            .field("endpoints", &self.endpoints)
            .field("proxy", &self.proxy.as_deref().map(crate::proxy::redacted))
            .field("timeout", &self.timeout)
            .field(
                "trusted_ca_pem",
                &self.trusted_ca_pem.as_ref().map(|p| p.len()),
            )
            .field("no_proxy", &self.no_proxy)
            .field("process_environment", &self.process_environment)
            .field("site_key", &self.site_key)
            .finish()
    }
}

impl SessionOptions {
    /// Defaults for a store at `store_path`: the public cloud, no overrides, no proxy, 30 s,
    /// the process environment read (proxy variables, `CMAAD_SITE_KEY`).
    pub fn new(store_path: impl Into<PathBuf>) -> SessionOptions {
        SessionOptions {
            store_path: store_path.into(),
            environment: AzureEnvironment::default(),
            endpoints: Endpoints::default(),
            proxy: None,
            timeout: DEFAULT_TIMEOUT,
            trusted_ca_pem: None,
            no_proxy: None,
            process_environment: true,
            site_key: KeySource::Environment,
            site: None,
        }
    }
}

/// Reads and checks the extra CA bundle named by `TrustedCaPath`. Only a regular file of at
/// most [`crate::files::MAX_CA_BUNDLE_BYTES`] is read: a FIFO, a device or a huge file is refused
/// (`InvalidArgument`) instead of hanging or exhausting the host.
pub fn read_trusted_roots(path: &str) -> Result<Vec<u8>> {
    let pem = crate::files::read_regular(
        std::path::Path::new(path),
        "TrustedCaPath",
        "a PEM file holding the CA certificate",
        crate::files::MAX_CA_BUNDLE_BYTES,
    )?;
    crate::runtime::trusted_roots(&pem)?;
    Ok(pem)
}

/// Checks the `Proxy` option: an absolute `http` or `https` URL (the HTTP stack is built without
/// SOCKS, so a `socks5://` proxy would be accepted and then never work). Messages show it
/// redacted ([`crate::proxy::redacted`]): a proxy URL may carry the proxy account's password.
pub fn check_proxy(value: &str) -> Result<String> {
    let shown = crate::proxy::redacted(value.trim());
    let url = reqwest::Url::parse(value.trim()).map_err(|e| {
        Error::invalid(
            "Proxy",
            "InvalidProxy",
            format!(
                "Proxy '{shown}' is not a URL ({e}): give it as http://proxy.contoso.com:8080."
            ),
        )
    })?;
    match url.scheme() {
        "http" | "https" => Ok(value.trim().to_string()),
        other => Err(Error::invalid(
            "Proxy",
            "InvalidProxy",
            format!("Proxy '{shown}' has scheme '{other}': CMAAD speaks to HTTP proxies only (no SOCKS); use http:// or https://."),
        )),
    }
}

/// The per-user default store file.
pub fn default_store_path() -> Result<PathBuf> {
    if let Some(p) = std::env::var_os(STORE_ENV).filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    default_store_folder_path()
}

/// The store file in the per-user data folder (what `CMAAD_STORE` overrides).
pub fn default_store_folder_path() -> Result<PathBuf> {
    let missing = || {
        Error::invalid(
            "StorePath",
            "NoDefaultStorePath",
            format!("No per-user data folder was found: give StorePath, or set {STORE_ENV}."),
        )
    };
    let var = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if cfg!(windows) {
        return var("LOCALAPPDATA")
            .map(|d| d.join("CMAAD").join("site.db"))
            .ok_or_else(missing);
    }
    if cfg!(target_os = "macos") {
        return var("HOME")
            .map(|h| h.join("Library/Application Support/CMAAD/site.db"))
            .ok_or_else(missing);
    }
    var("XDG_DATA_HOME")
        .map(|d| d.join("cmaad"))
        .or_else(|| var("HOME").map(|h| h.join(".local/share/cmaad")))
        .map(|d| d.join("site.db"))
        .ok_or_else(missing)
}
