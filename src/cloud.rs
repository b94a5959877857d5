//! Azure environments and the endpoints CMAAD talks to: the cloud's authority and Graph hosts,
//! overridable per session (tests, proxies, sovereign clouds). Plain `http://` is refused except
//! to a loopback address.

use crate::error::{Error, Result};
use std::fmt;
use std::net::IpAddr;

/// The Azure cloud an app lives in (ConfigMgr's `AzureEnvironment` enum).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AzureEnvironment {
    /// The global Azure cloud.
    #[default]
    AzurePublicCloud,
    /// Azure Government (US).
    AzureUSGovernmentCloud,
    /// Azure operated by 21Vianet (China).
    AzureChinaCloud,
}

impl AzureEnvironment {
    /// Parses the enum name (case-insensitive) as ConfigMgr spells it; `field` names the request field.
    pub fn parse(value: &str, field: &str) -> Result<Self> {
        match value.trim().to_ascii_lowercase().as_str() {
            "azurepubliccloud" | "" => Ok(Self::AzurePublicCloud),
            "azureusgovernmentcloud" => Ok(Self::AzureUSGovernmentCloud),
            "azurechinacloud" => Ok(Self::AzureChinaCloud),
            "azuregermancloud" => Err(Error::invalid(
                field,
                "RetiredEnvironment",
                format!("{field} 'AzureGermanCloud' is retired: Microsoft Cloud Deutschland closed in 2021; its tenants moved to AzurePublicCloud, so use that."),
            )),
            _ => Err(Error::invalid(
                field,
                "InvalidAzureEnvironment",
                format!("{field} '{value}' is not an Azure environment: use AzurePublicCloud, AzureUSGovernmentCloud or AzureChinaCloud."),
            )),
        }
    }

    /// The enum name.
    pub fn name(self) -> &'static str {
        match self {
            Self::AzurePublicCloud => "AzurePublicCloud",
            Self::AzureUSGovernmentCloud => "AzureUSGovernmentCloud",
            Self::AzureChinaCloud => "AzureChinaCloud",
        }
    }

    /// The cloud's sign-in (authority) host.
    pub fn authority_host(self) -> &'static str {
        match self {
            Self::AzurePublicCloud => "https://login.microsoftonline.com",
            Self::AzureUSGovernmentCloud => "https://login.microsoftonline.us",
            Self::AzureChinaCloud => "https://login.chinacloudapi.cn",
        }
    }

    /// The cloud's Microsoft Graph host.
    pub fn graph_host(self) -> &'static str {
        match self {
            Self::AzurePublicCloud => "https://graph.microsoft.com",
            Self::AzureUSGovernmentCloud => "https://graph.microsoft.us",
            Self::AzureChinaCloud => "https://microsoftgraph.chinacloudapi.cn",
        }
    }
}

impl fmt::Display for AzureEnvironment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Microsoft Graph's endpoints in every national cloud, US Government DoD included. Source:
/// "National cloud deployments", Microsoft Graph documentation
/// (<https://learn.microsoft.com/graph/deployments>).
pub const MICROSOFT_GRAPH_HOSTS: [&str; 4] = [
    "https://graph.microsoft.com",
    "https://graph.microsoft.us",
    "https://dod-graph.microsoft.us",
    "https://microsoftgraph.chinacloudapi.cn",
];

/// Where a session sends its Entra and Graph requests, and for which audience it asks tokens:
/// the one place that derives every endpoint and every Graph token scope from the session's
/// cloud and its `AuthorityHost`/`GraphHost` overrides.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Endpoints {
    /// Overrides the environment's authority host (no trailing slash).
    pub authority_host: Option<String>,
    /// Overrides the environment's Graph host (no trailing slash).
    pub graph_host: Option<String>,
}

impl Endpoints {
    /// The authority host for `env`, the override first.
    pub fn authority(&self, env: AzureEnvironment) -> String {
        self.authority_host
            .clone()
            .unwrap_or_else(|| env.authority_host().to_string())
    }

    /// The Graph host for `env`, the override first.
    pub fn graph(&self, env: AzureEnvironment) -> String {
        self.graph_host
            .clone()
            .unwrap_or_else(|| env.graph_host().to_string())
    }

    /// The resource (token audience) of the Graph that [`Endpoints::graph`] calls: the Graph
    /// host itself when it is one of Microsoft's ([`MICROSOFT_GRAPH_HOSTS`]; each accepts only
    /// tokens issued for it, so `GraphHost https://dod-graph.microsoft.us` needs DoD tokens),
    /// else the cloud's Graph, which a reverse proxy or test server given as `GraphHost`
    /// stands for.
    pub fn graph_resource(&self, env: AzureEnvironment) -> String {
        match &self.graph_host {
            Some(host)
                if MICROSOFT_GRAPH_HOSTS
                    .iter()
                    .any(|g| g.eq_ignore_ascii_case(host)) =>
            {
                host.to_ascii_lowercase()
            }
            _ => env.graph_host().to_string(),
        }
    }

