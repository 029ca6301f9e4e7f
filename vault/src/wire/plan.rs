//! Plan fields: the write plan (who must be able to read), writes, reads,
//! listings. Ciphertext and envelopes travel as standard base64.

use kluis_policy::{FieldPath, GrantId, PrincipalId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::version::{VersionProof, VersionSignature};

/// Everything a writer needs to encrypt a new version for exactly the right
/// readers.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WritePlan {
    #[schema(value_type = String)]
    pub path: FieldPath,
    /// The version a write must name as the one it replaces (0: new field).
    pub current_version: i64,
    pub household_recipient: String,
    /// Professionals whose active grant covers the field, each with the
    /// signed grant that entitles them (checked by the writer).
    pub readers: Vec<Reader>,
    /// The grant that lets the caller write here, when the caller is a
    /// professional: the writer names it in the version's signature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub writer_grant: Option<GrantId>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Reader {
    #[schema(value_type = String)]
    pub principal_id: PrincipalId,
    pub age_recipient: String,
    /// Ed25519 public key, base64url: the grant's `grantee_fpr` covers it.
    pub signing_key: String,
    #[schema(value_type = String)]
    pub grant_id: GrantId,
    /// The grant as the household member signed it (JWS compact).
    pub grant: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvelopeUpload {
    /// `household` or a principal id.
    #[schema(pattern = "^(household|p-[0-9a-f]{32})$")]
    pub reader: String,
    /// The age envelope, base64.
    #[schema(pattern = "^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$")]
    pub envelope: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WriteField {
    /// The version this write replaces (0 for a new field).
    pub replaces: i64,
    /// `nonce || AES-256-GCM ciphertext || tag`, base64.
    #[schema(pattern = "^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$")]
    pub ciphertext: String,
    pub envelopes: Vec<EnvelopeUpload>,
    /// The writer's signature over the version (`wire::version`).
    pub signed: VersionSignature,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Written {
    #[schema(value_type = String)]
    pub path: FieldPath,
    pub version: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FieldValue {
    #[schema(value_type = String)]
    pub path: FieldPath,
    pub version: i64,
    pub key_gen: i64,
    pub ciphertext: String,
    /// Whose envelope this is: `household` or the caller's principal id.
    pub reader: String,
    pub envelope: String,
    pub author_role: String,
    pub created_at: String,
    pub private: bool,
    /// Who the server says wrote this version; devices believe the proof.
    #[schema(value_type = String)]
    pub writer: PrincipalId,
    /// The writer's signature; absent only for versions written before
    /// kluis signed versions.
    pub proof: Option<VersionProof>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FieldSummary {
    #[schema(value_type = String)]
    pub path: FieldPath,
    pub version: i64,
    /// Padded size in bytes: the content is at most this long.
    pub size_bucket: i64,
    pub author_role: String,
    pub created_at: String,
    pub private: bool,
    #[schema(value_type = String)]
    pub writer: PrincipalId,
    pub key_gen: i64,
    pub proof: Option<VersionProof>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FieldList {
    pub fields: Vec<FieldSummary>,
}
