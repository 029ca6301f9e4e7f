//! Grants: the household's signed consent statements (filled in by the
//! consent work; until a household signs one, there are none).

use kluis_policy::{GrantFact, HouseholdId};

use super::{StoreError, Tx};

/// The grant facts the evaluator needs for one household.
pub async fn facts(_tx: &mut Tx, _household: HouseholdId) -> Result<Vec<GrantFact>, StoreError> {
    Ok(Vec::new())
}

/// Households where `principal` holds a grant that is active now.
pub async fn households_of_grantee(
    _tx: &mut Tx,
    _principal: kluis_policy::PrincipalId,
    _now_ms: i64,
) -> Result<Vec<HouseholdId>, StoreError> {
    Ok(Vec::new())
}

/// A reader's public keys and the JWS of the grant that entitles them.
pub async fn reader(
    _tx: &mut Tx,
    store: &super::Store,
    principal: kluis_policy::PrincipalId,
    _grant: kluis_policy::GrantId,
) -> Result<(super::principals::Principal, String), StoreError> {
    let p = super::principals::get(store, principal)
        .await?
        .ok_or_else(|| StoreError::Unavailable(sqlx::Error::RowNotFound))?;
    Ok((p, String::new()))
}
