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

use std::net::IpAddr;
use std::num::NonZeroU32;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
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

pub struct RefusalLimiter {
    limiter: DefaultKeyedRateLimiter<Refused>,
}

/// Callers tracked before idle ones are forgotten.
const FORGET_AFTER: usize = 10_000;

impl RefusalLimiter {
    pub fn new(per_minute: u32) -> Self {
        let n = NonZeroU32::new(per_minute.max(1)).expect("at least one");
        Self {
            limiter: RateLimiter::keyed(Quota::per_minute(n)),
        }
    }

    /// May `who` be refused (and logged) once more now? Otherwise the
    /// problem to answer with, which says when to try again.
    pub fn check(&self, who: Refused) -> Result<(), Problem> {
        if self.limiter.len() > FORGET_AFTER {
            self.limiter.retain_recent();
        }
        self.limiter.check_key(&who).map_err(|not_until| {
            let wait = not_until
                .wait_time_from(governor::clock::Clock::now(
                    &governor::clock::DefaultClock::default(),
                ))
                .as_secs()
                + 1;
            let mut problem = Problem::new(
                Kind::TooManyRefusals,
                format!("too many of your requests were refused; try again in {wait} s"),
            );
            problem.retry_after = Some(wait);
            problem
        })
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
        assert!(limiter.check(a).is_ok());
        let limited = limiter.check(a).unwrap_err();
        assert_eq!(limited.kind, Kind::TooManyRefusals);
        assert!(limited.retry_after.is_some());
        assert!(limiter.check(Refused::Person(p)).is_err());
    }
}
