//! Administrator actions on a person's account: disable, enable, end their
//! sessions (`/v1/principals/{id}/…`).

use kluis_policy::PrincipalId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::role::Role;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Disable {
    /// Why, in a sentence (1 to 200 printable characters): recorded in the
    /// access log, where the person's household can read it.
    #[schema(min_length = 1, max_length = 200)]
    pub reason: String,
}

/// A person's account after an administrator action.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AccountStatus {
    #[schema(value_type = String)]
    pub principal_id: PrincipalId,
    pub name: String,
    pub role: Role,
    /// Since when the account is disabled; absent when it is not.
    pub disabled_at: Option<String>,
    /// The reason given when it was disabled by this request.
    pub reason: Option<String>,
    /// How many live sessions (bearer tokens) this request ended.
    pub sessions_ended: u64,
}
