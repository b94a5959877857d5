//! Answers in Entra's and Graph's shapes: AADSTS error bodies, Graph error bodies, JSON.

use bytes::Bytes;
use chrono::Utc;
use serde_json::{json, Value};

/// An HTTP answer before it becomes a hyper response.
#[derive(Debug, Clone)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// Extra headers (`Content-Type` included).
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Bytes,
}

impl Reply {
    /// A JSON answer as Entra and Graph send it.
    pub fn json(status: u16, body: &Value) -> Reply {
        Reply {
            status,
            headers: vec![(
                "content-type".into(),
                "application/json; charset=utf-8".into(),
            )],
            body: Bytes::from(body.to_string()),
        }
    }

    /// An answer with an arbitrary content type.
    pub fn raw(status: u16, content_type: &str, body: impl Into<Bytes>) -> Reply {
        Reply {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body: body.into(),
        }
    }

    /// `204 No Content`.
    pub fn no_content() -> Reply {
        Reply {
            status: 204,
            headers: Vec::new(),
            body: Bytes::new(),
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// Per-request identifiers Entra puts in every error.
#[derive(Debug, Clone)]
pub struct Ids {
    /// `trace_id`.
    pub trace_id: String,
    /// `correlation_id` (the caller's `client-request-id` when it sent one).
    pub correlation_id: String,
}

impl Ids {
    /// New IDs, echoing `client_request_id` as the correlation ID like Entra.
    pub fn new(client_request_id: Option<&str>) -> Ids {
        let correlation_id = client_request_id
            .filter(|c| uuid::Uuid::parse_str(c).is_ok())
            .map(str::to_string)
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        Ids {
            trace_id: uuid::Uuid::new_v4().to_string(),
            correlation_id,
        }
    }
}

/// The HTTP status and OAuth `error` Entra uses for an AADSTS code.
pub fn oauth_error_for(code: u64) -> (u16, &'static str) {
    match code {
        7000215 | 7000222 | 7000218 | 7000216 => (401, "invalid_client"),
        700016 => (400, "unauthorized_client"),
        90002 => (400, "invalid_tenant"),
        500011 => (400, "invalid_resource"),
        1002012 | 70011 => (400, "invalid_scope"),
        65001 | 50126 | 50076 | 50079 | 53003 | 530003 | 5000225 => (400, "invalid_grant"),
        70016 => (400, "authorization_pending"),
        70019 => (400, "expired_token"),
        70018 => (400, "bad_verification_code"),
        _ => (400, "invalid_request"),
    }
}

/// A plausible description for a code, for injected faults.
pub fn default_description(code: u64) -> String {
    let text = match code {
        65001 => "The user or administrator has not consented to use the application. Send an interactive authorization request for this user and resource.",
        50126 => "Error validating credentials due to invalid username or password.",
        50076 | 50079 => "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access the resource.",
        53003 | 530003 => "Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.",
        50196 => "The server terminated an operation because it encountered a client request loop. Please contact your app vendor.",
        90038 => "Tenant is in another cloud; request it from the right national cloud endpoint.",
        5000225 => "This tenant has been blocked due to inactivity.",
        900432 | 900382 => "Confidential Client is not supported in Cross Cloud request.",
        _ => "The request failed (fault injected by the local Entra fake).",
    };
    format!("AADSTS{code}: {text}")
}

/// An Entra error answer in the real body shape; `description` starts with `AADSTS{code}: `.
pub fn aadsts(ids: &Ids, code: u64, description: &str, base_url: &str) -> Reply {
    let (status, error) = oauth_error_for(code);
    aadsts_as(ids, status, error, code, description, base_url)
}

/// An Entra error answer with an explicit status and `error`.
pub fn aadsts_as(
    ids: &Ids,
    status: u16,
    error: &str,
    code: u64,
    description: &str,
    base_url: &str,
) -> Reply {
    let timestamp = Utc::now().format("%Y-%m-%d %H:%M:%SZ").to_string();
    let description = format!(
        "{description}\r\nTrace ID: {}\r\nCorrelation ID: {}\r\nTimestamp: {timestamp}",
        ids.trace_id, ids.correlation_id
    );
    Reply::json(
        status,
        &json!({
            "error": error,
            "error_description": description,
            "error_codes": [code],
            "timestamp": timestamp,
            "trace_id": ids.trace_id,
            "correlation_id": ids.correlation_id,
            "error_uri": format!("{base_url}/error?code={code}"),
        }),
    )
}

/// A Microsoft Graph error answer: `{"error":{"code","message","innerError":{...}}}`.
pub fn graph_error(status: u16, code: &str, message: &str, request_id: &str) -> Reply {
    Reply::json(
        status,
        &json!({
            "error": {
                "code": code,
                "message": message,
                "innerError": {
                    "date": Utc::now().format("%Y-%m-%dT%H:%M:%S").to_string(),
                    "request-id": request_id,
                    "client-request-id": request_id,
                }
            }
        }),
    )
}
