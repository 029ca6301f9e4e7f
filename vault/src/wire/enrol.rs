//! Enrolment: invites, registration, who am I.

use kluis_policy::PrincipalId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::keys::PublicKeys;
use crate::role::Role;

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteRequest {
    pub role: Role,
    /// The invitee's name as the organisation knows them.
    pub name: String,
    /// Required for professionals and auditors.
    #[serde(default)]
    pub org: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct InviteResponse {
    /// Give this code to the invitee; it works once.
    pub code: String,
    pub role: Role,
    pub name: String,
    pub org: Option<String>,
    pub expires_at: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    pub invite: String,
    pub keys: PublicKeys,
}

/// A principal as others see them: public keys only.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PrincipalInfo {
    #[schema(value_type = String)]
    pub principal_id: PrincipalId,
    pub name: String,
    pub role: Role,
    pub org: Option<String>,
    pub keys: PublicKeys,
    /// The key fingerprint to compare out of band.
    pub fingerprint: String,
}
