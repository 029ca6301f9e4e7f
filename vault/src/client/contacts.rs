//! Trusted contacts on the device (`api::contacts` says the whole route).
//!
//! Naming: the member's device checks the contact's keys (pins and key
//! directory, an expected fingerprint when given), envelopes the household
//! identity to exactly those keys and signs the naming statement with the
//! waiting period. Releasing: the contact's device asks the server to hand
//! over; afterwards it trusts nothing the server says about it until the
//! household's signed chain (now ending in the member's naming statement for
//! this device's own keys) checks out and the envelope opens to the identity
//! whose public key the creator signed.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD as B64};
use base64::Engine;
use kluis_policy::{ContactRequestId, HouseholdId, PrincipalId};
use secrecy::ExposeSecret;

use super::household::now_ms;
use super::{Client, ClientError};
use crate::keys::envelope;
use crate::role::Role;
use crate::wire::contact::{
    contact_statement, ContactInfo, ContactRequestInfo, HouseholdContacts, MyContacts, NameContact,
};
use crate::wire::household::MemberInfo;

impl Client {
    /// Name `contact` as the household's trusted contact, with the waiting
    /// period `wait_ms`; refused before anything is sent unless their keys
    /// have the fingerprint `expected` (when given).
    pub async fn name_contact(
        &self,
        h: HouseholdId,
        contact: PrincipalId,
        expected: Option<&str>,
        wait_ms: i64,
    ) -> Result<ContactInfo, ClientError> {
        let me = self.login_id().await?;
        let household_identity = self.household_identity(h).await?;
        let keys = self.trusted_keys_expecting(contact, expected).await?;
        if keys.role != Role::Client {
            return Err(ClientError::Refused(format!(
                "{} is not a client: only clients can be trusted contacts",
                keys.name
            )));
        }
        let secret = household_identity.to_string();
        let env = envelope::seal(&keys.age_recipient, secret.expose_secret().as_bytes())
            .map_err(|e| ClientError::Refused(format!("the contact's key is not usable: {e}")))?;
        let signed_at_ms = now_ms();
        let statement = contact_statement(h, contact, &keys.fingerprint, wait_ms, me, signed_at_ms);
        let body = NameContact {
            contact_id: contact,
            contact_fingerprint: keys.fingerprint.clone(),
            wait_ms,
            signed_at_ms,
            signature: B64.encode(self.identity.sign(statement.as_bytes())),
            identity_envelope: STANDARD.encode(env),
        };
        self.http
            .post(
                &self.identity,
                &format!("/v1/households/{h}/contacts"),
                &body,
            )
            .await
    }

    /// Remove a trusted contact: the server deletes their envelope and ends
    /// their waiting requests.
    pub async fn remove_contact(
        &self,
        h: HouseholdId,
        contact: PrincipalId,
    ) -> Result<ContactInfo, ClientError> {
        self.http
            .delete(
                &self.identity,
                &format!("/v1/households/{h}/contacts/{contact}"),
            )
            .await
    }

    /// The household's contacts and their requests (members).
    pub async fn household_contacts(
        &self,
        h: HouseholdId,
    ) -> Result<HouseholdContacts, ClientError> {
        self.http
            .get(&self.identity, &format!("/v1/households/{h}/contacts"))
            .await
    }

    /// The households that named me as their trusted contact.
    pub async fn my_contacts(&self) -> Result<MyContacts, ClientError> {
        self.http.get(&self.identity, "/v1/contacts").await
    }

    /// Ask a household that named me for access: the waiting period starts.
    pub async fn request_contact_access(
        &self,
        h: HouseholdId,
    ) -> Result<ContactRequestInfo, ClientError> {
        self.http
            .post(
                &self.identity,
                &format!("/v1/households/{h}/contact-requests"),
                &serde_json::json!({}),
            )
            .await
    }

    /// Refuse a contact's request (members).
    pub async fn refuse_contact_request(
        &self,
        h: HouseholdId,
        request: ContactRequestId,
    ) -> Result<ContactRequestInfo, ClientError> {
        self.http
            .post(
                &self.identity,
                &format!("/v1/households/{h}/contact-requests/{request}/refuse"),
                &serde_json::json!({}),
            )
            .await
    }

    /// After the wait: become a member, and check it on this device (the
    /// signed chain leads to my own keys through a member's naming
    /// statement, and my envelope opens to the household's identity).
    pub async fn release_contact(
        &self,
        h: HouseholdId,
        request: ContactRequestId,
    ) -> Result<MemberInfo, ClientError> {
        let me = self.login_id().await?;
        let member: MemberInfo = self
            .http
            .post(
                &self.identity,
                &format!("/v1/households/{h}/contact-requests/{request}/release"),
                &serde_json::json!({}),
            )
            .await?;
        self.checked_households.lock().await.remove(&h);
        self.households.lock().await.remove(&h);
        let verified = self.verified_household(h).await?;
        if !verified.members.iter().any(|k| k.id == me) {
            return Err(ClientError::Refused(
                "the household's signed history does not name me: refusing to use it".into(),
            ));
        }
        self.household_identity(h).await?;
        Ok(member)
    }
}
