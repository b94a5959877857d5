//! One HTTP exchange with Entra or Graph, made robust: a per-attempt timeout, a capped body,
//! content-type checks, and retries of 429/5xx and broken connections with backoff that honours
//! `Retry-After`, bounded in attempts and in total time.
//!
//! What retrying cannot cure ends the call at once, each with its own code and fix: a redirect
//! (never followed: requests carry secrets and tokens), a proxy demanding authentication (407),
//! a certificate that does not chain to a trusted root or is otherwise refused, a name that does
//! not resolve, a refused connection.

use crate::error::{Error, Status};
use crate::runtime::Net;
use std::time::{Duration, Instant};

/// Bodies larger than this are refused (Entra and Graph answers are a few KiB).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// How transient failures are retried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (at least 1).
    pub max_attempts: u32,
    /// Wait before the first retry when the server gives no `Retry-After`; doubles each time.
    pub initial_backoff: Duration,
    /// Cap of the computed backoff (a server's `Retry-After` is honoured as given).
    pub max_backoff: Duration,
    /// Total time budget for all attempts and waits; nothing runs past it.
    pub max_total: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            initial_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(8),
            max_total: Duration::from_secs(60),
        }
    }
}

/// A complete answer, body read.
#[derive(Debug, Clone)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// `Retry-After`, when given in seconds.
    pub retry_after: Option<Duration>,
    /// Media type (`application/json`), lower case, without parameters.
    pub media_type: String,
    /// The body.
    pub body: Vec<u8>,
}

impl Reply {
    /// True for a JSON answer.
    pub fn is_json(&self) -> bool {
        self.media_type == "application/json" || self.media_type.ends_with("+json")
    }

    fn is_transient(&self) -> bool {
        matches!(self.status, 429 | 500 | 502 | 503 | 504)
    }
}

/// Why one attempt gave no usable answer.
#[derive(Debug)]
enum Failure {
    Timeout,
    Connection(String),
    TooLarge,
    /// A 3xx answer: `from` sent it, pointing at `to` (host only; `?` when unreadable).
    Redirect {
        status: u16,
        from: String,
        to: String,
    },
    /// The proxy answered 407 (to CONNECT, or to a forwarded request).
    ProxyAuthentication(String),
    /// The proxy answered CONNECT with another refusal (its policy blocks the host).
    ProxyRefused(String),
    /// The server's certificate does not chain to a trusted root.
    UntrustedCertificate(String),
    /// The server's certificate chains but is refused (expired, wrong name, revoked, ...).
    CertificateRejected(String),
    /// The TLS handshake failed for another reason: something that does not speak TLS (or
    /// only an old version) answered.
    TlsHandshake(String),
    /// The host name does not resolve.
    NameNotResolved(String),
    /// Nothing listens at the address (or a firewall rejects the connection).
    Refused(String),
}

impl Failure {
    /// True when another attempt cannot give another outcome within the retry budget.
    fn is_final(&self) -> bool {
        !matches!(self, Failure::Timeout | Failure::Connection(_))
    }

