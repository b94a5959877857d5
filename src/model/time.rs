//! Time as CMAAD reads and writes it: RFC 3339 in UTC. This is the one parser of timestamps, for
//! requests, the store and Microsoft Graph's answers alike.

use crate::error::{Error, Result};
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};

/// Formats a timestamp as RFC 3339 UTC with whole seconds (`2027-11-16T00:00:00Z`).
pub fn format_time(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Parses an RFC 3339 timestamp (any offset, converted to UTC); `None` when it is not one.
pub fn parse_rfc3339(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// A request's timestamp: RFC 3339, or a plain date (`2027-11-16`, midnight UTC).
pub fn parse_time(value: &str, field: &str) -> Result<DateTime<Utc>> {
    if let Some(t) = parse_rfc3339(value) {
        return Ok(t);
    }
    if let Ok(d) = NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d") {
        if let Some(t) = d.and_hms_opt(0, 0, 0) {
            return Ok(t.and_utc());
        }
    }
    Err(Error::invalid(
        field,
        "InvalidDate",
        format!(
            "{field} '{}' is not a date: use RFC 3339 such as 2027-11-16T00:00:00Z, or 2027-11-16.",
            super::values::shorten(value)
        ),
    ))
}

/// A request's timestamp that must lie after `now` (a secret's expiry).
pub fn future_time(value: &str, field: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>> {
    let t = parse_time(value, field)?;
    if t <= now {
        return Err(Error::invalid(
            field,
            "ExpiryInPast",
            format!("{field} {} is not in the future: an expired secret cannot authenticate; create a new secret in Entra and give its expiry.", format_time(&t)),
        ));
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_and_plain_dates() {
        let t = parse_rfc3339("2027-11-16T01:00:00+01:00").unwrap();
        assert_eq!(format_time(&t), "2027-11-16T00:00:00Z");
        assert_eq!(
            format_time(&parse_time("2027-11-16", "SecretKeyExpiry").unwrap()),
            "2027-11-16T00:00:00Z"
        );
        assert_eq!(
            parse_time("16/11/2027", "SecretKeyExpiry")
                .unwrap_err()
                .code,
            "InvalidDate"
        );
        assert!(parse_rfc3339("soon").is_none());
    }
}
