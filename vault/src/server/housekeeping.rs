//! Housekeeping while the server runs: expired login challenges and tokens
//! are deleted at start-up and then every ten minutes, so the tables that
//! every login writes to do not grow without end. (Expired tokens are kept
//! a day first, so a late caller hears "expired" rather than "unknown".)

use std::time::Duration;

use crate::clock::Clock;
use crate::store::{sessions, Store};

/// How often the sweep runs while serving.
pub const EVERY: Duration = Duration::from_secs(600);

/// One sweep; a failure is for the operator's log, and the next sweep tries again.
pub async fn sweep(store: &Store, clock: &Clock) {
    if let Err(e) = sessions::sweep(store, clock.now_ms()).await {
        tracing::warn!(error = %e, "could not delete expired logins; trying again later");
    }
}

/// Sweep every `EVERY` until the task is aborted (at shutdown).
pub fn spawn(store: Store, clock: Clock) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(EVERY);
        tick.tick().await; // the first tick is now; start-up swept already
        loop {
            tick.tick().await;
            sweep(&store, &clock).await;
        }
    })
}
