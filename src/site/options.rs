//! The session option `"Site"`: which ConfigMgr site to read and write, and how to reach its
//! SMS Provider. The names are the ConfigMgr console's (`ProviderMachineName`, `SiteCode`) and
//! PowerShell's (`SkipCertificateCheck`, `CertificateThumbprint`).
//!
//! ```json
//! "Site": {"ProviderMachineName": "cm01.contoso.com", "SiteCode": "XYZ",
//!          "Authentication": "Negotiate", "UserName": "cmadmin@CONTOSO.COM",
//!          "KdcAddress": "dc01.contoso.com:88", "AllowNtlm": false,
//!          "CertificateThumbprint": "...", "SkipCertificateCheck": false}
//! ```

use super::trust::Trust;
use crate::error::{Error, Result};
use crate::request::Fields;
use serde_json::{Map, Value};
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
}

impl Authentication {
    /// True when NTLM may be used.
    pub fn allows_ntlm(self) -> bool {
        self != Authentication::Kerberos
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
}

impl SiteOptions {
    /// Parses the `"Site"` object; `trusted_ca_pem` is the session's `TrustedCaPath` content.
    ///
    /// # Errors
    /// `InvalidArgument` naming the field, the problem and the fix.
    pub fn parse(
        site: Map<String, Value>,
        trusted_ca_pem: Option<Vec<u8>>,
        timeout: Duration,
    ) -> Result<SiteOptions> {
        let mut f = Fields::parse(&Value::Object(site).to_string(), "Site")?;
        let provider_machine_name = provider_name(&f.required_str("ProviderMachineName")?)?;
        let site_code = site_code(&f.required_str("SiteCode")?)?;
        let allow_ntlm = f.optional_bool("AllowNtlm")?.unwrap_or(false);
        let authentication = match f.optional_str("Authentication")?.as_deref().map(str::trim) {
            None => Authentication::Negotiate,
            Some(a) if a.eq_ignore_ascii_case("Negotiate") && allow_ntlm => Authentication::Negotiate,
            Some(a) if a.eq_ignore_ascii_case("Negotiate") || a.eq_ignore_ascii_case("Kerberos") => {
                Authentication::Kerberos
            }
            Some(a) if a.eq_ignore_ascii_case("Ntlm") => Authentication::Ntlm,
            Some(a) if a.eq_ignore_ascii_case("Bearer") => return Err(Error::invalid(
                "Site.Authentication",
                "UnsupportedAuthentication",
                "Site.Authentication 'Bearer' (Entra tokens through AdminService_TokenAuth or a CMG) is not available yet: use Negotiate with -Credential.",
            )),
            Some(other) => return Err(Error::invalid(
                "Site.Authentication",
                "InvalidAuthentication",
                format!("Site.Authentication '{other}' is not known: use Negotiate (Kerberos; the default) or Ntlm (sites before ConfigMgr 2509)."),
            )),
        };
        let authentication = if authentication == Authentication::Negotiate && !allow_ntlm {
            Authentication::Kerberos
        } else {
            authentication
        };
        let user_name = f.optional_str("UserName")?;
        let kdc_address = f.optional_str("KdcAddress")?.map(|k| k.trim().to_string());
        let thumbprint = f.optional_str("CertificateThumbprint")?;
        let skip = f.optional_bool("SkipCertificateCheck")?.unwrap_or(false);
        f.finish()?;
        let trust = match (thumbprint, skip) {
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
            user_name,
            kdc_address,
            trust,
            timeout,
        })
    }

    /// `https://<provider>/AdminService`.
    pub fn base_url(&self) -> String {
        format!("https://{}/AdminService", self.provider_machine_name)
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
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(v: Value) -> Result<SiteOptions> {
        SiteOptions::parse(
            v.as_object().cloned().unwrap_or_default(),
            None,
            Duration::from_secs(30),
        )
    }

    #[test]
    fn names_and_defaults() {
        let o =
            parse(json!({"ProviderMachineName": "CM01.contoso.com", "SiteCode": "xyz"})).unwrap();
        assert_eq!(o.base_url(), "https://cm01.contoso.com/AdminService");
        assert_eq!(o.site_code, "XYZ");
        assert_eq!(o.authentication, Authentication::Kerberos);
        assert_eq!(o.trust, Trust::Roots(None));
        let o = parse(
            json!({"ProviderMachineName": "localhost:8443", "SiteCode": "P01", "AllowNtlm": true}),
        )
        .unwrap();
        assert_eq!(o.spn_host(), "localhost");
        assert_eq!(o.authentication, Authentication::Negotiate);
    }

    #[test]
    fn bad_values_name_the_field() {
        for (v, field) in [
            (
                json!({"ProviderMachineName": "https://cm01/AdminService", "SiteCode": "XYZ"}),
                "Site.ProviderMachineName",
            ),
            (
                json!({"ProviderMachineName": "cm01", "SiteCode": "XYZW"}),
                "Site.SiteCode",
            ),
            (
                json!({"ProviderMachineName": "cm01", "SiteCode": "XYZ", "CertificateThumbprint": "abc"}),
                "Site.CertificateThumbprint",
            ),
            (
                json!({"ProviderMachineName": "cm01", "SiteCode": "XYZ", "Authentication": "Basic"}),
                "Site.Authentication",
            ),
            (
                json!({"ProviderMachineName": "cm01", "SiteCode": "XYZ", "SkipCertificateCheck": true, "CertificateThumbprint": "00".repeat(32)}),
                "Site.SkipCertificateCheck",
            ),
        ] {
            let e = parse(v).unwrap_err();
            assert_eq!(e.target.as_deref(), Some(field), "{}", e.message);
        }
    }
}
