//! The fake's mutable state behind one mutex: the directory, issued tokens, device codes,
//! faults and the record of requests.

use crate::faults::{Endpoint, Fault};
use crate::model::Config;
use std::collections::HashMap;
use std::time::Instant;

/// One request as the fake received it, with `client_secret` and bearer tokens redacted.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// The endpoint kind it was routed to.
    pub endpoint: Endpoint,
    /// HTTP method.
    pub method: String,
    /// Path without the query.
    pub path: String,
    /// Raw query string, if any.
    pub query: Option<String>,
    /// Headers, names lower case (`authorization` values redacted).
    pub headers: Vec<(String, String)>,
    /// Form fields of a form-encoded body (`client_secret` redacted).
    pub form: Vec<(String, String)>,
}

impl RecordedRequest {
    /// The first value of form field `name`.
    pub fn form_field(&self, name: &str) -> Option<&str> {
        self.form
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// An access token the fake issued.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    /// Tenant GUID.
    pub tenant_id: String,
    /// True for a Microsoft Graph token.
    pub graph: bool,
    /// The Graph resource a Graph token was issued for (`aud`), e.g. `https://graph.microsoft.us`.
    pub audience: Option<String>,
    /// Application permissions (`roles`).
    pub roles: Vec<String>,
    /// Delegated permissions (`scp`).
    pub scopes: Vec<String>,
    /// When it stops being accepted.
    pub expires: Instant,
}

/// Where a device-code sign-in stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceCodeStatus {
    /// Waiting for the user.
    Pending,
    /// The user signed in and approved.
    Approved,
    /// The user declined.
    Declined,
    /// Expired (by time or by a test).
    Expired,
    /// A token was issued for it.
    Redeemed,
}

/// A device code handed out by `/devicecode`.
#[derive(Debug, Clone)]
pub struct DeviceCodeGrant {
    /// The secret code the client polls with.
    pub device_code: String,
    /// The code the user types.
    pub user_code: String,
    /// Tenant GUID.
    pub tenant_id: String,
    /// The (public) client.
    pub client_id: String,
    /// Requested scopes.
    pub scopes: Vec<String>,
    /// Where it stands.
    pub status: DeviceCodeStatus,
    /// When it expires.
    pub expires: Instant,
    /// The last poll, for `slow_down`.
    pub last_poll: Option<Instant>,
}

/// All mutable state.
#[derive(Debug)]
pub struct State {
    /// The directory and lifetimes.
    pub config: Config,
    /// `http(s)://127.0.0.1:port`.
    pub base_url: String,
    /// Active faults, first match wins.
    pub faults: Vec<Fault>,
    /// Every request received, oldest first.
    pub requests: Vec<RecordedRequest>,
    /// Tokens by their text.
    pub tokens: HashMap<String, IssuedToken>,
    /// Device codes handed out.
    pub device_codes: Vec<DeviceCodeGrant>,
    /// What Graph writes created (service principals, grants) and their simulation knobs.
    pub directory: crate::graph_write::Directory,
}

impl State {
    /// Fresh state for `config` served at `base_url`.
    pub fn new(config: Config, base_url: String) -> Self {
        State {
            config,
            base_url,
            faults: Vec::new(),
            requests: Vec::new(),
            tokens: HashMap::new(),
            device_codes: Vec::new(),
            directory: Default::default(),
        }
    }

    /// The tenant `name` (GUID or verified domain) resolves to.
    pub fn tenant(&self, name: &str) -> Option<&crate::model::Tenant> {
        self.config.tenants.iter().find(|t| t.answers_to(name))
    }

    /// The device code whose user code is `user_code`.
    pub fn device_code_by_user_code(&mut self, user_code: &str) -> Option<&mut DeviceCodeGrant> {
        self.device_codes
            .iter_mut()
            .find(|d| d.user_code.eq_ignore_ascii_case(user_code))
    }
}
