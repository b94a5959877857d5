//! Secrets at rest: each server app secret is sealed with ChaCha20-Poly1305 under the site key,
//! bound to its tenant and client ID.
//!
//! The site key (256 bits) comes, in this order, from the caller ([`KeySource::Given`]), from
//! `CMAAD_SITE_KEY` (base64 of 32 bytes; set but unusable is an error, never
//! ignored), or from the key file beside the store (`keyfile`: checked before it is trusted,
//! created all or nothing). On Windows the key file holds the key sealed with DPAPI (`dpapi`:
//! user scope, or machine scope for a store under `%ProgramData%`); elsewhere it holds the key's
//! base64 and owner-only permissions protect it.

use super::keyfile;
use crate::error::{Error, Result};
use crate::secret::SecretKey;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// Environment variable that gives the site key instead of the key file.
pub const SITE_KEY_ENV: &str = "CMAAD_SITE_KEY";
/// What starts a key file holding a DPAPI blob (base64) rather than the key's base64.
const DPAPI_PREFIX: &str = "dpapi:";
const VERSION: u8 = 1;
const NONCE_LEN: usize = 12;
const KEY_CHECK: &[u8] = b"cmaad-key-check";

/// The 256-bit site key, wiped on drop.
pub struct SiteKey {
    cipher: ChaCha20Poly1305,
    /// Where the key came from, for messages.
    pub source: String,
}

impl std::fmt::Debug for SiteKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SiteKey(from {})", self.source)
    }
}

/// Where a session's site key comes from.
#[derive(Clone, Default)]
pub enum KeySource {
    /// `CMAAD_SITE_KEY` from the process environment if set, else the key file (C callers).
    #[default]
    Environment,
    /// The caller's key, base64 of 32 bytes (a PowerShell host passes its own
    /// `$env:CMAAD_SITE_KEY` this way: its `$env:` changes never reach native code on Linux).
    Given(SecretKey),
    /// The key file only: the caller read its environment itself and found no key there.
    KeyFile,
}

impl PartialEq for KeySource {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (KeySource::Given(a), KeySource::Given(b)) => a.expose() == b.expose(),
            (KeySource::Environment, KeySource::Environment) => true,
            (KeySource::KeyFile, KeySource::KeyFile) => true,
            _ => false,
        }
    }
}

impl std::fmt::Debug for KeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            KeySource::Environment => "Environment",
            KeySource::Given(_) => "Given(<redacted>)",
            KeySource::KeyFile => "KeyFile",
        })
    }
}

/// The key file that belongs to a store file: `site.db` → `site.db.key`.
pub fn key_file_for(store: &Path) -> PathBuf {
    let mut name = store.as_os_str().to_os_string();
    name.push(".key");
    PathBuf::from(name)
}

impl SiteKey {
    fn from_bytes(bytes: &[u8], source: String) -> Result<Self> {
        if bytes.len() != 32 {
            return Err(Error::store("InvalidSiteKey", format!("The site key from {source} is {} bytes, not 32: restore the original key, or set {SITE_KEY_ENV} to the base64 of 32 random bytes.", bytes.len())));
        }
        Ok(SiteKey {
            cipher: ChaCha20Poly1305::new(Key::from_slice(bytes)),
            source,
        })
    }

    fn decode(text: &str, source: String) -> Result<Self> {
        let bytes = Zeroizing::new(B64.decode(text.trim()).map_err(|_| {
            Error::store("InvalidSiteKey", format!("The site key from {source} is not base64: restore the original key, or set {SITE_KEY_ENV} to the base64 of 32 random bytes."))
        })?);
        Self::from_bytes(&bytes, source)
    }

    /// Loads the key from the environment or the key file; creates the file when `may_create`.
    pub fn load(key_file: &Path, may_create: bool) -> Result<Self> {
        Self::load_from(&KeySource::Environment, key_file, may_create)
    }

