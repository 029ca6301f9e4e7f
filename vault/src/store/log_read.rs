//! Reading the access log back: raw leaves for replay, leaf hashes for
//! proofs, and rows for queries.
//!
//! Rows below the tree head never change (the log is append-only), so these
//! reads need not hold the log lock: a reader never blocks the writers.
//! Callers bound every read by a tree size they saw under the lock.

use kluis_audit::merkle::{leaf_hash, Hash};
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

/// The leaf hashes of the first `size` rows, in stored order. The proof made
/// from them is only as good as the rows: if a row was altered, the proof
/// does not match the auditor's pinned checkpoint, which is the point.
pub async fn leaf_hashes(store: &Store, size: u64) -> Result<Vec<Hash>, StoreError> {
    let mut hashes = Vec::with_capacity(size.min(1 << 20) as usize);
    let mut from = 0u64;
    while from < size {
        let batch = leaves(store, from, size, BATCH as u32).await?;
        let Some(last) = batch.last() else { break };
        from = last.0 + 1;
        hashes.extend(batch.iter().map(|(_, leaf)| leaf_hash(leaf)));
    }
    Ok(hashes)
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
