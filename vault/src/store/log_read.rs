//! Reading the access log back: raw leaves for replay, leaf hashes for
//! proofs, and rows for queries.
//!
//! Rows below the tree head never change (the log is append-only), so these
//! reads need not hold the log lock: a reader never blocks the writers.
//! Callers bound every read by a tree size they saw under the lock.

use kluis_audit::merkle::{leaf_hash, Hash};
use kluis_audit::Frontier;
use sqlx::Row;

use super::{Store, StoreError};

/// Rows fetched per round trip when a whole stretch of the log is needed.
const BATCH: i64 = 5_000;

fn to_u64(seq: i64) -> Result<u64, StoreError> {
    u64::try_from(seq).map_err(|_| {
        StoreError::Unavailable(sqlx::Error::Protocol(
            "access log: a negative sequence number is stored".into(),
        ))
    })
}

/// A sequence number or tree size from a request, as the database's integer.
/// Values past `i64::MAX` saturate: no row has such a number, so the answer
/// stays the honest one (nothing there). A plain `as` cast would wrap them to
/// negative numbers and turn "after 18446744073709551615" into "from the start".
fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Up to `limit` leaves with `from <= seq < below`, in order.
pub async fn leaves(
    store: &Store,
    from: u64,
    below: u64,
    limit: u32,
) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
    let rows = sqlx::query(
        "SELECT seq, leaf FROM log_entries WHERE seq >= $1 AND seq < $2 ORDER BY seq LIMIT $3",
    )
    .bind(to_i64(from))
    .bind(to_i64(below))
    .bind(i64::from(limit))
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|r| Ok((to_u64(r.try_get("seq")?)?, r.try_get("leaf")?)))
        .collect()
}

/// A stored log row: the leaf and the columns kept beside it to find rows
/// quickly. Only the leaf is hashed; the columns must say what it says.
pub struct StoredRow {
    pub seq: u64,
    pub leaf: Vec<u8>,
    pub household: Option<String>,
    pub subject: Option<String>,
    pub time_ms: i64,
}

/// Up to `limit` rows with `from <= seq < below`, in order, side columns
/// included (for auditors, who check them against the leaves).
pub async fn rows(
    store: &Store,
    from: u64,
    below: u64,
    limit: u32,
) -> Result<Vec<StoredRow>, StoreError> {
    let rows = sqlx::query(
        "SELECT seq, leaf, household_id, subject_id, time_ms FROM log_entries WHERE seq >= $1 AND seq < $2 ORDER BY seq LIMIT $3",
    )
    .bind(to_i64(from))
    .bind(to_i64(below))
    .bind(i64::from(limit))
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(StoredRow {
                seq: to_u64(r.try_get("seq")?)?,
                leaf: r.try_get("leaf")?,
                household: r.try_get("household_id")?,
                subject: r.try_get("subject_id")?,
                time_ms: r.try_get("time_ms")?,
            })
        })
        .collect()
}

/// MTH over the stored leaves `range.start..range.end`. `None` when a row in
/// the range is missing: no honest root exists then. The root is only as
/// good as the rows: if a row was altered, a proof made from it does not
/// match the auditor's pinned checkpoint, which is the point.
///
/// Every range a proof asks for is a node of the RFC 9162 tree: its size's
/// binary digits, largest first, are perfect subtrees aligned to their own
/// size. Those come from the stored subtree roots (`log_nodes`), and are
/// folded from the right like a frontier's. Any other range is streamed.
pub async fn range_root(
    store: &Store,
    range: std::ops::Range<u64>,
) -> Result<Option<Hash>, StoreError> {
    let mut chunks = Vec::new();
    let mut at = range.start;
    let mut left = range.end.saturating_sub(range.start);
    while left > 0 {
        let height = 63 - left.leading_zeros();
        if !at.is_multiple_of(1 << height) {
            return streamed_root(store, range).await;
        }
        chunks.push((height, at >> height));
        at += 1 << height;
        left -= 1 << height;
    }
    let mut roots = Vec::with_capacity(chunks.len());
    for (height, index) in chunks {
        match super::log_nodes::subtree_root(store, height, index).await? {
            Some(root) => roots.push(root),
            None => return Ok(None),
        }
    }
    let mut it = roots.into_iter().rev();
    let Some(last) = it.next() else {
        return Ok(Some(kluis_audit::merkle::empty_root()));
    };
    Ok(Some(it.fold(last, |acc, left| {
        kluis_audit::merkle::node_hash(&left, &acc)
    })))
}

