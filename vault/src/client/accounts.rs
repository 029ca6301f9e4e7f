//! Administrator actions on accounts, and ending one's own sessions.

use kluis_policy::PrincipalId;

use super::{Client, ClientError};
use crate::wire::accounts::{AccountStatus, Disable};

impl Client {
    /// Disable a person (administrators): they cannot log in, their
    /// sessions end, their unused invites stop working.
    pub async fn disable_person(
        &self,
        id: PrincipalId,
        reason: &str,
    ) -> Result<AccountStatus, ClientError> {
        let body = Disable {
            reason: reason.to_owned(),
        };
        self.http
            .post(
                &self.identity,
                &format!("/v1/principals/{id}/disable"),
                &body,
            )
            .await
    }

    /// Let a disabled person log in again (administrators).
    pub async fn enable_person(&self, id: PrincipalId) -> Result<AccountStatus, ClientError> {
        self.http
            .post(
                &self.identity,
                &format!("/v1/principals/{id}/enable"),
                &serde_json::json!({}),
            )
            .await
    }

    /// End every session of `id`: an administrator for anyone, anyone for
    /// themselves. This client's own session ends too when `id` is its own.
    pub async fn end_sessions(&self, id: PrincipalId) -> Result<AccountStatus, ClientError> {
        self.http
            .delete(&self.identity, &format!("/v1/principals/{id}/sessions"))
            .await
    }

    /// End every session of this person (`kluis logout --all`).
    pub async fn end_my_sessions(&self) -> Result<AccountStatus, ClientError> {
        let me = self.login_id().await?;
        let status = self.end_sessions(me).await?;
        self.http.set_token(None).await;
        Ok(status)
    }
}
