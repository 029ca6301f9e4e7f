//! Login challenges and bearer tokens (sessions).
//!
//! A token is one session. Besides its hash it keeps a random session id
//! that is safe to show (it says nothing about the token), the device label
//! it was made with, when it was made and when it was last used. The last
//! use is written at most once a minute per session, and only when the
//! value already read to check the token is that old: a busy client costs
//! one small write a minute, not one per request (on SQLite every write
//! waits for the single writer).

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

/// How often, at most, a session's last use is written.
pub const LAST_USE_EVERY_MS: i64 = 60_000;

/// A new session: its token (stored only as a hash), a fresh random id to
/// show, and the device label (already cleaned, `api::device_label`).
pub struct NewSession<'a> {
    pub token: &'a str,
    pub session_id: &'a str,
    pub principal: PrincipalId,
    pub device: &'a str,
    pub now_ms: i64,
    pub expires_ms: i64,
}

pub async fn insert_token(tx: &mut Tx, s: NewSession<'_>) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO tokens (hash, principal_id, expires_ms, session_id, device, created_ms, \
         last_used_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(secret_hash(s.token))
    .bind(s.principal.to_string())
    .bind(s.expires_ms)
    .bind(s.session_id)
    .bind(s.device)
    .bind(s.now_ms)
    .bind(s.now_ms)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// One live session, as its person (or an administrator) sees it.
pub struct Session {
    pub id: String,
    pub device: Option<String>,
    pub created_ms: Option<i64>,
    pub last_used_ms: Option<i64>,
    pub expires_ms: i64,
    /// Made with the token of the request that asks.
    pub current: bool,
}

/// The live sessions of `principal`, newest use first. `token` is the
/// asking request's own, to mark its session as the current one.
pub async fn list(
    store: &Store,
    principal: PrincipalId,
    token: &str,
    now_ms: i64,
) -> Result<Vec<Session>, StoreError> {
    let rows = sqlx::query(
        "SELECT session_id, device, created_ms, last_used_ms, expires_ms, \
         CASE WHEN hash = $3 THEN 1 ELSE 0 END AS current \
         FROM tokens WHERE principal_id = $1 AND expires_ms > $2 AND session_id IS NOT NULL \
         ORDER BY COALESCE(last_used_ms, 0) DESC, session_id",
    )
    .bind(principal.to_string())
    .bind(now_ms)
    .bind(secret_hash(token))
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Session {
                id: r.try_get("session_id")?,
                device: r.try_get("device")?,
                created_ms: r.try_get("created_ms")?,
                last_used_ms: r.try_get("last_used_ms")?,
                expires_ms: r.try_get("expires_ms")?,
                current: r.try_get::<i32, _>("current")? == 1,
            })
        })
        .collect()
}

/// End one session of `principal` by its id. Returns whether a live one
/// was ended (false: no such session of theirs, or it had expired).
pub async fn end_one(
    tx: &mut Tx,
    principal: PrincipalId,
    session_id: &str,
    now_ms: i64,
) -> Result<bool, StoreError> {
    let row = sqlx::query(
        "DELETE FROM tokens WHERE principal_id = $1 AND session_id = $2 RETURNING expires_ms",
    )
    .bind(principal.to_string())
    .bind(session_id)
    .fetch_optional(&mut **tx)
    .await?;
    match row {
        Some(r) => Ok(r.try_get::<i64, _>("expires_ms")? > now_ms),
        None => Ok(false),
    }
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
        "SELECT t.expires_ms, t.last_used_ms, {} FROM tokens t LEFT JOIN principals p ON p.id = t.principal_id \
         WHERE t.hash = $1",
        principals::COLUMNS_OF_P
    ))
    .bind(secret_hash(token))
    .fetch_optional(store.pool())
    .await?;
    judge(store, token, row.as_ref(), now_ms).await
}

/// What the row found for `token` means (none, or the token's
/// `expires_ms` and `last_used_ms` beside its principal's
/// `principals::COLUMNS_OF_P`), and the session's last use recorded when
/// it is due.
pub(crate) async fn judge(
    store: &Store,
    token: &str,
    row: Option<&sqlx::any::AnyRow>,
    now_ms: i64,
) -> Result<TokenLookup, StoreError> {
    let (lookup, due) = judge_row(row, now_ms)?;
    if due {
        touch(store, token, now_ms).await;
    }
    Ok(lookup)
}

/// What the row means, and whether the session's last use is due to be
/// written; `judge` without writing it, for a row read again from memory
/// within the minute (`read_snapshot::recent`), whose `last_used_ms` is
/// the one from before that read wrote it.
pub(crate) fn judge_row(
    row: Option<&sqlx::any::AnyRow>,
    now_ms: i64,
) -> Result<(TokenLookup, bool), StoreError> {
    let Some(row) = row else {
        return Ok((TokenLookup::Unknown, false));
    };
    if row.try_get::<i64, _>("expires_ms")? <= now_ms {
        return Ok((TokenLookup::Expired, false));
    }
    if row.try_get::<Option<String>, _>("id")?.is_none() {
        return Ok((TokenLookup::Unknown, false));
    }
    let principal = principals::from_row(row)?;
    if principal.disabled_ms.is_some() {
        return Ok((TokenLookup::Disabled, false));
    }
    let last_used: Option<i64> = row.try_get("last_used_ms")?;
    let due = last_used.is_none_or(|t| t <= now_ms - LAST_USE_EVERY_MS);
    Ok((TokenLookup::Valid(principal), due))
}

/// Record that a session was used now. Best effort: a request is not
/// refused because its last use could not be written (a busy SQLite writer),
/// the next request a minute on tries again. The condition keeps two
/// requests in the same minute from both writing.
async fn touch(store: &Store, token: &str, now_ms: i64) {
    let done = sqlx::query(
        "UPDATE tokens SET last_used_ms = $1 WHERE hash = $2 \
         AND (last_used_ms IS NULL OR last_used_ms <= $3)",
    )
    .bind(now_ms)
    .bind(secret_hash(token))
    .bind(now_ms - LAST_USE_EVERY_MS)
    .execute(store.pool())
    .await;
    if let Err(e) = done {
        tracing::warn!(error = %e, "could not record a session's last use");
    }
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
