//! What the latest commits say about the database, for `/readyz`.
//!
//! A database that answers `SELECT 1` can still be unable to commit (a full
//! disk answers reads happily). Every transaction reports how it ended here,
//! so readiness can say "not ready" while commits fail, with the reason,
//! and "ready" again as soon as one succeeds.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct Health {
    /// Fast path: true while the latest ending was a confirmed commit, so a
    /// healthy server takes no lock per commit.
    healthy: AtomicBool,
    failure: Mutex<Option<Failure>>,
}

#[derive(Debug, Clone)]
pub struct Failure {
    pub at: Instant,
    pub error: String,
}

/// A new store is healthy until a transaction fails.
impl Default for Health {
    fn default() -> Self {
        Self {
            healthy: AtomicBool::new(true),
            failure: Mutex::new(None),
        }
    }
}

impl Health {
    /// A commit the database confirmed.
    pub fn committed(&self) {
        if !self.healthy.load(Ordering::Acquire) {
            *self.failure.lock().expect("health lock") = None;
            self.healthy.store(true, Ordering::Release);
        }
    }

    /// A transaction that could not begin or commit.
    pub fn failed(&self, error: &sqlx::Error) {
        *self.failure.lock().expect("health lock") = Some(Failure {
            at: Instant::now(),
            error: error.to_string(),
        });
        self.healthy.store(false, Ordering::Release);
    }

    /// The latest transaction failed, less than `within` ago, and none has
    /// committed since.
    pub fn recent_failure(&self, within: Duration) -> Option<Failure> {
        if self.healthy.load(Ordering::Acquire) {
            return None;
        }
        let failure = self.failure.lock().expect("health lock").clone()?;
        (failure.at.elapsed() < within).then_some(failure)
    }
}
