//! The read log's group-commit writer (`api::log_writer`) keeps one
//! connection of its own, outside sqlx's pool.
//!
//! Why not a pool of one, as before: sqlx 0.8's pool pings a connection when
//! it is handed out and again, always, when it is given back. The writer
//! begins a transaction for every batch, so each commit paid two extra round
//! trips, and every reader of the batch waited for them. Under load the
//! commit cycle is what readers wait for most (BENCHMARKS.md), so the
//! writer's connection is kept here, as the read lanes keep theirs
//! (`read_snapshot::lanes`).
//!
//! What the pings were for is kept:
//! - a connection the database closed while it was idle (a restart,
//!   `pg_terminate_backend`) fails its `BEGIN`; nothing has happened yet,
//!   so the transaction begins once more on a new connection;
//! - a transaction that does not end with a confirmed `COMMIT` or `ROLLBACK`
//!   leaves no connection behind (`transaction`): the slot is emptied and
//!   the next batch connects anew.
//!
//! The slot is a Tokio mutex held by the transaction (`Tx`) from `BEGIN` to
//! its end, so one batch commits at a time, as with the pool of one.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use sqlx::any::AnyConnectOptions;
use sqlx::{AnyConnection, Connection, Executor};
use tokio::sync::{Mutex, OwnedMutexGuard};

use super::{connect_alone, Backend, StoreError};

/// How long a batch waits for the connection, or for a new one to be made:
/// the pool's `acquire_timeout` (`store::connect`).
const WAIT: Duration = Duration::from_secs(10);

/// The writer's connection while a transaction holds it; `None` inside
/// means there is none yet, or the last one was given up.
pub type Held = OwnedMutexGuard<Option<AnyConnection>>;

#[derive(Debug)]
pub struct WriterConn {
    slot: Arc<Mutex<Option<AnyConnection>>>,
    options: AnyConnectOptions,
    backend: Backend,
    closed: AtomicBool,
}

impl WriterConn {
    /// Connects when the first batch comes.
    pub fn new(options: AnyConnectOptions, backend: Backend) -> Self {
        Self {
            slot: Arc::default(),
            options,
            backend,
            closed: AtomicBool::new(false),
        }
    }

    /// The connection, in a transaction that has begun; `setup` runs on it
    /// first (the test page limit). A connection that served earlier
    /// batches and fails here is replaced once.
    pub async fn begin(&self, setup: Option<&str>) -> Result<Held, StoreError> {
        let closed = || StoreError::Unavailable(sqlx::Error::PoolClosed);
        if self.closed.load(Ordering::Acquire) {
            return Err(closed());
        }
        let mut held = tokio::time::timeout(WAIT, self.slot.clone().lock_owned())
            .await
            .map_err(|_| StoreError::Unavailable(sqlx::Error::PoolTimedOut))?;
        if self.closed.load(Ordering::Acquire) {
            return Err(closed());
        }
        let reused = held.is_some();
        match self.attempt(&mut held, setup).await {
            Err(_) if reused => self.attempt(&mut held, setup).await?,
            done => done?,
        }
        Ok(held)
    }

    /// One try; a failure gives the connection up. The connection is out of
    /// the slot until `BEGIN` is confirmed, so a try that is cancelled (the
    /// writer's time-out, `api::log_writer`) drops it too: a connection
    /// that stopped answering is never handed to the next batch.
    async fn attempt(&self, held: &mut Held, setup: Option<&str>) -> Result<(), StoreError> {
        let mut conn = match held.take() {
            Some(conn) => conn,
            None => connect_alone(&self.options, self.backend, WAIT).await?,
        };
        if let Some(setup) = setup {
            conn.execute(setup).await?;
        }
        conn.execute("BEGIN").await?;
        **held = Some(conn);
        Ok(())
    }

    /// Take no more batches; close the connection once the batch that
    /// holds it (if any) has ended, waiting at most `WAIT`.
    pub async fn close(&self) {
        self.closed.store(true, Ordering::Release);
        if let Ok(mut held) = tokio::time::timeout(WAIT, self.slot.lock()).await {
            if let Some(conn) = held.take() {
                let _ = conn.close().await;
            }
        }
    }
}
