//! Retention and erasure, for coordinators and administrators.

use kluis_policy::HouseholdId;

use super::{Client, ClientError};
use crate::wire::retention::{Close, Destroy, Destroyed, DueList, Erase, Hold, RetentionStatus};

impl Client {
    pub async fn close_household(
        &self,
        h: HouseholdId,
        basis: &str,
    ) -> Result<RetentionStatus, ClientError> {
        let body = Close {
            basis: basis.to_owned(),
        };
        self.http
            .post(&self.identity, &format!("/v1/households/{h}/close"), &body)
            .await
    }

    pub async fn reopen_household(&self, h: HouseholdId) -> Result<RetentionStatus, ClientError> {
        self.http
            .post(
                &self.identity,
                &format!("/v1/households/{h}/reopen"),
                &serde_json::json!({}),
            )
            .await
    }

    pub async fn hold(&self, h: HouseholdId, reason: &str) -> Result<RetentionStatus, ClientError> {
        let body = Hold {
            reason: reason.to_owned(),
        };
        self.http
            .post(&self.identity, &format!("/v1/households/{h}/holds"), &body)
            .await
    }

    pub async fn release_hold(&self, h: HouseholdId) -> Result<RetentionStatus, ClientError> {
        self.http
            .delete(&self.identity, &format!("/v1/households/{h}/holds"))
            .await
    }

    /// The destruction list: households due by `as_of` (a date or time; default now).
    pub async fn retention_due(&self, as_of: Option<&str>) -> Result<DueList, ClientError> {
        let path = match as_of {
            Some(t) => format!(
                "/v1/retention/due?as_of={}",
                url::form_urlencoded::byte_serialize(t.as_bytes()).collect::<String>()
            ),
            None => "/v1/retention/due".to_owned(),
        };
        self.http.get(&self.identity, &path).await
    }

    pub async fn destroy_due(&self, approved_by: &str) -> Result<Destroyed, ClientError> {
        let body = Destroy {
            approved_by: approved_by.to_owned(),
        };
        self.http
            .post(&self.identity, "/v1/retention/destroy", &body)
            .await
    }

    pub async fn erase(&self, h: HouseholdId, basis: &str) -> Result<RetentionStatus, ClientError> {
        let body = Erase {
            basis: basis.to_owned(),
        };
        self.http
            .post(&self.identity, &format!("/v1/households/{h}/erase"), &body)
            .await
    }
}
