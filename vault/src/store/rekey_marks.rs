//! Fields marked as needing a re-key (`needs_rekey`).
//!
//! A withdrawal deletes the grantee's envelopes, so afterwards nothing in
//! `envelopes` shows that someone outside the readers still knows a field's
//! key. The mark, set in the revocation's transaction, is that memory: it
//! stays until the field's re-key commits, so a re-key that stopped halfway
//! is found again (`GET …/stale`, `kluis household sync`).

use std::collections::BTreeSet;

use kluis_policy::{FieldPath, HouseholdId};
use sqlx::Row;

use super::{StoreError, Tx};

/// Mark `path` as needing a re-key (again marking a marked one is a no-op).
pub async fn mark(
    tx: &mut Tx,
    h: HouseholdId,
    path: &FieldPath,
    now_ms: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO needs_rekey (household_id, path, marked_ms) VALUES ($1, $2, $3) \
         ON CONFLICT (household_id, path) DO NOTHING",
    )
    .bind(h.to_string())
    .bind(path.as_str())
    .bind(now_ms)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The field was re-keyed: in the re-key's own transaction.
pub async fn clear(tx: &mut Tx, h: HouseholdId, path: &FieldPath) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM needs_rekey WHERE household_id = $1 AND path = $2")
        .bind(h.to_string())
        .bind(path.as_str())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Every marked path of a household.
pub async fn marked(tx: &mut Tx, h: HouseholdId) -> Result<BTreeSet<FieldPath>, StoreError> {
    let rows = sqlx::query("SELECT path FROM needs_rekey WHERE household_id = $1")
        .bind(h.to_string())
        .fetch_all(&mut **tx)
        .await?;
    rows.iter()
        .map(|r| {
            let p: String = r.try_get("path")?;
            FieldPath::parse(&p)
                .map_err(|_| StoreError::Unavailable(sqlx::Error::Decode("bad stored path".into())))
        })
        .collect()
}
