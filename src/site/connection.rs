//! One authenticated HTTPS connection to an SMS Provider's AdminService.
//!
//! - Requests to a site are serialized and go over one kept-alive HTTP/1.1 connection, so the
//!   `Negotiate` handshake (which authenticates the connection) happens once per session, not
//!   per call; a new connection (the provider closed the old one) authenticates again.
//! - Redirects are never followed: a credentialed request goes only to the host the caller named.
//! - Throttling (429) and outages (5xx) are retried with backoff honouring `Retry-After`, at most
//!   4 attempts and 60 s; `POST` is retried only on 429 (a 5xx may have created the object).
//! - The provider's errors `{"error":{"code","message"}}` are mapped by meaning, not by code:
//!   the code is a string that need not match the HTTP status ("Access denied" has come back as
//!   code "404").

use super::bearer::{self, BearerToken, TokenSlot};
use super::negotiate::{self, KdcLocation, KerberosExchange, NtlmExchange, SiteCredential};
use super::options::{Authentication, SiteOptions};
use super::trust::{self, Warnings};
use crate::error::{Error, Result, Status};
use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION, WWW_AUTHENTICATE};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// At most this many attempts per request.
const MAX_ATTEMPTS: u32 = 4;
/// At most this long per request, retries included.
const MAX_TOTAL: Duration = Duration::from_secs(60);
/// The longest `Retry-After` honoured before giving up.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);
/// The largest answer read.
const MAX_BODY: usize = 32 * 1024 * 1024;

/// An answer from the provider.
#[derive(Debug, Clone)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// The JSON body (`Null` when empty).
    pub body: Value,
}

/// Counters a test or benchmark reads.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ConnectionStats {
    /// HTTP requests sent (handshake legs included).
    pub requests: u64,
    /// Kerberos handshakes completed.
    pub kerberos_handshakes: u64,
    /// NTLM handshakes completed.
    pub ntlm_handshakes: u64,
}

/// A site's connection: its own single-threaded runtime and client, so the authenticated
/// connection lives as long as the session.
pub struct SiteConnection {
    options: SiteOptions,
    credential: Option<SiteCredential>,
    runtime: tokio::runtime::Runtime,
    client: reqwest::Client,
    warnings: Warnings,
    state: Mutex<ConnectionStats>,
    token: TokenSlot,
}

impl std::fmt::Debug for SiteConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SiteConnection")
            .field("provider", &self.options.provider_machine_name)
            .field("site_code", &self.options.site_code)
            .finish_non_exhaustive()
    }
}

