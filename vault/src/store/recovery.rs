//! Recovery blobs (see `api::recovery`): one per person, found by the
//! lookup id its code derives. The server cannot open them.

use kluis_policy::PrincipalId;
use sqlx::Row;

use super::{Store, StoreError, Tx};

/// Keep `blob` under `lookup_id` as `principal`'s only recovery blob: an
/// earlier one (an older code) is gone when this commits. `false` (nothing
/// changed) when someone else's blob has this lookup id: never by chance
/// (2^-256), so only by someone replaying another person's id, whose blob
/// stays.
pub async fn replace(
    tx: &mut Tx,
    principal: PrincipalId,
    lookup_id: &str,
    blob: &str,
    now_ms: i64,
) -> Result<bool, StoreError> {
    let taken = sqlx::query(
        "SELECT 1 AS one FROM recovery_blobs WHERE lookup_id = $1 AND principal_id <> $2",
    )
    .bind(lookup_id)
    .bind(principal.to_string())
    .fetch_optional(&mut **tx)
    .await?;
    if taken.is_some() {
        return Ok(false);
    }
    sqlx::query("DELETE FROM recovery_blobs WHERE principal_id = $1")
        .bind(principal.to_string())
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "INSERT INTO recovery_blobs (principal_id, lookup_id, blob, updated_ms) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(principal.to_string())
    .bind(lookup_id)
    .bind(blob)
    .bind(now_ms)
    .execute(&mut **tx)
    .await?;
    Ok(true)
}

/// The person and blob filed under `lookup_id`, if any.
pub async fn by_lookup_id(
    store: &Store,
    lookup_id: &str,
) -> Result<Option<(PrincipalId, String)>, StoreError> {
    let row = sqlx::query("SELECT principal_id, blob FROM recovery_blobs WHERE lookup_id = $1")
        .bind(lookup_id)
        .fetch_optional(store.pool())
        .await?;
    let Some(row) = row else { return Ok(None) };
    let id: String = row.try_get("principal_id")?;
    let id = PrincipalId::parse(&id)
        .map_err(|e| StoreError::Unavailable(sqlx::Error::Protocol(e.to_string())))?;
    Ok(Some((id, row.try_get("blob")?)))
}
