//! Tenants in the site (`Get-CMAADTenant`) and their settings: the label and "Disable Microsoft
//! Entra authentication for this tenant".

use super::Session;
use crate::error::Result;
use crate::model::{TenantFilter, TenantInfo};
use chrono::Utc;

/// Changes to a tenant: its label, and "Disable Microsoft Entra authentication for this tenant".
#[derive(Debug, Clone)]
pub struct SetTenant {
    /// Tenant GUID.
    pub tenant_id: String,
    /// New label.
    pub new_name: Option<String>,
    /// Disable (true) or enable (false) Entra authentication for the tenant.
    pub disable_aad_authentication: Option<bool>,
}

impl Session {
    /// `Get-CMAADTenant`: tenants by `TenantId` or `TenantName`.
    pub fn get_tenants(&self, filter: &TenantFilter) -> Result<Vec<TenantInfo>> {
        self.backend().find_tenants(filter)
    }

    /// Changes a tenant: its label, and "Disable Microsoft Entra authentication for this tenant"
    /// (for a tenant with no users or devices, e.g. one that only holds the CMG's subscription).
    pub fn set_tenant(&self, req: &SetTenant) -> Result<TenantInfo> {
        self.backend().update_tenant(
            &req.tenant_id,
            req.new_name.as_deref(),
            req.disable_aad_authentication,
            Utc::now(),
        )
    }
}
