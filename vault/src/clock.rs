//! The one source of time.
//!
//! Every timestamp kluis stores or compares is UTC unix milliseconds taken from
//! a `Clock`. Production uses the system clock; tests build the server with a
//! manual clock they can move, so expiry of invites, tokens and grants is
//! tested by moving time rather than by sleeping. The clock is never read from
//! the environment.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

#[derive(Clone, Debug)]
pub struct Clock(Kind);

#[derive(Clone, Debug)]
enum Kind {
    System,
    Manual(Arc<AtomicI64>),
    Offset(Arc<AtomicI64>),
}

impl Clock {
    pub fn system() -> Self {
        Self(Kind::System)
    }

    /// The system clock plus an offset that tests move forward: time passes
    /// as it does for the devices talking to the server, and a test can
    /// still jump days ahead to expire an invite or a grant.
    pub fn offset() -> Self {
        Self(Kind::Offset(Arc::new(AtomicI64::new(0))))
    }

    /// A clock that stands still at `start_ms` until told to move.
    pub fn manual(start_ms: i64) -> Self {
        Self(Kind::Manual(Arc::new(AtomicI64::new(start_ms))))
    }

    pub fn now_ms(&self) -> i64 {
        match &self.0 {
            Kind::System => chrono::Utc::now().timestamp_millis(),
            Kind::Manual(t) => t.load(Ordering::SeqCst),
            Kind::Offset(o) => chrono::Utc::now().timestamp_millis() + o.load(Ordering::SeqCst),
        }
    }

    /// Move a manual clock forward. Panics on the system clock: only tests move time.
    pub fn advance_ms(&self, by: i64) {
        match &self.0 {
            Kind::System => panic!("the system clock cannot be moved"),
            Kind::Manual(t) | Kind::Offset(t) => {
                t.fetch_add(by, Ordering::SeqCst);
            }
        }
    }
}

/// RFC 3339 text (UTC, seconds precision) for a unix-millisecond time.
pub fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_else(|| format!("@{ms}ms"))
}

/// Parse RFC 3339 text or a plain date (`2027-01-31`, meaning midnight UTC).
pub fn parse_time(text: &str) -> Option<i64> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) {
        return Some(t.timestamp_millis());
    }
    let date = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
    Some(date.and_hms_opt(0, 0, 0)?.and_utc().timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_told() {
        let c = Clock::manual(1_000);
        assert_eq!(c.now_ms(), 1_000);
        c.advance_ms(500);
        assert_eq!(c.now_ms(), 1_500);
    }

    #[test]
    fn parses_dates_and_times() {
        assert_eq!(parse_time("1970-01-02"), Some(86_400_000));
        assert_eq!(parse_time("1970-01-01T00:00:01Z"), Some(1_000));
        assert_eq!(parse_time("yesterday"), None);
        assert_eq!(rfc3339(86_400_000), "1970-01-02T00:00:00Z");
    }
}
