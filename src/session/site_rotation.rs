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

use super::secrets::{rotating, step, Rotation, SecretRotation};
use super::Session;
use crate::entra::graph::GraphClient;
use crate::error::{Error, Result, Status};
use crate::model::App;
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
        self.rotate_site(req, Some(current), |app| {
            self.verifier().graph_access(&rotating(app, current))
        })
    }

    /// [`Session::rotate_site_app_secret`] without the current secret: `graph` gives a Graph
    /// client allowed to change the app's passwords (an administrator's or an automation app's
    /// sign-in); the old password is told by its end matching the site's `SecretKeyExpiry`.
    ///
    /// # Errors
    /// As [`Session::rotate_site_app_secret`].
    pub(crate) fn rotate_site_app_secret_with(
        &self,
        req: &SecretRotation,
        graph: impl FnOnce(&App) -> Result<GraphClient>,
    ) -> Result<Rotation> {
        self.rotate_site(req, None, graph)
    }

    fn rotate_site(
        &self,
        req: &SecretRotation,
        current: Option<&SecretKey>,
        graph: impl FnOnce(&App) -> Result<GraphClient>,
    ) -> Result<Rotation> {
        let site = self.site().ok_or_else(|| {
            Error::invalid("session", "NoSite", "The session is not connected to a ConfigMgr site: open it with cmaad_session_open_site, or rotate a stored app with cmaad_rotate_app_secret.")
        })?;
        let app = self.resolve_server_app(&req.app)?;
        let graph = graph(&app).map_err(|e| step(e, "GraphToken"))?;
        let new = self.add_working_password(graph, &app, req)?;
        let expiry = new.expiry(req);
        site.write_secret(app.id, &new.added.secret, expiry)
            .map_err(|e| match e.status {
                // Only the journal fails with a store error, after the provider took the
                // secret: the site may hold the new one, so both passwords stay.
                Status::Store => unconfirmed(e, &new.added.key_id),
                _ => new.undo(e, "WriteSite"),
            })?;
        let stored = site
            .confirm_secret(app.id, expiry)
            .map_err(|e| unconfirmed(e, &new.added.key_id))?;
        Ok(new.finish(stored, &app, current, req))
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
