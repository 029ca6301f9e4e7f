//! `GET /v1/principals`: the administrators' list of people.

use kluis_policy::PrincipalId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::role::Role;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Person {
    #[schema(value_type = String)]
    pub principal_id: PrincipalId,
    pub name: String,
    pub role: Role,
    pub org: Option<String>,
    /// The fingerprint of their registered keys.
    pub fingerprint: String,
    /// Since when the account is disabled; absent when it is not.
    pub disabled_at: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PersonList {
    /// At most 100, by name.
    pub people: Vec<Person>,
    /// More people match than are listed: search more precisely.
    pub more: bool,
}
