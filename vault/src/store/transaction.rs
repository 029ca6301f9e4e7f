//! Transactions that never hand a connection back in an unknown state.
//!
//! Written by hand instead of using `sqlx::Transaction`, and this is why.
//! sqlx counts how deep a connection is in transactions and turns a nested
//! `begin` into a `SAVEPOINT`. That count lives beside the database's own
//! state and can drift from it: when SQLite hits a full disk
//! (`SQLITE_FULL`) or an I/O error it may roll the whole transaction back by
//! itself; sqlx's `ROLLBACK` on drop then fails ("no transaction is
//! active"), the count stays at 1, and the connection goes back to the pool.
//! The next `begin` on it issues `SAVEPOINT`, which in SQLite opens a real
//! transaction; a later drop issues `ROLLBACK TO SAVEPOINT`, which leaves
//! that transaction open. From then on every `commit` on the connection
//! only releases a savepoint inside a transaction that never ends: the
//! caller is told "committed", nothing reaches the disk, and the open
//! transaction holds SQLite's write lock until the process exits. That is
//! how a full disk turned into acknowledged writes that were lost, reads
//! served without a log entry, and a server wedged on "database is locked"
//! (`tests/store_faults.rs` shows each step on a real database).
//!
//! Here the rule is simpler and holds whatever the database did: a
//! connection goes back to the pool only after a `COMMIT` or `ROLLBACK` that
//! the database confirmed. A transaction that ends any other way (an error,
//! a failed commit, a cancelled request, a plain drop) is rolled back, and
//! if the database does not confirm that rollback within a few seconds the
//! connection is closed instead; closing ends its transaction on both
//! engines (SQLite rolls back on close, PostgreSQL when the session ends).
//! No nesting, no savepoints, no counter to drift.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, Executor};

use super::health::Health;
use super::writer_conn::Held;
use super::StoreError;

/// How long an unfinished transaction's rollback may take before its
/// connection is closed instead (a hung database must not pin a pool slot).
const ROLLBACK_TIMEOUT: Duration = Duration::from_secs(5);

/// An open transaction on a connection of its own.
///
/// Derefs to the connection, so queries run on it as `&mut **tx`.
pub struct Tx {
    /// `None` only once the transaction has ended.
    conn: Option<Conn>,
    health: Arc<Health>,
}

/// Where a transaction's connection comes from, and goes back to.
enum Conn {
    /// The shared pool.
    Pooled(PoolConnection<Any>),
    /// The group-commit writer's own connection (`writer_conn`), always
    /// `Some` while the transaction is open.
    Writer(Held),
}

impl Conn {
    /// Make sure the connection is never used again once released.
    fn give_up(&mut self) {
        match self {
            Conn::Pooled(conn) => conn.close_on_drop(),
            // Dropping a connection closes its socket; the database then
            // ends its session and rolls back what was open.
            Conn::Writer(held) => drop(held.take()),
        }
    }
}

impl Tx {
    /// Start a transaction on `conn`. On failure the connection is closed.
    pub(super) async fn begin(
        mut conn: PoolConnection<Any>,
        health: Arc<Health>,
    ) -> Result<Self, StoreError> {
        if let Err(e) = conn.execute("BEGIN").await {
            conn.close_on_drop();
            health.failed(&e);
            return Err(e.into());
        }
        Ok(Self {
            conn: Some(Conn::Pooled(conn)),
            health,
        })
    }

    /// A transaction already begun on the writer's own connection
    /// (`writer_conn::WriterConn::begin`).
    pub(super) fn begun_on_writer(held: Held, health: Arc<Health>) -> Self {
        debug_assert!(held.is_some());
        Self {
            conn: Some(Conn::Writer(held)),
            health,
        }
    }

    /// Commit. `Ok` means the database confirmed the commit, so the changes
    /// are durable (SQLite runs with `synchronous=FULL`). On `Err` nothing
    /// is promised: the transaction is rolled back (or its connection
    /// closed); where the connection broke after `COMMIT` was sent
    /// (PostgreSQL over a network), the change may have been saved, and only
    /// a retry with the same `Idempotency-Key` tells.
    pub async fn commit(mut self) -> Result<(), StoreError> {
        let conn: &mut AnyConnection = &mut self;
        match conn.execute("COMMIT").await {
            Ok(_) => {
                // Ended: the connection goes back (to the pool, or to the
                // writer's slot) as it is.
                self.conn = None;
                self.health.committed();
                Ok(())
            }
            Err(e) => {
                self.health.failed(&e);
                // Still `Some`: dropping `self` rolls back or closes.
                Err(e.into())
            }
        }
    }

    /// Roll back (a read-only snapshot ends this way too). Nothing of the
    /// transaction remains afterwards whatever happens, so there is no error
    /// to report: a connection whose rollback is not confirmed is closed.
    pub async fn rollback(mut self) {
        if let Some(conn) = self.conn.take() {
            end_unfinished(conn).await;
        }
    }
}

/// Roll back a transaction whose state is not known, and pool its
/// connection again only if the database confirms the rollback.
async fn end_unfinished(mut conn: Conn) {
    let rollback = (&mut *conn as &mut AnyConnection).execute("ROLLBACK");
    match tokio::time::timeout(ROLLBACK_TIMEOUT, rollback).await {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "rollback failed; closing the connection");
            conn.give_up();
        }
        Err(_) => {
            tracing::warn!("rollback did not finish in time; closing the connection");
            conn.give_up();
        }
    }
}

impl Drop for Tx {
    fn drop(&mut self) {
        // Dropped before it ended: an error path, a failed commit, or a
        // request cancelled mid-query. Roll back in the background; with no
        // runtime to do that on, close the connection.
        if let Some(mut conn) = self.conn.take() {
            match tokio::runtime::Handle::try_current() {
                Ok(runtime) => {
                    runtime.spawn(end_unfinished(conn));
                }
                Err(_) => conn.give_up(),
            }
        }
    }
}

impl Deref for Conn {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        match self {
            Conn::Pooled(conn) => conn,
            Conn::Writer(held) => held.as_ref().expect("the writer's connection"),
        }
    }
}

impl DerefMut for Conn {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        match self {
            Conn::Pooled(conn) => conn,
            Conn::Writer(held) => held.as_mut().expect("the writer's connection"),
        }
    }
}

impl Deref for Tx {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        self.conn.as_ref().expect("an open transaction")
    }
}

impl DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        self.conn.as_mut().expect("an open transaction")
    }
}
