//! Rotating a server app's secret when the secret lives in a ConfigMgr site, so that the site
//! never holds a secret Entra does not accept (the CMG would stop):
//!
//! 1. `GraphToken`: a Graph token with the current secret (the caller gives it: a site never
//!    returns its secret);
//! 2. `ReadRegistration`, 3. `AddPassword`: a new password on the app registration;
//! 4. `VerifyNewSecret`: wait until the new password obtains a token;
//! 5. `WriteSite`: `PUT` the new secret and expiry into `SMS_AAD_Application_Ex`;
//! 6. `ConfirmSite`: read the app back; its `SecretKeyExpiry` must be the new one;
//! 7. only then, with `RemoveOldSecret`, `removePassword` of the old one.
//!
//! A failure in steps 1–5 leaves the site's secret as it was and removes the new password
//! again. A failure in step 6 leaves *both* passwords in Entra (the site may hold either), so
//! whichever the site holds keeps working. A failure in step 7 is a warning. The error's
//! `Details.Step` names the step.

use super::secrets::{remove_old, rotating, step, undo_add, Rotation, SecretRotation};
use super::Session;
use crate::error::{Error, Result};
use crate::model::{App, AppFilter, AppRef, AppType};
use crate::secret::SecretKey;
use serde_json::{json, Value};

impl Session {
    /// Rotates the secret of server app `req.app` in the connected ConfigMgr site, as the
    /// module describes; `current` is the secret the site holds now.
    ///
    /// # Errors
    /// `InvalidArgument` `NoSite` without a connected site; otherwise the failing step's error
    /// with `Details.Step`.
    pub fn rotate_site_app_secret(
        &self,
        req: &SecretRotation,
        current: &SecretKey,
    ) -> Result<Rotation> {
        let site = self.site().ok_or_else(|| {
            Error::invalid("session", "NoSite", "The session is not connected to a ConfigMgr site: open it with cmaad_session_open_site, or rotate a stored app with cmaad_rotate_app_secret.")
        })?;
        let app = self.site_server_app(&req.app)?;
        let verifier = self.verifier();
        let graph = verifier
            .graph_access(&rotating(&app, current))
            .map_err(|e| step(e, "GraphToken"))?;
        let registration = graph
            .registration(&app.client_id)
            .map_err(|e| step(e, "ReadRegistration"))?;
        let added = graph
            .add_password(&registration.id, &req.display_name, req.secret_key_expiry)
            .map_err(|e| step(e, "AddPassword"))?;
        let undo = |e: Error, at: &str| step(undo_add(&graph, &registration, &added, e), at);
        let waited = verifier
            .wait_for_secret(&rotating(&app, &added.secret), req.propagation_timeout)
            .map_err(|e| undo(e, "VerifyNewSecret"))?;
        let expiry = added.end.unwrap_or(req.secret_key_expiry);
        site.write_secret(app.id, &added.secret, expiry)
            .map_err(|e| undo(e, "WriteSite"))?;
        let stored = site
            .confirm_secret(app.id, expiry)
            .map_err(|e| unconfirmed(e, &added.key_id))?;
        let mut rotation = Rotation {
            app: stored,
            new_key_id: added.key_id.clone(),
            propagation: waited,
            old_key_id: None,
            old_secret_removed: false,
            warnings: Vec::new(),
        };
        if req.remove_old_secret {
            remove_old(&graph, &registration, &app, current, &added, &mut rotation);
        }
        Ok(rotation)
    }
}

impl Session {
    /// The site's server app a request names.
    fn site_server_app(&self, app: &AppRef) -> Result<App> {
        let found = match app {
            AppRef::Id(id) => self.backend().app(*id)?,
            AppRef::ClientId {
                tenant_id,
                client_id,
            } => {
                let filter = AppFilter {
                    tenant_id: Some(tenant_id.clone()),
                    client_id: Some(client_id.clone()),
                    ..AppFilter::default()
                };
                self.backend()
                    .find_apps(&filter, chrono::Utc::now())?
                    .into_iter()
                    .next()
            }
        };
        let found = found.ok_or_else(|| {
            Error::not_found(
                app.field(),
                "AppNotFound",
                format!(
                    "{} is not on the site: list the apps with Get-CMAADApplication.",
                    app.describe()
                ),
            )
        })?;
        if found.app_type != AppType::ServerApplication {
            return Err(Error::invalid(
                app.field(),
                "NotAServerApp",
                format!(
                    "App {} '{}' is a client app, which has no secret: name the server (web) app.",
                    found.id, found.name
                ),
            ));
        }
        Ok(found)
    }
}

/// The site may hold the old or the new secret: both passwords stay in Entra.
fn unconfirmed(mut e: Error, new_key_id: &str) -> Error {
    e.message.push_str(&format!(" Both the old password and the new one (keyId {new_key_id}) were kept in Entra, so whichever the site holds keeps working: check the app's Secret Key Expiry in the console, then remove the password the site does not use."));
    let mut details = match e.details.take() {
        Some(Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    details.insert("Step".into(), json!("ConfirmSite"));
    details.insert("NewKeyId".into(), json!(new_key_id));
    e.with_details(Value::Object(details))
}
