//! A received request, read whole (bounded) before routing.

use bytes::Bytes;

/// A request as the handlers see it.
#[derive(Debug, Clone)]
pub struct Incoming {
    /// HTTP method.
    pub method: String,
    /// Path without the query, percent-decoded.
    pub path: String,
    /// Raw query string.
    pub query: Option<String>,
    /// Headers, names lower case.
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Bytes,
}

impl Incoming {
    /// The first value of header `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// True when the body is declared form-encoded, as Entra requires.
    pub fn is_form(&self) -> bool {
        self.header("content-type")
            .and_then(|c| c.split(';').next())
            .is_some_and(|c| {
                c.trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            })
    }

    /// The form fields of a form-encoded body (empty otherwise).
    pub fn form(&self) -> Vec<(String, String)> {
        if !self.is_form() {
            return Vec::new();
        }
        url::form_urlencoded::parse(&self.body)
            .into_owned()
            .collect()
    }

    /// The query's parameters, decoded.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        self.query
            .as_deref()
            .map(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .into_owned()
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// The first value of `name` in `pairs`, if present and not empty.
pub fn field<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}
