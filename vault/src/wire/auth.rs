//! Login: challenge and token.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The message a client signs to answer a challenge. The domain tag keeps a
/// login signature from ever being valid as any other kluis signature, and
/// the origin binds it to the server the client meant to talk to: a site
/// that relays an administrator's challenge from the real server gets a
/// signature for its own origin, which the real server refuses.
pub fn challenge_message(origin: &str, challenge_id: &str, nonce: &str) -> Vec<u8> {
    format!("kluis-login/v2\norigin: {origin}\npurpose: login\nchallenge: {challenge_id}\nnonce: {nonce}\n")
        .into_bytes()
}

/// The origin (RFC 6454: scheme, host, port) of a server URL, as logins
/// name it: `http://127.0.0.1:7420`, `https://kluis.example` (default ports
/// left out). `None` for URLs that have no such origin.
pub fn origin_of(url: &str) -> Option<String> {
    let origin = url::Url::parse(url).ok()?.origin();
    origin.is_tuple().then(|| origin.ascii_serialization())
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
    /// Random bytes, base64url; sign `challenge_message(origin, challenge_id, nonce)`.
    pub nonce: String,
    pub expires_at: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    pub challenge_id: String,
    /// The server origin the client signed for (`challenge_message`).
    #[schema(max_length = 300)]
    pub origin: String,
    /// Ed25519 signature, base64url.
    #[schema(pattern = "^[A-Za-z0-9_-]{86}$")]
    pub signature: String,
    /// A name for this device, shown in the person's list of sessions
    /// (cleaned and cut to 60 characters). Without it the server reads one
    /// from the User-Agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 200)]
    pub device: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TokenResponse {
    /// Bearer token for the `Authorization` header.
    pub token: String,
    pub expires_at: String,
    #[schema(value_type = String)]
    pub principal_id: kluis_policy::PrincipalId,
}
