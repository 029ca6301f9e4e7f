//! Retention: closing, holds, the destruction list, destruction, erasure.

use kluis_policy::HouseholdId;
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
    pub holds: Vec<String>,
    pub destroyed_at: Option<String>,
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

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Destroyed {
    #[schema(value_type = Vec<String>)]
    pub destroyed: Vec<HouseholdId>,
    /// Due but kept because of a legal hold.
    #[schema(value_type = Vec<String>)]
    pub held: Vec<HouseholdId>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Erase {
    /// The legal basis for erasing before the term ends (e.g. "AVG art. 17, verzoek van 2026-11-20").
    pub basis: String,
}
