//! Connections kept for the field read's one statement, outside sqlx's pool.
//!
//! sqlx's pool (0.8) pings a connection when it is handed out (unless told
//! not to) and again, always, when it is given back: for a read that is one
//! statement, two of its three round trips were pings. On PostgreSQL each
//! wakes a backend; on SQLite each is a hop to the connection's thread. A
//! lane is a connection checked out, used for one statement and put back
//! without either ping. Written here rather than taken from a crate because
//! the pool that would do it is sqlx's own, and it cannot be told to skip
//! the second ping; everything else here is what the pool does too.
//!
//! Safety of reuse comes from the other end: a lane goes back only after
//! its statement has succeeded (`Lane::release`). A lane dropped without
//! that (an error, a request cancelled half-way) takes its connection with
//! it, so a connection in an unknown state is never used again. A
//! connection the database closed while it was idle (a restart) fails its
//! next statement; the read then runs once more on a new connection
//! (`store::read_snapshot::load`), where the pool would have pinged first.

use std::sync::Mutex;
use std::time::Duration;

use sqlx::any::AnyConnectOptions;
use sqlx::AnyConnection;
use sqlx::ConnectOptions;
use tokio::sync::{Semaphore, SemaphorePermit};

use super::{prepare, Backend, StoreError};

/// How many reads may run a statement at once: two per core, at least 4
/// and at most 32. The statements are short and use the CPU (the database's
/// and ours); two per core keep every core busy while one waits on its
/// socket, and with 64 readers in flight the rest wait here, as they would
/// for a pooled connection. On the 2-core machine 4 lanes read a little
/// faster than 8 or 16 (BENCHMARKS.md).
fn lanes() -> usize {
    let cores = std::thread::available_parallelism().map_or(2, usize::from);
    (2 * cores).clamp(4, 32)
}

/// How long a read waits for a lane, or for a new connection: the pool's
/// `acquire_timeout` (`store::connect`).
const WAIT: Duration = Duration::from_secs(10);

#[derive(Debug)]
pub struct ReadLanes {
    options: AnyConnectOptions,
    backend: Backend,
    idle: Mutex<Vec<AnyConnection>>,
    permits: Semaphore,
}

/// One checked-out connection; see the module's text for when it returns.
pub struct Lane<'a> {
    lanes: &'a ReadLanes,
    conn: Option<AnyConnection>,
    /// Whether the connection served earlier reads (rather than being
    /// made for this one).
    reused: bool,
    _permit: SemaphorePermit<'a>,
}

impl ReadLanes {
    pub fn new(options: AnyConnectOptions, backend: Backend) -> Self {
        Self {
            options,
            backend,
            idle: Mutex::new(Vec::new()),
            permits: Semaphore::new(lanes()),
        }
    }

    /// A lane: an idle connection, or a new one if none is idle.
    pub async fn checkout(&self) -> Result<Lane<'_>, StoreError> {
        self.take(true).await
    }

    /// A lane with a new connection, for a read whose idle one failed.
    pub async fn checkout_new(&self) -> Result<Lane<'_>, StoreError> {
        self.take(false).await
    }

    async fn take(&self, idle_first: bool) -> Result<Lane<'_>, StoreError> {
        let timed_out = || StoreError::Unavailable(sqlx::Error::PoolTimedOut);
        let permit = tokio::time::timeout(WAIT, self.permits.acquire())
            .await
            .map_err(|_| timed_out())?
            .map_err(|_| StoreError::Unavailable(sqlx::Error::PoolClosed))?;
        let idle = match idle_first {
            true => self.idle.lock().expect("read lanes lock").pop(),
            false => None,
        };
        let reused = idle.is_some();
        let conn = match idle {
            Some(conn) => conn,
            None => tokio::time::timeout(WAIT, self.connect())
                .await
                .map_err(|_| timed_out())??,
        };
        Ok(Lane {
            lanes: self,
            conn: Some(conn),
            reused,
            _permit: permit,
        })
    }

    async fn connect(&self) -> Result<AnyConnection, StoreError> {
        let mut conn = self.options.connect().await?;
        prepare(&mut conn, self.backend).await?;
        Ok(conn)
    }

    /// No more checkouts; idle connections are closed.
    pub fn close(&self) {
        self.permits.close();
        self.idle.lock().expect("read lanes lock").clear();
    }
}

impl Lane<'_> {
    pub fn conn(&mut self) -> &mut AnyConnection {
        self.conn
            .as_mut()
            .expect("a lane holds its connection until released")
    }

    pub fn reused(&self) -> bool {
        self.reused
    }

    /// Put the connection back for the next read: only after a statement
    /// that succeeded.
    pub fn release(mut self) {
        if let Some(conn) = self.conn.take() {
            if !self.lanes.permits.is_closed() {
                self.lanes.idle.lock().expect("read lanes lock").push(conn);
            }
        }
    }
}
