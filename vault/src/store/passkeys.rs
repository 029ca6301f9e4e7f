//! Passkey keystores (see `api::passkeys`): several per person, each found
//! by the lookup id its passkey's PRF output derives. The server cannot
//! open them.

use kluis_policy::PrincipalId;
use sqlx::Row;

use super::{Store, StoreError, Tx};

/// One stored passkey keystore, without its blob (what a list shows).
pub struct PasskeyRow {
    pub id: String,
    pub credential_id: String,
    pub label: String,
    pub created_ms: i64,
    pub last_used_ms: Option<i64>,
}

/// A new passkey keystore.
pub struct NewPasskey<'a> {
    pub id: &'a str,
    pub principal: PrincipalId,
    pub lookup_id: &'a str,
    pub credential_id: &'a str,
    pub label: &'a str,
    pub blob: &'a str,
    pub now_ms: i64,
}

/// Why a passkey keystore was not stored.
#[derive(Debug, PartialEq, Eq)]
pub enum NotAdded {
    /// The person has `cap` already.
    Full,
    /// This lookup id is filed already (theirs or someone else's).
    Taken,
}

/// Add a passkey keystore unless the person has `cap` of them or the
/// lookup id is taken. Runs in the caller's (locked) transaction, so two
/// adds at once cannot both pass the count.
pub async fn add(
    tx: &mut Tx,
    new: &NewPasskey<'_>,
    cap: i64,
) -> Result<Result<(), NotAdded>, StoreError> {
    let taken = sqlx::query("SELECT 1 AS one FROM passkey_keystores WHERE lookup_id = $1")
        .bind(new.lookup_id)
        .fetch_optional(&mut **tx)
        .await?;
    if taken.is_some() {
        return Ok(Err(NotAdded::Taken));
    }
    let count: i64 =
        sqlx::query("SELECT COUNT(*) AS n FROM passkey_keystores WHERE principal_id = $1")
            .bind(new.principal.to_string())
            .fetch_one(&mut **tx)
            .await?
            .try_get("n")?;
    if count >= cap {
        return Ok(Err(NotAdded::Full));
    }
    sqlx::query(
        "INSERT INTO passkey_keystores \
         (id, principal_id, lookup_id, credential_id, label, blob, created_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(new.id)
    .bind(new.principal.to_string())
    .bind(new.lookup_id)
    .bind(new.credential_id)
    .bind(new.label)
    .bind(new.blob)
    .bind(new.now_ms)
    .execute(&mut **tx)
    .await?;
    Ok(Ok(()))
}

/// `principal`'s passkey keystores, oldest first, without blobs.
pub async fn list(store: &Store, principal: PrincipalId) -> Result<Vec<PasskeyRow>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, credential_id, label, created_ms, last_used_ms FROM passkey_keystores \
         WHERE principal_id = $1 ORDER BY created_ms, id",
    )
    .bind(principal.to_string())
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(PasskeyRow {
                id: r.try_get("id")?,
                credential_id: r.try_get("credential_id")?,
                label: r.try_get("label")?,
                created_ms: r.try_get("created_ms")?,
                last_used_ms: r.try_get("last_used_ms")?,
            })
        })
        .collect()
}

/// Delete `principal`'s passkey keystore `id`; `false` if they have none
/// with that id (it may be someone else's: that one stays).
pub async fn remove(tx: &mut Tx, principal: PrincipalId, id: &str) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM passkey_keystores WHERE principal_id = $1 AND id = $2")
        .bind(principal.to_string())
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// What a fetch finds: whose it is, which passkey, and the blob.
pub struct Found {
    pub principal: PrincipalId,
    pub id: String,
    pub blob: String,
}

/// The passkey keystore filed under `lookup_id`, if any.
pub async fn by_lookup_id(store: &Store, lookup_id: &str) -> Result<Option<Found>, StoreError> {
    let row =
        sqlx::query("SELECT principal_id, id, blob FROM passkey_keystores WHERE lookup_id = $1")
            .bind(lookup_id)
            .fetch_optional(store.pool())
            .await?;
    let Some(row) = row else { return Ok(None) };
    let principal: String = row.try_get("principal_id")?;
    let principal = PrincipalId::parse(&principal)
        .map_err(|e| StoreError::Unavailable(sqlx::Error::Protocol(e.to_string())))?;
    Ok(Some(Found {
        principal,
        id: row.try_get("id")?,
        blob: row.try_get("blob")?,
    }))
}

/// Note that passkey keystore `id` was just fetched (shown in the list).
pub async fn used(tx: &mut Tx, id: &str, now_ms: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE passkey_keystores SET last_used_ms = $1 WHERE id = $2")
        .bind(now_ms)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
