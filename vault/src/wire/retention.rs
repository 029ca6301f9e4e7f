//! Retention: closing, holds, the destruction list, and the proposals to
//! destroy or erase that a second administrator approves.

use kluis_policy::{HouseholdId, PrincipalId, ProposalId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Close {
    /// A retention class of the schedule (default classes: wmo, jeugd, niet-vastgesteld).
    pub basis: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RetentionStatus {
    #[schema(value_type = String)]
    pub household_id: HouseholdId,
    pub closed_at: Option<String>,
    pub class: Option<String>,
    pub due_at: Option<String>,
    /// Active legal holds: while there is one, nothing is destroyed.
    pub holds: Vec<HoldInfo>,
    pub destroyed_at: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HoldInfo {
    /// Name this id to release the hold.
    pub id: String,
    pub reason: String,
    /// The administrator who placed it (a principal id).
    pub placed_by: String,
    pub placed_at: String,
}

/// A hold just placed, and the household's state with it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Held {
    pub hold: HoldInfo,
    pub status: RetentionStatus,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Release {
    /// Why the hold may end (recorded in the log).
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Hold {
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DueList {
    pub as_of: String,
    pub households: Vec<RetentionStatus>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Destroy {
    /// Who approved the destruction list (recorded in the log).
    pub approved_by: String,
}

/// An erasure or destruction one administrator proposed; a second one
/// approves or rejects it before it expires.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Proposal {
    #[schema(value_type = String)]
    pub id: ProposalId,
    /// `erase` or `destroy`.
    pub kind: String,
    /// Erase: the legal basis. Destroy: who approved the destruction list.
    pub basis: String,
    /// The households concerned: one for erase; the destruction list as it
    /// was when proposed for destroy.
    #[schema(value_type = Vec<String>)]
    pub households: Vec<HouseholdId>,
    #[schema(value_type = String)]
    pub proposed_by: PrincipalId,
    pub proposed_by_name: Option<String>,
    pub proposed_at: String,
    pub expires_at: String,
    /// `approved` or `rejected`, once decided.
    pub decision: Option<String>,
    #[schema(value_type = Option<String>)]
    pub decided_by: Option<PrincipalId>,
    pub decided_at: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ProposalList {
    pub proposals: Vec<Proposal>,
}

/// What an approval carried out.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Destroyed {
    pub proposal: Proposal,
    #[schema(value_type = Vec<String>)]
    pub destroyed: Vec<HouseholdId>,
    /// Kept because of a legal hold placed since the proposal.
    #[schema(value_type = Vec<String>)]
    pub held: Vec<HouseholdId>,
    /// No longer due (reopened, or destroyed already).
    #[schema(value_type = Vec<String>)]
    pub skipped: Vec<HouseholdId>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Erase {
    /// The legal basis for erasing before the term ends (e.g. "AVG art. 17, verzoek van 2026-11-20").
    pub basis: String,
}
