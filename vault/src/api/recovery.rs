//! Recovery blobs: `PUT /v1/recovery` (a signed-in person stores or
//! replaces theirs) and `POST /v1/recovery/fetch` (anyone with a recovery
//! code gets the blob it opens, without signing in: they lost their keys).
//!
//! The server keeps (person, lookup id, blob) and nothing else. Both values
//! come from the code by HKDF with different labels; the blob is the
//! keystore's secrets under AES-256-GCM with the other derived value, which
//! never leaves the device (`keys::recovery_blob`, `keys::recovery_code`).
//! So the server, its operator and anyone with a copy of the database can
//! find a blob by its id but cannot open it: that would take the code, 130
//! random bits.
//!
//! Every fetch is logged (`principal.recovery-use`): one that finds a blob
//! names its person as subject, so their household sees in its history
//! that their recovery code was used; one that finds nothing names nobody
//! (no made-up ids in the log). Fetches are limited per client address by
//! the refusal limiter (`api::refusals`), those that find a blob too, so
//! nobody can try codes quickly; guessing is hopeless anyway (2^130).
//! Storing is logged as `principal.recovery-set`.

use axum::extract::State;
use kluis_audit::{Action as LogAction, EventType};

use super::auth::Caller;
use super::idempotency::{Answer, Idem};
use super::json::ApiJson;
use super::problem::{ApiResult, Kind, Problem, ProblemBody};
use super::record::{refuse_unknown_now, LoggedTx, Record, RequestMeta};
use super::refusals::Refused;
use crate::clock::rfc3339;
use crate::keys::recovery_blob::{lookup_id_well_formed, well_formed};
use crate::server::AppState;
use crate::store::recovery;
use crate::wire::recovery::{FetchRecovery, RecoveryBlob, RecoveryStored, StoreRecovery};

#[utoipa::path(put, path = "/v1/recovery", tag = "recovery",
    request_body = StoreRecovery,
    responses((status = 200, body = RecoveryStored), (status = 400, body = ProblemBody),
        (status = 401, body = ProblemBody), (status = 409, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn store(
    State(state): State<AppState>,
    idem: Idem,
    Caller(caller): Caller,
    meta: RequestMeta,
    ApiJson(req): ApiJson<StoreRecovery>,
) -> ApiResult<Answer> {
    if !lookup_id_well_formed(&req.lookup_id) {
        return Err(Problem::malformed(
            "the lookup id must be 64 lowercase hex digits",
        ));
    }
    if !well_formed(&req.blob) {
        return Err(Problem::malformed(
            "the recovery blob must be a kluis recovery blob in base64url, at most 4096 characters",
        ));
    }
    let now = state.clock.now_ms();
    let mut ltx = LoggedTx::begin(&state).await?;
    let stored =
        recovery::replace(ltx.tx().await?, caller.id, &req.lookup_id, &req.blob, now).await?;
    if !stored {
        ltx.rollback().await;
        return Err(Problem::new(
            Kind::Conflict,
            "this lookup id is taken: make a new recovery code",
        ));
    }
    let mut record = Record::new(EventType::RecoverySet, LogAction::Update, None).field(&caller.id);
    record.flags.authorised = true;
    ltx.record(&state, &meta, Some(&caller), record).await?;
    let answer = Answer::ok(&RecoveryStored {
        principal_id: caller.id,
        updated_at: rfc3339(now),
    });
    ltx.commit_answer(&state, &idem, answer).await
}

#[utoipa::path(post, path = "/v1/recovery/fetch", tag = "recovery",
    request_body = FetchRecovery,
    responses((status = 200, body = RecoveryBlob), (status = 400, body = ProblemBody),
        (status = 404, body = ProblemBody), (status = 429, body = ProblemBody)))]
pub async fn fetch(
    State(state): State<AppState>,
    meta: RequestMeta,
    ApiJson(req): ApiJson<FetchRecovery>,
) -> ApiResult<Answer> {
    let record = Record::new(EventType::RecoveryUse, LogAction::Read, None);
    if !lookup_id_well_formed(&req.lookup_id) {
        let problem = Problem::malformed("the lookup id must be 64 lowercase hex digits");
        return Err(refuse_unknown_now(&state, &meta, record.denied("malformed"), problem).await);
    }
    let Some((principal, blob)) = recovery::by_lookup_id(&state.store, &req.lookup_id).await?
    else {
        let problem = Problem::not_found(
            "no recovery data is stored for this recovery code: check the code, or use a newer one if you made one",
        );
        return Err(refuse_unknown_now(
            &state,
            &meta,
            record.denied("unknown_recovery_code"),
            problem,
        )
        .await);
    };
    // A fetch that finds something counts against the address too.
    let allowed = state.refusals.check(Refused::address(meta.ip.as_deref()))?;
    let logged = async {
        let mut ltx = LoggedTx::begin(&state).await?;
        let record = record.field(&principal);
        ltx.record(&state, &meta, None, record).await?;
        ltx.commit().await?;
        // Not stored under the request's Idempotency-Key: the answer is the
        // blob, and a copy in the idempotency table would outlive a new
        // code for a day. A retry simply fetches (and is logged) again.
        Ok::<_, Problem>(Answer::ok(&RecoveryBlob {
            principal_id: principal,
            blob,
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
