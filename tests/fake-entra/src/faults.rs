//! Faults a test injects: matched by endpoint kind, applied to the next N requests or to all.

use std::time::Duration;

/// The kinds of endpoint the fake serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// `GET /{tenant}/v2.0/.well-known/openid-configuration`.
    Discovery,
    /// `POST /{tenant}/oauth2/v2.0/token`.
    Token,
    /// `POST /{tenant}/oauth2/v2.0/devicecode`.
    DeviceCode,
    /// Anything under `/v1.0/`.
    Graph,
    /// Any other path (404).
    Other,
}

/// What a fault does instead of the normal answer.
#[derive(Debug, Clone, PartialEq)]
pub enum FaultKind {
    /// An Entra error with this AADSTS code, in the real body shape (status and `error` chosen
    /// as Entra does for known codes, `400`/`invalid_request` otherwise).
    Aadsts(u64),
    /// `429 Too Many Requests` with `Retry-After: secs`.
    Throttle {
        /// Seconds in `Retry-After`.
        retry_after_secs: u64,
    },
    /// A bare HTTP status (e.g. 500, 502, 503, 504) with a JSON error body, optional `Retry-After`.
    Status {
        /// The HTTP status.
        status: u16,
        /// Seconds in `Retry-After`, if any.
        retry_after_secs: Option<u64>,
    },
    /// Wait this long, then answer normally.
    Delay(Duration),
    /// Close the connection without answering.
    Drop,
    /// `200` with `application/json` and a body that is not JSON.
    MalformedBody,
    /// `200` with an HTML page (a captive portal or proxy answering).
    WrongContentType,
    /// `200` with a JSON body of this many bytes.
    Oversized(usize),
    /// A redirect (301, 302, 303, 307, 308) to `location`, as a hostile or misconfigured front
    /// end answers.
    Redirect {
        /// The HTTP status.
        status: u16,
        /// The `Location` header.
        location: String,
    },
    /// An Entra error with this AADSTS code whose description quotes the request body as
    /// received (form-encoded), as a server or proxy error page echoing the request does.
    Echo(u64),
}

/// A fault for one endpoint kind; `remaining == None` means permanent.
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    /// Which requests it applies to (`None` = all).
    pub endpoint: Option<Endpoint>,
    /// What it does.
    pub kind: FaultKind,
    /// How many more requests it applies to; `None` = every request.
    pub remaining: Option<u32>,
}

impl Fault {
    /// A permanent fault on `endpoint`.
    pub fn on(endpoint: Endpoint, kind: FaultKind) -> Self {
        Fault {
            endpoint: Some(endpoint),
            kind,
            remaining: None,
        }
    }

    /// A permanent fault on every endpoint.
    pub fn everywhere(kind: FaultKind) -> Self {
        Fault {
            endpoint: None,
            kind,
            remaining: None,
        }
    }

    /// Limits the fault to the next `n` matching requests.
    pub fn times(mut self, n: u32) -> Self {
        self.remaining = Some(n);
        self
    }

    /// True when this fault applies to a request for `endpoint`.
    pub fn matches(&self, endpoint: Endpoint) -> bool {
        self.endpoint.is_none_or(|e| e == endpoint) && self.remaining != Some(0)
    }
}

/// Takes the first fault matching `endpoint`, counting it down; used-up faults are removed.
pub fn take(faults: &mut Vec<Fault>, endpoint: Endpoint) -> Option<FaultKind> {
    let index = faults.iter().position(|f| f.matches(endpoint))?;
    let fault = &mut faults[index];
    let kind = fault.kind.clone();
    if let Some(n) = fault.remaining.as_mut() {
        *n -= 1;
        if *n == 0 {
            faults.remove(index);
        }
    }
    Some(kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counted_faults_run_out_and_permanent_ones_stay() {
        let mut faults = vec![
            Fault::on(Endpoint::Token, FaultKind::Drop).times(2),
            Fault::everywhere(FaultKind::MalformedBody),
        ];
        assert_eq!(take(&mut faults, Endpoint::Token), Some(FaultKind::Drop));
        assert_eq!(take(&mut faults, Endpoint::Token), Some(FaultKind::Drop));
        assert_eq!(
            take(&mut faults, Endpoint::Token),
            Some(FaultKind::MalformedBody)
        );
        assert_eq!(
            take(&mut faults, Endpoint::Graph),
            Some(FaultKind::MalformedBody)
        );
        assert_eq!(faults.len(), 1);
    }
}
