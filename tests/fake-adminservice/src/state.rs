//! The fake provider's mutable state behind one mutex.

use crate::auth::{AuthConfig, AuthCounts, Replays, Scheme};
use crate::classes::Class;
use crate::faults::Fault;
use crate::provider::Objects;
use serde_json::Value;
use std::collections::HashSet;

/// One request as the provider received it, secrets and credentials redacted.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// HTTP method.
    pub method: String,
    /// Path, percent-decoded.
    pub path: String,
    /// Raw query string.
    pub query: Option<String>,
    /// The `Authorization` scheme sent with this request (`Negotiate`, `NTLM`, `Bearer`).
    pub authorization_scheme: Option<String>,
    /// Who the provider took the caller to be.
    pub principal: Option<String>,
    /// How the caller was authenticated (on this request or earlier on the connection).
    pub scheme: Option<Scheme>,
    /// The JSON body with `SecretKey` replaced by `<redacted>`.
    pub body: Option<Value>,
    /// True when the body carried a `SecretKey` string.
    pub carried_secret: bool,
    /// The HTTP status answered (0 = connection dropped).
    pub status: u16,
}

/// Everything the fake holds.
pub struct State {
    /// `https://localhost:<port>/AdminService`.
    pub base_url: String,
    /// The site code.
    pub site_code: String,
    /// Who may call.
    pub auth: AuthConfig,
    /// Kerberos replay cache.
    pub replays: Replays,
    /// Authentication counters.
    pub auth_counts: AuthCounts,
    /// The classes.
    pub objects: Objects,
    /// Classes whose writes the provider refuses.
    pub refused_writes: HashSet<Class>,
    /// Injected faults.
    pub faults: Vec<Fault>,
    /// Requests received.
    pub requests: Vec<RecordedRequest>,
    /// TLS connections accepted.
    pub connections: usize,
}
