//! Registered principals and their public keys.

use kluis_policy::PrincipalId;
use sqlx::Row;

use super::{Store, StoreError, Tx};
use crate::role::Role;

#[derive(Debug, Clone)]
pub struct Principal {
    pub id: PrincipalId,
    pub name: String,
    pub role: Role,
    pub org: Option<String>,
    pub signing_key: [u8; 32],
    pub age_recipient: String,
    /// Since when an administrator has disabled this person (they cannot
    /// log in), if they have.
    pub disabled_ms: Option<i64>,
}

pub struct NewPrincipal<'a> {
    pub id: PrincipalId,
    pub name: &'a str,
    pub role: Role,
    pub org: Option<&'a str>,
    pub signing_key: &'a [u8; 32],
    pub age_recipient: &'a str,
    pub invited_by: Option<&'a str>,
    pub now_ms: i64,
}

impl Principal {
    /// The fingerprint of the registered keys, to compare with the one a
    /// signed statement names.
    pub fn fingerprint(&self) -> String {
        crate::keys::identity::fingerprint(&self.signing_key, &self.age_recipient)
    }
}

const COLUMNS: &str = "id, name, role, org, signing_key, age_recipient, disabled_ms";
/// `COLUMNS` of a table aliased `p`, for joins.
pub(crate) const COLUMNS_OF_P: &str =
    "p.id, p.name, p.role, p.org, p.signing_key, p.age_recipient, p.disabled_ms";

pub(crate) fn from_row(row: &sqlx::any::AnyRow) -> Result<Principal, StoreError> {
    let corrupt = |what: &str| {
        StoreError::Unavailable(sqlx::Error::Decode(format!("bad stored {what}").into()))
    };
    let id: String = row.try_get("id")?;
    let role: String = row.try_get("role")?;
    let key: Vec<u8> = row.try_get("signing_key")?;
    Ok(Principal {
        id: PrincipalId::parse(&id).map_err(|_| corrupt("principal id"))?,
        name: row.try_get("name")?,
        role: role.parse().map_err(|_| corrupt("role"))?,
        org: row.try_get("org")?,
        signing_key: key.try_into().map_err(|_| corrupt("signing key"))?,
        age_recipient: row.try_get("age_recipient")?,
        disabled_ms: row.try_get("disabled_ms")?,
    })
}

/// Insert a principal. Returns `false` when the signing key is already registered.
pub async fn insert(tx: &mut Tx, p: NewPrincipal<'_>) -> Result<bool, StoreError> {
    let taken = sqlx::query("SELECT 1 FROM principals WHERE signing_key = $1")
        .bind(p.signing_key.to_vec())
        .fetch_optional(&mut **tx)
        .await?;
    if taken.is_some() {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO principals (id, name, role, org, signing_key, age_recipient, invited_by, created_ms, \
         name_folded, org_folded) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(p.id.to_string())
    .bind(p.name)
    .bind(p.role.as_str())
    .bind(p.org)
    .bind(p.signing_key.to_vec())
    .bind(p.age_recipient)
    .bind(p.invited_by)
    .bind(p.now_ms)
    // For the directory's search (store/professionals.rs).
    .bind(super::professionals::fold(p.name))
    .bind(p.org.map(super::professionals::fold))
    .execute(&mut **tx)
    .await?;
    Ok(true)
}

pub async fn get(store: &Store, id: PrincipalId) -> Result<Option<Principal>, StoreError> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM principals WHERE id = $1"))
        .bind(id.to_string())
        .fetch_optional(store.pool())
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn by_signing_key(
    store: &Store,
    key: &[u8; 32],
) -> Result<Option<Principal>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM principals WHERE signing_key = $1"
    ))
    .bind(key.to_vec())
    .fetch_optional(store.pool())
    .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn count(store: &Store) -> Result<i64, StoreError> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM principals")
        .fetch_one(store.pool())
        .await?;
    Ok(row.try_get::<i64, _>("n")?)
}

/// The principal as this transaction sees them (a login checks again under
/// the log lock, so a disable that committed meanwhile is seen).
pub async fn get_in(tx: &mut Tx, id: PrincipalId) -> Result<Option<Principal>, StoreError> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM principals WHERE id = $1"))
        .bind(id.to_string())
        .fetch_optional(&mut **tx)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Disable `id` (by `by`, for `reason`), or enable them again (`None`).
pub async fn set_disabled(
    tx: &mut Tx,
    id: PrincipalId,
    disabled: Option<(i64, &str, &str)>,
) -> Result<(), StoreError> {
    let (ms, by, reason) = match disabled {
        Some((ms, by, reason)) => (Some(ms), Some(by), Some(reason)),
        None => (None, None, None),
    };
    sqlx::query(
        "UPDATE principals SET disabled_ms = $1, disabled_by = $2, disabled_reason = $3 WHERE id = $4",
    )
    .bind(ms)
    .bind(by)
    .bind(reason)
    .bind(id.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(())
}
