//! `WhatIf` on the requests that change a site (import, set and remove of apps and services,
//! a secret, a tenant): `"WhatIf": true` in the request document, and the plan that answers it,
//! the AdminService requests a site session would send:
//!
//! ```json
//! {"WhatIf": true, "Requests": [{"Method": "PUT",
//!   "Url": "https://cm01.contoso.com/AdminService/wmi/SMS_AAD_Application_Ex(16777217)",
//!   "Body": {"Name": "CmgServerApp", "SecretKey": "<redacted>", "...": "..."}}]}
//! ```

use super::fields::Fields;
use crate::error::Result;
use crate::site::adminservice::PlannedRequest;
use serde_json::{json, Value};

/// Splits `"WhatIf"` off a request document: whether it was asked for, and the rest of the
/// request for its own reader.
///
/// # Errors
/// `InvalidArgument` when the document is not a JSON object or `WhatIf` is not a boolean.
pub fn split(json: &str) -> Result<(bool, String)> {
    let mut f = Fields::parse(json, "request")?;
    let what_if = f.optional_bool("WhatIf")?.unwrap_or(false);
    Ok((what_if, f.rest()))
}

/// The plan's document: `{"WhatIf": true, "Requests": [{"Method", "Url", "Body"}]}` (no
/// `Body` for `DELETE`; none at all for a store session, whose store is local).
pub fn plan(requests: &[PlannedRequest]) -> Value {
    let requests: Vec<Value> = requests
        .iter()
        .map(|r| {
            let mut doc = json!({ "Method": r.method, "Url": r.url });
            if let Some(body) = &r.body {
                doc["Body"] = body.clone();
            }
            doc
        })
        .collect();
    json!({ "WhatIf": true, "Requests": requests })
}
