//! Where the library's network I/O runs: on the calling thread, on a small single-threaded
//! tokio runtime (an *engine*) checked out of a process-wide pool for the length of one call.
//!
//! Each engine keeps its own HTTP clients (one per network configuration) and therefore its own
//! kept-alive connections. A script calling CMAAD in a loop from one thread gets the same engine
//! back on every call, so a request costs what the wire costs: no hand-off to I/O threads and
//! back. Parallel callers (bulk verification, several runspaces) each check out an engine of
//! their own; engines are never dropped from a thread-local destructor.
//!
//! A connection belongs to the engine that opened it, and its I/O only progresses while that
//! engine runs a call: futures given to [`block_on`] must therefore take their HTTP client from
//! [`client`], never from elsewhere.

use crate::error::{Error, Result};
use once_cell::sync::Lazy;
use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::Mutex;
use std::task::Poll;
use std::time::Duration;

/// Idle engines kept for reuse; more are dropped when their call ends.
const MAX_IDLE_ENGINES: usize = 16;

/// How long an unused connection stays in an engine's pool. Shorter than the idle timeouts of
/// Entra's and Graph's front ends, so a pooled connection is rarely one the server has closed.
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(50);

/// The network settings that need a client of their own. `Debug` shows the proxy redacted.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct NetConfig {
    /// Explicit proxy URL; `None` uses `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY`/`NO_PROXY` from the
    /// environment unless `ignore_environment` is set. Loopback hosts bypass either
    /// ([`crate::proxy`]).
    pub proxy: Option<String>,
    /// Hosts reached without the explicit proxy (`NO_PROXY` syntax: comma-separated names,
    /// `.domain` suffixes, IP addresses and CIDR ranges), besides loopback.
    pub no_proxy: Option<String>,
    /// The caller passes every setting explicitly: the process environment's proxy variables
    /// are not read (a PowerShell host's `$env:` changes never reach native code on Linux).
    pub ignore_environment: bool,
    /// TCP connect timeout.
    pub connect_timeout: Duration,
    /// Extra trusted CA certificates (PEM), merged with the system's roots: a TLS-inspecting
    /// proxy's CA, or a test CA.
    pub extra_roots_pem: Option<Vec<u8>>,
}

impl std::fmt::Debug for NetConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NetConfig")
            .field("proxy", &self.proxy.as_deref().map(crate::proxy::redacted))
            .field("no_proxy", &self.no_proxy)
            .field("ignore_environment", &self.ignore_environment)
            .field("connect_timeout", &self.connect_timeout)
            .field(
                "extra_roots_pem",
                &self.extra_roots_pem.as_ref().map(|pem| pem.len()),
            )
            .finish()
    }
}

/// A registered [`NetConfig`]: a cheap handle that names it in every engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Net(usize);

static NETS: Lazy<Mutex<Vec<NetConfig>>> = Lazy::new(|| Mutex::new(Vec::new()));

impl Net {
    /// The handle of `config`, registering it the first time it is seen.
    pub fn register(config: &NetConfig) -> Net {
        let mut nets = NETS.lock().unwrap_or_else(|p| p.into_inner());
        match nets.iter().position(|c| c == config) {
            Some(i) => Net(i),
            None => {
                nets.push(config.clone());
                Net(nets.len() - 1)
            }
        }
    }

    fn config(self) -> NetConfig {
        NETS.lock().unwrap_or_else(|p| p.into_inner())[self.0].clone()
    }
}

type Clients = HashMap<Net, reqwest::Client>;

tokio::task_local! {
    /// The clients of the engine running the current call.
    static CLIENTS: RefCell<Clients>;
}

/// A single-threaded runtime and the clients whose connections live on it.
struct Engine {
    runtime: tokio::runtime::Runtime,
    clients: Clients,
}

static IDLE: Lazy<Mutex<Vec<Engine>>> = Lazy::new(|| Mutex::new(Vec::new()));

fn checkout() -> Result<Engine> {
    if let Some(engine) = IDLE.lock().unwrap_or_else(|p| p.into_inner()).pop() {
        return Ok(engine);
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::internal(format!("The I/O runtime could not start: {e}.")))?;
    Ok(Engine {
        runtime,
        clients: Clients::new(),
    })
}

fn checkin(engine: Engine) {
    let mut idle = IDLE.lock().unwrap_or_else(|p| p.into_inner());
    if idle.len() < MAX_IDLE_ENGINES {
        idle.push(engine);
        return;
    }
    drop(idle);
    drop(engine);
}

