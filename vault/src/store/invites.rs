//! Invite codes: single use, expiring, stored only as hashes.

use sqlx::Row;

use super::{secret_hash, Store, StoreError, Tx};
use crate::role::Role;

pub struct NewInvite<'a> {
    pub code: &'a str,
    pub role: Role,
    pub name: &'a str,
    pub org: Option<&'a str>,
    pub created_by: Option<&'a str>,
    pub now_ms: i64,
    pub expires_ms: i64,
}

/// Insert on `conn`: the pool's for the bootstrap invite, the request's
/// transaction for an invite made over the API.
pub async fn insert(
    conn: &mut sqlx::AnyConnection,
    invite: NewInvite<'_>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO invites (code_hash, role, name, org, created_by, created_ms, expires_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(secret_hash(invite.code))
    .bind(invite.role.as_str())
    .bind(invite.name)
    .bind(invite.org)
    .bind(invite.created_by)
    .bind(invite.now_ms)
    .bind(invite.expires_ms)
    .execute(conn)
    .await?;
    Ok(())
}

/// What an invite entitles its holder to.
pub struct Redeemed {
    pub role: Role,
    pub name: String,
    pub org: Option<String>,
    pub created_by: Option<String>,
}

pub enum Redeem {
    Ok(Redeemed),
    Unknown,
    Used,
    Expired,
    /// The person who made the invite has been disabled since.
    InviterDisabled,
}

/// Mark an invite used by `principal`, in the transaction that registers them.
/// The conditional UPDATE makes two simultaneous redemptions impossible: only
/// one of them sees `used_ms IS NULL`.
pub async fn redeem(
    tx: &mut Tx,
    code: &str,
    principal: &str,
    now_ms: i64,
) -> Result<Redeem, StoreError> {
    let hash = secret_hash(code);
    // An invite made by someone since disabled no longer works: whoever
    // holds it was invited by a person the organisation stopped trusting.
    let row = sqlx::query(
        "UPDATE invites SET used_ms = $1, used_by = $2 \
         WHERE code_hash = $3 AND used_ms IS NULL AND expires_ms > $1 \
         AND NOT EXISTS (SELECT 1 FROM principals p \
                         WHERE p.id = invites.created_by AND p.disabled_ms IS NOT NULL) \
         RETURNING role, name, org, created_by",
    )
    .bind(now_ms)
    .bind(principal)
    .bind(&hash)
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(row) = row {
        let role: String = row.try_get("role")?;
        return Ok(Redeem::Ok(Redeemed {
            role: role.parse().map_err(|_| {
                StoreError::Unavailable(sqlx::Error::Decode("bad stored role".into()))
            })?,
            name: row.try_get("name")?,
            org: row.try_get("org")?,
            created_by: row.try_get("created_by")?,
        }));
    }
    let why = sqlx::query(
        "SELECT i.used_ms, p.disabled_ms FROM invites i \
         LEFT JOIN principals p ON p.id = i.created_by WHERE i.code_hash = $1",
    )
    .bind(&hash)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(match why {
        None => Redeem::Unknown,
        Some(row) if row.try_get::<Option<i64>, _>("used_ms")?.is_some() => Redeem::Used,
        Some(row) if row.try_get::<Option<i64>, _>("disabled_ms")?.is_some() => {
            Redeem::InviterDisabled
        }
        Some(_) => Redeem::Expired,
    })
}

/// True when no invite and no principal exist yet: the first start.
pub async fn database_is_empty(store: &Store) -> Result<bool, StoreError> {
    let row = sqlx::query(
        "SELECT (SELECT COUNT(*) FROM invites) + (SELECT COUNT(*) FROM principals) AS n",
    )
    .fetch_one(store.pool())
    .await?;
    Ok(row.try_get::<i64, _>("n")? == 0)
}
