//! Storage hooks for the access log: thin on purpose. The formats and the
//! tree math live in the `kluis-audit` crate.
//!
//! Every transaction that records a decision starts by locking the log head
//! (`lock`), which serialises appends across connections and across kluis
//! processes sharing one PostgreSQL, so there is one tree with contiguous
//! sequence numbers. Starting with a write also matters for SQLite: a
//! transaction that begins with reads and later writes can fail to upgrade
//! under WAL, one that begins with a write simply waits its turn.

use std::sync::OnceLock;

use kluis_audit::{Entry, Frontier};
use sqlx::Row;

use super::{Store, StoreError, Tx};

/// The log as one transaction sees it: the tree head it locked and the rows
/// it appended but has not yet written.
///
/// Rows are written in multi-row INSERTs (`flush`) rather than one statement
/// per entry: a batch of up to 512 reads logged by the group-commit writer,
/// or the scale generator's 5000 entries, then cost one statement per 128
/// rows instead of one round trip each. The buffer is written before the head is
/// (`finish`) and whenever the transaction is handed out for anything else
/// (`settle`, called by `api::record::LoggedTx::tx`), so no statement in the
/// transaction ever sees the log half-written; readers outside it see only
/// committed rows anyway.
pub struct Head {
    pub size: u64,
    frontier: Frontier,
    pending: Vec<PendingRow>,
    /// Completed subtrees to keep (`log_nodes`), written with the rows.
    nodes: Vec<kluis_audit::Subtree>,
}

/// One `log_entries` row waiting for `flush`.
struct PendingRow {
    seq: i64,
    household: Option<String>,
    /// The person an account event is about (`Entry::subject`).
    subject: Option<String>,
    time_ms: i64,
    leaf: Vec<u8>,
    payload: Option<Vec<u8>>,
}

fn log_error(what: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(sqlx::Error::Protocol(format!("access log: {what}")))
}

impl Head {
    /// The root of the tree as it stands in this transaction.
    pub fn root(&self) -> kluis_audit::Hash {
        self.frontier.root()
    }
}

/// Make sure the head row exists (first start).
pub async fn init(store: &Store) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO log_head (id, size, frontier) VALUES (1, 0, $1) ON CONFLICT (id) DO NOTHING",
    )
    .bind(Frontier::new().to_bytes())
    .execute(store.pool())
    .await?;
    Ok(())
}

/// The tree head in a `log_head` row, checked against its stated size.
fn frontier_of(row: &sqlx::any::AnyRow) -> Result<Frontier, StoreError> {
    let size: i64 = row.try_get("size")?;
    let frontier: Vec<u8> = row.try_get("frontier")?;
    let frontier = Frontier::from_bytes(&frontier).map_err(log_error)?;
    if frontier.size() != size as u64 {
        return Err(log_error("the stored tree head is inconsistent"));
    }
    Ok(frontier)
}

/// The committed tree's size and root as this snapshot sees them, without
/// locking the log (for proofs against it; see `api/directory.rs`).
pub async fn committed_head(tx: &mut Tx) -> Result<(u64, kluis_audit::Hash), StoreError> {
    let row = sqlx::query("SELECT size, frontier FROM log_head WHERE id = 1")
        .fetch_one(&mut **tx)
        .await?;
    let frontier = frontier_of(&row)?;
    Ok((frontier.size(), frontier.root()))
}

/// Lock the log for this transaction and read its head.
pub async fn lock(tx: &mut Tx) -> Result<Head, StoreError> {
    let row = sqlx::query("UPDATE log_head SET size = size WHERE id = 1 RETURNING size, frontier")
        .fetch_one(&mut **tx)
        .await?;
    let frontier = frontier_of(&row)?;
    Ok(Head {
        size: frontier.size(),
        frontier,
        pending: Vec::new(),
        nodes: Vec::new(),
    })
}

/// Append `entry` (its `seq` is set here) with an optional sealed payload.
pub async fn append(
    tx: &mut Tx,
    head: &mut Head,
    entry: &mut Entry,
    payload: Option<Vec<u8>>,
) -> Result<u64, StoreError> {
    entry.seq = head.size;
    let leaf = entry.encode().map_err(log_error)?;
    let nodes = &mut head.nodes;
    head.frontier
        .append_with(kluis_audit::merkle::leaf_hash(&leaf), |s| {
            if super::log_nodes::kept(&s) {
                nodes.push(s);
            }
        })
        .map_err(log_error)?;
    head.pending.push(PendingRow {
        seq: entry.seq as i64,
        household: entry.household.clone(),
        subject: entry.subject().map(str::to_owned),
        time_ms: entry.time_ms,
        leaf,
        payload,
    });
    head.size += 1;
    if head.pending.len() >= FLUSH_AT {
        flush(tx, head).await?;
    }
    Ok(entry.seq)
}

/// Buffered rows are written once this many are waiting, so a long
/// transaction's memory stays bounded.
const FLUSH_AT: usize = 1024;

