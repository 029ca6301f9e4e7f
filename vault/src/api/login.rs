//! Login: `POST /v1/auth/challenge` then `POST /v1/auth/token`.
//!
//! The server sends a random nonce; the client signs it with its Ed25519 key;
//! the server answers with a short-lived bearer token, stored only as a hash.
//! A challenge is single-use (taken out of the store before the signature is
//! checked) and lives a minute.
//!
//! Every login attempt that gets as far as naming a key or a challenge is
//! logged (`login`, no household), refused ones too: with the person as
//! actor once they are known, without any actor when the key or challenge
//! names nobody (nothing the caller sent is recorded then, so the log holds
//! no text of theirs). Refusals are rate-limited per person, and per client
//! address for unknown callers (`api::refusals`).

use axum::extract::State;
use axum::Json;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;

use super::device_label;
use super::json::ApiJson;
use super::problem::{ApiResult, Kind, Problem, ProblemBody};
use super::record::{refuse_now, refuse_unknown_now, LoggedTx, Record, RequestMeta};
use crate::clock::rfc3339;
use crate::keys::identity::{decode_signing_key, verify_signature};
use crate::server::AppState;
use crate::store::{principals, sessions};
use crate::wire::auth::{
    challenge_message, ChallengeRequest, ChallengeResponse, TokenRequest, TokenResponse,
};
use kluis_audit::{Action as LogAction, EventType};

/// A login attempt, in the log's terms: no household.
fn login_record() -> Record {
    Record::new(EventType::Login, LogAction::Execute, None)
}

#[utoipa::path(post, path = "/v1/auth/challenge", tag = "login",
    request_body = ChallengeRequest,
    responses((status = 200, body = ChallengeResponse), (status = 401, body = ProblemBody), (status = 403, body = ProblemBody), (status = 429, body = ProblemBody)))]
pub async fn challenge(
    State(state): State<AppState>,
    meta: RequestMeta,
    ApiJson(req): ApiJson<ChallengeRequest>,
) -> ApiResult<Json<ChallengeResponse>> {
    let key = decode_signing_key(&req.signing_key)
        .map_err(|_| Problem::malformed("signing_key must be a base64url Ed25519 public key"))?;
    let Some(principal) = principals::by_signing_key(&state.store, &key).await? else {
        let problem = Problem::new(
            Kind::UnknownKey,
            "this key is not registered here: register with an invite first",
        );
        return Err(refuse_unknown_now(
            &state,
            &meta,
            login_record().denied("unknown_key"),
            problem,
        )
        .await);
    };
    if principal.disabled_ms.is_some() {
        let record = login_record().denied("disabled");
        return Err(refuse_now(
            &state,
            &meta,
            &principal,
            record,
            Problem::account_disabled(),
        )
        .await);
    }
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

/// Whether `req` answers `challenge` for `principal`: a well-formed
/// signature, in time, for this server's origin, by the registered key.
/// On refusal: the reason logged, and the answer.
fn check_answer(
    state: &AppState,
    req: &TokenRequest,
    challenge: &sessions::Challenge,
    principal: &principals::Principal,
    now: i64,
) -> Result<(), (&'static str, Problem)> {
    let Some(signature) = B64
        .decode(req.signature.as_bytes())
        .ok()
        .filter(|s| s.len() == 64)
    else {
        return Err((
            "bad_signature",
            Problem::new(
                Kind::SignatureInvalid,
                "the signature is not a base64url Ed25519 signature",
            ),
        ));
    };
    if challenge.expires_ms <= now {
        return Err((
            "challenge_expired",
            Problem::new(
                Kind::ChallengeExpired,
                "the challenge expired before it was answered: log in again",
            ),
        ));
    }
    if !state.origins.contains(&req.origin) {
        return Err((
            "wrong_origin",
            Problem::new(
                Kind::SignatureInvalid,
                format!(
                    "this login was signed for {}, but this server is {}: a site that passes on logins may be posing as it",
                    req.origin.chars().take(300).collect::<String>(),
                    state.origins.join(" or ")
                ),
            ),
        ));
    }
    let message = challenge_message(
        &req.origin,
        &req.challenge_id,
        &B64.encode(&challenge.nonce),
    );
    if !verify_signature(&principal.signing_key, &message, &signature) {
        return Err((
            "bad_signature",
            Problem::new(
                Kind::SignatureInvalid,
                "the signature does not match the registered key",
            ),
        ));
    }
    Ok(())
}

#[utoipa::path(post, path = "/v1/auth/token", tag = "login",
    request_body = TokenRequest,
    responses((status = 200, body = TokenResponse), (status = 401, body = ProblemBody), (status = 403, body = ProblemBody), (status = 429, body = ProblemBody)))]
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
    let unknown = |why: &str| login_record().denied(why);
    let challenge = match B64
        .decode(req.challenge_id.as_bytes())
        .ok()
        .filter(|b| b.len() == 16)
    {
        Some(id) => sessions::take_challenge(&state.store, &id).await?,
        None => None,
    };
    let Some(challenge) = challenge else {
        return Err(
            refuse_unknown_now(&state, &meta, unknown("unknown_challenge"), invalid()).await,
        );
    };
    let now = state.clock.now_ms();
    let Some(principal) = principals::get(&state.store, challenge.principal).await? else {
        return Err(
            refuse_unknown_now(&state, &meta, unknown("unknown_principal"), invalid()).await,
        );
    };
    // From here on the person is known: every outcome is logged as theirs,
    // refused logins too (a login relayed from another site shows as one).
    let record = login_record();
    if let Err((why, problem)) = check_answer(&state, &req, &challenge, &principal, now) {
        return Err(refuse_now(&state, &meta, &principal, record.denied(why), problem).await);
    }
    let token = B64.encode(rand::random::<[u8; 32]>());
    let expires = now + state.limits.token_ttl_ms;
    let mut ltx = LoggedTx::begin(&state).await?;
    // Checked under the log lock, which disabling holds too: a person
    // disabled while they answered their challenge gets no token.
    let disabled = principals::get_in(ltx.tx().await?, principal.id)
        .await?
        .is_none_or(|p| p.disabled_ms.is_some());
    if disabled {
        let problem = Problem::account_disabled();
        return Err(ltx
            .refuse(
                &state,
                &meta,
                &principal,
                record.denied("disabled"),
                problem,
            )
            .await);
    }
    let session_id = hex::encode(rand::random::<[u8; 12]>());
    let device = device_label::label(req.device.as_deref(), meta.user_agent.as_deref());
    sessions::insert_token(
        ltx.tx().await?,
        sessions::NewSession {
            token: &token,
            session_id: &session_id,
            principal: principal.id,
            device: &device,
            now_ms: now,
            expires_ms: expires,
        },
    )
    .await?;
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
