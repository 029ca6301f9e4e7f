//! Stored roots of the access log's perfect subtrees at heights 8, 16, 24,
//! ... (`log_nodes`), so a proof over a long log reads a few hundred hashes
//! instead of every leaf.
//!
//! Why not a crate: the tile layout of the transparency-dev ecosystem
//! (C2SP tlog-tiles) would need its own storage and serving path; this
//! keeps the one `log_entries` table as the truth and adds an index of
//! hashes beside it, written in the same transaction as the leaves.
//!
//! The nodes are an accelerator, not a source of truth: a missing node is
//! computed from the leaves below it, and a wrong one makes the proof fail
//! the reader's check against the signed checkpoint, whose root comes from
//! the frontier in `log_head`, never from these rows.

use kluis_audit::merkle::{leaf_hash, node_hash, Hash};
use kluis_audit::{Frontier, Subtree};
use sqlx::Row;

use super::{Store, StoreError, Tx};

/// Heights that are stored: multiples of this.
pub const STEP: u32 = 8;

/// Whether a completed subtree is kept.
pub fn kept(s: &Subtree) -> bool {
    s.height.is_multiple_of(STEP)
}

/// Write completed subtrees (ignoring ones already there).
pub async fn insert(tx: &mut Tx, nodes: &[Subtree]) -> Result<(), StoreError> {
    for n in nodes {
        sqlx::query(
            "INSERT INTO log_nodes (height, idx, hash) VALUES ($1, $2, $3) ON CONFLICT (height, idx) DO NOTHING",
        )
        .bind(i64::from(n.height))
        .bind(n.index as i64)
        .bind(n.hash.to_vec())
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// The stored roots at `height` for subtrees `from..below`, in order, if
/// all of them are there.
async fn stored(
    store: &Store,
    height: u32,
    from: u64,
    below: u64,
) -> Result<Option<Vec<Hash>>, StoreError> {
    let rows = sqlx::query(
        "SELECT idx, hash FROM log_nodes WHERE height = $1 AND idx >= $2 AND idx < $3 ORDER BY idx",
    )
    .bind(i64::from(height))
    .bind(from as i64)
    .bind(below as i64)
    .fetch_all(store.pool())
    .await?;
    if rows.len() as u64 != below - from {
        return Ok(None);
    }
    let mut out = Vec::with_capacity(rows.len());
    for (i, r) in rows.iter().enumerate() {
        let idx: i64 = r.try_get("idx")?;
        let hash: Vec<u8> = r.try_get("hash")?;
        match hash.try_into() {
            Ok(h) if idx as u64 == from + i as u64 => out.push(h),
            _ => return Ok(None),
        }
    }
    Ok(Some(out))
}

/// The root of the perfect subtree of `2^height` leaves starting at leaf
/// `index << height`: from stored nodes where they exist, else from the
/// leaves. `None` when leaves are missing.
pub async fn subtree_root(
    store: &Store,
    height: u32,
    index: u64,
) -> Result<Option<Hash>, StoreError> {
    let mut level = height - height % STEP;
    while level >= STEP {
        let span = height - level;
        let from = index << span;
        if let Some(hashes) = stored(store, level, from, from + (1 << span)).await? {
            return Ok(Some(fold_perfect(hashes)));
        }
        level -= STEP;
    }
    // Below the lowest stored height (or nothing stored): the leaves,
    // streamed.
    let start = index << height;
    super::log_read::streamed_root(store, start..start + (1 << height)).await
}

/// The root of a perfect tree over `hashes` (a power of two of them).
fn fold_perfect(mut hashes: Vec<Hash>) -> Hash {
    while hashes.len() > 1 {
        hashes = hashes
            .chunks_exact(2)
            .map(|p| node_hash(&p[0], &p[1]))
            .collect();
    }
    hashes[0]
}

/// At start-up: store the nodes of the leaves written before `log_nodes`
/// existed (or lost), reading the log once. Returns how many were added.
pub async fn backfill(store: &Store) -> Result<u64, StoreError> {
    let mut tx = store.begin().await?;
    let (size, _) = super::log::committed_head(&mut tx).await?;
    tx.rollback().await;
    let expected = size >> STEP;
    let have: i64 = sqlx::query("SELECT COUNT(*) AS n FROM log_nodes WHERE height = $1")
        .bind(i64::from(STEP))
        .fetch_one(store.pool())
        .await?
        .try_get("n")?;
    if have as u64 >= expected {
        return Ok(0);
    }
    let mut frontier = Frontier::new();
    let mut pending = Vec::new();
    let mut added = 0;
    let mut next = 0;
    while next < size {
        let batch = super::log_read::leaves(store, next, size, 5_000).await?;
        if batch.is_empty() {
            break;
        }
        for (seq, leaf) in &batch {
            if *seq != next {
                // A gap: nodes above it cannot be computed honestly.
                return flush_backfill(store, &mut pending, &mut added).await;
            }
            frontier
                .append_with(leaf_hash(leaf), |s| {
                    if kept(&s) {
                        pending.push(s)
                    }
                })
                .map_err(|e| StoreError::Unavailable(sqlx::Error::Protocol(e.to_string())))?;
            next += 1;
        }
        if pending.len() >= 512 {
            flush_backfill(store, &mut pending, &mut added).await?;
        }
    }
    flush_backfill(store, &mut pending, &mut added).await
}

async fn flush_backfill(
    store: &Store,
    pending: &mut Vec<Subtree>,
    added: &mut u64,
) -> Result<u64, StoreError> {
    let mut tx = store.begin().await?;
    insert(&mut tx, pending).await?;
    tx.commit().await?;
    *added += pending.len() as u64;
    pending.clear();
    Ok(*added)
}
