//! Key rotation (`POST /v1/keys/rotate`, `GET /v1/keys/held`) and a
//! person's earlier keys (`GET /v1/directory/{principal}/earlier`).
//!
//! The rotation statement is signed twice: by the old signing key (so a
//! device that pinned the old keys may accept the new ones: the person
//! said so with the key it trusted) and by the new one (so the new keys
//! vouch for the old: a device that meets the person after the rotation
//! can check what the old key signed before). The server rebuilds the text
//! from the request's fields, so what was signed is what is stored.

use kluis_policy::{HouseholdId, PrincipalId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::recovery::StoreRecovery;
use crate::keys::identity::PublicKeys;

/// The text both keys sign: the person, the old keys, the new keys, when.
pub fn rotation_statement(
    principal: PrincipalId,
    old: &PublicKeys,
    new: &PublicKeys,
    signed_at_ms: i64,
) -> String {
    format!(
        "kluis-keys-rotate/v1\nprincipal: {principal}\nold-signing-key: {}\nold-age-recipient: {}\nnew-signing-key: {}\nnew-age-recipient: {}\nsigned-at-ms: {signed_at_ms}\n",
        old.signing_key, old.age_recipient, new.signing_key, new.age_recipient
    )
}

/// The household identity enveloped to one of my keys.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HeldHousehold {
    #[schema(value_type = String)]
    pub household_id: HouseholdId,
    /// An age file, standard base64.
    pub envelope: String,
}

/// A field key enveloped to me (a private observation I wrote, or a field
/// a grant lets me read), by the version and key generation it opens.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HeldField {
    #[schema(value_type = String)]
    pub household_id: HouseholdId,
    pub path: String,
    pub version: i64,
    pub key_gen: i64,
    /// An age file, standard base64.
    pub envelope: String,
}

/// `GET /v1/keys/held`: every envelope to my keys.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HeldEnvelopes {
    pub households: Vec<HeldHousehold>,
    pub fields: Vec<HeldField>,
}

/// `POST /v1/keys/rotate`, signed in with the old keys.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RotateKeys {
    /// The new public keys.
    pub keys: PublicKeys,
    pub signed_at_ms: i64,
    /// `rotation_statement` signed by the old signing key, base64url.
    pub old_signature: String,
    /// The same statement signed by the new signing key, base64url.
    pub new_signature: String,
    /// Every envelope of `GET /v1/keys/held`, now to the new keys: exactly
    /// those, none missing, none extra.
    pub households: Vec<HeldHousehold>,
    pub fields: Vec<HeldField>,
    /// A recovery blob of the new keys (a new recovery code); without one,
    /// the person has no recovery code until they make one.
    pub recovery: Option<StoreRecovery>,
}

/// The answer to a rotation.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Rotated {
    #[schema(value_type = String)]
    pub principal_id: PrincipalId,
    /// The new keys' fingerprint.
    pub fingerprint: String,
    /// The key directory entry of the new keys.
    pub seq: u64,
    pub rotated_at: String,
}

/// How keys were retired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Retirement {
    /// By the person, with a statement both keys signed.
    Rotation,
    /// After the person lost them: new keys with a re-enrolment invite.
    Reenrolment,
}

/// Keys a person used before, and how they were replaced.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EarlierKey {
    pub keys: PublicKeys,
    pub retired_at_ms: i64,
    pub how: Retirement,
    /// For a rotation: the statement, and its two signatures (base64url).
    pub statement: Option<String>,
    pub old_signature: Option<String>,
    pub new_signature: Option<String>,
}

/// `GET /v1/directory/{principal}/earlier`: oldest first; each was replaced
/// by the next, the last by the current keys.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EarlierKeys {
    #[schema(value_type = String)]
    pub principal_id: PrincipalId,
    pub earlier: Vec<EarlierKey>,
}

/// A member's statement that re-admits another member with new keys
/// (after a re-enrolment): the new keys' fingerprint, checked with the
/// person face to face, and the fingerprint of the keys they lost.
pub fn readmit_statement(
    household: HouseholdId,
    member: PrincipalId,
    member_fingerprint: &str,
    previous_fingerprint: &str,
    readmitted_by: PrincipalId,
    signed_at_ms: i64,
) -> String {
    format!("kluis-household-member-readmit/v1\nhousehold: {household}\nmember: {member}\nmember-fingerprint: {member_fingerprint}\nprevious-fingerprint: {previous_fingerprint}\nreadmitted-by: {readmitted_by}\nsigned-at-ms: {signed_at_ms}\n")
}

/// `POST /v1/households/{household}/members/{principal}/readmit`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Readmit {
    pub member_fingerprint: String,
    pub previous_fingerprint: String,
    pub signed_at_ms: i64,
    /// `readmit_statement` signed by the caller, base64url.
    pub signature: String,
    /// The household identity enveloped to the member's new keys, standard base64.
    pub identity_envelope: String,
}
