//! The lanes the field read's statement runs on: a few tasks, each with a
//! connection of its own, outside sqlx's pool, taking the reads that are
//! waiting in batches (`super::batch`).
//!
//! A read puts what it asks in the queue and waits for its answer. A lane
//! that is free takes every read waiting (up to `batch::MAX`), runs one
//! statement for them all and answers each. Alone, a read waits for one
//! statement, as before; under load the batch grows by itself, as the read
//! log's group commit does (`api::log_writer`).
//!
//! Why not sqlx's pool: sqlx 0.8's pool pings a connection when it is
//! handed out (unless told not to) and again, always, when it is given
//! back; for a statement that is one round trip, two of three were pings.
//! A lane keeps its connection and pings nothing. Written here rather than
//! taken from a crate because the batching is the point, and it is this
//! statement's own.
//!
//! A statement that fails drops its lane's connection: a connection in an
//! unknown state is never used again. A connection the database closed
//! while it was idle (a restart, `pg_terminate_backend`) fails its next
//! statement; the batch then runs once more on a new connection, where the
//! pool would have found out with a ping. Only reads, so running them again
//! changes nothing. A statement that gets no answer within 10 s (a
//! database that stalls without closing the connection) fails the same
//! way, without the second try: its readers have stopped waiting. The
//! tasks end when the store closes (`close`), after answering what is
//! already queued.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use sqlx::any::AnyConnectOptions;
use sqlx::{AnyConnection, Connection};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use super::super::{connect_alone, Backend, StoreError};
use super::{batch, Asked, Field};

/// How many lanes: one per core, at least 2 and at most 16. A lane that
/// is busy lets the next batch grow, and a bigger batch is cheaper per
/// read on both sides of the socket; a second lane keeps a read from
/// waiting behind a whole batch when few readers are in flight. On the
/// 2-core machine, 2 lanes read as fast as 1 at 64 readers and faster at
/// 4; 4 lanes were slower at 64 (BENCHMARKS.md).
fn lanes() -> usize {
    let cores = std::thread::available_parallelism().map_or(2, usize::from);
    cores.clamp(2, 16)
}

/// How long a read waits for a place in the queue, and then for its
/// answer; how long a lane waits for a new connection (the pool's
/// `acquire_timeout`, `store::connect`) and for a statement's answer.
const WAIT: Duration = Duration::from_secs(10);

/// Reads that may wait at once; beyond that a read waits for a place.
const QUEUE: usize = 1024;

/// A read waiting for a lane.
struct Waiting {
    asked: Arc<Asked>,
    answer: oneshot::Sender<Result<Field, StoreError>>,
}

/// What the lanes share: the queue's receiving end, taken by one free
/// lane at a time, and how to make a connection.
struct Shared {
    queue: tokio::sync::Mutex<mpsc::Receiver<Waiting>>,
    options: AnyConnectOptions,
    backend: Backend,
}

pub struct Lanes {
    /// `None` once closed.
    queue: Mutex<Option<mpsc::Sender<Waiting>>>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

impl std::fmt::Debug for Lanes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lanes").finish_non_exhaustive()
    }
}

impl Lanes {
    /// Start the lanes (on the current Tokio runtime). Each connects when
    /// its first batch comes.
    pub fn spawn(options: AnyConnectOptions, backend: Backend) -> Self {
        let (sender, receiver) = mpsc::channel(QUEUE);
        let shared = Arc::new(Shared {
            queue: tokio::sync::Mutex::new(receiver),
            options,
            backend,
        });
        let tasks = (0..lanes())
            .map(|_| tokio::spawn(lane(shared.clone())))
            .collect();
        Self {
            queue: Mutex::new(Some(sender)),
            tasks: Mutex::new(tasks),
        }
    }

    /// The answer to one read, from the next batch a lane runs.
    pub(super) async fn read(&self, asked: Arc<Asked>) -> Result<Field, StoreError> {
        let timed_out = || StoreError::Unavailable(sqlx::Error::PoolTimedOut);
        let closed = || StoreError::Unavailable(sqlx::Error::PoolClosed);
        let sender = self.queue.lock().expect("lanes lock").clone();
        let sender = sender.ok_or_else(closed)?;
        let (answer, answered) = oneshot::channel();
        tokio::time::timeout(WAIT, sender.send(Waiting { asked, answer }))
            .await
            .map_err(|_| timed_out())?
            .map_err(|_| closed())?;
        drop(sender);
        tokio::time::timeout(WAIT, answered)
            .await
            .map_err(|_| timed_out())?
            .map_err(|_| closed())?
    }

