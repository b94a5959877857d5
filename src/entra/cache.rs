//! The process-wide cache of client-credentials tokens. The key holds the authority, tenant,
//! client, scope and a salted SHA-256 of the secret, so a different (wrong) secret never finds a
//! token minted with the right one. Tokens are reused until shortly before they expire.

use once_cell::sync::Lazy;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

/// Entries kept at most; expired ones go first, then all if still full.
const MAX_ENTRIES: usize = 256;
/// A token is not reused in its last five minutes (or last half, for short-lived ones).
const REFRESH_MARGIN: Duration = Duration::from_secs(300);

/// A random salt per process: fingerprints are useless outside it.
static SALT: Lazy<[u8; 32]> = Lazy::new(|| {
    let mut salt = [0u8; 32];
    if getrandom::getrandom(&mut salt).is_err() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos();
        salt[..16].copy_from_slice(&nanos.to_le_bytes());
    }
    salt
});

static CACHE: Lazy<Mutex<HashMap<Key, Entry>>> = Lazy::new(|| Mutex::new(HashMap::new()));

/// What a cached token is for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    authority: String,
    tenant: String,
    client_id: String,
    scope: String,
    secret: [u8; 32],
}

impl Key {
    /// The key for these request parameters; the secret enters only as a salted hash.
    pub fn new(authority: &str, tenant: &str, client_id: &str, scope: &str, secret: &str) -> Key {
        let mut hasher = Sha256::new();
        hasher.update(*SALT);
        hasher.update(secret.as_bytes());
        Key {
            authority: authority.to_ascii_lowercase(),
            tenant: tenant.to_ascii_lowercase(),
            client_id: client_id.to_ascii_lowercase(),
            scope: scope.to_string(),
            secret: hasher.finalize().into(),
        }
    }
}

/// A token and the application permissions it carries.
#[derive(Clone)]
pub struct Token {
    /// The bearer token.
    pub access_token: Zeroizing<String>,
    /// `roles` claim (application permissions), empty when none were granted.
    pub roles: Vec<String>,
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Token")
            .field("access_token", &"<redacted>")
            .field("roles", &self.roles)
            .finish()
    }
}

struct Entry {
    token: Token,
    reuse_until: Instant,
}

fn cache() -> std::sync::MutexGuard<'static, HashMap<Key, Entry>> {
    CACHE.lock().unwrap_or_else(|p| p.into_inner())
}

/// The cached token for `key`, if it is not about to expire.
pub fn get(key: &Key) -> Option<Token> {
    let entries = cache();
    entries
        .get(key)
        .filter(|e| e.reuse_until > Instant::now())
        .map(|e| e.token.clone())
}

/// Keeps `token`, valid for `expires_in` from now, for reuse until shortly before it expires.
pub fn put(key: Key, token: Token, expires_in: Duration) {
    let margin = REFRESH_MARGIN.min(expires_in / 2);
    let reuse_until = Instant::now() + expires_in.saturating_sub(margin);
    let mut entries = cache();
    if entries.len() >= MAX_ENTRIES {
        let now = Instant::now();
        entries.retain(|_, e| e.reuse_until > now);
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
    }
    entries.insert(key, Entry { token, reuse_until });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token() -> Token {
        Token {
            access_token: Zeroizing::new("t".into()),
            roles: vec![],
        }
    }

    #[test]
    fn a_different_secret_misses() {
        let right = Key::new("https://unit.test", "t1", "c1", "s/.default", "right");
        put(right.clone(), token(), Duration::from_secs(3600));
        assert!(get(&right).is_some());
        assert!(get(&Key::new(
            "https://unit.test",
            "t1",
            "c1",
            "s/.default",
            "wrong"
        ))
        .is_none());
        assert!(get(&Key::new(
            "https://unit.test",
            "t1",
            "c1",
            "other/.default",
            "right"
        ))
        .is_none());
    }

    #[test]
    fn short_lived_tokens_expire_early() {
        let key = Key::new("https://unit.test", "t2", "c2", "s/.default", "x");
        put(key.clone(), token(), Duration::from_millis(40));
        assert!(get(&key).is_some());
        std::thread::sleep(Duration::from_millis(25));
        assert!(get(&key).is_none(), "reused past half of a short lifetime");
    }

    #[test]
    fn debug_hides_the_token() {
        assert!(!format!("{:?}", token()).contains("\"t\""));
    }
}
