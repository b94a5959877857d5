//! The session option `"Site"`: which ConfigMgr site to read and write, and how to reach its
//! SMS Provider. The names are the ConfigMgr console's (`ProviderMachineName`, `SiteCode`) and
//! PowerShell's (`SkipCertificateCheck`, `CertificateThumbprint`); `crate::wire::site` reads
//! them from the session options' JSON.

use super::bearer::BearerSettings;
use super::trust::Trust;
use crate::error::{Error, Result};
use std::time::Duration;

/// How CMAAD authenticates to the provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Authentication {
    /// Kerberos; NTLM only when `AllowNtlm` is set and the provider offers it (before 2509).
    Negotiate,
    /// Kerberos only.
    Kerberos,
    /// NTLM only (sites before ConfigMgr 2509).
    Ntlm,
    /// An Entra token on `AdminService_TokenAuth` or through a cloud management gateway.
    Bearer,
}

impl Authentication {
    /// True when NTLM may be used.
    pub fn allows_ntlm(self) -> bool {
        matches!(self, Authentication::Negotiate | Authentication::Ntlm)
    }
}

/// Checked `"Site"` options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteOptions {
    /// The SMS Provider's host name, optionally with `:port`.
    pub provider_machine_name: String,
    /// The three-character site code.
    pub site_code: String,
    /// How to authenticate.
    pub authentication: Authentication,
    /// The account (`user@REALM` or `DOMAIN\user`); the password comes separately.
    pub user_name: Option<String>,
    /// The KDC's `host:port`; `None` finds it from krb5.conf, the registry or DNS.
    pub kdc_address: Option<String>,
    /// How the provider's certificate is checked.
    pub trust: Trust,
    /// Per-request timeout.
    pub timeout: Duration,
    /// The token's tenant, client app, scope and route, with `Authentication` `Bearer`.
    pub bearer: Option<BearerSettings>,
}

/// The `"Site"` settings as the caller gave them, before they are checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SiteSettings {
    /// `ProviderMachineName`.
    pub provider_machine_name: String,
    /// `SiteCode`.
    pub site_code: String,
    /// `Authentication`: `Negotiate` (default), `Kerberos`, `Ntlm`.
    pub authentication: Option<String>,
    /// `AllowNtlm`: Negotiate may fall back to NTLM.
    pub allow_ntlm: bool,
    /// `UserName`.
    pub user_name: Option<String>,
    /// `KdcAddress`.
    pub kdc_address: Option<String>,
    /// `CertificateThumbprint`.
    pub certificate_thumbprint: Option<String>,
    /// `SkipCertificateCheck`.
    pub skip_certificate_check: bool,
    /// `TenantId` (Bearer).
    pub tenant_id: Option<String>,
    /// `ClientId`: the site's client app (Bearer).
    pub client_id: Option<String>,
    /// `AppIdUri`: the site's server app (Bearer).
    pub app_id_uri: Option<String>,
    /// `CmgUrl`: `https://<CMG>/CCM_Proxy_ServerAuth/<ID>` (Bearer through a gateway).
    pub cmg_url: Option<String>,
}

impl SiteOptions {
    /// Checks the settings; `trusted_ca_pem` is the session's `TrustedCaPath` content.
    ///
    /// # Errors
    /// `InvalidArgument` naming the field (`Site.<name>`), the problem and the fix.
    pub fn check(
        settings: SiteSettings,
        trusted_ca_pem: Option<Vec<u8>>,
        timeout: Duration,
    ) -> Result<SiteOptions> {
        let provider_machine_name = provider_name(&settings.provider_machine_name)?;
        let site_code = site_code(&settings.site_code)?;
        let authentication = match settings.authentication.as_deref().map(str::trim) {
            None => Authentication::Negotiate,
            Some(a) if a.eq_ignore_ascii_case("Negotiate") => Authentication::Negotiate,
            Some(a) if a.eq_ignore_ascii_case("Kerberos") => Authentication::Kerberos,
            Some(a) if a.eq_ignore_ascii_case("Ntlm") => Authentication::Ntlm,
            Some(a) if a.eq_ignore_ascii_case("Bearer") => Authentication::Bearer,
            Some(other) => return Err(Error::invalid(
                "Site.Authentication",
                "InvalidAuthentication",
                format!("Site.Authentication '{other}' is not known: use Negotiate (Kerberos; the default), Ntlm (sites before ConfigMgr 2509) or Bearer (an Entra token)."),
            )),
        };
        let bearer = bearer_settings(authentication, &settings)?;
        // Negotiate falls back to NTLM only when the admin allowed it.
        let authentication = match authentication {
            Authentication::Negotiate if !settings.allow_ntlm => Authentication::Kerberos,
            other => other,
        };
        let trust = match (settings.certificate_thumbprint, settings.skip_certificate_check) {
            (Some(_), true) => return Err(Error::invalid(
                "Site.SkipCertificateCheck",
                "ConflictingTrust",
                "SkipCertificateCheck and CertificateThumbprint exclude each other: give the thumbprint (the safe choice) and drop SkipCertificateCheck.",
            )),
            (Some(t), false) => Trust::pin(&t)?,
            (None, true) => Trust::Skip,
            (None, false) => Trust::Roots(trusted_ca_pem),
        };
        Ok(SiteOptions {
            provider_machine_name,
            site_code,
            authentication,
            user_name: settings.user_name,
            kdc_address: settings.kdc_address.map(|k| k.trim().to_string()),
            trust,
            timeout,
            bearer,
        })
    }

