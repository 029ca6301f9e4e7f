//! Login: `POST /v1/auth/challenge` then `POST /v1/auth/token`.
//!
//! The server sends a random nonce; the client signs it with its Ed25519 key;
//! the server answers with a short-lived bearer token, stored only as a hash.
//! A challenge is single-use (taken out of the store before the signature is
//! checked) and lives a minute.

use axum::extract::State;
use axum::Json;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;

use super::json::ApiJson;
use super::problem::{ApiResult, Kind, Problem, ProblemBody};
use super::record::{refuse_now, LoggedTx, Record, RequestMeta};
use crate::clock::rfc3339;
use crate::keys::identity::{decode_signing_key, verify_signature};
use crate::server::AppState;
use crate::store::{principals, sessions};
use crate::wire::auth::{
    challenge_message, ChallengeRequest, ChallengeResponse, TokenRequest, TokenResponse,
};
use kluis_audit::{Action as LogAction, EventType};

#[utoipa::path(post, path = "/v1/auth/challenge", tag = "login",
    request_body = ChallengeRequest,
    responses((status = 200, body = ChallengeResponse), (status = 401, body = ProblemBody)))]
pub async fn challenge(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<ChallengeRequest>,
) -> ApiResult<Json<ChallengeResponse>> {
    let key = decode_signing_key(&req.signing_key)
        .map_err(|_| Problem::malformed("signing_key must be a base64url Ed25519 public key"))?;
    let principal = principals::by_signing_key(&state.store, &key)
        .await?
        .ok_or_else(|| {
            Problem::new(
                Kind::UnknownKey,
                "this key is not registered here: register with an invite first",
            )
        })?;
    let id: [u8; 16] = rand::random();
    let nonce: [u8; 32] = rand::random();
    let expires = state.clock.now_ms() + state.limits.challenge_ttl_ms;
    sessions::insert_challenge(&state.store, &id, principal.id, &nonce, expires).await?;
    Ok(Json(ChallengeResponse {
        challenge_id: B64.encode(id),
        nonce: B64.encode(nonce),
        expires_at: rfc3339(expires),
    }))
}

#[utoipa::path(post, path = "/v1/auth/token", tag = "login",
    request_body = TokenRequest,
    responses((status = 200, body = TokenResponse), (status = 401, body = ProblemBody)))]
pub async fn token(
    State(state): State<AppState>,
    meta: RequestMeta,
    ApiJson(req): ApiJson<TokenRequest>,
) -> ApiResult<Json<TokenResponse>> {
    let invalid = || {
        Problem::new(
            Kind::ChallengeInvalid,
            "this challenge is unknown or was already used: ask for a new one",
        )
    };
    let id = B64
        .decode(req.challenge_id.as_bytes())
        .ok()
        .filter(|b| b.len() == 16)
        .ok_or_else(invalid)?;
    let signature = B64
        .decode(req.signature.as_bytes())
        .ok()
        .filter(|s| s.len() == 64)
        .ok_or_else(|| {
            Problem::new(
                Kind::SignatureInvalid,
                "the signature is not a base64url Ed25519 signature",
            )
        })?;
    let challenge = sessions::take_challenge(&state.store, &id)
        .await?
        .ok_or_else(invalid)?;
    let now = state.clock.now_ms();
    let principal = principals::get(&state.store, challenge.principal)
        .await?
        .ok_or_else(invalid)?;
    // From here on the person is known: every outcome is logged, refused
    // logins too (a login relayed from another site shows as one).
    let record = Record::new(EventType::Login, LogAction::Execute, None);
    if challenge.expires_ms <= now {
        let problem = Problem::new(
            Kind::ChallengeExpired,
            "the challenge expired before it was answered: log in again",
        );
        return Err(refuse_now(
            &state,
            &meta,
            &principal,
            record.denied("challenge_expired"),
            problem,
        )
        .await);
    }
    if !state.origins.contains(&req.origin) {
        let problem = Problem::new(
            Kind::SignatureInvalid,
            format!(
                "this login was signed for {}, but this server is {}: a site that passes on logins may be posing as it",
                req.origin.chars().take(300).collect::<String>(),
                state.origins.join(" or ")
            ),
        );
        return Err(refuse_now(
            &state,
            &meta,
            &principal,
            record.denied("wrong_origin"),
            problem,
        )
        .await);
    }
    let message = challenge_message(
        &req.origin,
        &req.challenge_id,
        &B64.encode(&challenge.nonce),
    );
    if !verify_signature(&principal.signing_key, &message, &signature) {
        let problem = Problem::new(
            Kind::SignatureInvalid,
            "the signature does not match the registered key",
        );
        return Err(refuse_now(
            &state,
            &meta,
            &principal,
            record.denied("bad_signature"),
            problem,
        )
        .await);
    }
    let token = B64.encode(rand::random::<[u8; 32]>());
    let expires = now + state.limits.token_ttl_ms;
    let mut ltx = LoggedTx::begin(&state).await?;
    sessions::insert_token(ltx.tx().await?, &token, principal.id, expires).await?;
    let mut allowed = record;
    allowed.flags.authorised = true;
    ltx.record(&state, &meta, Some(&principal), allowed).await?;
    ltx.commit().await?;
    Ok(Json(TokenResponse {
        token,
        expires_at: rfc3339(expires),
        principal_id: principal.id,
    }))
}
