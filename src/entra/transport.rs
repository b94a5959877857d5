//! One HTTP exchange with Entra or Graph, made robust: a per-attempt timeout, a capped body,
//! content-type checks, and retries of 429/5xx and broken connections with backoff that honours
//! `Retry-After`, bounded in attempts and in total time.

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
                Ok(reply) if !reply.is_transient() => return Ok(reply),
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
    let mut response = request
        .send()
        .await
        .map_err(|e| Failure::Connection(describe(&e)))?;
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
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| Failure::Connection(describe(&e)))?
    {
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
        "no content type"
    } else {
        reply.media_type.as_str()
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
