//! The real ConfigMgr site: its SMS Provider's AdminService, reached over HTTPS with Windows
//! integrated authentication, behind the same typed interface ([`SiteBackend`]) as the embedded
//! store.
//!
//! - [`options`]: the session option `"Site"` (provider, site code, authentication, trust);
//! - [`trust`]: how the provider's certificate is checked (roots, `TrustedCaPath`, SHA-256 pin,
//!   or an explicit skip with a warning per connection);
//! - [`negotiate`]: Kerberos (and NTLM where allowed) with an explicit credential;
//! - `logon` (Windows): the logged-on user's credentials through Windows SSPI;
//! - [`bearer`]: Entra tokens on `AdminService_TokenAuth` or through a cloud management gateway;
//! - [`connection`]: one kept-alive, authenticated connection per site, bounded retries;
//! - [`adminservice`]: the four classes mapped to CMAAD's tenants, apps and services;
//! - [`journal`]: every change CMAAD made to a site, in the local store.

pub mod adminservice;
mod backend;
pub mod bearer;
pub mod connection;
pub mod hierarchy;
pub mod journal;
#[cfg(windows)]
pub mod logon;
pub mod negotiate;
pub mod options;
pub mod trust;

pub use adminservice::AdminServiceSite;
pub use backend::SiteBackend;
pub use options::{SiteOptions, SiteSettings};

use crate::error::{Error, Result};
use crate::secret::SecretKey;
use zeroize::Zeroizing;

/// The session's ConfigMgr site, when `options` name one (nothing is contacted yet);
/// `password` is `Site.UserName`'s.
///
/// # Errors
/// `InvalidArgument` when a user name comes without a password or the other way round;
/// `Store` when the change journal cannot be opened in the store file.
pub fn connect(
    site: Option<&SiteOptions>,
    store_path: &std::path::Path,
    password: Option<SecretKey>,
) -> Result<Option<AdminServiceSite>> {
    let Some(site) = site else {
        if password.is_some() {
            return Err(Error::invalid(
                "Site",
                "CredentialWithoutSite",
                "A site password was given but the options name no Site: add \"Site\": {\"ProviderMachineName\": ..., \"SiteCode\": ..., \"UserName\": ...}.",
            ));
        }
        return Ok(None);
    };
    let credential = credential(
        site,
        password.map(|p| Zeroizing::new(p.expose().to_string())),
    )?;
    let journal = journal::Journal::open(store_path)?;
    let connection = connection::SiteConnection::new(site.clone(), credential)?;
    Ok(Some(AdminServiceSite::new(connection, Some(journal))))
}

/// The `Negotiate` credential of `site`: `Site.UserName` with its `password`, or none (the
/// logged-on user on Windows).
///
/// # Errors
/// `InvalidArgument` when a user name comes without a password or the other way round.
pub(crate) fn credential(
    site: &SiteOptions,
    password: Option<Zeroizing<String>>,
) -> Result<Option<negotiate::SiteCredential>> {
    match (&site.user_name, password) {
        (Some(user), Some(password)) => Ok(Some(negotiate::SiteCredential::new(user, password)?)),
        (Some(user), None) => Err(Error::invalid(
            "Site.UserName",
            "PasswordRequired",
            format!("Site.UserName '{user}' was given without its password: pass -Credential (the password goes separately, never in the options)."),
        )),
        (None, Some(_)) => Err(Error::invalid(
            "Site.UserName",
            "UserNameRequired",
            "A site password was given without Site.UserName: give the account as user@CONTOSO.COM.",
        )),
        (None, None) => Ok(None),
    }
}
