//! A local Microsoft Entra ID + Microsoft Graph for CMAAD's tests and benchmarks.
//!
//! [`FakeEntra::start`] serves on `127.0.0.1` at a random port from a thread and runtime of its
//! own, so plain synchronous `#[test]`s can use it. It speaks the documented protocol and checks
//! requests as Entra does: OpenID discovery, the v2.0 token endpoint (client credentials, device
//! code), the device authorization endpoint and Graph v1.0 application look-ups, with AADSTS and
//! Graph error bodies in their real shapes. Tests inject [`Fault`]s, read [`RecordedRequest`]s and
//! approve or decline device-code sign-ins.
//!
//! ```no_run
//! use cmaad_fake_entra::{App, Config, Endpoint, FakeEntra, Fault, FaultKind, Tenant};
//! let tenant = Tenant::new("05a349fa-0d5c-4a1c-9f3e-1c2d3e4f5a6b").domain("contoso.onmicrosoft.com")
//!     .app(App::new("7078946d-1a2b-4c3d-8e9f-0a1b2c3d4e5f", "CmgServerApp").secret("s3cr3t"));
//! let fake = FakeEntra::start(Config::new().tenant(tenant));
//! fake.add_fault(Fault::on(Endpoint::Token, FaultKind::Status { status: 503, retry_after_secs: Some(1) }).times(1));
//! // point the client at fake.base_url() for both the authority and Graph ...
//! assert_eq!(fake.count(Endpoint::Token), 0);
//! ```

mod faults;
mod graph;
mod graph_passwords;
mod graph_write;
mod incoming;
mod model;
mod oauth;
mod reply;
mod resource;
mod server;
mod state;
pub mod tls;

pub use faults::{Endpoint, Fault, FaultKind};
pub use graph_write::{
    AppRoleAssignment, GraphOp, GraphWrite, PermissionGrant, ServicePrincipal,
    DIRECTORY_READ_ALL_ROLE, USER_READ_SCOPE,
};
pub use model::{
    App, Config, PermissionScope, RequiredResourceAccess, ResourceAccess, Secret, Tenant,
    GRAPH_APP_ID,
};
pub use resource::{Refusal, TokenValidator};
pub use state::{DeviceCodeStatus, RecordedRequest};

use server::{lock, Shared};
use state::State;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use tokio::sync::oneshot;

/// A running fake; stops when dropped.
pub struct FakeEntra {
    state: Shared,
    base_url: String,
    ca_pem: Option<String>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl FakeEntra {
    /// Starts a plain-http fake on `127.0.0.1` at a random port.
    ///
    /// # Panics
    /// When no loopback port can be bound or no runtime started (a broken test machine).
    pub fn start(config: Config) -> FakeEntra {
        Self::launch(config, None)
    }

    /// Starts an https fake whose certificate is signed by a fresh test CA ([`FakeEntra::ca_pem`]).
    ///
    /// # Panics
    /// As [`FakeEntra::start`], or when the certificates cannot be generated.
    pub fn start_https(config: Config) -> FakeEntra {
        let material = tls::generate().expect("generate the fake's TLS certificates");
        Self::launch(config, Some(material))
    }

    fn launch(config: Config, tls: Option<tls::TlsMaterial>) -> FakeEntra {
        let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).expect("bind 127.0.0.1:0");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let port = listener.local_addr().expect("local address").port();
        let scheme = if tls.is_some() { "https" } else { "http" };
        let base_url = format!("{scheme}://127.0.0.1:{port}");
        let state: Shared = Arc::new(Mutex::new(State::new(config, base_url.clone())));
        let (tx, rx) = oneshot::channel();
        let ca_pem = tls.as_ref().map(|t| t.ca_pem.clone());
        let acceptor = tls.map(|t| t.acceptor);
        let thread_state = state.clone();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("fake runtime");
        let thread = std::thread::Builder::new()
            .name("fake-entra".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let listener =
                        tokio::net::TcpListener::from_std(listener).expect("tokio listener");
                    server::accept_loop(listener, thread_state, acceptor, rx).await;
                });
            })
            .expect("spawn the fake's thread");
        FakeEntra {
            state,
            base_url,
            ca_pem,
            shutdown: Some(tx),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:port` (or `https://`): the authority host and the Graph host at once.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The test CA's certificate (PEM) for an https fake.
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// Adds a fault; the first matching fault answers a request.
    pub fn add_fault(&self, fault: Fault) {
        lock(&self.state).faults.push(fault);
    }

    /// Removes every fault.
    pub fn clear_faults(&self) {
        lock(&self.state).faults.clear();
    }

    /// How many requests reached `endpoint` (faulted ones included).
    pub fn count(&self, endpoint: Endpoint) -> usize {
        lock(&self.state)
            .requests
            .iter()
            .filter(|r| r.endpoint == endpoint)
            .count()
    }

    /// Every request received so far, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.state).requests.clone()
    }

    /// Forgets the recorded requests (counts restart at zero).
    pub fn clear_requests(&self) {
        lock(&self.state).requests.clear();
    }

    /// Changes the directory (tenants, apps, secrets, lifetimes) while running.
    pub fn update(&self, change: impl FnOnce(&mut Config)) {
        change(&mut lock(&self.state).config);
    }

    /// A copy of the directory as it is now.
    pub fn snapshot(&self) -> Config {
        lock(&self.state).config.clone()
    }

    /// A resource server's check of the access tokens this fake issues ([`TokenValidator`]).
    pub fn token_validator(&self) -> TokenValidator {
        TokenValidator {
            state: self.state.clone(),
        }
    }

    /// Every access token issued so far stops being accepted by [`TokenValidator`] now (as if
    /// its lifetime had run out), while the clients holding them still think them valid.
    pub fn expire_issued_tokens(&self) {
        let now = std::time::Instant::now();
        for t in lock(&self.state).tokens.values_mut() {
            t.expires = now;
        }
    }

    /// The user signs in and approves the device code `user_code`; false if unknown.
    pub fn approve_device_code(&self, user_code: &str) -> bool {
        self.set_device_code(user_code, DeviceCodeStatus::Approved)
    }

    /// The user declines the device code `user_code`; false if unknown.
    pub fn decline_device_code(&self, user_code: &str) -> bool {
        self.set_device_code(user_code, DeviceCodeStatus::Declined)
    }

    /// Expires the device code `user_code` now; false if unknown.
    pub fn expire_device_code(&self, user_code: &str) -> bool {
        self.set_device_code(user_code, DeviceCodeStatus::Expired)
    }

    fn set_device_code(&self, user_code: &str, status: DeviceCodeStatus) -> bool {
        let mut s = lock(&self.state);
        match s.device_code_by_user_code(user_code) {
            Some(grant) => {
                grant.status = status;
                true
            }
            None => false,
        }
    }
}

impl Drop for FakeEntra {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
