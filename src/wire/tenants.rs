//! Documents of the tenant operations.

use super::fields::Fields;
use crate::error::{Error, Result};
use crate::model::values::{guid, name};
use crate::model::{format_time, TenantFilter, TenantInfo};
use crate::session::SetTenant;
use serde_json::{json, Value};

/// A tenant filter (`cmaad_get_tenants`); NULL or blank means every tenant.
pub fn tenant_filter(json: Option<&str>) -> Result<TenantFilter> {
    let mut f = Fields::parse_optional(json, "filter")?;
    let tenant_id = f
        .optional_str("TenantId")?
        .map(|v| guid(&v, "TenantId"))
        .transpose()?;
    let tenant_name = f
        .optional_str("TenantName")?
        .map(|v| name(&v, "TenantName"))
        .transpose()?;
    f.finish()?;
    Ok(TenantFilter {
        tenant_id,
        tenant_name,
    })
}

/// `cmaad_set_tenant`'s request; at least one change must be given.
pub fn set_tenant(json: &str) -> Result<SetTenant> {
    let mut f = Fields::parse(json, "request")?;
    let tenant_id = guid(&f.required_str("TenantId")?, "TenantId")?;
    let new_name = f
        .optional_str("NewName")?
        .map(|n| name(&n, "NewName"))
        .transpose()?;
    let disable_aad_authentication = f.optional_bool("DisableAADAuthentication")?;
    f.finish()?;
    if new_name.is_none() && disable_aad_authentication.is_none() {
        return Err(Error::invalid(
            "DisableAADAuthentication",
            "NothingToChange",
            "The request changes nothing: give DisableAADAuthentication, NewName, or both.",
        ));
    }
    Ok(SetTenant {
        tenant_id,
        new_name,
        disable_aad_authentication,
    })
}

/// The tenant document (`SMS_AAD_Tenant_Ex` shape plus CMAAD's counts).
pub fn tenant(t: &TenantInfo) -> Value {
    json!({
        "ID": t.id,
        "TenantID": t.tenant_id,
        "Name": t.name,
        "AzureEnvironment": t.environment.name(),
        "DisableAADAuthentication": t.disable_aad_authentication,
        "ServerAppCount": t.server_apps,
        "ClientAppCount": t.client_apps,
        "ServiceCount": t.services,
        "CreatedTime": format_time(&t.created),
        "LastUpdateTime": format_time(&t.updated),
    })
}

/// `{"value": [tenants]}`.
pub fn tenant_list(tenants: &[TenantInfo]) -> Value {
    json!({ "value": tenants.iter().map(tenant).collect::<Vec<_>>() })
}
