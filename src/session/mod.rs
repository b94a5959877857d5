//! A session: one open site store plus the cloud and network settings, and the operations of
//! ConfigMgr's Azure-services cmdlets on it, one room per subject: [`apps`] (import, get, change,
//! remove), [`services`], [`tenants`], [`secrets`] (renewal, rotation, maintenance) and
//! [`verification`]. Every operation takes a typed request and returns a typed result; the C
//! ABI's JSON documents are read and written by [`crate::wire`]. A session is `Send + Sync`: many
//! threads (PowerShell runspaces) may call it at once.

pub mod apps;
pub mod maintenance;
pub mod options;
pub mod secrets;
pub mod services;
pub mod site_rotation;
pub mod tenants;
pub mod verification;

pub use apps::{AppResult, ClientAppImport, ServerAppImport, SetApp, TenantRef};
pub use maintenance::{Action, MaintenanceEntry, MaintenancePlan, MaintenanceReport};
pub use options::{default_store_path, SessionOptions, STORE_ENV};
pub use secrets::{Rotation, SecretRenewal, SecretRotation};
pub use services::{NewService, SetService};
pub use tenants::SetTenant;
pub use verification::{AppVerification, MAX_PARALLEL_VERIFICATIONS};

use crate::entra::Verifier;
use crate::error::Result;
use crate::runtime::NetConfig;
use crate::store::Store;
use std::time::Duration;

/// An open site.
#[derive(Debug)]
pub struct Session {
    options: SessionOptions,
    store: Store,
    verifier: Verifier,
    site: Option<crate::site::AdminServiceSite>,
}

impl Session {
    /// Opens the store and prepares the network settings (nothing is contacted yet).
    pub fn open(options: SessionOptions) -> Result<Session> {
        Self::open_with_credential(options, None)
    }

    /// [`Session::open`] with the password of `Site.UserName` for a ConfigMgr site.
    pub fn open_with_credential(
        options: SessionOptions,
        password: Option<crate::secret::SecretKey>,
    ) -> Result<Session> {
        let store = Store::open_with_key(&options.store_path, &options.site_key)?;
        let site = crate::site::connect(options.site.as_ref(), &options.store_path, password)?;
        let net = NetConfig {
            proxy: options.proxy.clone(),
            no_proxy: options.no_proxy.clone(),
            ignore_environment: !options.process_environment,
            connect_timeout: options.timeout.min(Duration::from_secs(10)),
            extra_roots_pem: options.trusted_ca_pem.clone(),
        };
        let verifier = Verifier::new(options.endpoints.clone(), net, options.timeout);
        Ok(Session {
            options,
            store,
            verifier,
            site,
        })
    }

    /// Where the import, get and new-service operations read and write: the ConfigMgr site
    /// when one is connected, else the store.
    pub(crate) fn backend(&self) -> &dyn crate::site::SiteBackend {
        match &self.site {
            Some(site) => site,
            None => &self.store,
        }
    }

    /// `WhatIf`: the requests `op` would send to the connected site, none of them sent (reads
    /// are made; see [`crate::site::AdminServiceSite::plan`]). A store session plans no
    /// request: `op` runs with its store writes rolled back ([`Store::plan`]), so its checks
    /// fail as the real call would and nothing is kept.
    ///
    /// # Errors
    /// `op`'s errors.
    pub fn plan<T>(
        &self,
        op: impl FnOnce(&Session) -> Result<T>,
    ) -> Result<Vec<crate::site::adminservice::PlannedRequest>> {
        match &self.site {
            Some(site) => site.plan(|| op(self)),
            None => Store::plan(|| op(self)).map(|_| Vec::new()),
        }
    }

    /// The connected ConfigMgr site, if any.
    pub fn site(&self) -> Option<&crate::site::AdminServiceSite> {
        self.site.as_ref()
    }

    /// The warnings every document of this session carries (`Warnings`): with a site whose
    /// certificate check is off, once it was contacted, the standing warning and each new
    /// connection's ([`crate::site::AdminServiceSite::certificate_warnings`]).
    pub fn document_warnings(&self) -> Vec<String> {
        self.site
            .as_ref()
            .map(|s| s.certificate_warnings())
            .unwrap_or_default()
    }

    /// The options the session was opened with.
    pub fn options(&self) -> &SessionOptions {
        &self.options
    }

    /// The store, for operations beyond the cmdlets.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The session's Entra verifier.
    pub fn verifier(&self) -> &Verifier {
        &self.verifier
    }
}
