//! Recovery blobs (`PUT /v1/recovery`, `POST /v1/recovery/fetch`): what the
//! device sends and gets back. The server sees only the lookup id and the
//! blob, both derived from the recovery code, never the code.

use kluis_policy::PrincipalId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Store or replace my recovery blob.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StoreRecovery {
    /// HKDF-SHA256 of the recovery code (label "kluis recovery lookup id"), 64 hex digits.
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub lookup_id: String,
    /// The keystore's secrets under AES-256-GCM with a key only the code
    /// derives, base64url (at most 4096 characters).
    #[schema(max_length = 4096)]
    pub blob: String,
}

/// Ask for the blob filed under a lookup id (no login: the person lost
/// their keys). Sent in a body, not the URL, so it is in no access log of
/// a proxy.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FetchRecovery {
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub lookup_id: String,
}

/// A stored recovery blob, and whose it is.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RecoveryBlob {
    #[schema(value_type = String)]
    pub principal_id: PrincipalId,
    pub blob: String,
}

/// The answer to storing a blob.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RecoveryStored {
    #[schema(value_type = String)]
    pub principal_id: PrincipalId,
    /// When it was stored (RFC 3339, UTC); an older one is gone.
    pub updated_at: String,
}
