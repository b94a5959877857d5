//! Faults a test injects into the provider: throttling, 5xx, dropped connections, delays,
//! redirects and arbitrary provider errors, matched by method and class, for the next N requests or all.

use crate::classes::Class;
use std::time::Duration;

/// What a fault does instead of the normal answer.
#[derive(Debug, Clone, PartialEq)]
pub enum FaultKind {
    /// `429` with `Retry-After: secs`.
    Throttle {
        /// Seconds in `Retry-After`.
        retry_after_secs: u64,
    },
    /// A bare 5xx (500, 502, 503, 504) with the provider's error body.
    Status(u16),
    /// A provider error: this HTTP status with this (odd) code and message.
    Error {
        /// HTTP status.
        status: u16,
        /// The `error.code` string.
        code: String,
        /// The `error.message`.
        message: String,
    },
    /// Wait, then answer normally.
    Delay(Duration),
    /// Close the connection without answering.
    Drop,
    /// Answer normally but change nothing (a provider that acknowledges and loses the write).
    LoseWrite,
    /// A redirect (301, 302, 307, 308) to `location`, as a misconfigured front end may send.
    Redirect {
        /// HTTP status.
        status: u16,
        /// The `Location` header.
        location: String,
    },
}

/// A fault for some requests; `None` fields match everything.
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    /// `GET`, `POST`, `PUT`, `DELETE`.
    pub method: Option<&'static str>,
    /// The class the request names.
    pub class: Option<Class>,
    /// What happens.
    pub kind: FaultKind,
    /// How many more requests it applies to; `None` = all.
    pub remaining: Option<u32>,
}

impl Fault {
    /// A permanent fault on every request.
    pub fn everywhere(kind: FaultKind) -> Fault {
        Fault {
            method: None,
            class: None,
            kind,
            remaining: None,
        }
    }

    /// A permanent fault on `method` requests to `class`.
    pub fn on(method: &'static str, class: Class, kind: FaultKind) -> Fault {
        Fault {
            method: Some(method),
            class: Some(class),
            kind,
            remaining: None,
        }
    }

    /// Limits the fault to the next `n` matching requests.
    pub fn times(mut self, n: u32) -> Fault {
        self.remaining = Some(n);
        self
    }
}

/// Takes the first fault matching the request, counting it down.
pub fn take(faults: &mut Vec<Fault>, method: &str, class: Option<Class>) -> Option<FaultKind> {
    let index = faults.iter().position(|f| {
        f.method.is_none_or(|m| m.eq_ignore_ascii_case(method))
            && f.class.is_none_or(|c| Some(c) == class)
    })?;
    let kind = faults[index].kind.clone();
    if let Some(n) = faults[index].remaining.as_mut() {
        *n -= 1;
        if *n == 0 {
            faults.remove(index);
        }
    }
    Some(kind)
}
