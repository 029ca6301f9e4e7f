//! Passkey keystores (`/v1/passkeys`): what the device sends and gets
//! back. The server sees the lookup id and the blob, both derived on the
//! device from a passkey's PRF output, and never that output.

use kluis_policy::PrincipalId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Store a keystore copy wrapped with a new passkey's PRF output.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddPasskey {
    /// HKDF-SHA256 of the PRF output (label "kluis passkey lookup id"), 64 hex digits.
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub lookup_id: String,
    /// The WebAuthn credential id, base64url without padding (public: a
    /// device uses it to ask for this passkey).
    #[schema(pattern = "^[A-Za-z0-9_-]{16,1366}$")]
    pub credential_id: String,
    /// A name the person recognises ("Telefoon"), at most 60 characters.
    #[schema(max_length = 60)]
    pub label: String,
    /// The keystore's secrets under AES-256-GCM with a key only the PRF
    /// output derives, base64url (at most 4096 characters).
    #[schema(max_length = 4096)]
    pub blob: String,
}

/// The answer to adding a passkey.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PasskeyAdded {
    /// The passkey's id here (24 hex digits), to remove it with.
    pub id: String,
    pub created_at: String,
}

/// One of my passkeys (never its blob).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PasskeyInfo {
    pub id: String,
    pub credential_id: String,
    pub label: String,
    pub created_at: String,
    /// When it last unlocked a device (RFC 3339), if ever.
    pub last_used_at: Option<String>,
}

/// My passkeys, oldest first.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PasskeyList {
    pub passkeys: Vec<PasskeyInfo>,
}

/// Ask for the blob filed under a lookup id (no login). In a body, not the
/// URL, so it is in no proxy's access log.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FetchPasskey {
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub lookup_id: String,
}

/// A stored passkey keystore, and whose it is.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PasskeyBlob {
    #[schema(value_type = String)]
    pub principal_id: PrincipalId,
    /// Which passkey (its id here).
    pub id: String,
    pub blob: String,
}

/// The answer to removing a passkey.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PasskeyRemoved {
    pub id: String,
}
