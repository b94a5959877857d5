//! Secrets in memory: a client secret lives only in a zeroizing buffer, is never formatted,
//! serialized or logged, and is wiped when dropped.

use crate::error::{Error, Result};
use std::fmt;
use zeroize::Zeroizing;

/// A client secret (the "Value" Entra shows once). `Debug` prints a redaction, never the value.
#[derive(Clone)]
pub struct SecretKey(Zeroizing<String>);

impl SecretKey {
    /// Copies UTF-16 code units (what `SecureStringToGlobalAllocUnicode` gives) into a zeroizing
    /// buffer. `field` names the request field for errors.
    pub fn from_utf16(units: &[u16], field: &str) -> Result<Self> {
        // A UTF-16 unit becomes at most 3 UTF-8 bytes: reserve that much so the buffer never
        // reallocates (a reallocation would free a copy of the secret without wiping it).
        let mut text = Zeroizing::new(String::with_capacity(units.len() * 3));
        for unit in char::decode_utf16(units.iter().copied()) {
            match unit {
                Ok(c) => text.push(c),
                Err(_) => {
                    return Err(Error::invalid(
                        field,
                        "InvalidSecretKey",
                        format!("{field} is not valid UTF-16 (it holds an unpaired surrogate): copy the secret's Value again from the app's Certificates & secrets page."),
                    ))
                }
            }
        }
        Self::new(text, field)
    }

    /// Wraps a secret given as text; refuses an empty or blank one or one with control characters.
    pub fn new(text: Zeroizing<String>, field: &str) -> Result<Self> {
        if text.trim().is_empty() {
            return Err(Error::invalid(field, "EmptySecretKey", format!("{field} is empty: copy the secret's Value (not its Secret ID) from the app's Certificates & secrets page.")));
        }
        if text.len() > 1024 {
            return Err(Error::invalid(field, "InvalidSecretKey", format!("{field} is {} characters long, more than any Entra client secret: copy only the secret's Value.", text.chars().count())));
        }
        if text.chars().any(char::is_control) {
            return Err(Error::invalid(field, "InvalidSecretKey", format!("{field} contains control characters (a line break?): copy only the secret's Value.")));
        }
        Ok(SecretKey(text))
    }

    /// The secret's text, for the one request that sends it to Entra and for sealing.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zeroize::Zeroize;

    #[test]
    fn utf16_round_trip_and_redaction() {
        let units: Vec<u16> = "s3cr3t~Ünï".encode_utf16().collect();
        let s = SecretKey::from_utf16(&units, "SecretKey").unwrap();
        assert_eq!(s.expose(), "s3cr3t~Ünï");
        assert_eq!(format!("{s:?}"), "SecretKey(<redacted>)");
    }

    #[test]
    fn bad_secrets() {
        assert_eq!(
            SecretKey::from_utf16(&[0xD800], "SecretKey")
                .unwrap_err()
                .code,
            "InvalidSecretKey"
        );
        assert_eq!(
            SecretKey::from_utf16(&[], "SecretKey").unwrap_err().code,
            "EmptySecretKey"
        );
        let e = SecretKey::from_utf16(&"a\nb".encode_utf16().collect::<Vec<_>>(), "SecretKey")
            .unwrap_err();
        assert!(!e.message.contains("a\nb"));
    }

    #[test]
    fn zeroizing_buffer_is_wiped_on_drop() {
        // Zeroizing<String> wipes its heap buffer on drop; check the zeroize contract on the type we use.
        let mut buf = Zeroizing::new(String::from("topsecret"));
        buf.zeroize();
        assert!(buf.is_empty());
    }
}