    /// A Graph token scope: `{graph resource}/{permission}`, e.g. `.default` for client
    /// credentials or `Application.ReadWrite.All` for a delegated sign-in.
    pub fn graph_scope(&self, env: AzureEnvironment, permission: &str) -> String {
        format!("{}/{permission}", self.graph_resource(env))
    }
}

/// Checks a host override: absolute, `https://` (or `http://` to loopback only), no user
/// information, query or fragment. Returns it without a trailing slash; messages show the value
/// redacted ([`crate::proxy::redacted`]).
pub fn check_endpoint_url(value: &str, field: &str) -> Result<String> {
    let trimmed = value.trim().trim_end_matches('/');
    // Echoed redacted: a URL may carry a user name and password.
    let value = crate::proxy::redacted(value.trim());
    let url = reqwest::Url::parse(trimmed).map_err(|e| {
        Error::invalid(
            field,
            "InvalidUrl",
            format!(
                "{field} '{value}' is not an absolute URL ({e}): give it as https://host[:port]."
            ),
        )
    })?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(Error::invalid(
                field,
                "InsecureUrl",
                format!("{field} '{value}' uses plain http to a host that is not loopback: secrets would cross the network in clear; use https://."),
            ))
        }
        other => {
            return Err(Error::invalid(field, "InvalidUrl", format!("{field} '{value}' has scheme '{other}': use https://.")))
        }
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::invalid(field, "InvalidUrl", format!("{field} '{value}' carries a user name or password, which CMAAD never sends to Entra or Graph: give the bare host URL such as https://login.example.com.")));
    }
    if url.query().is_some() || url.fragment().is_some() || url.host_str().is_none() {
        return Err(Error::invalid(field, "InvalidUrl", format!("{field} '{value}' must be a bare host URL such as https://login.example.com, without query or fragment.")));
    }
    Ok(trimmed.to_string())
}

/// True when the URL's host is a loopback address or `localhost`.
pub fn is_loopback(url: &reqwest::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_only_to_loopback() {
        assert!(check_endpoint_url("http://127.0.0.1:8080/", "AuthorityHost").is_ok());
        assert!(check_endpoint_url("http://localhost:1", "GraphHost").is_ok());
        assert!(check_endpoint_url("http://[::1]:1", "GraphHost").is_ok());
        let e = check_endpoint_url("http://login.example.com", "AuthorityHost").unwrap_err();
        assert_eq!(e.code, "InsecureUrl");
        assert_eq!(e.target.as_deref(), Some("AuthorityHost"));
        assert_eq!(
            check_endpoint_url("https://login.example.com/", "AuthorityHost").unwrap(),
            "https://login.example.com"
        );
        assert_eq!(
            check_endpoint_url("ftp://x", "Proxy").unwrap_err().code,
            "InvalidUrl"
        );
        assert_eq!(
            check_endpoint_url("login.example.com", "Proxy")
                .unwrap_err()
                .code,
            "InvalidUrl"
        );
    }

    #[test]
    fn graph_audience_is_the_microsoft_graph_called() {
        let us = AzureEnvironment::AzureUSGovernmentCloud;
        let dod = Endpoints {
            authority_host: None,
            graph_host: Some("https://dod-graph.microsoft.us".into()),
        };
        assert_eq!(
            dod.graph_scope(us, ".default"),
            "https://dod-graph.microsoft.us/.default"
        );
        let proxied = Endpoints {
            authority_host: None,
            graph_host: Some("https://graph-proxy.contoso.com".into()),
        };
        assert_eq!(
            proxied.graph_scope(us, ".default"),
            "https://graph.microsoft.us/.default"
        );
        assert_eq!(
            Endpoints::default().graph_scope(AzureEnvironment::AzureChinaCloud, "User.Read"),
            "https://microsoftgraph.chinacloudapi.cn/User.Read"
        );
    }

    #[test]
    fn environments() {
        assert_eq!(
            AzureEnvironment::parse("azureusgovernmentcloud", "X").unwrap(),
            AzureEnvironment::AzureUSGovernmentCloud
        );
        assert_eq!(
            AzureEnvironment::parse("AzureGermanCloud", "X")
                .unwrap_err()
                .code,
            "RetiredEnvironment"
        );
        assert_eq!(
            AzureEnvironment::parse("Mars", "X").unwrap_err().code,
            "InvalidAzureEnvironment"
        );
        assert_eq!(
            AzureEnvironment::AzureChinaCloud.graph_host(),
            "https://microsoftgraph.chinacloudapi.cn"
        );
    }
}