    /// Take no more reads; wait until the lanes have answered those queued
    /// and closed their connections.
    pub async fn close(&self) {
        self.queue.lock().expect("lanes lock").take();
        let tasks = std::mem::take(&mut *self.tasks.lock().expect("lanes lock"));
        // Bounded: a lane stuck on a database that hangs is left behind.
        let _ = tokio::time::timeout(WAIT, async {
            for task in tasks {
                let _ = task.await;
            }
        })
        .await;
    }
}

/// One lane: take the reads waiting, answer them, until the queue closes.
async fn lane(shared: Arc<Shared>) {
    let mut conn: Option<AnyConnection> = None;
    while let Some(waiting) = next_batch(&shared).await {
        // A read whose caller went away (a cancelled request) is not run.
        let waiting: Vec<Waiting> = waiting
            .into_iter()
            .filter(|w| !w.answer.is_closed())
            .collect();
        if waiting.is_empty() {
            continue;
        }
        let asked: Vec<&Asked> = waiting.iter().map(|w| &*w.asked).collect();
        match run(&shared, &mut conn, &asked).await {
            Ok(answers) => {
                let reads = waiting.len();
                for (w, mut answer) in waiting.into_iter().zip(answers) {
                    if let Ok(field) = &mut answer {
                        field.batch = reads;
                    }
                    let _ = w.answer.send(answer);
                }
            }
            Err(e) => {
                // Every read of the batch gets the failure (the HTTP answer
                // is the same 503 for each; the cause is logged once here).
                tracing::warn!(error = %e, "a batch of field reads failed");
                let message = e.to_string();
                for w in waiting {
                    let failed = sqlx::Error::Protocol(message.clone());
                    let _ = w.answer.send(Err(StoreError::Unavailable(failed)));
                }
            }
        }
    }
    if let Some(conn) = conn {
        let _ = conn.close().await;
    }
}

/// The reads waiting now, at least one and at most `batch::MAX`; `None`
/// once the queue is closed and empty.
async fn next_batch(shared: &Shared) -> Option<Vec<Waiting>> {
    let mut queue = shared.queue.lock().await;
    let first = queue.recv().await?;
    let mut waiting = vec![first];
    while waiting.len() < batch::MAX {
        match queue.try_recv() {
            Ok(w) => waiting.push(w),
            Err(_) => break,
        }
    }
    Some(waiting)
}

/// Run the batch on the lane's connection, once more on a new one if a
/// connection that served earlier batches fails.
async fn run(
    shared: &Shared,
    conn: &mut Option<AnyConnection>,
    asked: &[&Asked],
) -> Result<Vec<Result<Field, StoreError>>, StoreError> {
    let reused = conn.is_some();
    match attempt(shared, conn, asked).await {
        // After a time-out the readers have stopped waiting (`WAIT`).
        Err(e) if reused && !e.is_no_answer() => attempt(shared, conn, asked).await,
        done => done,
    }
}

/// One try; a failure drops the connection.
async fn attempt(
    shared: &Shared,
    conn: &mut Option<AnyConnection>,
    asked: &[&Asked],
) -> Result<Vec<Result<Field, StoreError>>, StoreError> {
    let c = match conn {
        Some(c) => c,
        None => conn.insert(connect_alone(&shared.options, shared.backend, WAIT).await?),
    };
    // A database that stops answering without closing the connection (a
    // stalled server, a network path that drops everything) sends no
    // error, so the wait is bounded here; the connection, in an unknown
    // state, is given up like any that failed (`tests/readiness.rs`).
    let done = tokio::time::timeout(WAIT, batch::run(c, shared.backend, asked))
        .await
        .unwrap_or_else(|_| Err(StoreError::no_answer("the read")));
    if done.is_err() {
        *conn = None;
    }
    done
}
