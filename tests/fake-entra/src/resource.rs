//! The resource server's side of the tokens this fake issues: what an API protected by Entra
//! (an SMS Provider's `AdminService_TokenAuth`, a cloud management gateway) checks before it
//! accepts `Authorization: Bearer <token>`.
//!
//! The fake does not sign its tokens with a key; instead a token counts as authentic only when
//! it is, byte for byte, one this fake issued (any change to header, claims or signature makes
//! it unknown), which is what a signature check proves. Then, as Entra's token validation
//! guidance lists: the audience (`aud`), the tenant (`tid`), and the lifetime (`nbf`, `exp`,
//! with a 5-minute skew on `nbf` only).

use crate::server::{lock, Shared};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::Value;
use std::time::Instant;

/// Checks bearer tokens against what the fake issued. Cheap to clone; shares the fake's state.
#[derive(Clone)]
pub struct TokenValidator {
    pub(crate) state: Shared,
}

/// Why a token was refused, worded as an `error_description` (RFC 6750 §3).
pub type Refusal = String;

impl TokenValidator {
    /// Accepts `token` when this fake issued it, for one of `audiences` (App ID URI or client
    /// ID, compared case-insensitively without a trailing `/`), in `tenant`, and it has not
    /// expired; returns the caller (`upn`, else `oid`).
    ///
    /// # Errors
    /// The `error_description` to send back: unknown token (signature), wrong audience, wrong
    /// tenant, expired.
    pub fn validate(
        &self,
        token: &str,
        audiences: &[&str],
        tenant: &str,
    ) -> Result<String, Refusal> {
        let claims = claims(token).ok_or("The token is not a JWT (IDX14100).")?;
        let issued_expiry = {
            let s = lock(&self.state);
            s.tokens.get(token).map(|t| t.expires)
        };
        let Some(issued_expiry) = issued_expiry else {
            return Err("The token's signature is invalid: it was not issued by the tenant's authority (IDX10511).".into());
        };
        let aud = claims.get("aud").and_then(Value::as_str).unwrap_or("");
        let norm = |s: &str| s.trim_end_matches('/').to_ascii_lowercase();
        if !audiences.iter().any(|a| norm(a) == norm(aud)) {
            return Err(format!(
                "The audience '{aud}' is invalid (IDX10214): the token is not for this API."
            ));
        }
        let tid = claims.get("tid").and_then(Value::as_str).unwrap_or("");
        if !tid.eq_ignore_ascii_case(tenant) {
            return Err(format!(
                "The issuer's tenant '{tid}' is invalid (IDX10205)."
            ));
        }
        let now = chrono::Utc::now().timestamp();
        let exp = claims.get("exp").and_then(Value::as_i64).unwrap_or(0);
        if exp <= now || issued_expiry <= Instant::now() {
            return Err(format!(
                "The token is expired (IDX10223): its lifetime ended at {exp} (Unix time)."
            ));
        }
        let nbf = claims.get("nbf").and_then(Value::as_i64).unwrap_or(0);
        if nbf > now + 300 {
            return Err("The token is not yet valid (IDX10222).".into());
        }
        Ok(claims
            .get("upn")
            .or_else(|| claims.get("oid"))
            .and_then(Value::as_str)
            .unwrap_or("unknown")
            .to_string())
    }
}

fn claims(token: &str) -> Option<serde_json::Map<String, Value>> {
    let mut parts = token.split('.');
    let (_, payload, _) = (parts.next()?, parts.next()?, parts.next()?);
    let bytes = URL_SAFE_NO_PAD.decode(payload).ok()?;
    match serde_json::from_slice(&bytes).ok()? {
        Value::Object(m) => Some(m),
        _ => None,
    }
}
