//! Time as CMAAD reads and writes it: RFC 3339 in UTC. This is the one parser of timestamps, for
//! requests, the store and Microsoft Graph's answers alike.

use crate::error::{Error, Result};
use chrono::{DateTime, NaiveDate, SecondsFormat, SubsecRound, Utc};

/// Formats a timestamp as RFC 3339 UTC with whole seconds (`2027-11-16T00:00:00Z`).
pub fn format_time(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// True when `t` reads back from [`format_time`] as itself: whole seconds within the years
/// 0000–9999 in UTC (RFC 3339 has four-digit years, so `9999-12-31T23:59:59-12:00`, which is
/// year 10000 in UTC, would be written and then read back as nothing).
pub fn round_trips(t: &DateTime<Utc>) -> bool {
    DateTime::parse_from_rfc3339(&format_time(t)).is_ok_and(|back| back == *t)
}

/// An RFC 3339 timestamp in UTC to whole seconds (what is stored), round-trip or not.
fn parse_whole_seconds(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc).trunc_subsecs(0))
}

/// Parses an RFC 3339 timestamp (any offset, converted to UTC, to whole seconds); `None` when
/// it is not one, or is one that cannot be stored and read back ([`round_trips`]).
pub fn parse_rfc3339(text: &str) -> Option<DateTime<Utc>> {
    parse_whole_seconds(text).filter(round_trips)
}

/// A request's timestamp: RFC 3339, or a plain date (`2027-11-16`, midnight UTC), to whole
/// seconds. One that cannot be stored and read back is refused (`DateOutOfRange`).
pub fn parse_time(value: &str, field: &str) -> Result<DateTime<Utc>> {
    let plain_date = || {
        let d = NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d").ok()?;
        d.and_hms_opt(0, 0, 0).map(|t| t.and_utc())
    };
    if let Some(t) = parse_whole_seconds(value).or_else(plain_date) {
        if !round_trips(&t) {
            return Err(Error::invalid(
                field,
                "DateOutOfRange",
                format!("{field} '{}' is {} in UTC, outside the years 0000–9999 that can be stored and read back: give a date before 9999-12-31 (UTC).", super::values::shorten(value), t.to_rfc3339()),
            ));
        }
        return Ok(t);
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
