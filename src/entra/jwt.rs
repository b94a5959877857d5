//! The claims CMAAD reads from an access token (a JWT, RFC 7519): the application permissions
//! (`roles`) and delegated permissions (`scp`) it carries. Tokens are read, never validated:
//! the resource they are for checks their signature. A token that is not a readable JWT has
//! no claims.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Deserialize;

/// The permission claims of an access token.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Claims {
    /// Application permissions (`roles`), empty for delegated tokens.
    pub roles: Vec<String>,
    /// Delegated permissions (`scp`, space-separated), empty for app-only tokens.
    pub scp: String,
}

impl Claims {
    /// The claims of `token`'s payload (its second, base64url part).
    pub fn of(token: &str) -> Claims {
        let payload = token
            .split('.')
            .nth(1)
            .unwrap_or_default()
            .trim_end_matches('=');
        URL_SAFE_NO_PAD
            .decode(payload)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    /// The delegated permissions, one per entry.
    pub fn scopes(&self) -> Vec<String> {
        self.scp.split_whitespace().map(str::to_string).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_and_scopes_from_a_token() {
        let payload = URL_SAFE_NO_PAD.encode(
            br#"{"roles":["Directory.Read.All"],"scp":"Application.ReadWrite.All User.Read"}"#,
        );
        let claims = Claims::of(&format!("h.{payload}.s"));
        assert_eq!(claims.roles, vec!["Directory.Read.All"]);
        assert_eq!(
            claims.scopes(),
            vec!["Application.ReadWrite.All", "User.Read"]
        );
        assert_eq!(Claims::of("not-a-jwt"), Claims::default());
    }
}
