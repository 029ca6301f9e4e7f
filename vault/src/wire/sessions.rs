//! A person's sessions (`/v1/sessions`, `/v1/principals/{id}/sessions`):
//! each signed-in device, by an id that is safe to show.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One live session.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SessionInfo {
    /// Random; says nothing about the token. End it with
    /// `DELETE /v1/sessions/{id}`.
    pub id: String,
    /// The device it was made on, in a few plain words ("Chromium op
    /// Linux", "kluis CLI 0.1"); "onbekend apparaat" when nothing is known.
    pub device: String,
    /// When it was made (RFC 3339); absent for sessions from before the
    /// server kept this.
    pub created_at: Option<String>,
    /// When it was last used, to the minute (written at most once a minute).
    pub last_used_at: Option<String>,
    pub expires_at: String,
    /// The session of the request that asked.
    pub current: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SessionList {
    pub sessions: Vec<SessionInfo>,
}

/// A session ended (`DELETE …/sessions/{id}`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SessionEnded {
    pub id: String,
    /// Whose session it was.
    #[schema(value_type = String)]
    pub principal_id: kluis_policy::PrincipalId,
}