impl SiteConnection {
    /// Prepares the connection (nothing is contacted yet).
    ///
    /// # Errors
    /// `InvalidArgument` when the trust settings are unusable; `Internal` when no runtime or
    /// client can be built.
    pub fn new(options: SiteOptions, credential: Option<SiteCredential>) -> Result<SiteConnection> {
        let warnings: Warnings = Arc::new(Mutex::new(Vec::new()));
        let tls = trust::client_config(&options.trust, &warnings)?;
        let client = reqwest::Client::builder()
            .user_agent(concat!("CMAAD/", env!("CARGO_PKG_VERSION")))
            .tls_backend_preconfigured(tls)
            .redirect(reqwest::redirect::Policy::none())
            .http1_only()
            .pool_max_idle_per_host(1)
            .pool_idle_timeout(Duration::from_secs(90))
            .connect_timeout(options.timeout.min(Duration::from_secs(10)))
            .timeout(options.timeout)
            .tcp_nodelay(true)
            .no_proxy()
            .build()
            .map_err(|e| {
                Error::internal(format!("The AdminService client could not be built: {e}."))
            })?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| {
                Error::internal(format!("The site's I/O runtime could not start: {e}."))
            })?;
        Ok(SiteConnection {
            options,
            credential,
            runtime,
            client,
            warnings,
            state: Mutex::new(ConnectionStats::default()),
            token: TokenSlot::default(),
        })
    }

    /// The site's options.
    pub fn options(&self) -> &SiteOptions {
        &self.options
    }

    /// Counters so far.
    pub fn stats(&self) -> ConnectionStats {
        *self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Keeps the Entra token sent with `Authentication` `Bearer` (the one it replaces is wiped).
    pub fn set_bearer_token(&self, token: BearerToken) {
        self.token.set(token);
    }

    /// Warnings raised while connecting (drained).
    pub fn take_warnings(&self) -> Vec<String> {
        std::mem::take(&mut *self.warnings.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Sends `method path` (relative to `https://<provider>/AdminService/`) with an optional JSON
    /// body, authenticating and retrying as the module says; the answer of any status.
    ///
    /// # Errors
    /// `Network` when the provider cannot be reached or keeps failing, authentication errors
    /// as [`negotiate`] describes, `SiteRedirected` on a redirect.
    pub fn send(&self, method: Method, path: &str, body: Option<&Value>) -> Result<Reply> {
        let mut stats = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let url = format!(
            "{}/{}",
            self.options.base_url(),
            path.trim_start_matches('/')
        );
        let body = body.map(|b| b.to_string());
        self.runtime
            .block_on(self.with_retries(&mut stats, &method, &url, body.as_deref()))
    }

    async fn with_retries(
        &self,
        stats: &mut ConnectionStats,
        method: &Method,
        url: &str,
        body: Option<&str>,
    ) -> Result<Reply> {
        let started = Instant::now();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let (reply, retry_after) = self.authenticated(stats, method, url, body).await?;
            let retryable = reply.status == 429 || (reply.status >= 500 && *method != Method::POST);
            let wait = retry_after
                .unwrap_or_else(|| Duration::from_millis(250 * 2u64.pow(attempt - 1)))
                .min(MAX_RETRY_AFTER);
            if !retryable || attempt >= MAX_ATTEMPTS || started.elapsed() + wait > MAX_TOTAL {
                return Ok(reply);
            }
            tokio::time::sleep(wait).await;
        }
    }

    /// One request, authenticating the connection first when the provider asks.
    async fn authenticated(
        &self,
        stats: &mut ConnectionStats,
        method: &Method,
        url: &str,
        body: Option<&str>,
    ) -> Result<(Reply, Option<Duration>)> {
        if let Some(settings) = &self.options.bearer {
            return self.bearer(stats, settings, method, url, body).await;
        }
        let first = self.exchange(stats, method, url, body, None).await?;
        if first.status != StatusCode::UNAUTHORIZED {
            return self.finish(first).await;
        }
        let offered = schemes(&first.headers);
        let Some(credential) = self.credential.as_ref() else {
            return self
                .logged_on_user(stats, &offered, method, url, body)
                .await;
        };
        let kerberos_allowed = self.options.authentication != Authentication::Ntlm;
        if kerberos_allowed && offered.iter().any(|s| s == "negotiate") {
            match self.kerberos(stats, credential, method, url, body).await {
                Ok(done) => return Ok(done),
                Err(e) if !self.ntlm_allowed(&offered) => return Err(e),
                Err(_) => {}
            }
        }
        if self.ntlm_allowed(&offered) {
            return self
                .ntlm(stats, credential, &offered, method, url, body)
                .await;
        }
        Err(refused(&self.options, &offered))
    }

    /// One request with the session's Entra token (checked on every request, so no
    /// handshake); a `401` names what to fix.
    async fn bearer(
        &self,
        stats: &mut ConnectionStats,
        settings: &bearer::BearerSettings,
        method: &Method,
        url: &str,
        body: Option<&str>,
    ) -> Result<(Reply, Option<Duration>)> {
        let host = url::Url::parse(url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_default();
        let header = self.token.authorization(&host)?;
        let mut value = HeaderValue::from_str(&header).map_err(|_| {
            Error::invalid(
                "Site.Authentication",
                "MalformedToken",
                "The Entra token holds characters an HTTP header cannot carry: sign in again.",
            )
        })?;
        value.set_sensitive(true);
        let answer = self.exchange(stats, method, url, body, Some(value)).await?;
        if answer.status == StatusCode::UNAUTHORIZED {
            let challenge = answer
                .headers
                .get_all(WWW_AUTHENTICATE)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .find(|v| v.trim_start().to_ascii_lowercase().starts_with("bearer"));
            return Err(bearer::refused(&host, settings, challenge));
        }
        self.finish(answer).await
    }

    /// Without a credential on Windows: the logged-on user (SYSTEM: the computer account)
    /// through Windows SSPI, over as many legs as the package needs.
    #[cfg(windows)]
    async fn logged_on_user(
        &self,
        stats: &mut ConnectionStats,
        offered: &[String],
        method: &Method,
        url: &str,
        body: Option<&str>,
    ) -> Result<(Reply, Option<Duration>)> {
        let ntlm = self.ntlm_allowed(offered);
        let (package, scheme) = match self.options.authentication {
            Authentication::Ntlm if offered.iter().any(|s| s == "ntlm") => ("NTLM", "NTLM"),
            Authentication::Ntlm => ("NTLM", "Negotiate"),
            _ if ntlm => ("Negotiate", "Negotiate"),
            _ if offered.iter().any(|s| s == "negotiate") => ("Kerberos", "Negotiate"),
            _ => return Err(refused(&self.options, offered)),
        };
        let (mut context, mut token) =
            super::logon::LogonContext::begin(package, &self.options.spn_host())?;
        for _ in 0..super::logon::MAX_LEGS {
            let header = header_value(negotiate::authorization(scheme, &token))?;
            let answer = self
                .exchange(stats, method, url, body, Some(header))
                .await?;
            let server_token = answer
                .headers
                .get_all(WWW_AUTHENTICATE)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .find_map(|v| negotiate::challenge_token(v, scheme));
            if answer.status == StatusCode::UNAUTHORIZED {
                match server_token {
                    Some(t) if !context.is_complete() => {
                        token = context.answer(&t)?;
                        continue;
                    }
                    _ => return Err(refused(&self.options, &schemes(&answer.headers))),
                }
            }
            if !context.is_complete() {
                context.answer(&server_token.unwrap_or_default())?;
            }
            stats.kerberos_handshakes += u64::from(package != "NTLM");
            stats.ntlm_handshakes += u64::from(package == "NTLM");
            return self.finish(answer).await;
        }
        Err(refused(&self.options, offered))
    }

    /// Without a credential elsewhere: there is no logged-on Windows user to act as.
    #[cfg(not(windows))]
    async fn logged_on_user(
        &self,
        _stats: &mut ConnectionStats,
        _offered: &[String],
        _method: &Method,
        _url: &str,
        _body: Option<&str>,
    ) -> Result<(Reply, Option<Duration>)> {
        Err(Error::invalid(
            "Site.UserName",
            "SiteCredentialRequired",
            "The SMS Provider asks for Windows authentication and no credential was given; only on Windows does CMAAD use the logged-on user: pass -Credential (Site.UserName and the password).",
        ))
    }

    fn ntlm_allowed(&self, offered: &[String]) -> bool {
        self.options.authentication.allows_ntlm()
            && offered.iter().any(|s| s == "ntlm" || s == "negotiate")
    }

    async fn kerberos(
        &self,
        stats: &mut ConnectionStats,
        credential: &SiteCredential,
        method: &Method,
        url: &str,
        body: Option<&str>,
    ) -> Result<(Reply, Option<Duration>)> {
        let kdc = KdcLocation(self.options.kdc_address.clone());
        let (exchange, ap_req) =
            KerberosExchange::begin(credential, &kdc, &self.options.spn_host())?;
        let header = header_value(negotiate::authorization("Negotiate", &ap_req))?;
        let answer = self
            .exchange(stats, method, url, body, Some(header))
            .await?;
        if answer.status == StatusCode::UNAUTHORIZED {
            return Err(refused(&self.options, &schemes(&answer.headers)));
        }
        let ap_rep = answer
            .headers
            .get_all(WWW_AUTHENTICATE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|v| negotiate::challenge_token(v, "Negotiate"))
            .unwrap_or_default();
        exchange.finish(&ap_rep)?;
        stats.kerberos_handshakes += 1;
        self.finish(answer).await
    }

    async fn ntlm(
        &self,
        stats: &mut ConnectionStats,
        credential: &SiteCredential,
        offered: &[String],
        method: &Method,
        url: &str,
        body: Option<&str>,
    ) -> Result<(Reply, Option<Duration>)> {
        let scheme = if offered.iter().any(|s| s == "ntlm") {
            "NTLM"
        } else {
            "Negotiate"
        };
        let (exchange, negotiate_message) = NtlmExchange::begin(credential)?;
        let header = header_value(negotiate::authorization(scheme, &negotiate_message))?;
        let challenge = self
            .exchange(stats, method, url, body, Some(header))
            .await?;
        let token = challenge
            .headers
            .get_all(WWW_AUTHENTICATE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|v| negotiate::challenge_token(v, scheme))
            .ok_or_else(|| refused(&self.options, &schemes(&challenge.headers)))?;
        let authenticate = exchange.answer(&token)?;
        let header = header_value(negotiate::authorization(scheme, &authenticate))?;
        let answer = self
            .exchange(stats, method, url, body, Some(header))
            .await?;
        if answer.status == StatusCode::UNAUTHORIZED {
            return Err(refused(&self.options, &schemes(&answer.headers)));
        }
        stats.ntlm_handshakes += 1;
        self.finish(answer).await
    }

    async fn exchange(
        &self,
        stats: &mut ConnectionStats,
        method: &Method,
        url: &str,
        body: Option<&str>,
        authorization: Option<HeaderValue>,
    ) -> Result<Answer> {
        let mut request = self
            .client
            .request(method.clone(), url)
            .header(reqwest::header::ACCEPT, "application/json");
        if let Some(body) = body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.to_string());
        }
        if let Some(value) = authorization {
            request = request.header(AUTHORIZATION, value);
        }
        stats.requests += 1;
        let response = request
            .send()
            .await
            .map_err(|e| unreachable(&self.options, &e))?;
        if response.status().is_redirection() {
            let to = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("?");
            return Err(Error::new(
                Status::Network,
                "SiteRedirected",
                format!("The SMS Provider {} answered with a redirect to {to}; CMAAD does not follow redirects with credentials. Give the provider's own name as ProviderMachineName.", self.options.provider_machine_name),
            ));
        }
        let status = response.status();
        let headers = response.headers().clone();
        if response.content_length().unwrap_or(0) > MAX_BODY as u64 {
            return Err(too_large());
        }
        // Read whole, so the connection (and the authentication bound to it) is reused.
        let bytes = response
            .bytes()
            .await
            .map_err(|e| unreachable(&self.options, &e))?;
        if bytes.len() > MAX_BODY {
            return Err(too_large());
        }
        Ok(Answer {
            status,
            headers,
            bytes: bytes.to_vec(),
        })
    }

    async fn finish(&self, answer: Answer) -> Result<(Reply, Option<Duration>)> {
        let Answer {
            status,
            headers,
            bytes,
        } = answer;
        let status = status.as_u16();
        let retry_after = headers
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let body = if bytes.iter().all(u8::is_ascii_whitespace) {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).map_err(|_| {
                Error::new(
                    Status::Network,
                    "MalformedResponse",
                    format!("The SMS Provider {} answered HTTP {status} with something other than JSON: check that ProviderMachineName names the SMS Provider and that no proxy answers for it.", self.options.provider_machine_name),
                )
            })?
        };
        Ok((Reply { status, body }, retry_after))
    }
}

