//! Passkey keystores: `PUT /v1/passkeys` (a signed-in person adds a copy of
//! their keystore wrapped by a passkey), `GET /v1/passkeys` (their list),
//! `DELETE /v1/passkeys/{id}`, and `POST /v1/passkeys/fetch` (a device with
//! the passkey gets the copy it opens, without signing in: that is how a
//! passkey unlocks, and signs in a new device).
//!
//! The web app asks the passkey for its WebAuthn PRF output (a secret the
//! authenticator computes from a fixed salt; it never leaves the device
//! unless the person uses the passkey) and derives from it, by HKDF with
//! two labels, a lookup id and a wrapping key. The server keeps the lookup
//! id, the blob (the keystore's secrets under AES-256-GCM with the wrapping
//! key) and the public credential id. So the server, its operator or a
//! copy of the database can find a blob but not open it: the key is 256
//! bits derived from a secret inside the authenticator.
//!
//! The server does not verify a WebAuthn assertion: for confidentiality the
//! PRF output is the gate (a blob is useless without it), and after opening
//! it the device signs in with its own signed login as always. Checking an
//! assertion would only decide who may download a blob nobody can open.
//!
//! As with recovery codes (`api::recovery`): every fetch is logged
//! (`principal.passkey-use`, naming the person when found), counted per
//! client address by the refusal limiter, and its answer is not stored
//! under an `Idempotency-Key`. Adding and removing are logged
//! (`principal.passkey-add`, `principal.passkey-remove`); the household
//! sees all three in its history.

use axum::extract::{Path, State};
use axum::Json;
use kluis_audit::{Action as LogAction, EventType};

use super::auth::Caller;
use super::device_label;
use super::idempotency::{Answer, Idem};
use super::json::ApiJson;
use super::problem::{ApiResult, Kind, Problem, ProblemBody};
use super::record::{refuse_unknown_now, LoggedTx, Record, RequestMeta};
use super::refusals::Refused;
use crate::clock::rfc3339;
use crate::keys::recovery_blob::{lookup_id_well_formed, well_formed};
use crate::server::AppState;
use crate::store::passkeys::{self, NewPasskey, NotAdded};
use crate::wire::passkeys::{
    AddPasskey, FetchPasskey, PasskeyAdded, PasskeyBlob, PasskeyInfo, PasskeyList, PasskeyRemoved,
};

/// Passkeys a person may keep: enough for a phone, a laptop, a key on a
/// ring and spares; few enough that nobody fills the table.
pub const MAX_PER_PERSON: i64 = 10;