/// `range_root` by streaming every leaf of the range through a `Frontier`
/// (memory O(log n)): for ranges the stored nodes do not cover.
pub async fn streamed_root(
    store: &Store,
    range: std::ops::Range<u64>,
) -> Result<Option<Hash>, StoreError> {
    let mut frontier = Frontier::new();
    let mut next = range.start;
    while next < range.end {
        let batch = leaves(store, next, range.end, BATCH as u32).await?;
        if batch.is_empty() {
            return Ok(None);
        }
        for (seq, leaf) in &batch {
            if *seq != next {
                return Ok(None);
            }
            frontier.append(leaf_hash(leaf)).map_err(|e| {
                StoreError::Unavailable(sqlx::Error::Protocol(format!("access log: {e}")))
            })?;
            next += 1;
        }
    }
    Ok(Some(frontier.root()))
}

/// An RFC 9162 consistency proof between the first `old` and `new` stored
/// leaves, one streamed range root per proof node (see
/// `kluis_audit::merkle::consistency_ranges`). `None` when rows are missing.
pub async fn consistency_proof(
    store: &Store,
    old: u64,
    new: u64,
) -> Result<Option<Vec<Hash>>, StoreError> {
    proof_of(store, kluis_audit::merkle::consistency_ranges(old, new)).await
}

/// An RFC 9162 inclusion proof of leaf `index` in the tree of the first
/// `size` stored leaves, one streamed range root per proof node (see
/// `kluis_audit::merkle::inclusion_ranges`). `None` when rows are missing.
pub async fn inclusion_proof(
    store: &Store,
    index: u64,
    size: u64,
) -> Result<Option<Vec<Hash>>, StoreError> {
    proof_of(store, kluis_audit::merkle::inclusion_ranges(index, size)).await
}

/// The root of each range, in order: a proof. `None` when rows are missing.
async fn proof_of(
    store: &Store,
    ranges: Vec<std::ops::Range<u64>>,
) -> Result<Option<Vec<Hash>>, StoreError> {
    let mut proof = Vec::with_capacity(ranges.len());
    for range in ranges {
        match range_root(store, range).await? {
            Some(root) => proof.push(root),
            None => return Ok(None),
        }
    }
    Ok(Some(proof))
}

/// Which rows a query scans; the decoded leaves are filtered further by the
/// caller (the leaf, not these columns, is what the log says).
#[derive(Debug, Clone, Default)]
pub struct Scan {
    pub household: Option<String>,
    pub since_ms: Option<i64>,
    pub until_ms: Option<i64>,
    /// Only rows with `seq > after`.
    pub after: Option<u64>,
    /// Only rows with `seq < below` (the tree size when the request began).
    pub below: u64,
    pub limit: u32,
}

/// Rows matching `scan`, in order, as (seq, leaf).
pub async fn scan(store: &Store, scan: &Scan) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
    // Fixed SQL with neutral defaults, so no filter text is ever spliced in.
    let rows = sqlx::query(
        "SELECT seq, leaf FROM log_entries \
         WHERE seq > $1 AND seq < $2 AND time_ms >= $3 AND time_ms <= $4 \
         AND ($5 = '' OR household_id = $5) \
         ORDER BY seq LIMIT $6",
    )
    .bind(scan.after.map_or(-1, to_i64))
    .bind(to_i64(scan.below))
    .bind(scan.since_ms.unwrap_or(i64::MIN))
    .bind(scan.until_ms.unwrap_or(i64::MAX))
    .bind(scan.household.clone().unwrap_or_default())
    .bind(i64::from(scan.limit))
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|r| Ok((to_u64(r.try_get("seq")?)?, r.try_get("leaf")?)))
        .collect()
}

/// Rows of account events about `subject` (by the `subject_id` column) with
/// `after < seq < below`, in order, as (seq, leaf): at most `limit`. The
/// caller checks each decoded leaf names that subject.
pub async fn about(
    store: &Store,
    subject: &str,
    after: Option<u64>,
    below: u64,
    limit: u32,
) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
    let rows = sqlx::query(
        "SELECT seq, leaf FROM log_entries WHERE subject_id = $1 AND seq > $2 AND seq < $3 \
         ORDER BY seq LIMIT $4",
    )
    .bind(subject)
    .bind(after.map_or(-1, to_i64))
    .bind(to_i64(below))
    .bind(i64::from(limit))
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|r| Ok((to_u64(r.try_get("seq")?)?, r.try_get("leaf")?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::to_i64;

    #[test]
    fn huge_positions_saturate_instead_of_wrapping() {
        assert_eq!(to_i64(0), 0);
        assert_eq!(to_i64(i64::MAX as u64), i64::MAX);
        assert_eq!(to_i64(1 << 63), i64::MAX);
        assert_eq!(to_i64(u64::MAX), i64::MAX);
    }
}
