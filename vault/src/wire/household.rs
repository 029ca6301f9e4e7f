//! Households and membership.
//!
//! Creating a household and adding a member are signed by the member who
//! does it. The signed text is rebuilt by the server from the request's
//! fields (never taken from the client as-is), so what was signed is exactly
//! what is stored.

use kluis_policy::{HouseholdId, PrincipalId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The creator's statement that makes a household. Version 2 (every
/// household created since kluis signs versions) also promises that every
/// version in it is signed (`wire::version`), so devices refuse unsigned
/// ones; version 1 households may hold unsigned versions from before.
pub fn create_statement(
    household: HouseholdId,
    recipient: &str,
    creator: PrincipalId,
    signed_at_ms: i64,
) -> String {
    format!("kluis-household-create/v2\nhousehold: {household}\nrecipient: {recipient}\ncreator: {creator}\nversions: signed\nsigned-at-ms: {signed_at_ms}\n")
}

/// The statement households were created with before signed versions.
pub fn create_statement_v1(
    household: HouseholdId,
    recipient: &str,
    creator: PrincipalId,
    signed_at_ms: i64,
) -> String {
    format!("kluis-household-create/v1\nhousehold: {household}\nrecipient: {recipient}\ncreator: {creator}\nsigned-at-ms: {signed_at_ms}\n")
}

/// A member addition. Version 2 names the new member's key fingerprint, so
/// the statement fixes the keys the household identity was wrapped to;
/// version 1 (from before) names only the member.
pub fn member_statement(
    household: HouseholdId,
    member: PrincipalId,
    member_fingerprint: Option<&str>,
    added_by: PrincipalId,
    signed_at_ms: i64,
) -> String {
    match member_fingerprint {
        Some(fp) => format!("kluis-household-member-add/v2\nhousehold: {household}\nmember: {member}\nmember-fingerprint: {fp}\nadded-by: {added_by}\nsigned-at-ms: {signed_at_ms}\n"),
        None => format!("kluis-household-member-add/v1\nhousehold: {household}\nmember: {member}\nadded-by: {added_by}\nsigned-at-ms: {signed_at_ms}\n"),
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateHousehold {
    #[schema(value_type = String)]
    pub household_id: HouseholdId,
    /// The household's age X25519 recipient.
    #[schema(pattern = "^age1[02-9ac-hj-np-z]{58}$")]
    pub recipient: String,
    pub signed_at_ms: i64,
    /// Ed25519 signature over `create_statement(…)`, base64url.
    #[schema(pattern = "^[A-Za-z0-9_-]{86}$")]
    pub signature: String,
    /// The household identity, enveloped to the creator, base64.
    #[schema(pattern = "^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$")]
    pub identity_envelope: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddMember {
    #[schema(value_type = String)]
    pub principal_id: PrincipalId,
    /// The new member's key fingerprint as the adding device computed it;
    /// when given, the statement is version 2 and names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(pattern = "^[0-9a-f]{4}( [0-9a-f]{4}){7}$")]
    pub member_fingerprint: Option<String>,
    pub signed_at_ms: i64,
    /// Ed25519 signature over `member_statement(…)`, base64url.
    #[schema(pattern = "^[A-Za-z0-9_-]{86}$")]
    pub signature: String,
    /// The household identity, enveloped to the new member, base64.
    #[schema(pattern = "^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$")]
    pub identity_envelope: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MemberInfo {
    #[schema(value_type = String)]
    pub principal_id: PrincipalId,
    pub added_at: String,
}

/// A signed statement as stored: its exact text, who signed it, and the
/// Ed25519 signature (base64url). Devices verify these themselves.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SignedStatement {
    #[schema(value_type = String)]
    pub signer: PrincipalId,
    pub statement: String,
    pub signature: String,
}

/// The household's chain of signed statements: its creation (which fixes
/// the household recipient), then each member addition in order.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HouseholdChain {
    pub creation: SignedStatement,
    pub members: Vec<SignedStatement>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HouseholdInfo {
    #[schema(value_type = String)]
    pub household_id: HouseholdId,
    pub recipient: String,
    pub created_at: String,
    pub members: Vec<MemberInfo>,
    /// The household identity enveloped to the caller, when the caller is a member.
    pub identity_envelope: Option<String>,
    /// The signed statements a device checks before it uses `recipient`.
    pub chain: HouseholdChain,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HouseholdList {
    #[schema(value_type = Vec<String>)]
    pub households: Vec<HouseholdId>,
}