/// The largest multi-row INSERT: 128 rows × 6 values stays far below both
/// engines' limits on bound parameters (SQLite 32 766, PostgreSQL 65 535).
const CHUNK: usize = 128;

/// Write the buffered rows: one statement per 128.
pub async fn flush(tx: &mut Tx, head: &mut Head) -> Result<(), StoreError> {
    write_nodes(tx, head).await?;
    let mut rows = std::mem::take(&mut head.pending);
    while !rows.is_empty() {
        let chunk = rows.drain(..rows.len().min(CHUNK));
        bind_rows(sqlx::query(insert_sql(chunk.len(), false)), chunk)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

async fn write_nodes(tx: &mut Tx, head: &mut Head) -> Result<(), StoreError> {
    let nodes = std::mem::take(&mut head.nodes);
    super::log_nodes::insert(tx, &nodes).await
}

/// The statement that inserts up to `rows` rows, and with `head` also
/// writes the new tree head (`$1` size, `$2` frontier; PostgreSQL only).
///
/// Why padded: a statement exists per size class (1, 2, 4, … 128 rows),
/// not per count, so at most sixteen texts ever exist and every
/// connection's prepared-statement cache holds them all; a batch of 26
/// reads is one statement of 32 rows, 6 of them all `NULL` and filtered
/// out by the `WHERE`. The rows are a `VALUES` list, whose columns both
/// engines name `column1`, `column2`, ….
fn insert_sql(rows: usize, head: bool) -> &'static str {
    static TEXT: [[OnceLock<String>; CLASSES]; 2] =
        [const { [const { OnceLock::new() }; CLASSES] }; 2];
    let class = rows.max(1).next_power_of_two().trailing_zeros() as usize;
    TEXT[usize::from(head)][class].get_or_init(|| {
        let first = if head { 3 } else { 1 };
        let values: Vec<String> = (0..1usize << class)
            .map(|r| {
                let b = first + r * 6;
                let params: Vec<String> = (b..b + 6).map(|i| format!("${i}")).collect();
                format!("({})", params.join(", "))
            })
            .collect();
        let insert = format!(
            "INSERT INTO log_entries (seq, household_id, subject_id, time_ms, leaf, payload) \
             SELECT * FROM (VALUES {}) AS v WHERE v.column1 IS NOT NULL",
            values.join(", ")
        );
        if head {
            format!("WITH e AS ({insert}) {HEAD_UPDATE}")
        } else {
            insert
        }
    })
}

/// Size classes of `insert_sql`: 1, 2, 4, … `CHUNK` rows.
const CLASSES: usize = CHUNK.trailing_zeros() as usize + 1;

const HEAD_UPDATE: &str = "UPDATE log_head SET size = $1, frontier = $2 WHERE id = 1";

/// Bind `rows`, then `NULL`s up to the statement's size class.
fn bind_rows<'q>(
    mut query: AnyQuery<'q>,
    rows: impl ExactSizeIterator<Item = PendingRow>,
) -> AnyQuery<'q> {
    let (count, class) = (rows.len(), rows.len().max(1).next_power_of_two());
    for row in rows {
        query = query
            .bind(row.seq)
            .bind(row.household)
            .bind(row.subject)
            .bind(row.time_ms)
            .bind(row.leaf)
            .bind(row.payload);
    }
    for _ in count..class {
        query = query
            .bind(None::<i64>)
            .bind(None::<String>)
            .bind(None::<String>)
            .bind(None::<i64>)
            .bind(None::<Vec<u8>>)
            .bind(None::<Vec<u8>>);
    }
    query
}

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

/// Write what is buffered: call before the transaction is used for
/// anything but appends, since another statement may read the log's rows.
pub async fn settle(tx: &mut Tx, head: &mut Head) -> Result<(), StoreError> {
    flush(tx, head).await
}

/// Write the buffered rows and the new head. Call once, after the last
/// append, before commit.
///
/// On PostgreSQL the last rows and the head go in one statement (a
/// data-modifying `WITH`): the group-commit writer's readers wait for every
/// round trip of its commit. SQLite has no such `WITH`, and its statements
/// never cross a socket.
pub async fn finish(tx: &mut Tx, head: &mut Head) -> Result<(), StoreError> {
    let size = head.size as i64;
    let frontier = head.frontier.to_bytes();
    if tx.backend_name() != "PostgreSQL" || head.pending.is_empty() {
        flush(tx, head).await?;
        sqlx::query(HEAD_UPDATE)
            .bind(size)
            .bind(frontier)
            .execute(&mut **tx)
            .await?;
        return Ok(());
    }
    // All but the last (at most `CHUNK`) rows first, then the rest with
    // the head.
    let mut rows = std::mem::take(&mut head.pending);
    let last = rows.split_off((rows.len() - 1) / CHUNK * CHUNK);
    head.pending = rows;
    flush(tx, head).await?;
    let query = sqlx::query(insert_sql(last.len(), true))
        .bind(size)
        .bind(frontier);
    bind_rows(query, last.into_iter())
        .execute(&mut **tx)
        .await?;
    Ok(())
}
