//! Login: challenge and token.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The message a client signs to answer a challenge. The domain tag keeps a
/// login signature from ever being valid as any other kluis signature.
pub fn challenge_message(challenge_id: &str, nonce: &str) -> Vec<u8> {
    format!("kluis-login/v1\n{challenge_id}\n{nonce}\n").into_bytes()
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChallengeRequest {
    /// The caller's Ed25519 public key, base64url.
    #[schema(pattern = "^[A-Za-z0-9_-]{43}$")]
    pub signing_key: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ChallengeResponse {
    pub challenge_id: String,
    /// Random bytes, base64url; sign `challenge_message(challenge_id, nonce)`.
    pub nonce: String,
    pub expires_at: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    pub challenge_id: String,
    /// Ed25519 signature, base64url.
    #[schema(pattern = "^[A-Za-z0-9_-]{86}$")]
    pub signature: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TokenResponse {
    /// Bearer token for the `Authorization` header.
    pub token: String,
    pub expires_at: String,
    #[schema(value_type = String)]
    pub principal_id: kluis_policy::PrincipalId,
}
