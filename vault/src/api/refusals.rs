//! A limit on refused requests per person.
//!
//! Every refusal is logged, and every log entry is an fsync under the log's
//! one lock. Without a limit, one logged-in person could flood a household's
//! history with refusals and slow everyone down. So each person may be
//! refused `Limits::refusals_per_minute` times a minute (as a burst, refilled
//! evenly); beyond that they get `429` with `Retry-After` and nothing more is
//! logged until they may try again: the refusals logged so far already show
//! what they were doing.

use std::num::NonZeroU32;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use kluis_policy::PrincipalId;

use super::problem::{Kind, Problem};

pub struct RefusalLimiter {
    limiter: DefaultKeyedRateLimiter<PrincipalId>,
}

/// People tracked before idle ones are forgotten.
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
    pub fn check(&self, who: PrincipalId) -> Result<(), Problem> {
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
