//! Retention and erasure, for coordinators and administrators.

use kluis_policy::{HouseholdId, ProposalId};

use super::{Client, ClientError};
use crate::wire::retention::{
    Close, Destroy, Destroyed, DueList, Erase, Held, Hold, Proposal, ProposalList, Release,
    RetentionStatus,
};

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

    /// Place a legal hold (administrators).
    pub async fn hold(&self, h: HouseholdId, reason: &str) -> Result<Held, ClientError> {
        let body = Hold {
            reason: reason.to_owned(),
        };
        self.http
            .post(&self.identity, &format!("/v1/households/{h}/holds"), &body)
            .await
    }

    /// Release one legal hold (administrators), saying why.
    pub async fn release_hold(
        &self,
        h: HouseholdId,
        hold: &str,
        reason: &str,
    ) -> Result<RetentionStatus, ClientError> {
        let body = Release {
            reason: reason.to_owned(),
        };
        let hold = url::form_urlencoded::byte_serialize(hold.as_bytes()).collect::<String>();
        self.http
            .post(
                &self.identity,
                &format!("/v1/households/{h}/holds/{hold}/release"),
                &body,
            )
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

    /// Propose destroying what is due now and not on hold; a second
    /// administrator approves (`approve`).
    pub async fn propose_destruction(&self, approved_by: &str) -> Result<Proposal, ClientError> {
        let body = Destroy {
            approved_by: approved_by.to_owned(),
        };
        self.http
            .post(&self.identity, "/v1/retention/destroy", &body)
            .await
    }

    /// Propose erasing a household; a second administrator approves.
    pub async fn propose_erasure(
        &self,
        h: HouseholdId,
        basis: &str,
    ) -> Result<Proposal, ClientError> {
        let body = Erase {
            basis: basis.to_owned(),
        };
        self.http
            .post(&self.identity, &format!("/v1/households/{h}/erase"), &body)
            .await
    }

    /// Proposals waiting for a second administrator.
    pub async fn proposals(&self) -> Result<ProposalList, ClientError> {
        self.http.get(&self.identity, "/v1/proposals").await
    }

    /// Approve another administrator's proposal: it is carried out now.
    pub async fn approve(&self, id: ProposalId) -> Result<Destroyed, ClientError> {
        self.http
            .post(
                &self.identity,
                &format!("/v1/proposals/{id}/approve"),
                &serde_json::json!({}),
            )
            .await
    }

    /// Turn a proposal down (or withdraw one's own).
    pub async fn reject(&self, id: ProposalId) -> Result<Proposal, ClientError> {
        self.http
            .post(
                &self.identity,
                &format!("/v1/proposals/{id}/reject"),
                &serde_json::json!({}),
            )
            .await
    }
}