/// An `Authorization` value (base64 is always a valid header value).
fn header_value(value: String) -> Result<HeaderValue> {
    HeaderValue::from_str(&value)
        .map_err(|_| Error::internal("A Negotiate token could not be put in a header."))
}

/// An HTTP answer read whole.
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    bytes: Vec<u8>,
}

fn too_large() -> Error {
    Error::new(
        Status::Network,
        "ResponseTooLarge",
        "The SMS Provider's answer is larger than 32 MB.",
    )
}

/// The lower-case schemes of every `WWW-Authenticate` header.
fn schemes(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(WWW_AUTHENTICATE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split_whitespace().next())
        .map(str::to_ascii_lowercase)
        .collect()
}

fn refused(options: &SiteOptions, offered: &[String]) -> Error {
    Error::invalid(
        "Site.UserName",
        "SiteAuthenticationFailed",
        format!(
            "The SMS Provider {} refused the credential (it offers: {}). Since ConfigMgr 2509 the provider accepts Kerberos only: check that the account is a ConfigMgr administrative user, that the SPN HTTP/{} exists, and that the KDC is reachable.",
            options.provider_machine_name,
            if offered.is_empty() { "nothing".to_string() } else { offered.join(", ") },
            options.spn_host()
        ),
    )
}

fn unreachable(options: &SiteOptions, e: &reqwest::Error) -> Error {
    let what = if e.is_timeout() {
        "did not answer in time"
    } else if e.is_connect() {
        "could not be reached"
    } else {
        "broke the connection"
    };
    let mut source: Option<&dyn std::error::Error> = Some(e);
    let mut detail = String::new();
    while let Some(s) = source {
        detail = s.to_string();
        source = s.source();
    }
    Error::new(
        Status::Network,
        if e.is_timeout() { "Timeout" } else { "ConnectionFailed" },
        format!(
            "The SMS Provider {} {what} ({detail}). Check ProviderMachineName, that port {} is open, and how its certificate is trusted (TrustedCaPath, CertificateThumbprint).",
            options.provider_machine_name,
            https_port(&options.provider_machine_name)
        ),
    )
}

