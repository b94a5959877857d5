//! Scrubbing text before CMAAD quotes it in a message or document.
//!
//! Servers echo requests: Entra quotes a bad scope, a proxy's error page quotes the whole form
//! body, a Graph error repeats a value that was pasted into the wrong field. [`server_text`] is
//! the one function every such text passes through before it reaches an error `Message`, a check's
//! `Detail` or any other output, and CMAAD uses it as well when it echoes a caller's value back
//! (a secret pasted into `ClientId` must not come back in the error about it).
//!
//! Two things are removed and replaced by [`REDACTED`]:
//! - every secret the caller sent in the request (client secret, bearer token, device code), in
//!   any encoding a server may echo it in: raw, form-encoded (`+` for space), percent-encoded
//!   (either hex case), JSON-escaped (`\uXXXX`, `\/`) or HTML-escaped (`&amp;`, `&#39;`), or a mix;
//! - any value that looks like a credential whoever sent it: the value of a field whose name says
//!   secret, password or token (`client_secret=…`, `"access_token":"…"`, `secretText`), the
//!   credential after `Bearer`/`Basic`/`Negotiate`, a JWT, a Microsoft Entra client secret
//!   (`xxxNQ~…`, the shape GitHub's secret scanning matches), and the user information of a URL
//!   (`http://user:password@proxy`).

use once_cell::sync::Lazy;
use regex_lite::Regex;

/// What a removed value is replaced with.
pub const REDACTED: &str = "***";

/// Credential-looking values and what replaces each (group 1 is the part kept).
static PATTERNS: Lazy<Vec<(Regex, String)>> = Lazy::new(|| {
    let keep = format!("${{1}}{REDACTED}");
    [
        // key=value, "key":"value", key: value, also with JSON- or HTML-escaped quotes.
        (r#"(?i)(\b[a-z_]*(?:secret|password|passwd|pwd|token|assertion|api_?key)(?:_?(?:text|value|key))?(?:"|\\"|&quot;|&#34;)?\s*[=:]\s*(?:"|\\"|&quot;|&#34;)?)[^\s"'&,;<>\\]+"#, keep.clone()),
        (r"(?i)(\b(?:bearer|basic|negotiate|ntlm)\s+)[A-Za-z0-9\-._~+/]{16,}=*", keep.clone()),
        (r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*", REDACTED.to_string()),
        (r"[A-Za-z0-9_~.-]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34}", REDACTED.to_string()),
        (r"(?i)(\b[a-z][a-z0-9+.-]*://)[^/\s@'<>]+@", format!("{keep}@")),
    ]
    .into_iter()
    .map(|(p, with)| (Regex::new(p).expect("the scrubbing patterns are valid"), with))
    .collect()
});

/// `text` without any of `secrets` (in any encoding a server may use) and without any value that
/// looks like a credential; see the module documentation. Empty secrets are ignored.
pub fn server_text(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_string();
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        out = without_secret(&out, secret);
    }
    for (pattern, with) in PATTERNS.iter() {
        if pattern.is_match(&out) {
            out = pattern.replace_all(&out, with.as_str()).into_owned();
        }
    }
    out
}

/// `text` with every encoded occurrence of `secret` replaced.
fn without_secret(text: &str, secret: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        match encoded_match(&text[i..], secret) {
            Some(len) => {
                out.push_str(REDACTED);
                i += len;
            }
            None => {
                let c = text[i..].chars().next().unwrap_or_default();
                out.push(c);
                i += c.len_utf8().max(1);
            }
        }
    }
    out
}

/// The length of the text at the start of `text` that spells `secret`, each character in any
/// of the encodings [`encoded_char`] knows (trying every reading: `&` may be literal or start
/// `&amp;`).
fn encoded_match(text: &str, secret: &str) -> Option<usize> {
    let mut chars = secret.chars();
    let Some(c) = chars.next() else {
        return Some(0);
    };
    let rest = chars.as_str();
    encoded_char(text, c)
        .into_iter()
        .flatten()
        .find_map(|len| encoded_match(&text[len..], rest).map(|more| len + more))
}

