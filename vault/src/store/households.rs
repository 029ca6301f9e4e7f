//! Households and their members.

use kluis_policy::{HouseholdId, PrincipalId};
use sqlx::Row;

use super::{StoreError, Tx};

pub struct NewHousehold<'a> {
    pub id: HouseholdId,
    pub recipient: &'a str,
    pub created_by: PrincipalId,
    pub now_ms: i64,
    pub statement: &'a str,
    pub signature: &'a [u8],
}

pub struct NewMember<'a> {
    pub household: HouseholdId,
    pub principal: PrincipalId,
    pub added_by: PrincipalId,
    pub now_ms: i64,
    pub statement: &'a str,
    pub signature: &'a [u8],
    pub identity_envelope: &'a [u8],
}

pub struct Household {
    pub id: HouseholdId,
    pub recipient: String,
    pub created_ms: i64,
    pub created_by: String,
    /// The creator's signed statement and its signature.
    pub statement: String,
    pub signature: Vec<u8>,
}

pub struct Member {
    pub principal: PrincipalId,
    pub added_by: String,
    pub added_ms: i64,
    pub identity_envelope: Vec<u8>,
    /// The signed statement of the addition and its signature.
    pub statement: String,
    pub signature: Vec<u8>,
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Unavailable(sqlx::Error::Decode(format!("bad stored {what}").into()))
}

pub async fn exists(tx: &mut Tx, id: HouseholdId) -> Result<bool, StoreError> {
    Ok(sqlx::query("SELECT 1 FROM households WHERE id = $1")
        .bind(id.to_string())
        .fetch_optional(&mut **tx)
        .await?
        .is_some())
}

pub async fn insert(tx: &mut Tx, h: NewHousehold<'_>) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO households (id, recipient, created_by, created_ms, statement, signature) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(h.id.to_string())
    .bind(h.recipient)
    .bind(h.created_by.to_string())
    .bind(h.now_ms)
    .bind(h.statement)
    .bind(h.signature.to_vec())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn get(tx: &mut Tx, id: HouseholdId) -> Result<Option<Household>, StoreError> {
    let row = sqlx::query(
        "SELECT recipient, created_ms, created_by, statement, signature FROM households WHERE id = $1",
    )
        .bind(id.to_string())
        .fetch_optional(&mut **tx)
        .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(Household {
        id,
        recipient: row.try_get("recipient")?,
        created_ms: row.try_get("created_ms")?,
        created_by: row.try_get("created_by")?,
        statement: row.try_get("statement")?,
        signature: row.try_get("signature")?,
    }))
}

pub async fn add_member(tx: &mut Tx, m: NewMember<'_>) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO household_members (household_id, principal_id, added_by, added_ms, statement, signature, identity_envelope) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(m.household.to_string())
    .bind(m.principal.to_string())
    .bind(m.added_by.to_string())
    .bind(m.now_ms)
    .bind(m.statement)
    .bind(m.signature.to_vec())
    .bind(m.identity_envelope.to_vec())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The members' ids only (for decisions).
pub async fn member_ids(tx: &mut Tx, id: HouseholdId) -> Result<Vec<PrincipalId>, StoreError> {
    let rows = sqlx::query(
        "SELECT principal_id FROM household_members WHERE household_id = $1 \
         ORDER BY added_ms, principal_id",
    )
    .bind(id.to_string())
    .fetch_all(&mut **tx)
    .await?;
    rows.iter()
        .map(|row| {
            let p: String = row.try_get("principal_id")?;
            PrincipalId::parse(&p).map_err(|_| corrupt("member id"))
        })
        .collect()
}

pub async fn members(tx: &mut Tx, id: HouseholdId) -> Result<Vec<Member>, StoreError> {
    let rows = sqlx::query(
        "SELECT principal_id, added_by, added_ms, identity_envelope, statement, signature \
         FROM household_members \
         WHERE household_id = $1 ORDER BY added_ms, principal_id",
    )
    .bind(id.to_string())
    .fetch_all(&mut **tx)
    .await?;
    rows.iter()
        .map(|row| {
            let p: String = row.try_get("principal_id")?;
            Ok(Member {
                principal: PrincipalId::parse(&p).map_err(|_| corrupt("member id"))?,
                added_by: row.try_get("added_by")?,
                added_ms: row.try_get("added_ms")?,
                identity_envelope: row.try_get("identity_envelope")?,
                statement: row.try_get("statement")?,
                signature: row.try_get("signature")?,
            })
        })
        .collect()
}

/// The households a principal is a member of.
pub async fn of_member(
    tx: &mut Tx,
    principal: PrincipalId,
) -> Result<Vec<HouseholdId>, StoreError> {
    let rows = sqlx::query(
        "SELECT household_id FROM household_members WHERE principal_id = $1 ORDER BY household_id",
    )
    .bind(principal.to_string())
    .fetch_all(&mut **tx)
    .await?;
    rows.iter()
        .map(|row| {
            let h: String = row.try_get("household_id")?;
            HouseholdId::parse(&h).map_err(|_| corrupt("household id"))
        })
        .collect()
}