/// The TCP port of `host[:port]` (also `[v6]:port`), 443 when none is given.
fn https_port(provider: &str) -> u16 {
    provider
        .rsplit_once(':')
        .filter(|(host, _)| !host.is_empty() && (!host.contains(':') || host.ends_with(']')))
        .and_then(|(_, port)| port.parse().ok())
        .unwrap_or(443)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_port_named_in_connection_errors_is_the_providers() {
        assert_eq!(https_port("cm01.contoso.com"), 443);
        assert_eq!(https_port("localhost:36749"), 36749);
        assert_eq!(https_port("[::1]:8443"), 8443);
        assert_eq!(https_port("::1"), 443);
    }
    use crate::site::SiteSettings;
    use cmaad_fake_adminservice::auth::{AuthConfig, KerberosService};
    use cmaad_fake_adminservice::{FakeSite, SiteConfig};

    /// A provider offering `Negotiate` (Kerberos), asked for its tenants with no credential.
    fn read_without_credential() -> (FakeSite, Result<Reply>) {
        let site = FakeSite::start(SiteConfig::new("XYZ").auth(AuthConfig {
            kerberos: Some(KerberosService {
                host: "localhost".into(),
                keys: Vec::new(),
            }),
            ..AuthConfig::default()
        }));
        let settings = SiteSettings {
            provider_machine_name: site.provider_machine_name(),
            site_code: "XYZ".into(),
            // A pin: wine has no system certificate store to add the site's root to.
            certificate_thumbprint: Some(site.certificate_sha256().to_string()),
            ..SiteSettings::default()
        };
        let options = SiteOptions::check(settings, None, Duration::from_secs(10)).unwrap();
        let connection = SiteConnection::new(options, None).unwrap();
        let result = connection.send(Method::GET, "wmi/SMS_AAD_Tenant_Ex", None);
        assert!(
            site.requests()
                .iter()
                .any(|r| r.status == 401 && r.authorization_scheme.is_none()),
            "the anonymous request was challenged"
        );
        (site, result)
    }

    #[cfg(not(windows))]
    #[test]
    fn elsewhere_no_credential_names_the_credential_parameter() {
        let (site, result) = read_without_credential();
        let e = result.unwrap_err();
        assert_eq!(e.code, "SiteCredentialRequired");
        assert!(e.message.contains("-Credential"), "{}", e.message);
        assert_eq!(
            site.requests().len(),
            1,
            "nothing is tried without a credential"
        );
    }

    /// Under wine (and on Windows outside a domain) there is no Kerberos logon to use: the
    /// logged-on user's path must be taken and fail with a clear error, not crash. On a domain
    /// member the ticket reaches the fake, which holds no key for it and refuses it.
    #[cfg(windows)]
    #[test]
    fn on_windows_no_credential_uses_the_logged_on_user_through_sspi() {
        let (site, result) = read_without_credential();
        let e = result.unwrap_err();
        let negotiated = site
            .requests()
            .iter()
            .any(|r| r.authorization_scheme.as_deref() == Some("Negotiate"));
        if negotiated {
            assert_eq!(e.code, "SiteAuthenticationFailed", "{}", e.message);
        } else {
            assert_eq!(e.code, "SiteLogonFailed", "{}", e.message);
            assert!(e.message.contains("SSPI status"), "{}", e.message);
            assert!(e.message.contains("logged-on user"), "{}", e.message);
            assert!(e.message.contains("-Credential"), "{}", e.message);
        }
    }
}
