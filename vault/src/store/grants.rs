//! Grants: the household's signed consent statements.

use kluis_policy::{
    Action, GrantFact, GrantId, GrantStatement, HouseholdId, PrincipalId, Purpose, Scope,
};
use sqlx::Row;

use super::principals::{self, Principal};
use super::{Store, StoreError, Tx};

fn corrupt(what: &str) -> StoreError {
    StoreError::Unavailable(sqlx::Error::Decode(
        format!("bad stored grant {what}").into(),
    ))
}

/// A stored grant: its terms and its signed statement.
#[derive(Debug, Clone)]
pub struct StoredGrant {
    pub fact: GrantFact,
    pub issuer: PrincipalId,
    pub jws: String,
    pub created_ms: i64,
    pub revoked_ms: Option<i64>,
    pub revocation_jws: Option<String>,
}

const COLUMNS: &str =
    "id, household_id, issuer, grantee, scope, actions, purpose, valid_from_ms, valid_until_ms, \
                       created_ms, jws, revoked_ms, revocation_jws";

/// What the evaluator needs of a grant: not the signed statements, which
/// are large and only served on request.
const FACT_COLUMNS: &str =
    "id, household_id, grantee, scope, actions, purpose, valid_from_ms, valid_until_ms, revoked_ms";

pub(super) fn fact_from_row(row: &sqlx::any::AnyRow) -> Result<GrantFact, StoreError> {
    let text = |c: &str| row.try_get::<String, _>(c);
    let actions: Result<Vec<Action>, _> = text("actions")?.split(',').map(Action::parse).collect();
    let revoked_ms: Option<i64> = row.try_get("revoked_ms")?;
    Ok(GrantFact {
        id: GrantId::parse(&text("id")?).map_err(|_| corrupt("id"))?,
        household: HouseholdId::parse(&text("household_id")?).map_err(|_| corrupt("household"))?,
        grantee: PrincipalId::parse(&text("grantee")?).map_err(|_| corrupt("grantee"))?,
        scope: Scope::parse(&text("scope")?).map_err(|_| corrupt("scope"))?,
        actions: actions.map_err(|_| corrupt("actions"))?,
        purpose: Purpose::parse(&text("purpose")?).map_err(|_| corrupt("purpose"))?,
        valid_from_ms: row.try_get("valid_from_ms")?,
        valid_until_ms: row.try_get("valid_until_ms")?,
        revoked: revoked_ms.is_some(),
    })
}

fn from_row(row: &sqlx::any::AnyRow) -> Result<StoredGrant, StoreError> {
    let text = |c: &str| row.try_get::<String, _>(c);
    Ok(StoredGrant {
        fact: fact_from_row(row)?,
        issuer: PrincipalId::parse(&text("issuer")?).map_err(|_| corrupt("issuer"))?,
        jws: text("jws")?,
        created_ms: row.try_get("created_ms")?,
        revoked_ms: row.try_get("revoked_ms")?,
        revocation_jws: row.try_get("revocation_jws")?,
    })
}

pub async fn insert(
    tx: &mut Tx,
    s: &GrantStatement,
    jws: &str,
    now_ms: i64,
) -> Result<(), StoreError> {
    let fact = GrantFact::from_statement(s, false);
    let actions: Vec<&str> = s.actions.iter().map(|a| a.code()).collect();
    sqlx::query(&format!(
        "INSERT INTO grants ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, NULL, NULL)"
    ))
    .bind(s.id.to_string())
    .bind(s.household.to_string())
    .bind(s.issuer.to_string())
    .bind(s.grantee.to_string())
    .bind(s.scope.to_string())
    .bind(actions.join(","))
    .bind(s.purpose.code())
    .bind(fact.valid_from_ms)
    .bind(fact.valid_until_ms)
    .bind(now_ms)
    .bind(jws)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn get(
    tx: &mut Tx,
    h: HouseholdId,
    id: GrantId,
) -> Result<Option<StoredGrant>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM grants WHERE id = $1 AND household_id = $2"
    ))
    .bind(id.to_string())
    .bind(h.to_string())
    .fetch_optional(&mut **tx)
    .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn exists(tx: &mut Tx, id: GrantId) -> Result<bool, StoreError> {
    Ok(sqlx::query("SELECT 1 FROM grants WHERE id = $1")
        .bind(id.to_string())
        .fetch_optional(&mut **tx)
        .await?
        .is_some())
}

pub async fn for_household(tx: &mut Tx, h: HouseholdId) -> Result<Vec<StoredGrant>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM grants WHERE household_id = $1 ORDER BY created_ms, id"
    ))
    .bind(h.to_string())
    .fetch_all(&mut **tx)
    .await?;
    rows.iter().map(from_row).collect()
}

/// The grant facts the evaluator needs for one household.
pub async fn facts(tx: &mut Tx, h: HouseholdId) -> Result<Vec<GrantFact>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {FACT_COLUMNS} FROM grants WHERE household_id = $1 ORDER BY created_ms, id"
    ))
    .bind(h.to_string())
    .fetch_all(&mut **tx)
    .await?;
    rows.iter().map(fact_from_row).collect()
}

pub async fn revoke(
    tx: &mut Tx,
    id: GrantId,
    revocation_jws: &str,
    now_ms: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query("UPDATE grants SET revoked_ms = $1, revocation_jws = $2 WHERE id = $3 AND revoked_ms IS NULL")
        .bind(now_ms)
        .bind(revocation_jws)
        .bind(id.to_string())
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Households where `principal` holds a grant that is active now.
pub async fn households_of_grantee(
    tx: &mut Tx,
    principal: PrincipalId,
    now_ms: i64,
) -> Result<Vec<HouseholdId>, StoreError> {
    let rows = sqlx::query(
        "SELECT DISTINCT household_id FROM grants WHERE grantee = $1 AND revoked_ms IS NULL \
         AND valid_from_ms <= $2 AND valid_until_ms > $2",
    )
    .bind(principal.to_string())
    .bind(now_ms)
    .fetch_all(&mut **tx)
    .await?;
    rows.iter()
        .map(|r| {
            HouseholdId::parse(&r.try_get::<String, _>("household_id")?)
                .map_err(|_| corrupt("household"))
        })
        .collect()
}

/// A reader's public keys and the JWS of the grant that entitles them.
pub async fn reader(
    tx: &mut Tx,
    store: &Store,
    principal: PrincipalId,
    grant: GrantId,
) -> Result<(Principal, String), StoreError> {
    let row = sqlx::query("SELECT jws FROM grants WHERE id = $1")
        .bind(grant.to_string())
        .fetch_one(&mut **tx)
        .await?;
    let p = principals::get(store, principal)
        .await?
        .ok_or_else(|| corrupt("grantee"))?;
    Ok((p, row.try_get("jws")?))
}

/// Whether a grant is in force at `now_ms` (exists, started, not ended, not
/// withdrawn).
pub async fn is_live(tx: &mut Tx, id: GrantId, now_ms: i64) -> Result<bool, StoreError> {
    let row =
        sqlx::query("SELECT valid_from_ms, valid_until_ms, revoked_ms FROM grants WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&mut **tx)
            .await?;
    let Some(row) = row else { return Ok(false) };
    let from: i64 = row.try_get("valid_from_ms")?;
    let until: i64 = row.try_get("valid_until_ms")?;
    let revoked: Option<i64> = row.try_get("revoked_ms")?;
    Ok(revoked.is_none() && from <= now_ms && now_ms < until)
}
