//! A ConfigMgr site's secrets with a Graph sign-in (an administrator's, or an automation app's
//! for a scheduled task): the site never returns the current secret, so the sign-in reaches
//! Graph instead, and the site rotation ([`crate::session::Session::rotate_site_app_secret`]'s
//! steps) keeps a working pair in Entra and the site.

use super::{GraphSignIn, Provisioning};
use crate::error::{Error, Result};
use crate::model::App;
use crate::session::{MaintenancePlan, MaintenanceReport, Rotation, SecretRotation};

impl Provisioning<'_> {
    /// Rotates the secret of the site's server app `req.app` with the sign-in's Graph access:
    /// a new password, a wait until it works, the site written and confirmed, and only then,
    /// with `RemoveOldSecret`, the old password (the one whose end matches the site's
    /// `SecretKeyExpiry`) removed. The error's `Details.Step` names a failing step.
    ///
    /// # Errors
    /// `NotSignedIn`, `NoSite`, a tenant other than the sign-in's (`GraphToken`), or the
    /// failing step's error.
    pub fn rotate_site_app_secret(&self, req: &SecretRotation) -> Result<Rotation> {
        let signin = self.signin()?;
        self.session
            .rotate_site_app_secret_with(req, |app| self.graph_for(signin, app))
    }

    /// `cmaad_maintain_secrets` on a site with the sign-in: due secrets are rotated with
    /// [`Provisioning::rotate_site_app_secret`]; on a store session, as without a sign-in.
    ///
    /// # Errors
    /// `NotSignedIn`; otherwise as [`crate::session::Session::maintain_secrets`].
    pub fn maintain_secrets(&self, plan: &MaintenancePlan) -> Result<MaintenanceReport> {
        self.signin()?;
        let rotate = |req: &SecretRotation| self.rotate_site_app_secret(req);
        self.session.maintain_secrets_with(plan, Some(&rotate))
    }

    /// The sign-in's Graph client, for an app of the sign-in's tenant.
    fn graph_for(
        &self,
        signin: &GraphSignIn,
        app: &App,
    ) -> Result<crate::entra::graph::GraphClient> {
        if !app.tenant_id.eq_ignore_ascii_case(signin.tenant_id()) {
            return Err(Error::invalid(
                "signin",
                "TenantMismatch",
                format!("The Graph sign-in is for tenant {}, but app {} '{}' is in tenant {}: sign in to that tenant.", signin.tenant_id(), app.id, app.name, app.tenant_id),
            ));
        }
        signin.graph(self.session).map(|(graph, _)| graph)
    }
}