    /// What a transport error was, from its chain of causes.
    fn of(error: &reqwest::Error) -> Failure {
        let detail = crate::scrub::server_text(&describe(error), &[]);
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
        while let Some(cause) = source {
            // An `io::Error` hides what it wraps (even another `io::Error`) from `source()`.
            let mut layer = Some(cause);
            while let Some(e) = layer {
                if let Some(failure) = Failure::classify(e, &detail) {
                    return failure;
                }
                layer = e
                    .downcast_ref::<std::io::Error>()
                    .and_then(|io| io.get_ref())
                    .map(|inner| inner as &(dyn std::error::Error + 'static));
            }
            source = cause.source();
        }
        Failure::Connection(detail)
    }

    /// One cause recognised by its type, or by the fixed text of hyper-util's connector and
    /// proxy tunnel errors (whose types are not public).
    fn classify(e: &(dyn std::error::Error + 'static), detail: &str) -> Option<Failure> {
        use rustls::CertificateError as C;
        if let Some(rustls::Error::InvalidCertificate(cert)) = e.downcast_ref::<rustls::Error>() {
            return Some(match cert {
                C::UnknownIssuer | C::BadSignature => {
                    Failure::UntrustedCertificate(detail.to_string())
                }
                _ => Failure::CertificateRejected(detail.to_string()),
            });
        }
        if e.downcast_ref::<rustls::Error>().is_some() {
            return Some(Failure::TlsHandshake(detail.to_string()));
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::ConnectionRefused {
                return Some(Failure::Refused(detail.to_string()));
            }
        }
        let text = e.to_string();
        if text.starts_with("dns error") {
            return Some(Failure::NameNotResolved(detail.to_string()));
        }
        match text.strip_prefix("tunnel error: ") {
            Some("proxy authorization required") => {
                Some(Failure::ProxyAuthentication(detail.to_string()))
            }
            Some("unsuccessful") => Some(Failure::ProxyRefused(detail.to_string())),
            _ => None,
        }
    }
}

/// A request sender with a client, a per-attempt timeout and a retry policy.
#[derive(Debug, Clone)]
pub struct Transport {
    /// The network settings; each call takes its client from the running engine.
    pub net: Net,
    /// Per-attempt timeout (connect, send, read the body).
    pub request_timeout: Duration,
    /// Retries.
    pub retry: RetryPolicy,
}

impl Transport {
    /// The same transport making a single attempt: for requests that must not be repeated after
    /// a lost answer (a create, `addPassword`), whose callers decide themselves what to retry.
    pub fn single_attempt(&self) -> Transport {
        Transport {
            retry: RetryPolicy {
                max_attempts: 1,
                ..self.retry.clone()
            },
            ..self.clone()
        }
    }

    /// Sends the request `build` makes (again for each attempt) and returns the final answer, or
    /// a `Network` error when every attempt failed or the budget ran out. `what` names the call
    /// in messages ("the token request to https://login…").
    pub async fn send(
        &self,
        what: &str,
        build: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder,
    ) -> Result<Reply, Error> {
        let client = crate::runtime::client(self.net)?;
        let start = Instant::now();
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let remaining = self.retry.max_total.saturating_sub(start.elapsed());
            let outcome = self
                .attempt(build(&client), self.request_timeout.min(remaining))
                .await;
            let (wait, last) = match outcome {
                Ok(reply) if reply.status == 407 => {
                    let failure =
                        Failure::ProxyAuthentication("HTTP 407 from the proxy".to_string());
                    return Err(give_up(what, attempt, start.elapsed(), Ok(failure), false));
                }
                Ok(reply) if !reply.is_transient() => return Ok(reply),
                Err(failure) if failure.is_final() => {
                    return Err(give_up(what, attempt, start.elapsed(), Ok(failure), false));
                }
                Ok(reply) => (
                    reply.retry_after.unwrap_or_else(|| self.backoff(attempt)),
                    Err(reply),
                ),
                Err(failure) => (self.backoff(attempt), Ok(failure)),
            };
            let remaining = self.retry.max_total.saturating_sub(start.elapsed());
            if attempt >= self.retry.max_attempts.max(1) || wait >= remaining {
                return Err(give_up(
                    what,
                    attempt,
                    start.elapsed(),
                    last,
                    wait >= remaining,
                ));
            }
            tokio::time::sleep(wait).await;
        }
    }

    /// One attempt within `limit`.
    async fn attempt(
        &self,
        request: reqwest::RequestBuilder,
        limit: Duration,
    ) -> Result<Reply, Failure> {
        if limit.is_zero() {
            return Err(Failure::Timeout);
        }
        match tokio::time::timeout(limit, exchange(request)).await {
            Ok(result) => result,
            Err(_) => Err(Failure::Timeout),
        }
    }

    /// Exponential backoff with ±25 % jitter, capped.
    fn backoff(&self, attempt: u32) -> Duration {
        let base = self
            .retry
            .initial_backoff
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
        let capped = base.min(self.retry.max_backoff);
        let mut byte = [0u8; 1];
        let jitter = if getrandom::getrandom(&mut byte).is_ok() {
            0.75 + f64::from(byte[0]) / 510.0
        } else {
            1.0
        };
        capped.mul_f64(jitter)
    }
}

/// Sends and reads the whole body, up to [`MAX_BODY_BYTES`].
async fn exchange(request: reqwest::RequestBuilder) -> Result<Reply, Failure> {
    let mut response = request.send().await.map_err(|e| Failure::of(&e))?;
    if response.status().is_redirection() {
        let from = response.url().host_str().unwrap_or("?").to_string();
        let to = response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| response.url().join(v).ok())
            .and_then(|u| u.host_str().map(|h| crate::scrub::server_text(h, &[])))
            .unwrap_or_else(|| "?".to_string());
        return Err(Failure::Redirect {
            status: response.status().as_u16(),
            from,
            to,
        });
    }
    if response
        .content_length()
        .is_some_and(|n| n > MAX_BODY_BYTES as u64)
    {
        return Err(Failure::TooLarge);
    }
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(|secs| Duration::from_secs(secs.min(3600)));
    let media_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| Failure::of(&e))? {
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(Failure::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Reply {
        status,
        retry_after,
        media_type,
        body,
    })
}

/// A transport error's text with its causes (reqwest's top line alone says little).
fn describe(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// The `Network` error after the last attempt: `last` is the final answer (Err) or failure (Ok).
fn give_up(
    what: &str,
    attempts: u32,
    elapsed: Duration,
    last: Result<Failure, Reply>,
    out_of_time: bool,
) -> Error {
    let tries = format!(
        "{attempts} attempt{} in {:.1} s",
        if attempts == 1 { "" } else { "s" },
        elapsed.as_secs_f64()
    );
    let (code, message) = match last {
        Err(reply) if reply.status == 429 => ("Throttled", format!("Microsoft Entra ID kept throttling {what} (HTTP 429, {tries}){}: wait a few minutes, then verify again.", budget_note(out_of_time))),
        Err(reply) => ("EntraUnavailable", format!("Microsoft Entra ID kept failing {what} (HTTP {}, {tries}){}: the service may be having an outage; retry later.", reply.status, budget_note(out_of_time))),
        Ok(Failure::Timeout) => ("Timeout", format!("No answer to {what} in time ({tries}): check the network path to Entra, the proxy setting and the session's TimeoutSeconds.")),
        Ok(Failure::Connection(detail)) => ("ConnectionFailed", format!("{what} failed: {detail} ({tries}). Check name resolution, the firewall and the proxy setting; the Azure environment must match the tenant's cloud.")),
        Ok(Failure::TooLarge) => ("ResponseTooLarge", format!("The answer to {what} was larger than {} KiB, which Entra never sends: a proxy or another server is answering instead of Entra.", MAX_BODY_BYTES / 1024)),
        Ok(Failure::Redirect { status, from, to }) => ("UnexpectedResponse", format!("{what} was answered by host {from} with a redirect (HTTP {status}) to host {to} ({tries}), which CMAAD never follows: requests carry secrets and tokens and go only to the host configured. A proxy, captive portal or load balancer is answering instead of Microsoft Entra ID, or AuthorityHost/GraphHost names the wrong host; allow the Entra and Graph hosts through the proxy, or set the host that answers directly.")),
        Ok(Failure::ProxyAuthentication(detail)) => ("ProxyAuthenticationRequired", format!("The proxy demands authentication (HTTP 407) for {what} ({detail}; {tries}): give the proxy account in the Proxy option as http://user:password@proxy:port (Connect-CMAADSite -Proxy), or have the proxy allow the Entra and Graph hosts without authentication.")),
        Ok(Failure::ProxyRefused(detail)) => ("ProxyRefused", format!("The proxy refused to open a connection for {what} ({detail}; {tries}): its policy blocks the host; have login.microsoftonline.com and graph.microsoft.com (or your cloud's hosts) allowed through it.")),
        Ok(Failure::UntrustedCertificate(detail)) => ("UntrustedCertificate", format!("The certificate presented for {what} does not chain to a trusted root ({detail}; {tries}): a TLS-inspecting proxy is usually the cause; export its CA certificate (Base-64 .cer/.pem) and pass it as TrustedCaPath (Connect-CMAADSite -TrustedCaPath), or exempt the Entra and Graph hosts from inspection.")),
        Ok(Failure::CertificateRejected(detail)) => ("CertificateRejected", format!("The certificate presented for {what} was refused ({detail}; {tries}): it is expired, not yet valid, revoked or issued for another name; check the machine's clock, and that AuthorityHost/GraphHost name the host the certificate was issued for.")),
        Ok(Failure::TlsHandshake(detail)) => ("TlsHandshakeFailed", format!("The TLS handshake for {what} failed ({detail}; {tries}): what answers at that address is not the HTTPS endpoint (a plain-HTTP proxy port, a service on the wrong port) or offers only TLS versions older than 1.2; check AuthorityHost/GraphHost and the Proxy setting.")),
        Ok(Failure::NameNotResolved(detail)) => ("NameNotResolved", format!("The host name of {what} does not resolve ({detail}; {tries}): check DNS on this machine, the spelling of AuthorityHost/GraphHost, and that the Azure environment is the tenant's cloud; where only a proxy resolves external names, set Proxy.")),
        Ok(Failure::Refused(detail)) => ("ConnectionRefused", format!("The connection for {what} was refused ({detail}; {tries}): nothing accepts connections at that address and port, or a firewall rejects them; check the proxy's address and port if one is set, and AuthorityHost/GraphHost.")),
    };
    Error::new(Status::Network, code, upper_first(&message))
}

fn budget_note(out_of_time: bool) -> &'static str {
    if out_of_time {
        ", and its next retry would pass the time limit"
    } else {
        ""
    }
}

fn upper_first(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The `Network` error for an answer that is not the JSON it should be.
pub fn unexpected(what: &str, reply: &Reply) -> Error {
    let (code, detail) = if reply.is_json() {
        ("MalformedResponse", "a JSON body that could not be read")
    } else {
        ("UnexpectedResponse", "a body that is not JSON")
    };
    let media = if reply.media_type.is_empty() {
        "no content type".to_string()
    } else {
        crate::scrub::server_text(&reply.media_type, &[])
    };
    Error::new(
        Status::Network,
        code,
        upper_first(&format!("{what} got HTTP {} with {detail} ({media}): a proxy, firewall or captive portal may be answering instead of Microsoft Entra ID; check the proxy setting and the endpoints.", reply.status)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let t = Transport {
            net: Net::register(&crate::runtime::NetConfig::default()),
            request_timeout: Duration::from_secs(1),
            retry: RetryPolicy {
                max_attempts: 5,
                initial_backoff: Duration::from_millis(100),
                max_backoff: Duration::from_millis(300),
                max_total: Duration::from_secs(5),
            },
        };
        assert!(
            t.backoff(1) <= Duration::from_millis(125) && t.backoff(1) >= Duration::from_millis(75)
        );
        assert!(t.backoff(2) >= Duration::from_millis(150));
        assert!(t.backoff(30) <= Duration::from_millis(375));
    }

    #[test]
    fn messages_start_upper_case() {
        let e = give_up(
            "the token request",
            3,
            Duration::from_secs(2),
            Ok(Failure::Timeout),
            true,
        );
        assert_eq!(e.code, "Timeout");
        assert!(e.message.starts_with("No answer to the token request"));
    }
}
