//! Trusted contacts (vertrouwenspersoon): the naming statement and the
//! bodies of `/v1/households/{household}/contacts`, `…/contact-requests`
//! and `/v1/contacts`.
//!
//! The naming statement is signed by the member who names the contact. It
//! is the contact's link in the household's signed chain once the server
//! releases it (`client::trust` accepts it like a member addition that
//! names the new member's key fingerprint), so no device needs the contact
//! to sign anything, and nobody but a member can make one.

use kluis_policy::{ContactRequestId, HouseholdId, PrincipalId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The default waiting period: 7 days.
pub const DEFAULT_WAIT_MS: i64 = 7 * 86_400_000;
/// The shortest waiting period a household may choose: 1 day, so that a
/// member has at least a day to see a request and refuse it.
pub const MIN_WAIT_MS: i64 = 86_400_000;
/// The longest: 90 days.
pub const MAX_WAIT_MS: i64 = 90 * 86_400_000;

/// The text a member signs to name `contact` (with keys of fingerprint
/// `contact_fingerprint`) as the household's trusted contact, who may
/// become a member after a request has waited `wait_ms` unrefused.
pub fn contact_statement(
    household: HouseholdId,
    contact: PrincipalId,
    contact_fingerprint: &str,
    wait_ms: i64,
    named_by: PrincipalId,
    signed_at_ms: i64,
) -> String {
    format!("kluis-household-contact/v1\nhousehold: {household}\ncontact: {contact}\ncontact-fingerprint: {contact_fingerprint}\nwait-ms: {wait_ms}\nnamed-by: {named_by}\nsigned-at-ms: {signed_at_ms}\n")
}

/// `POST /v1/households/{household}/contacts`: a member names a contact.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NameContact {
    #[schema(value_type = String)]
    pub contact_id: PrincipalId,
    /// The contact's key fingerprint as the naming device computed it.
    #[schema(pattern = "^[0-9a-f]{4}( [0-9a-f]{4}){7}$")]
    pub contact_fingerprint: String,
    /// The waiting period in milliseconds (1 to 90 days).
    #[schema(minimum = 86400000, maximum = 7776000000_i64)]
    pub wait_ms: i64,
    pub signed_at_ms: i64,
    /// Ed25519 signature over `contact_statement(…)`, base64url.
    #[schema(pattern = "^[A-Za-z0-9_-]{86}$")]
    pub signature: String,
    /// The household identity, enveloped to the contact, base64. The server
    /// keeps it until a request of the contact is released.
    #[schema(pattern = "^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$")]
    pub identity_envelope: String,
}

/// A named contact, as members see it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ContactInfo {
    #[schema(value_type = String)]
    pub contact_id: PrincipalId,
    pub name: String,
    #[schema(value_type = String)]
    pub named_by: PrincipalId,
    pub named_at: String,
    pub wait_ms: i64,
}

/// A request of a contact.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ContactRequestInfo {
    #[schema(value_type = String)]
    pub request_id: ContactRequestId,
    #[schema(value_type = String)]
    pub household_id: HouseholdId,
    #[schema(value_type = String)]
    pub contact_id: PrincipalId,
    pub contact_name: String,
    pub requested_at: String,
    /// When the server hands over the envelope, unless a member refuses first.
    pub release_at: String,
    /// `waiting`, `refused`, `released` or `removed` (the contact was removed).
    pub state: String,
    pub ended_at: Option<String>,
}

/// `GET /v1/households/{household}/contacts`: for members.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HouseholdContacts {
    pub contacts: Vec<ContactInfo>,
    /// Newest first.
    pub requests: Vec<ContactRequestInfo>,
}

/// One household that named the caller as its contact.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NamedBy {
    #[schema(value_type = String)]
    pub household_id: HouseholdId,
    pub wait_ms: i64,
    pub named_at: String,
    /// The caller's newest request for this household, if any.
    pub request: Option<ContactRequestInfo>,
}

/// `GET /v1/contacts`: the households that named the caller.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MyContacts {
    pub households: Vec<NamedBy>,
}
