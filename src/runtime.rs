//! The library's one tokio runtime and its shared HTTP clients, created on first use and reused
//! by every session and call. A client is kept per network configuration (proxy, connect
//! timeout), so sessions with the same settings share connections and keep-alive.

use crate::error::{Error, Result};
use once_cell::sync::{Lazy, OnceCell};
use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;

static RUNTIME: OnceCell<tokio::runtime::Runtime> = OnceCell::new();

/// The library-wide runtime (two worker threads: the work is I/O bound).
pub fn runtime() -> Result<&'static tokio::runtime::Runtime> {
    RUNTIME.get_or_try_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("cmaad-io")
            .enable_all()
            .build()
            .map_err(|e| Error::internal(format!("The I/O runtime could not start: {e}.")))
    })
}

/// Runs `fut` to completion on the library runtime from a caller's (non-runtime) thread.
pub fn block_on<F: Future>(fut: F) -> Result<F::Output> {
    Ok(runtime()?.block_on(fut))
}

/// The network settings that need a client of their own.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct NetConfig {
    /// Explicit proxy URL; `None` uses `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` from the environment.
    pub proxy: Option<String>,
    /// TCP connect timeout.
    pub connect_timeout: Duration,
    /// Extra trusted CA certificates (PEM), merged with the system's roots: a TLS-inspecting
    /// proxy's CA, or a test CA.
    pub extra_roots_pem: Option<Vec<u8>>,
}

static CLIENTS: Lazy<Mutex<HashMap<NetConfig, reqwest::Client>>> =
    Lazy::new(|| Mutex::new(HashMap::new()));

/// The shared client for `config`, built once and cloned cheaply (clones share the pool).
pub fn http_client(config: &NetConfig) -> Result<reqwest::Client> {
    let mut clients = CLIENTS.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(client) = clients.get(config) {
        return Ok(client.clone());
    }
    let client = build_client(config)?;
    clients.insert(config.clone(), client.clone());
    Ok(client)
}

fn build_client(config: &NetConfig) -> Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .user_agent(concat!("CMAAD/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(config.connect_timeout)
        .pool_idle_timeout(Duration::from_secs(90))
        .tcp_nodelay(true)
        .https_only(false);
    if let Some(pem) = &config.extra_roots_pem {
        builder = builder.tls_certs_merge(trusted_roots(pem)?);
    }
    if let Some(proxy) = &config.proxy {
        let proxy = reqwest::Proxy::all(proxy)
            .map_err(|e| {
                Error::invalid(
                    "Proxy",
                    "InvalidProxy",
                    format!("Proxy '{proxy}' is not usable ({e}): give it as http://host:port."),
                )
            })?
            .no_proxy(reqwest::NoProxy::from_string("localhost,127.0.0.1,::1"));
        builder = builder.proxy(proxy);
    }
    builder
        .build()
        .map_err(|e| Error::internal(format!("The HTTP client could not be built: {e}.")))
}

/// Parses a PEM bundle of extra trusted CA certificates (`TrustedCaPath`).
pub fn trusted_roots(pem: &[u8]) -> Result<Vec<reqwest::Certificate>> {
    let certs = reqwest::Certificate::from_pem_bundle(pem).map_err(|e| {
        Error::invalid("TrustedCaPath", "InvalidCertificate", format!("TrustedCaPath does not hold PEM certificates ({e}): export the CA as Base-64 encoded X.509 (.cer/.pem)."))
    })?;
    if certs.is_empty() {
        return Err(Error::invalid("TrustedCaPath", "InvalidCertificate", "TrustedCaPath holds no certificate: export the CA as Base-64 encoded X.509 (.cer/.pem)."));
    }
    Ok(certs)
}
