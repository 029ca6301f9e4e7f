//! The key directory's index: which log entry registers whose keys
//! (`kluis_audit::directory`). The entries themselves are log leaves.

use kluis_policy::PrincipalId;
use sqlx::Row;

use super::principals::{self, Principal};
use super::{StoreError, Tx};

/// Remember that log entry `seq` registers `principal`'s keys.
pub async fn insert(tx: &mut Tx, principal: PrincipalId, seq: u64) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO key_entries (principal_id, seq) VALUES ($1, $2)")
        .bind(principal.to_string())
        .bind(seq as i64)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The newest entry registering `principal`'s keys.
pub async fn latest(tx: &mut Tx, principal: PrincipalId) -> Result<Option<u64>, StoreError> {
    let row = sqlx::query("SELECT MAX(seq) AS seq FROM key_entries WHERE principal_id = $1")
        .bind(principal.to_string())
        .fetch_one(&mut **tx)
        .await?;
    let seq: Option<i64> = row.try_get("seq")?;
    Ok(seq.map(|s| s as u64))
}

/// Everyone registered before the directory existed: no entry yet.
pub async fn missing(tx: &mut Tx) -> Result<Vec<Principal>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {} FROM principals p WHERE NOT EXISTS \
         (SELECT 1 FROM key_entries k WHERE k.principal_id = p.id) ORDER BY p.id",
        principals::COLUMNS_OF_P
    ))
    .fetch_all(&mut **tx)
    .await?;
    rows.iter().map(principals::from_row).collect()
}