/// A WebAuthn credential id is at most 1023 bytes: 1364 base64url
/// characters without padding. Shorter than 16 bytes is no credential id.
pub(crate) fn credential_id_well_formed(text: &str) -> bool {
    (22..=1364).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// An id as the server makes them: 24 lowercase hex digits.
fn check_id(id: &str) -> ApiResult<()> {
    let ok = id.len() == 24 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    if ok {
        Ok(())
    } else {
        Err(Problem::malformed(
            "a passkey id is 24 lowercase hex digits",
        ))
    }
}

#[utoipa::path(put, path = "/v1/passkeys", tag = "passkeys",
    request_body = AddPasskey,
    responses((status = 200, body = PasskeyAdded), (status = 400, body = ProblemBody),
        (status = 401, body = ProblemBody), (status = 409, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn add(
    State(state): State<AppState>,
    idem: Idem,
    Caller(caller): Caller,
    meta: RequestMeta,
    ApiJson(req): ApiJson<AddPasskey>,
) -> ApiResult<Answer> {
    if !lookup_id_well_formed(&req.lookup_id) {
        return Err(Problem::malformed(
            "the lookup id must be 64 lowercase hex digits",
        ));
    }
    if !credential_id_well_formed(&req.credential_id) {
        return Err(Problem::malformed(
            "the credential id must be base64url without padding, 22 to 1364 characters",
        ));
    }
    let label = device_label::clean(&req.label);
    if label.is_empty() || req.label.chars().count() > device_label::MAX_CHARS {
        return Err(Problem::malformed(
            "the label must have 1 to 60 visible characters",
        ));
    }
    if !well_formed(&req.blob) {
        return Err(Problem::malformed(
            "the blob must be a kluis keystore blob in base64url, at most 4096 characters",
        ));
    }
    let now = state.clock.now_ms();
    let id = hex::encode(rand::random::<[u8; 12]>());
    let mut ltx = LoggedTx::begin(&state).await?;
    let new = NewPasskey {
        id: &id,
        principal: caller.id,
        lookup_id: &req.lookup_id,
        credential_id: &req.credential_id,
        label: &label,
        blob: &req.blob,
        now_ms: now,
    };
    match passkeys::add(ltx.tx().await?, &new, MAX_PER_PERSON).await? {
        Ok(()) => {}
        Err(why) => {
            ltx.rollback().await;
            return Err(Problem::new(
                Kind::Conflict,
                match why {
                    NotAdded::Full => {
                        format!("you have {MAX_PER_PERSON} passkeys already: remove one first")
                    }
                    NotAdded::Taken => "this lookup id is taken: use another passkey".to_owned(),
                },
            ));
        }
    }
    let mut record = Record::new(EventType::PasskeyAdd, LogAction::Create, None).field(&caller.id);
    record.flags.authorised = true;
    ltx.record(&state, &meta, Some(&caller), record).await?;
    let answer = Answer::ok(&PasskeyAdded {
        id,
        created_at: rfc3339(now),
    });
    ltx.commit_answer(&state, &idem, answer).await
}

#[utoipa::path(get, path = "/v1/passkeys", tag = "passkeys",
    responses((status = 200, body = PasskeyList), (status = 401, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> ApiResult<Json<PasskeyList>> {
    let rows = passkeys::list(&state.store, caller.id).await?;
    Ok(Json(PasskeyList {
        passkeys: rows
            .into_iter()
            .map(|r| PasskeyInfo {
                id: r.id,
                credential_id: r.credential_id,
                label: r.label,
                created_at: rfc3339(r.created_ms),
                last_used_at: r.last_used_ms.map(rfc3339),
            })
            .collect(),
    }))
}

#[utoipa::path(delete, path = "/v1/passkeys/{passkey}", tag = "passkeys",
    params(("passkey" = String, Path, description = "passkey id")),
    responses((status = 200, body = PasskeyRemoved), (status = 404, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn remove(
    State(state): State<AppState>,
    idem: Idem,
    Caller(caller): Caller,
    meta: RequestMeta,
    Path(id): Path<String>,
) -> ApiResult<Answer> {
    check_id(&id)?;
    let mut ltx = LoggedTx::begin(&state).await?;
    let mut record =
        Record::new(EventType::PasskeyRemove, LogAction::Delete, None).field(&caller.id);
    record.flags.authorised = true;
    if !passkeys::remove(ltx.tx().await?, caller.id, &id).await? {
        // Nobody's, or someone else's: the same answer, and theirs stays.
        let problem = Problem::not_found("you have no passkey with this id");
        return Err(ltx
            .refuse(
                &state,
                &meta,
                &caller,
                record.denied("unknown_passkey"),
                problem,
            )
            .await);
    }
    ltx.record(&state, &meta, Some(&caller), record).await?;
    ltx.commit_answer(&state, &idem, Answer::ok(&PasskeyRemoved { id }))
        .await
}

#[utoipa::path(post, path = "/v1/passkeys/fetch", tag = "passkeys",
    request_body = FetchPasskey,
    responses((status = 200, body = PasskeyBlob), (status = 400, body = ProblemBody),
        (status = 404, body = ProblemBody), (status = 429, body = ProblemBody)))]
pub async fn fetch(
    State(state): State<AppState>,
    meta: RequestMeta,
    ApiJson(req): ApiJson<FetchPasskey>,
) -> ApiResult<Answer> {
    let record = Record::new(EventType::PasskeyUse, LogAction::Read, None);
    if !lookup_id_well_formed(&req.lookup_id) {
        let problem = Problem::malformed("the lookup id must be 64 lowercase hex digits");
        return Err(refuse_unknown_now(&state, &meta, record.denied("malformed"), problem).await);
    }
    let Some(found) = passkeys::by_lookup_id(&state.store, &req.lookup_id).await? else {
        let problem = Problem::not_found(
            "no keys are stored for this passkey: sign in with your passphrase and add the passkey again",
        );
        return Err(
            refuse_unknown_now(&state, &meta, record.denied("unknown_passkey"), problem).await,
        );
    };
    // A fetch that finds something counts against the address too.
    let allowed = state.refusals.check(Refused::address(meta.ip.as_deref()))?;
    let logged = async {
        let mut ltx = LoggedTx::begin(&state).await?;
        passkeys::used(ltx.tx().await?, &found.id, state.clock.now_ms()).await?;
        ltx.record(&state, &meta, None, record.field(&found.principal))
            .await?;
        ltx.commit().await?;
        // Not stored under the request's Idempotency-Key: the answer is the
        // blob, and a copy in the idempotency table would outlive removing
        // the passkey. A retry fetches (and is logged) again.
        Ok::<_, Problem>(Answer::ok(&PasskeyBlob {
            principal_id: found.principal,
            id: found.id,
            blob: found.blob,
        }))
    };
    match logged.await {
        Ok(answer) => Ok(answer),
        Err(problem) => {
            state.refusals.refund(allowed);
            Err(problem)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_ids_are_base64url_of_a_sane_length() {
        assert!(credential_id_well_formed(&"A".repeat(22)));
        assert!(credential_id_well_formed(&"a-_9".repeat(341)));
        for bad in [
            "",
            "short",
            &"A".repeat(1365),
            &"A+/=".repeat(8),
            &"é".repeat(30),
        ] {
            assert!(!credential_id_well_formed(bad), "{bad}");
        }
    }
}
