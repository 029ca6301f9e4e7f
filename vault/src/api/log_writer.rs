//! Group commit for reads.
//!
//! Every read is logged before its answer leaves, and a log entry is only
//! durable after a commit (an fsync). Committing each read on its own would
//! make the disk's sync rate the server's read rate. Instead, read handlers
//! hand their entry to this one writer task and wait; the writer takes every
//! entry that is waiting, appends them all in one transaction, commits once,
//! and then releases all those readers together. Under load the batch grows
//! by itself; alone, a read waits for exactly one commit, as before.
//!
//! The decision was made before the batch commits, so a grant withdrawn in
//! between must not slip through: the writer re-checks each grant-based
//! read inside the batch transaction (where the log lock orders it against
//! the revocation) and logs it as refused if its grant is no longer live.
//!
//! A read decided on what this process kept from the session's last read
//! (`store::read_snapshot::recent`) comes with what it rested on; the
//! writer confirms that in the same transaction, after the log lock, and a
//! read that fails is neither logged nor served: its handler decides it
//! again from the database.

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::sync::Weak;

use kluis_policy::GrantId;
use tokio::sync::{mpsc, oneshot};

use super::record::{LoggedTx, Record, RequestMeta};
use crate::server::state::Inner;
use crate::server::AppState;
use crate::store::principals::Principal;
use crate::store::read_snapshot::{confirm, Confirm};
use crate::store::{grants, StoreError};

/// The most entries one commit takes.
const MAX_BATCH: usize = 512;

/// How long one commit may take. A database that stops answering without
/// closing the connection sends no error; without a bound the writer, and
/// every reader after it, would wait until the operating system gave up
/// on the socket. After it the batch fails (each read gets 503, none is
/// served), the transaction is dropped, and its connection is given up
/// unless the database confirms a rollback (`store::transaction`).
const COMMIT_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

struct Pending {
    record: Record,
    meta: RequestMeta,
    caller: Principal,
    grant: Option<GrantId>,
    confirm: Option<Confirm>,
    reply: oneshot::Sender<Result<Logged, String>>,
}

/// What became of a read handed to the writer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Logged {
    /// Logged as served: answer the caller.
    Served,
    /// The grant it rested on ended meanwhile; the refusal was logged.
    Revoked,
    /// It was decided on a kept read that no longer holds; nothing was
    /// logged, and it must be decided again from the database.
    Changed,
}

#[derive(Clone)]
pub struct LogWriter {
    sender: mpsc::Sender<Pending>,
}

impl LogWriter {
    /// Start the writer. It holds the state weakly, so it ends when the
    /// server's state is dropped.
    pub fn spawn(state: Weak<Inner>) -> Self {
        let (sender, receiver) = mpsc::channel(4 * MAX_BATCH);
        let thread = std::thread::Builder::new()
            .name("kluis-log-writer".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("the log writer's runtime");
                runtime.block_on(run(state, receiver));
            });
        thread.expect("the log writer's thread");
        Self { sender }
    }

    /// Log an allowed read durably, after confirming `confirm` when it was
    /// decided on a kept read (`Logged`). `Err`: nothing could be logged,
    /// so nothing may be served.
    pub async fn log_read(
        &self,
        record: Record,
        meta: RequestMeta,
        caller: Principal,
        grant: Option<GrantId>,
        confirm: Option<Confirm>,
    ) -> Result<Logged, StoreError> {
        let (reply, answer) = oneshot::channel();
        let pending = Pending {
            record,
            meta,
            caller,
            grant,
            confirm,
            reply,
        };
        let closed = || StoreError::Unavailable(sqlx::Error::PoolClosed);
        self.sender.send(pending).await.map_err(|_| closed())?;
        match answer.await.map_err(|_| closed())? {
            Ok(logged) => Ok(logged),
            Err(e) => Err(StoreError::Unavailable(sqlx::Error::Protocol(e))),
        }
    }
}

async fn run(state: Weak<Inner>, mut receiver: mpsc::Receiver<Pending>) {
    while let Some(first) = receiver.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match receiver.try_recv() {
                Ok(p) => batch.push(p),
                Err(_) => break,
            }
        }
        let Some(inner) = state.upgrade() else { break };
        let state = AppState::from_inner(inner);
        state.metrics.read_batch(batch.len());
        let started = std::time::Instant::now();
        let committed = tokio::time::timeout(COMMIT_WAIT, commit(&state, &batch))
            .await
            .unwrap_or_else(|_| Err(StoreError::no_answer("the commit")));
        state.metrics.read_commit(started.elapsed().as_secs_f64());
        match committed {
            Ok(outcomes) => {
                for (p, logged) in batch.into_iter().zip(outcomes) {
                    let _ = p.reply.send(Ok(logged));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "could not commit a batch of read log entries");
                let text = e.to_string();
                for p in batch {
                    let _ = p.reply.send(Err(text.clone()));
                }
            }
        }
    }
}

async fn commit(state: &AppState, batch: &[Pending]) -> Result<Vec<Logged>, StoreError> {
    // On the writer's own connection: with many readers in flight, the
    // shared pool has a queue, and the commit that releases them all must
    // not wait in it behind them (see `Store::begin_writer`).
    let mut ltx = LoggedTx::begin_writer(state).await?;
    let now = state.clock.now_ms();
    // Reads decided on a kept read: is what they rested on still so? Under
    // the log lock, so it stays so until this commit.
    let kept: Vec<&Confirm> = batch.iter().filter_map(|p| p.confirm.as_ref()).collect();
    let mut holds = if kept.is_empty() {
        Vec::new()
    } else {
        confirm::still(ltx.tx().await?, &kept, now).await?
    }
    .into_iter();
    let standing: Vec<bool> = batch
        .iter()
        .map(|p| p.confirm.is_none() || holds.next() == Some(true))
        .collect();
    // Every grant the batch rests on is checked once, before any entry is
    // appended: the check reads only `grants`, which appends do not touch,
    // and the entries then go out together (see `store::log::Head`).
    let mut live: HashMap<GrantId, bool> = HashMap::new();
    for (p, _) in batch.iter().zip(&standing).filter(|(_, s)| **s) {
        if let Some(g) = p.grant {
            if let Entry::Vacant(slot) = live.entry(g) {
                slot.insert(grants::is_live(ltx.tx().await?, g, now).await?);
            }
        }
    }
    let mut outcomes = Vec::with_capacity(batch.len());
    for (p, standing) in batch.iter().zip(standing) {
        if !standing {
            outcomes.push(Logged::Changed);
            continue;
        }
        let allowed = p.grant.is_none_or(|g| live[&g]);
        let mut record = if allowed {
            p.record.clone()
        } else {
            p.record.clone().denied("revoked")
        };
        // The entry's time is the moment the grant was found live, so the
        // replay's window check (`audit verify`) sees what was decided.
        record.time_ms = Some(now);
        ltx.record(state, &p.meta, Some(&p.caller), record).await?;
        outcomes.push(if allowed {
            Logged::Served
        } else {
            Logged::Revoked
        });
    }
    ltx.commit().await?;
    Ok(outcomes)
}
