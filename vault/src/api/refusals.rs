//! A limit on refused requests per person, or per client address when the
//! caller is not known.
//!
//! Every refusal is logged, and every log entry is an fsync under the log's
//! one lock. Without a limit, one logged-in person could flood a household's
//! history with refusals and slow everyone down, and anyone at all could do
//! the same with logins for keys nobody registered. So each person may be
//! refused `Limits::refusals_per_minute` times a minute (as a burst, refilled
//! evenly), and so may each client address for requests that name nobody
//! known (a login with an unknown key or challenge); beyond that they get
//! `429` with `Retry-After` and nothing more is logged until they may try
//! again: the refusals logged so far already show what they were doing.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use kluis_policy::PrincipalId;

use super::problem::{Kind, Problem};

/// Whose refusals are counted together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Refused {
    /// A known person, however many addresses they use.
    Person(PrincipalId),
    /// Someone not (yet) known, by the address they send from.
    Address(IpAddr),
    /// Someone not known whose address is not known either (a server run
    /// in-process without a socket): one bucket for all of them.
    Nobody,
}

impl Refused {
    /// The bucket for an unknown caller at `ip` (as `RequestMeta` has it).
    pub fn address(ip: Option<&str>) -> Self {
        ip.and_then(|ip| ip.parse().ok())
            .map_or(Refused::Nobody, Refused::Address)
    }
}

/// A token bucket per caller: `per_minute` refusals as a burst, refilled
/// evenly.
///
/// Written here rather than taken from `governor` because a refusal that
/// could not be logged (the database full or gone) must not count: the
/// caller was answered 503, nothing reached the log, and charging them
/// would answer "too many refusals" to people whose requests the server
/// failed. `governor` cannot give a cell back; a bucket can.
pub struct RefusalLimiter {
    per_minute: f64,
    buckets: Mutex<HashMap<Refused, Bucket>>,
}

#[derive(Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// A refusal the limiter allowed: give it back with
/// [`RefusalLimiter::refund`] if it could not be logged.
#[must_use]
#[derive(Debug)]
pub struct Allowed(Refused);

/// Callers tracked before full (idle) buckets are forgotten.
const FORGET_AFTER: usize = 10_000;

impl RefusalLimiter {
    pub fn new(per_minute: u32) -> Self {
        Self {
            per_minute: f64::from(per_minute.max(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    fn refilled(&self, bucket: Bucket, now: Instant) -> f64 {
        let earned = now.duration_since(bucket.at).as_secs_f64() * self.per_minute / 60.0;
        (bucket.tokens + earned).min(self.per_minute)
    }

    /// May `who` be refused (and logged) once more now? Otherwise the
    /// problem to answer with, which says when to try again.
    pub fn check(&self, who: Refused) -> Result<Allowed, Problem> {
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() > FORGET_AFTER {
            let full = self.per_minute;
            buckets.retain(|_, b| self.refilled(*b, now) < full);
        }
        let tokens = buckets
            .get(&who)
            .map_or(self.per_minute, |b| self.refilled(*b, now));
        if tokens >= 1.0 {
            buckets.insert(
                who,
                Bucket {
                    tokens: tokens - 1.0,
                    at: now,
                },
            );
            return Ok(Allowed(who));
        }
        let wait = Duration::from_secs_f64((1.0 - tokens) * 60.0 / self.per_minute);
        let wait = wait.as_secs() + 1;
        let mut problem = Problem::new(
            Kind::TooManyRefusals,
            format!("too many of your requests were refused; try again in {wait} s"),
        );
        problem.retry_after = Some(wait);
        Err(problem)
    }

    /// Give back a refusal that was allowed but never reached the log.
    pub fn refund(&self, allowed: Allowed) {
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(b) = buckets.get(&allowed.0).copied() {
            let tokens = (self.refilled(b, now) + 1.0).min(self.per_minute);
            buckets.insert(allowed.0, Bucket { tokens, at: now });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people_and_addresses_are_counted_apart() {
        let limiter = RefusalLimiter::new(1);
        let p = PrincipalId::random();
        let a = Refused::address(Some("192.0.2.7"));
        assert_eq!(a, Refused::Address("192.0.2.7".parse().unwrap()));
        assert_eq!(Refused::address(Some("not an address")), Refused::Nobody);
        assert!(limiter.check(Refused::Person(p)).is_ok());
        let first = limiter.check(a).unwrap();
        let limited = limiter.check(a).unwrap_err();
        assert_eq!(limited.kind, Kind::TooManyRefusals);
        assert!(limited.retry_after.is_some());
        assert!(limiter.check(Refused::Person(p)).is_err());
        // A refusal that never reached the log is given back.
        limiter.refund(first);
        assert!(limiter.check(a).is_ok());
        assert!(limiter.check(a).is_err());
    }
}
