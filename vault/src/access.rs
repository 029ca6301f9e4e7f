//! Access decisions for the vault: gather the facts from storage and ask the
//! policy crate's evaluator. Every dossier endpoint comes through here, so
//! there is one place that says yes or no.

use kluis_policy::{
    evaluate, Action, Decision, Facts, FieldPath, HouseholdId, PrincipalId, Request,
};

use crate::store::principals::Principal;
use crate::store::{households, StoreError, Tx};

/// The facts about one household, read inside the request's transaction.
pub async fn facts(tx: &mut Tx, household: HouseholdId) -> Result<Facts, StoreError> {
    Ok(Facts {
        household,
        members: households::member_ids(tx, household).await?,
        grants: crate::store::grants::facts(tx, household).await?,
        private_author: None,
    })
}

/// Decide one request. `private_author` is set when the field is a private
/// observation.
pub fn decide(
    caller: &Principal,
    facts: &Facts,
    path: Option<&FieldPath>,
    private_author: Option<PrincipalId>,
    action: Action,
    now_ms: i64,
) -> Decision {
    let request = Request {
        principal: caller.id,
        household: facts.household,
        path: path.cloned(),
        action,
        now_ms,
    };
    let facts = Facts {
        private_author,
        ..facts.clone()
    };
    evaluate(&request, &facts)
}
