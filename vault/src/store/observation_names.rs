//! Observation names the server issued, waiting to be used (see
//! `api::observation_names`).

use kluis_policy::{FieldPath, HouseholdId, PrincipalId};
use sqlx::Row;

use super::{StoreError, Tx};

/// Unused names one person may hold for one household at a time.
pub const MAX_OPEN: i64 = 20;

/// Remember `path` as issued to `to` until `expires_ms`. Expired names are
/// forgotten first. `false` (nothing stored) when `to` already holds
/// `MAX_OPEN` unused names for `h`.
pub async fn issue(
    tx: &mut Tx,
    h: HouseholdId,
    path: &FieldPath,
    to: PrincipalId,
    now_ms: i64,
    expires_ms: i64,
) -> Result<bool, StoreError> {
    sqlx::query("DELETE FROM observation_names WHERE expires_ms <= $1")
        .bind(now_ms)
        .execute(&mut **tx)
        .await?;
    let open = sqlx::query(
        "SELECT COUNT(*) AS n FROM observation_names WHERE issued_to = $1 AND household_id = $2",
    )
    .bind(to.to_string())
    .bind(h.to_string())
    .fetch_one(&mut **tx)
    .await?
    .try_get::<i64, _>("n")?;
    if open >= MAX_OPEN {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO observation_names (household_id, path, issued_to, expires_ms) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(h.to_string())
    .bind(path.as_str())
    .bind(to.to_string())
    .bind(expires_ms)
    .execute(&mut **tx)
    .await?;
    Ok(true)
}

/// Was `path` issued to `to` for `h`, and is it still unused and valid?
pub async fn issued(
    tx: &mut Tx,
    h: HouseholdId,
    path: &FieldPath,
    to: PrincipalId,
    now_ms: i64,
) -> Result<bool, StoreError> {
    let row = sqlx::query(
        "SELECT 1 AS one FROM observation_names \
         WHERE household_id = $1 AND path = $2 AND issued_to = $3 AND expires_ms > $4",
    )
    .bind(h.to_string())
    .bind(path.as_str())
    .bind(to.to_string())
    .bind(now_ms)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.is_some())
}

/// Use the name: it cannot be used again.
pub async fn take(tx: &mut Tx, h: HouseholdId, path: &FieldPath) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM observation_names WHERE household_id = $1 AND path = $2")
        .bind(h.to_string())
        .bind(path.as_str())
        .execute(&mut **tx)
        .await?;
    Ok(())
}
