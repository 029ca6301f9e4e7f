//! A person's sessions, one by one: list them, end one (`api::sessions`).

use kluis_policy::PrincipalId;

use super::{Client, ClientError};
use crate::wire::sessions::{SessionEnded, SessionList};

impl Client {
    /// My live sessions; the one this client uses is marked `current`.
    pub async fn my_sessions(&self) -> Result<SessionList, ClientError> {
        self.http.get(&self.identity, "/v1/sessions").await
    }

    /// End one of my sessions by its id. Ending the one this client uses
    /// makes it log in again on its next request.
    pub async fn end_my_session(&self, session: &str) -> Result<SessionEnded, ClientError> {
        self.http
            .delete(&self.identity, &format!("/v1/sessions/{session}"))
            .await
    }

    /// Someone's live sessions (administrators; anyone for themselves).
    pub async fn sessions_of(&self, id: PrincipalId) -> Result<SessionList, ClientError> {
        self.http
            .get(&self.identity, &format!("/v1/principals/{id}/sessions"))
            .await
    }

    /// End one of someone's sessions (administrators; anyone for themselves).
    pub async fn end_session_of(
        &self,
        id: PrincipalId,
        session: &str,
    ) -> Result<SessionEnded, ClientError> {
        self.http
            .delete(
                &self.identity,
                &format!("/v1/principals/{id}/sessions/{session}"),
            )
            .await
    }
}
