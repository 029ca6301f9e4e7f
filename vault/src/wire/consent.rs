//! Consent: grants, revocations, re-keying and observations.

use kluis_policy::{FieldPath, GrantId, PrincipalId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::plan::EnvelopeUpload;

/// One field key enveloped to the grantee, for the version and key
/// generation that are current; the server refuses (409 `stale-version`) a
/// key for any other, so a re-key in between cannot hand over a dead key.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyForGrantee {
    #[schema(value_type = String)]
    pub path: FieldPath,
    pub version: i64,
    /// The key generation the envelope's key opens.
    pub key_gen: i64,
    /// The age envelope, base64.
    #[schema(pattern = "^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$")]
    pub envelope: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateGrant {
    /// The grant statement as JWS compact serialization, signed by a member.
    #[schema(pattern = "^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$")]
    pub jws: String,
    /// The current key of every field in scope, enveloped to the grantee.
    pub keys: Vec<KeyForGrantee>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct GrantInfo {
    #[schema(value_type = String)]
    pub grant_id: GrantId,
    #[schema(value_type = String)]
    pub issuer: PrincipalId,
    #[schema(value_type = String)]
    pub grantee: PrincipalId,
    pub grantee_name: Option<String>,
    pub grantee_org: Option<String>,
    pub scope: String,
    pub actions: Vec<String>,
    pub purpose: String,
    pub valid_from: String,
    pub valid_until: String,
    /// active, not-yet-valid, expired or revoked.
    pub status: String,
    pub revoked_at: Option<String>,
    /// The consent receipt.
    pub jws: String,
    pub revocation_jws: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct GrantList {
    pub grants: Vec<GrantInfo>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Revoke {
    /// The revocation statement, JWS compact, signed by a member.
    #[schema(pattern = "^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$")]
    pub jws: String,
}

/// A field whose key must be replaced because someone lost access.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StaleField {
    #[schema(value_type = String)]
    pub path: FieldPath,
    pub version: i64,
    pub key_gen: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StaleList {
    pub fields: Vec<StaleField>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Rekey {
    pub version: i64,
    /// Must be the stored key generation plus one.
    pub key_gen: i64,
    #[schema(pattern = "^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$")]
    pub ciphertext: String,
    pub envelopes: Vec<EnvelopeUpload>,
    /// The signature over the version (`wire::version`).
    pub signed: super::version::VersionSignature,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Observe {
    #[schema(value_type = String)]
    pub path: FieldPath,
    pub private: bool,
    #[schema(pattern = "^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$")]
    pub ciphertext: String,
    pub envelopes: Vec<EnvelopeUpload>,
    /// The signature over the version (`wire::version`).
    pub signed: super::version::VersionSignature,
}

/// A name for a new observation, made by the server
/// (`POST /v1/households/{h}/observations/names`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ObservationName {
    /// `observaties/<date>-<time>-<random>`: write the observation here.
    #[schema(value_type = String)]
    pub path: FieldPath,
    /// Unused after this, the name no longer works.
    pub expires_at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Publish {
    /// The private version being published (the current one).
    pub replaces: i64,
    #[schema(pattern = "^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$")]
    pub ciphertext: String,
    pub envelopes: Vec<EnvelopeUpload>,
    /// The signature over the version (`wire::version`).
    pub signed: super::version::VersionSignature,
}