/// The lengths of the readings at the start of `text` that spell the character `c`: itself,
/// `+` for a space, `%XX` per UTF-8 byte, a JSON escape, or an HTML character reference.
fn encoded_char(text: &str, c: char) -> [Option<usize>; 2] {
    let literal = text.starts_with(c).then_some(c.len_utf8());
    let encoded = if c == ' ' && text.starts_with('+') {
        Some(1)
    } else if text.starts_with('%') {
        percent_encoded(text, c)
    } else if let Some(rest) = text.strip_prefix('\\') {
        json_escaped(rest, c).map(|n| n + 1)
    } else if let Some(rest) = text.strip_prefix('&') {
        html_reference(rest, c).map(|n| n + 1)
    } else {
        None
    };
    [literal, encoded]
}

fn percent_encoded(text: &str, c: char) -> Option<usize> {
    let mut utf8 = [0u8; 4];
    let bytes = c.encode_utf8(&mut utf8).as_bytes();
    let mut at = 0;
    for byte in bytes {
        let hex = text.get(at..at + 3)?.strip_prefix('%')?;
        (u8::from_str_radix(hex, 16).ok()? == *byte).then_some(())?;
        at += 3;
    }
    Some(at)
}

fn json_escaped(rest: &str, c: char) -> Option<usize> {
    if rest.starts_with(c) && matches!(c, '"' | '\\' | '/') {
        return Some(1);
    }
    let hex = rest.strip_prefix('u')?.get(..4)?;
    (u32::from_str_radix(hex, 16).ok()? == u32::from(c)).then_some(5)
}

fn html_reference(rest: &str, c: char) -> Option<usize> {
    let end = rest.bytes().take(12).position(|b| b == b';')?;
    let name = &rest[..end];
    let value = match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        _ => {
            let number = name.strip_prefix('#')?;
            let code = match number.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => number.parse().ok()?,
            };
            char::from_u32(code)?
        }
    };
    (value == c).then_some(end + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "1uXGR^!0@Cj as6qI*J02ZeS&&zY19^hC*9~ü";

    #[test]
    fn the_callers_secret_goes_in_every_encoding() {
        let form: String = url::form_urlencoded::byte_serialize(SECRET.as_bytes()).collect();
        let percent: String = SECRET
            .bytes()
            .map(|b| match b.is_ascii_alphanumeric() {
                true => char::from(b).to_string(),
                false => format!("%{b:02x}"),
            })
            .collect();
        let json = serde_json::to_string(SECRET).unwrap().replace('/', "\\/");
        let json_u = "\\u0031uXGR^!0@Cj as6qI*J02ZeS&&zY19^hC*9~\\u00fc";
        let html = SECRET.replace('&', "&amp;").replace('*', "&#42;");
        for shown in [SECRET, &form, &percent, &json, json_u, &html] {
            let text = format!("AADSTS9999: bad request body 'grant=x&{shown}&scope=y' here");
            let out = server_text(&text, &[SECRET]);
            assert!(!out.contains(shown), "{shown} survived: {out}");
            assert!(out.contains("***") && out.contains("here"), "{out}");
        }
    }

    #[test]
    fn credential_looking_values_go_without_knowing_them() {
        let cases = [
            (
                "client_secret=Abc%2Bdef&scope=x",
                "client_secret=***&scope=x",
            ),
            (
                r#"{"secretText": "s3cr3t-value"}"#,
                r#"{"secretText": "***"}"#,
            ),
            ("password: hunter22 next", "password: ***"),
            (
                "Authorization: Bearer abcdefghijklmnopqrstuvwxyz0123",
                "Bearer ***",
            ),
            (
                "token eyJhbGciOi.eyJzdWIiOi.sig_part here",
                "token *** here",
            ),
            (
                "pasted Zq78Q~abcdefghijklmnopqrstuvwxyz0123456 in",
                "pasted *** in",
            ),
            (
                "via http://svc:Pa55@proxy:3128/x",
                "via http://***@proxy:3128/x",
            ),
            (
                "&quot;client_secret&quot;:&quot;v4lue&quot;",
                "client_secret&quot;:&quot;***",
            ),
        ];
        for (text, want) in cases {
            let out = server_text(text, &[]);
            assert!(out.contains(want), "{text} gave {out}");
        }
    }

    #[test]
    fn ordinary_text_is_kept() {
        let text = "AADSTS700016: Application with identifier 'cf114f48-2b3c-4d5e-9f0a-1b2c3d4e5f60' was not found in the directory 'Contoso'. token_endpoint https://login.microsoftonline.com/x";
        assert_eq!(server_text(text, &["not-there"]), text);
    }
}
