//! What the cloud management gateway needs of its two app registrations in Microsoft Entra ID,
//! stated once: verification, the audit, creation and the update all read it.

use crate::error::{Error, Result};
use crate::model::values::shorten;

/// Outcome of checking an App ID URI: the URI to store and any warning for the admin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppIdUri {
    /// The URI as stored.
    pub uri: String,
    /// Advice that does not stop the import.
    pub warning: Option<String>,
}

/// Checks an App ID URI: absolute, scheme `api` or `https`.
pub fn app_id_uri(value: &str, tenant_id: &str, client_id: &str) -> Result<AppIdUri> {
    const FIELD: &str = "AppIdUri";
    let v = value.trim();
    let url = url::Url::parse(v).map_err(|_| {
        Error::invalid(FIELD, "RelativeAppIdUri", format!("AppIdUri '{}' is not an absolute URI: copy the Application ID URI from the app's Expose an API page; the recommended form is api://{tenant_id}/ConfigMgrService.", shorten(value)))
    })?;
    if url.scheme() != "api" && url.scheme() != "https" {
        return Err(Error::invalid(FIELD, "InvalidAppIdUriScheme", format!("AppIdUri '{}' has scheme '{}': Entra accepts api:// or https:// here; the recommended form is api://{tenant_id}/ConfigMgrService.", shorten(value), url.scheme())));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(Error::invalid(
            FIELD,
            "RelativeAppIdUri",
            format!(
                "AppIdUri '{}' has no host part: use api://{tenant_id}/ConfigMgrService.",
                shorten(value)
            ),
        ));
    }
    let lower = v.to_ascii_lowercase();
    let warning = if lower.trim_end_matches('/') == "https://configmgrservice" {
        Some(format!("AppIdUri '{v}' is ConfigMgr's old default: Entra's default policy now rejects new URIs without a tenant ID, app ID or verified domain; prefer api://{tenant_id}/ConfigMgrService when you next recreate the app."))
    } else if url.scheme() == "api" && !lower.contains(tenant_id) && !lower.contains(client_id) {
        Some(format!("AppIdUri '{v}' holds neither the tenant ID nor the client ID; the recommended form is api://{tenant_id}/ConfigMgrService."))
    } else {
        None
    };
    Ok(AppIdUri {
        uri: v.to_string(),
        warning,
    })
}
