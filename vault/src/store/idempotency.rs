//! Stored outcomes of writes sent with an `Idempotency-Key`.
//!
//! A row is written in the same transaction as the write it answers, so it
//! exists exactly when the write committed (see `api::idempotency`).

use sqlx::{AnyConnection, Row};

use super::{StoreError, Tx};

/// Keys are remembered this long (24 hours).
pub const KEEP_MS: i64 = 24 * 60 * 60 * 1000;

/// The answer a write gave, for replaying it.
#[derive(Debug, Clone)]
pub struct Stored {
    /// SHA-256 of the request (method, path and body): a key reused for a
    /// different request is refused, not replayed.
    pub fingerprint: Vec<u8>,
    pub status: u16,
    pub body: Vec<u8>,
}

pub async fn find(
    conn: &mut AnyConnection,
    scope: &str,
    key: &str,
    now_ms: i64,
) -> Result<Option<Stored>, StoreError> {
    let row = sqlx::query(
        "SELECT fingerprint, status, body FROM idempotency_keys \
         WHERE scope = $1 AND idem_key = $2 AND created_ms > $3",
    )
    .bind(scope)
    .bind(key)
    .bind(now_ms - KEEP_MS)
    .fetch_optional(conn)
    .await?;
    row.map(|r| {
        Ok(Stored {
            fingerprint: r.try_get("fingerprint")?,
            status: r.try_get::<i32, _>("status")? as u16,
            body: r.try_get("body")?,
        })
    })
    .transpose()
}

/// Remember `stored` for (`scope`, `key`) in the write's transaction; now
/// and then, forget keys older than `KEEP_MS` (an expired row for the same
/// key is replaced).
pub async fn remember(
    tx: &mut Tx,
    scope: &str,
    key: &str,
    stored: &Stored,
    now_ms: i64,
) -> Result<(), StoreError> {
    if rand::random::<u8>() < 4 {
        sqlx::query("DELETE FROM idempotency_keys WHERE created_ms <= $1")
            .bind(now_ms - KEEP_MS)
            .execute(&mut **tx)
            .await?;
    }
    sqlx::query(
        "INSERT INTO idempotency_keys (scope, idem_key, fingerprint, status, body, created_ms) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (scope, idem_key) DO UPDATE SET fingerprint = excluded.fingerprint, \
         status = excluded.status, body = excluded.body, created_ms = excluded.created_ms",
    )
    .bind(scope)
    .bind(key)
    .bind(&stored.fingerprint)
    .bind(stored.status as i32)
    .bind(&stored.body)
    .bind(now_ms)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