/// Runs `fut` to completion on the calling thread, on an engine checked out for the call.
/// Must not be called from inside an async context.
pub fn block_on<F: Future>(fut: F) -> Result<F::Output> {
    let mut engine = checkout()?;
    let clients = RefCell::new(std::mem::take(&mut engine.clients));
    let mut call = std::pin::pin!(CLIENTS.scope(clients, async {
        notice_closed_connections().await;
        fut.await
    }));
    let output = engine.runtime.block_on(call.as_mut());
    engine.clients = call
        .as_mut()
        .take_value()
        .map(RefCell::into_inner)
        .unwrap_or_default();
    checkin(engine);
    Ok(output)
}

/// Lets the engine's connection tasks, idle since its last call, read what arrived meanwhile
/// (a server closing an idle connection) before a request picks a pooled connection: yielding
/// turns the I/O driver and runs the tasks it woke. Twice, so it does not hang on the order in
/// which the scheduler polls them (`tests/entra_connections.rs` fails without it).
async fn notice_closed_connections() {
    tokio::task::yield_now().await;
    tokio::task::yield_now().await;
}

/// Runs `futures` concurrently, at most `limit` at a time, within the current call (inside
/// [`block_on`]); the outputs keep the futures' order. A future that panics is dropped and
/// leaves `None` in its place; the others run on.
pub async fn join_bounded<F: Future>(
    futures: impl IntoIterator<Item = F>,
    limit: usize,
) -> Vec<Option<F::Output>> {
    let mut waiting = futures.into_iter().enumerate();
    let mut running: Vec<(usize, Pin<Box<F>>)> = Vec::new();
    let mut done: Vec<(usize, Option<F::Output>)> = Vec::new();
    std::future::poll_fn(|cx| loop {
        while running.len() < limit.max(1) {
            match waiting.next() {
                Some((i, fut)) => running.push((i, Box::pin(fut))),
                None => break,
            }
        }
        if running.is_empty() {
            return Poll::Ready(());
        }
        let before = running.len();
        let mut k = 0;
        while k < running.len() {
            let (i, fut) = &mut running[k];
            match catch_unwind(AssertUnwindSafe(|| fut.as_mut().poll(cx))) {
                Ok(Poll::Pending) => k += 1,
                Ok(Poll::Ready(output)) => {
                    done.push((*i, Some(output)));
                    running.swap_remove(k);
                }
                Err(_) => {
                    done.push((*i, None));
                    running.swap_remove(k);
                }
            }
        }
        if running.len() == before {
            return Poll::Pending;
        }
    })
    .await;
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, output)| output).collect()
}

/// The current engine's client for `net`, built on first use. Only valid inside [`block_on`].
pub fn client(net: Net) -> Result<reqwest::Client> {
    CLIENTS
        .try_with(|clients| {
            if let Some(client) = clients.borrow().get(&net) {
                return Ok(client.clone());
            }
            let client = build_client(&net.config())?;
            clients.borrow_mut().insert(net, client.clone());
            Ok(client)
        })
        .unwrap_or_else(|_| {
            Err(Error::internal(
                "An HTTP request was made outside the library's runtime.",
            ))
        })
}

fn build_client(config: &NetConfig) -> Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .user_agent(concat!("CMAAD/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(config.connect_timeout)
        .pool_idle_timeout(POOL_IDLE_TIMEOUT)
        .tcp_nodelay(true)
        .https_only(false)
        // Requests carry client secrets and tokens: a redirect is never followed, so they reach
        // only the host the caller named (a 3xx becomes an error naming the host that sent it).
        .redirect(reqwest::redirect::Policy::none());
    if let Some(pem) = &config.extra_roots_pem {
        builder = builder.tls_certs_merge(trusted_roots(pem)?);
    }
    // Proxies are CMAAD's choice alone (explicit or from the environment, never for loopback):
    // `no_proxy` first drops reqwest's own reading of the environment.
    builder = builder.no_proxy();
    let proxies = if config.ignore_environment {
        crate::proxy::explicit(config.proxy.as_deref(), config.no_proxy.as_deref())?
    } else {
        crate::proxy::proxies(config.proxy.as_deref())?
    };
    for proxy in proxies {
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn join_bounded_keeps_order_bounds_concurrency_and_isolates_panics() {
        let running = AtomicUsize::new(0);
        let peak = AtomicUsize::new(0);
        let work = |i: u64| {
            let (running, peak) = (&running, &peak);
            async move {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(5 + (i * 7) % 11)).await;
                running.fetch_sub(1, Ordering::SeqCst);
                assert_ne!(i, 7, "boom");
                i * 2
            }
        };
        let out = block_on(join_bounded((0..40).map(work), 8)).unwrap();
        assert_eq!(peak.load(Ordering::SeqCst), 8);
        assert_eq!(out.len(), 40);
        assert_eq!(out[3], Some(6));
        assert_eq!(out[7], None);
        assert_eq!(out[39], Some(78));
    }
}
