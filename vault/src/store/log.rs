//! Storage hooks for the access log: thin on purpose. The formats and the
//! tree math live in the `kluis-audit` crate.
//!
//! Every transaction that records a decision starts by locking the log head
//! (`lock`), which serialises appends across connections and across kluis
//! processes sharing one PostgreSQL, so there is one tree with contiguous
//! sequence numbers. Starting with a write also matters for SQLite: a
//! transaction that begins with reads and later writes can fail to upgrade
//! under WAL, one that begins with a write simply waits its turn.

use kluis_audit::{Entry, Frontier};
use sqlx::Row;

use super::{Store, StoreError, Tx};

pub struct Head {
    pub size: u64,
    frontier: Frontier,
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

/// Lock the log for this transaction and read its head.
pub async fn lock(tx: &mut Tx) -> Result<Head, StoreError> {
    let row = sqlx::query("UPDATE log_head SET size = size WHERE id = 1 RETURNING size, frontier")
        .fetch_one(&mut **tx)
        .await?;
    let size: i64 = row.try_get("size")?;
    let frontier: Vec<u8> = row.try_get("frontier")?;
    let frontier = Frontier::from_bytes(&frontier).map_err(log_error)?;
    if frontier.size() != size as u64 {
        return Err(log_error("the stored tree head is inconsistent"));
    }
    Ok(Head {
        size: size as u64,
        frontier,
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
    head.frontier
        .append(kluis_audit::merkle::leaf_hash(&leaf))
        .map_err(log_error)?;
    sqlx::query("INSERT INTO log_entries (seq, household_id, time_ms, leaf, payload) VALUES ($1, $2, $3, $4, $5)")
        .bind(entry.seq as i64)
        .bind(entry.household.as_deref())
        .bind(entry.time_ms)
        .bind(leaf)
        .bind(payload)
        .execute(&mut **tx)
        .await?;
    head.size += 1;
    Ok(entry.seq)
}

/// Write the new head. Call once, after the last append, before commit.
pub async fn finish(tx: &mut Tx, head: &Head) -> Result<(), StoreError> {
    sqlx::query("UPDATE log_head SET size = $1, frontier = $2 WHERE id = 1")
        .bind(head.size as i64)
        .bind(head.frontier.to_bytes())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The household's key for sealed log payloads, made on first use.
pub async fn household_key(tx: &mut Tx, household: &str) -> Result<Option<[u8; 32]>, StoreError> {
    let row = sqlx::query("SELECT log_key FROM household_log_keys WHERE household_id = $1")
        .bind(household)
        .fetch_optional(&mut **tx)
        .await?;
    if let Some(row) = row {
        let key: Vec<u8> = row.try_get("log_key")?;
        return Ok(key.try_into().ok());
    }
    Ok(None)
}

pub async fn create_household_key(tx: &mut Tx, household: &str) -> Result<[u8; 32], StoreError> {
    let key: [u8; 32] = rand::random();
    sqlx::query("INSERT INTO household_log_keys (household_id, log_key) VALUES ($1, $2)")
        .bind(household)
        .bind(key.to_vec())
        .execute(&mut **tx)
        .await?;
    Ok(key)
}
