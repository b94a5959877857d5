//! The `"Site"` session option read from JSON into [`SiteSettings`] and checked.
//!
//! ```json
//! "Site": {"ProviderMachineName": "cm01.contoso.com", "SiteCode": "XYZ",
//!          "Authentication": "Negotiate", "UserName": "cmadmin@CONTOSO.COM",
//!          "KdcAddress": "dc01.contoso.com:88", "AllowNtlm": false,
//!          "CertificateThumbprint": "...", "SkipCertificateCheck": false}
//! "Site": {"ProviderMachineName": "cm01.contoso.com", "SiteCode": "XYZ",
//!          "Authentication": "Bearer", "TenantId": "...", "ClientId": "<client app>",
//!          "AppIdUri": "api://<tenant>/ConfigMgrService", "CmgUrl": "https://<CMG>/CCM_Proxy_ServerAuth/<ID>"}
//! ```

use super::fields::Fields;
use crate::error::Result;
use crate::site::{SiteOptions, SiteSettings};
use serde_json::{Map, Value};
use std::time::Duration;

/// Reads and checks the `"Site"` object; `trusted_ca_pem` is the session's `TrustedCaPath`.
pub fn site_options(
    site: Map<String, Value>,
    trusted_ca_pem: Option<Vec<u8>>,
    timeout: Duration,
) -> Result<SiteOptions> {
    let mut f = Fields::parse(&Value::Object(site).to_string(), "Site")?;
    let settings = SiteSettings {
        provider_machine_name: f.required_str("ProviderMachineName")?,
        site_code: f.required_str("SiteCode")?,
        authentication: f.optional_str("Authentication")?,
        allow_ntlm: f.optional_bool("AllowNtlm")?.unwrap_or(false),
        user_name: f.optional_str("UserName")?,
        kdc_address: f.optional_str("KdcAddress")?,
        certificate_thumbprint: f.optional_str("CertificateThumbprint")?,
        skip_certificate_check: f.optional_bool("SkipCertificateCheck")?.unwrap_or(false),
        tenant_id: f.optional_str("TenantId")?,
        client_id: f.optional_str("ClientId")?,
        app_id_uri: f.optional_str("AppIdUri")?,
        cmg_url: f.optional_str("CmgUrl")?,
    };
    f.finish()?;
    SiteOptions::check(settings, trusted_ca_pem, timeout)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::site::options::Authentication;
    use crate::site::trust::Trust;
    use serde_json::json;

    fn parse(v: Value) -> Result<SiteOptions> {
        site_options(
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
            (
                json!({"ProviderMachineName": "cm01", "SiteCode": "XYZ", "Password": "x"}),
                "Password",
            ),
        ] {
            let e = parse(v).unwrap_err();
            assert_eq!(e.target.as_deref(), Some(field), "{}", e.message);
        }
    }
}
