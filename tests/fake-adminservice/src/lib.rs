//! A local ConfigMgr SMS Provider (AdminService) for CMAAD's tests and benchmarks, and a
//! throwaway MIT Kerberos realm ([`kdc::Realm`]) whose tickets it accepts.
//!
//! [`FakeSite::start`] serves HTTPS on `127.0.0.1` at a random port (certificate for
//! `localhost`, signed by a fresh "SMS Issuing" root) from a thread and runtime of its own. It
//! serves the four classes of the CMG's Entra configuration on the `wmi` route with the
//! documented OData behaviour ([`classes`], [`provider`]), authenticates callers for real
//! ([`auth`]: Kerberos tickets from the realm's KDC, NTLM where allowed, Entra bearer tokens on
//! `/AdminService_TokenAuth/`), refuses writes per class as a site may, and takes [`Fault`]s.
//!
//! ```no_run
//! use cmaad_fake_adminservice::{auth::{AuthConfig, KerberosService}, kdc::Realm, FakeSite, SiteConfig};
//! let realm = Realm::start("cmadmin", "Pa55-word", "localhost").unwrap();
//! let kerberos = KerberosService { host: "localhost".into(), keys: realm.service_keys().to_vec() };
//! let site = FakeSite::start(SiteConfig::new("XYZ").auth(AuthConfig { kerberos: Some(kerberos), ..Default::default() }));
//! // connect to site.provider_machine_name() trusting site.root_pem() ...
//! ```

pub mod auth;
pub mod classes;
mod faults;
pub mod kdc;
pub mod odata;
pub mod provider;
mod server;
mod state;

pub use auth::Scheme;
pub use classes::Class;
pub use faults::{Fault, FaultKind};
pub use state::RecordedRequest;

use auth::{AuthConfig, AuthCounts};
use serde_json::{Map, Value};
use server::{lock, Shared};
use sha2::Digest as _;
use state::State;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use tokio::sync::oneshot;

/// How the fake site starts.
#[derive(Clone)]
pub struct SiteConfig {
    site_code: String,
    auth: AuthConfig,
    refused_writes: HashSet<Class>,
}

impl SiteConfig {
    /// A site with this code, no authentication configured (every request gets 401).
    pub fn new(site_code: &str) -> SiteConfig {
        SiteConfig {
            site_code: site_code.to_string(),
            auth: AuthConfig::default(),
            refused_writes: HashSet::new(),
        }
    }

    /// How callers authenticate.
    pub fn auth(mut self, auth: AuthConfig) -> SiteConfig {
        self.auth = auth;
        self
    }

    /// Refuses `POST`/`PUT`/`DELETE` on `class` (405), as a site whose provider does not take
    /// writes on that class would.
    pub fn refuse_writes(mut self, class: Class) -> SiteConfig {
        self.refused_writes.insert(class);
        self
    }
}

/// A running fake provider; stops when dropped.
pub struct FakeSite {
    state: Shared,
    port: u16,
    root_pem: String,
    leaf_sha256: String,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl FakeSite {
    /// Starts the provider on `127.0.0.1` at a random port.
    ///
    /// # Panics
    /// When no loopback port can be bound, no runtime started or no certificate made.
    pub fn start(config: SiteConfig) -> FakeSite {
        // A site without PKI: the provider's certificate comes from the site's "SMS Issuing" root.
        let tls = cmaad_fake_entra::tls::generate_named("SMS Issuing", "SMS Role SSL Certificate")
            .expect("generate the provider's certificates");
        let leaf_sha256: String = sha2::Sha256::digest(&tls.leaf_der)
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect();
        let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).expect("bind 127.0.0.1:0");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let port = listener.local_addr().expect("local address").port();
        let state: Shared = Arc::new(Mutex::new(State {
            base_url: format!("https://localhost:{port}/AdminService"),
            site_code: config.site_code,
            auth: config.auth,
            replays: Default::default(),
            auth_counts: AuthCounts::default(),
            objects: Default::default(),
            refused_writes: config.refused_writes,
            faults: Vec::new(),
            requests: Vec::new(),
            connections: 0,
        }));
        let (tx, rx) = oneshot::channel();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("fake runtime");
        let thread_state = state.clone();
        let acceptor = tls.acceptor;
        let thread = std::thread::Builder::new()
            .name("fake-adminservice".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let listener =
                        tokio::net::TcpListener::from_std(listener).expect("tokio listener");
                    server::accept_loop(listener, thread_state, acceptor, rx).await;
                });
            })
            .expect("spawn the fake's thread");
        FakeSite {
            state,
            port,
            root_pem: tls.ca_pem,
            leaf_sha256,
            shutdown: Some(tx),
            thread: Some(thread),
        }
    }

    /// `localhost:<port>`: what a client gives as the provider's machine name (the SPN's host
    /// is `localhost`).
    pub fn provider_machine_name(&self) -> String {
        format!("localhost:{}", self.port)
    }

    /// `https://localhost:<port>/AdminService`.
    pub fn base_url(&self) -> String {
        lock(&self.state).base_url.clone()
    }

    /// The site's "SMS Issuing" root (PEM), the certificate an admin exports and trusts.
    pub fn root_pem(&self) -> &str {
        &self.root_pem
    }

    /// SHA-256 of the provider's certificate, upper-case hex (a thumbprint pin).
    pub fn certificate_sha256(&self) -> &str {
        &self.leaf_sha256
    }

    /// Adds an object as if the console had made it; returns its `ID`. A `SecretKey` given in
    /// plain text is stored sealed.
    pub fn seed(&self, class: Class, object: Value) -> u32 {
        let mut s = lock(&self.state);
        let site = s.site_code.clone();
        let object: Map<String, Value> = object.as_object().cloned().unwrap_or_default();
        s.objects.seed(class, &site, object)
    }

    /// Every object of `class` as stored (sealed secrets, lazy properties included).
    pub fn objects(&self, class: Class) -> Vec<Map<String, Value>> {
        lock(&self.state).objects.all(class)
    }

    /// The secret the site holds for application `id`, decrypted: what the CMG would use.
    pub fn plain_secret(&self, id: u32) -> Option<String> {
        lock(&self.state)
            .objects
            .plain_secret(id)
            .map(str::to_string)
    }

    /// Refuses (or allows again) writes to `class`.
    pub fn set_refuse_writes(&self, class: Class, refuse: bool) {
        let mut s = lock(&self.state);
        if refuse {
            s.refused_writes.insert(class);
        } else {
            s.refused_writes.remove(&class);
        }
    }

    /// Adds a fault; the first matching fault answers a request.
    pub fn add_fault(&self, fault: Fault) {
        lock(&self.state).faults.push(fault);
    }

    /// Removes every fault.
    pub fn clear_faults(&self) {
        lock(&self.state).faults.clear();
    }

    /// Every request so far, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.state).requests.clone()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        lock(&self.state).requests.clear();
    }

    /// Authentication counters (Kerberos AP-REQs accepted, NTLM logons, refusals).
    pub fn auth_counts(&self) -> AuthCounts {
        lock(&self.state).auth_counts.clone()
    }

    /// TLS connections accepted so far.
    pub fn connections(&self) -> usize {
        lock(&self.state).connections
    }
}

impl Drop for FakeSite {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
