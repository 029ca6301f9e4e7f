//! Login challenges and bearer tokens.

use kluis_policy::PrincipalId;
use sqlx::Row;

use super::principals::{self, Principal};
use super::{secret_hash, Store, StoreError, Tx};

pub async fn insert_challenge(
    store: &Store,
    id: &[u8],
    principal: PrincipalId,
    nonce: &[u8],
    expires_ms: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO challenges (id, principal_id, nonce, expires_ms) VALUES ($1, $2, $3, $4)",
    )
    .bind(id.to_vec())
    .bind(principal.to_string())
    .bind(nonce.to_vec())
    .bind(expires_ms)
    .execute(store.pool())
    .await?;
    Ok(())
}

pub struct Challenge {
    pub principal: PrincipalId,
    pub nonce: Vec<u8>,
    pub expires_ms: i64,
}

/// Take a challenge out of the store: it can be answered once, right or wrong.
pub async fn take_challenge(store: &Store, id: &[u8]) -> Result<Option<Challenge>, StoreError> {
    let row = sqlx::query(
        "DELETE FROM challenges WHERE id = $1 RETURNING principal_id, nonce, expires_ms",
    )
    .bind(id.to_vec())
    .fetch_optional(store.pool())
    .await?;
    let Some(row) = row else { return Ok(None) };
    let principal: String = row.try_get("principal_id")?;
    Ok(Some(Challenge {
        principal: PrincipalId::parse(&principal)
            .map_err(|_| StoreError::Unavailable(sqlx::Error::Decode("bad stored id".into())))?,
        nonce: row.try_get("nonce")?,
        expires_ms: row.try_get("expires_ms")?,
    }))
}

pub async fn insert_token(
    tx: &mut Tx,
    token: &str,
    principal: PrincipalId,
    expires_ms: i64,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO tokens (hash, principal_id, expires_ms) VALUES ($1, $2, $3)")
        .bind(secret_hash(token))
        .bind(principal.to_string())
        .bind(expires_ms)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub enum TokenLookup {
    Valid(Principal),
    Expired,
    Unknown,
    /// The token's person was disabled (their tokens are deleted then; this
    /// covers one made in the same instant).
    Disabled,
}

pub async fn principal_for_token(
    store: &Store,
    token: &str,
    now_ms: i64,
) -> Result<TokenLookup, StoreError> {
    // One round trip: the token and its principal together (every
    // authenticated request starts here).
    let row = sqlx::query(&format!(
        "SELECT t.expires_ms, {} FROM tokens t LEFT JOIN principals p ON p.id = t.principal_id \
         WHERE t.hash = $1",
        principals::COLUMNS_OF_P
    ))
    .bind(secret_hash(token))
    .fetch_optional(store.pool())
    .await?;
    let Some(row) = row else {
        return Ok(TokenLookup::Unknown);
    };
    if row.try_get::<i64, _>("expires_ms")? <= now_ms {
        return Ok(TokenLookup::Expired);
    }
    if row.try_get::<Option<String>, _>("id")?.is_none() {
        return Ok(TokenLookup::Unknown);
    }
    let principal = principals::from_row(&row)?;
    if principal.disabled_ms.is_some() {
        return Ok(TokenLookup::Disabled);
    }
    Ok(TokenLookup::Valid(principal))
}

/// End every session of `principal`: their tokens and open challenges are
/// deleted. Returns how many sessions were still live.
pub async fn end_all(tx: &mut Tx, principal: PrincipalId, now_ms: i64) -> Result<u64, StoreError> {
    let id = principal.to_string();
    let live =
        sqlx::query("SELECT COUNT(*) AS n FROM tokens WHERE principal_id = $1 AND expires_ms > $2")
            .bind(&id)
            .bind(now_ms)
            .fetch_one(&mut **tx)
            .await?
            .try_get::<i64, _>("n")?;
    sqlx::query("DELETE FROM tokens WHERE principal_id = $1")
        .bind(&id)
        .execute(&mut **tx)
        .await?;
    sqlx::query("DELETE FROM challenges WHERE principal_id = $1")
        .bind(&id)
        .execute(&mut **tx)
        .await?;
    Ok(u64::try_from(live).unwrap_or(0))
}

/// Drop expired challenges and tokens; run now and then.
pub async fn sweep(store: &Store, now_ms: i64) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM challenges WHERE expires_ms <= $1")
        .bind(now_ms)
        .execute(store.pool())
        .await?;
    // Expired tokens stay a day so a late caller hears "expired", not "unknown".
    sqlx::query("DELETE FROM tokens WHERE expires_ms <= $1")
        .bind(now_ms - 86_400_000)
        .execute(store.pool())
        .await?;
    Ok(())
}