    /// `https://<provider>/AdminService`; with Bearer `https://<provider>/AdminService_TokenAuth`
    /// or the gateway's `https://<CMG>/CCM_Proxy_ServerAuth/<ID>/AdminService`.
    pub fn base_url(&self) -> String {
        match &self.bearer {
            Some(bearer) => bearer.base_url(&self.provider_machine_name),
            None => format!("https://{}/AdminService", self.provider_machine_name),
        }
    }

    /// The host of the provider's SPN `HTTP/<host>` (the name without a port).
    pub fn spn_host(&self) -> String {
        match self.provider_machine_name.rsplit_once(':') {
            Some((host, port)) if port.chars().all(|c| c.is_ascii_digit()) => host.to_string(),
            _ => self.provider_machine_name.clone(),
        }
    }
}

impl Authentication {
    /// The option's name.
    pub fn name(self) -> &'static str {
        match self {
            Authentication::Negotiate => "Negotiate",
            Authentication::Kerberos => "Kerberos",
            Authentication::Ntlm => "Ntlm",
            Authentication::Bearer => "Bearer",
        }
    }
}

/// The Bearer fields, required with `Bearer` and refused without it (and the other way round
/// for `UserName`, `KdcAddress` and `AllowNtlm`).
fn bearer_settings(
    authentication: Authentication,
    settings: &SiteSettings,
) -> Result<Option<BearerSettings>> {
    let bearer_fields = [
        ("TenantId", settings.tenant_id.is_some()),
        ("ClientId", settings.client_id.is_some()),
        ("AppIdUri", settings.app_id_uri.is_some()),
        ("CmgUrl", settings.cmg_url.is_some()),
    ];
    let negotiate_fields = [
        ("UserName", settings.user_name.is_some()),
        ("KdcAddress", settings.kdc_address.is_some()),
        ("AllowNtlm", settings.allow_ntlm),
    ];
    if authentication != Authentication::Bearer {
        if let Some((name, _)) = bearer_fields.iter().find(|(_, given)| *given) {
            return Err(Error::invalid(
                &format!("Site.{name}"),
                "BearerFieldWithoutBearer",
                format!("Site.{name} is used only with \"Authentication\": \"Bearer\": add it, or drop {name}."),
            ));
        }
        return Ok(None);
    }
    if let Some((name, _)) = negotiate_fields.iter().find(|(_, given)| *given) {
        return Err(Error::invalid(
            &format!("Site.{name}"),
            "NegotiateFieldWithBearer",
            format!("Site.{name} belongs to Windows authentication, but Site.Authentication is Bearer (an Entra sign-in, no password): drop {name}, or use Negotiate."),
        ));
    }
    BearerSettings::check(
        settings.tenant_id.clone(),
        settings.client_id.clone(),
        settings.app_id_uri.clone(),
        settings.cmg_url.clone(),
    )
    .map(Some)
}

fn provider_name(value: &str) -> Result<String> {
    let name = value.trim().to_ascii_lowercase();
    let bad = |why: &str| {
        Error::invalid(
            "Site.ProviderMachineName",
            "InvalidProviderMachineName",
            format!("ProviderMachineName '{value}' {why}: give the SMS Provider's fully qualified name, e.g. cm01.contoso.com (as in the console's Connect to Site dialog)."),
        )
    };
    if name.is_empty() {
        return Err(bad("is empty"));
    }
    if name.contains("://") || name.contains('/') {
        return Err(bad("is a URL, not a machine name"));
    }
    let (host, port) = match name.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (name.as_str(), None),
    };
    if port.is_some_and(|p| p.parse::<u16>().is_err()) {
        return Err(bad("has a port that is not a number"));
    }
    let valid_label = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !l.starts_with('-')
    };
    if host.len() > 253 || !host.split('.').all(valid_label) {
        return Err(bad("is not a host name"));
    }
    Ok(name)
}

fn site_code(value: &str) -> Result<String> {
    let code = value.trim().to_ascii_uppercase();
    if code.len() == 3 && code.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Ok(code);
    }
    Err(Error::invalid(
        "Site.SiteCode",
        "InvalidSiteCode",
        format!("SiteCode '{value}' is not a ConfigMgr site code: give the three letters or digits shown in the console (e.g. XYZ)."),
    ))
}