    /// Loads the site key from `source`, falling back to the key file `key_file` unless the
    /// caller gave the key; the key file is created when missing and `may_create` (a store that
    /// holds no sealed secret yet).
    ///
    /// Errors (status `Store`): `InvalidSiteKey` (a given key, `CMAAD_SITE_KEY` or the key file
    /// is not base64 of 32 bytes; the variable is set but not UTF-8 or empty),
    /// `SiteKeyFileUnsafe` (the key file is not a regular file, someone else's, or others can
    /// reach it), `SiteKeyMissing`, `SiteKeyUnreadable`, `SiteKeyUnwritable`,
    /// `SiteKeyNotPortable` (a DPAPI key file outside Windows).
    pub fn load_from(source: &KeySource, key_file: &Path, may_create: bool) -> Result<Self> {
        match source {
            KeySource::Given(key) => return Self::decode(key.expose(), SITE_KEY_ENV.to_string()),
            KeySource::Environment => {
                if let Some(value) = std::env::var_os(SITE_KEY_ENV) {
                    let text = Zeroizing::new(value.into_string().map_err(|_| {
                        Error::store("InvalidSiteKey", format!("{SITE_KEY_ENV} is set but is not text (UTF-8): set it to the base64 of 32 random bytes, or remove it to use the key file beside the store."))
                    })?);
                    return Self::decode(&text, SITE_KEY_ENV.to_string());
                }
            }
            KeySource::KeyFile => {}
        }
        let source = key_file.display().to_string();
        match keyfile::read(key_file)? {
            Some(text) => match text.trim().strip_prefix(DPAPI_PREFIX) {
                Some(blob) => Self::from_dpapi(blob, source),
                None => Self::decode(&text, source),
            },
            None if may_create => Self::create(key_file),
            None => Err(Error::store(
                "SiteKeyMissing",
                format!("The site key {source} is missing, but the store holds sealed secrets: restore the key file from your backup, or set {SITE_KEY_ENV}."),
            )),
        }
    }

    /// A key file written on Windows: the key sealed with DPAPI for the account or machine.
    #[cfg(windows)]
    fn from_dpapi(blob: &str, source: String) -> Result<Self> {
        let blob = B64.decode(blob.trim()).map_err(|_| {
            Error::store("InvalidSiteKey", format!("The site key file {source} is damaged (its DPAPI blob is not base64): restore it from your backup."))
        })?;
        let key = super::dpapi::unprotect(&blob).map_err(|e| {
            Error::store("SiteKeyUnreadable", format!("The site key file {source} cannot be unsealed with DPAPI ({e}): it opens only for the account that created it (a per-user store) or on the machine that created it (a store under %ProgramData%); run as that account on that machine, or restore the key from your backup."))
        })?;
        Self::from_bytes(&key, source)
    }

    #[cfg(not(windows))]
    fn from_dpapi(_blob: &str, source: String) -> Result<Self> {
        Err(Error::store("SiteKeyNotPortable", format!("The site key file {source} is sealed with Windows DPAPI and opens only on the Windows machine (and account) that created it: use the store there.")))
    }

    fn create(key_file: &Path) -> Result<Self> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        getrandom::getrandom(bytes.as_mut())
            .map_err(|e| Error::internal(format!("The system random source failed: {e}.")))?;
        let unwritable = |e: std::io::Error| {
            Error::store(
                "SiteKeyUnwritable",
                format!(
                    "The site key {} cannot be created ({e}): check the folder's permissions and free space.",
                    key_file.display()
                ),
            )
        };
        let text = key_file_text(bytes.as_ref(), key_file).map_err(unwritable)?;
        match keyfile::create(key_file, text.as_bytes()) {
            Ok(()) => Self::from_bytes(bytes.as_ref(), key_file.display().to_string()),
            // Another process created it first: use theirs.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                Self::load_from(&KeySource::KeyFile, key_file, false)
            }
            Err(e) => Err(unwritable(e)),
        }
    }

    /// Seals `plain` bound to `context`; the result is version || nonce || ciphertext.
    pub fn seal(&self, plain: &[u8], context: &[u8]) -> Result<Vec<u8>> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::getrandom(&mut nonce)
            .map_err(|e| Error::internal(format!("The system random source failed: {e}.")))?;
        let ct = self
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plain,
                    aad: context,
                },
            )
            .map_err(|_| Error::internal("Sealing a secret failed."))?;
        let mut out = Vec::with_capacity(1 + NONCE_LEN + ct.len());
        out.push(VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        Ok(out)
    }

    /// Opens a sealed blob bound to `context` into zeroizing memory.
    pub fn open(&self, sealed: &[u8], context: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        let fail = || {
            Error::store("SiteKeyMismatch", format!("A sealed secret cannot be opened with the site key from {}: restore the key that was beside the store when the app was imported, or import the app's secret again.", self.source))
        };
        if sealed.len() < 1 + NONCE_LEN + 16 || sealed[0] != VERSION {
            return Err(fail());
        }
        let (nonce, ct) = sealed[1..].split_at(NONCE_LEN);
        self.cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ct,
                    aad: context,
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| fail())
    }

    /// Seals a client secret for the app `client_id` of `tenant_id`.
    pub fn seal_secret(
        &self,
        secret: &SecretKey,
        tenant_id: &str,
        client_id: &str,
    ) -> Result<Vec<u8>> {
        self.seal(
            secret.expose().as_bytes(),
            &secret_context(tenant_id, client_id),
        )
    }

    /// Opens the sealed secret of the app `client_id` of `tenant_id`.
    pub fn open_secret(
        &self,
        sealed: &[u8],
        tenant_id: &str,
        client_id: &str,
    ) -> Result<SecretKey> {
        let plain = self.open(sealed, &secret_context(tenant_id, client_id))?;
        let text = Zeroizing::new(
            String::from_utf8(plain.to_vec())
                .map_err(|_| Error::internal("A sealed secret is not UTF-8."))?,
        );
        SecretKey::new(text, "SecretKey")
    }

    /// A blob that proves which key a store was written with.
    pub fn key_check(&self) -> Result<Vec<u8>> {
        self.seal(KEY_CHECK, KEY_CHECK)
    }

    /// True when `check` was made with this key.
    pub fn matches(&self, check: &[u8]) -> bool {
        self.open(check, KEY_CHECK)
            .is_ok_and(|p| p.as_slice() == KEY_CHECK)
    }
}

fn secret_context(tenant_id: &str, client_id: &str) -> Vec<u8> {
    format!("cmaad-secret-v1|{tenant_id}|{client_id}").into_bytes()
}

/// What a new key file holds: on Windows `dpapi:` and the base64 of the key sealed with DPAPI
/// in the scope the key file's place calls for; elsewhere the key's base64.
fn key_file_text(key: &[u8], key_file: &Path) -> std::io::Result<Zeroizing<String>> {
    #[cfg(windows)]
    {
        let blob = super::dpapi::protect(key, super::dpapi::scope_for(key_file))?;
        Ok(Zeroizing::new(format!(
            "{DPAPI_PREFIX}{}\n",
            B64.encode(blob)
        )))
    }
    #[cfg(not(windows))]
    {
        let _ = key_file;
        Ok(Zeroizing::new(format!("{}\n", B64.encode(key))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_round_trip_and_binding() {
        let dir = tempfile::tempdir().unwrap();
        let key = SiteKey::load(&dir.path().join("k"), true).unwrap();
        let secret = SecretKey::new(Zeroizing::new("abc~123".into()), "SecretKey").unwrap();
        let sealed = key.seal_secret(&secret, "t", "c").unwrap();
        assert!(!sealed.windows(7).any(|w| w == b"abc~123"));
        assert_eq!(
            key.open_secret(&sealed, "t", "c").unwrap().expose(),
            "abc~123"
        );
        assert_eq!(
            key.open_secret(&sealed, "t", "other").unwrap_err().code,
            "SiteKeyMismatch"
        );
        let again = SiteKey::load(&dir.path().join("k"), false).unwrap();
        assert!(again.matches(&key.key_check().unwrap()));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("k"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
