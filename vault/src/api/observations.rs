//! Observations by professionals, private or shared, and publishing a
//! private one into the plan.
//!
//! A private observation is enveloped to its author only: the evaluator
//! lets nobody else read it, whatever any grant or membership says. Its
//! existence (author's role and organisation, time) is in the household's
//! access log; its content never is.
//!
//! Its name is the server's: made by `api::observation_names` and accepted
//! here only from the writer it was issued to, once.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use kluis_audit::{Action as LogAction, EventType};
use kluis_policy::{Action, Basis, Decision, DenyReason};

use super::auth::Caller;
use super::idempotency::{Answer, Idem};
use super::json::ApiJson;
use super::problem::{ApiResult, Kind, Problem, ProblemBody};
use super::record::{field_for_log, LoggedTx, Record, RequestMeta};
use super::upload::{
    check_reader_set, checked_signature, decode_ciphertext, decode_envelopes, field_ids,
    required_set, store_version, NewSealed,
};
use crate::access;
use crate::role::Role;
use crate::server::AppState;
use crate::store::{fields, observation_names};
use crate::wire::consent::{Observe, Publish};
use crate::wire::plan::Written;

pub const SECTION: &str = "observaties";

#[utoipa::path(post, path = "/v1/households/{household}/observations", tag = "observations",
    params(("household" = String, Path)),
    request_body = Observe,
    responses((status = 201, body = Written), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    idem: Idem,
    Caller(caller): Caller,
    meta: RequestMeta,
    Path(household): Path<String>,
    ApiJson(req): ApiJson<Observe>,
) -> ApiResult<Answer> {
    let (h, path) = field_ids(&state, &household, req.path.as_str())?;
    if path.section() != SECTION || path.segments().count() != 2 {
        return Err(Problem::malformed(format!(
            "an observation lives at {SECTION}/<name>"
        )));
    }
    let ciphertext = decode_ciphertext(&state, &req.ciphertext)?;
    let uploads = decode_envelopes(&req.envelopes)?;
    let mut ltx = LoggedTx::begin(&state).await?;
    let facts = access::facts(ltx.tx().await?, h).await?;
    let now = state.clock.now_ms();
    let decision = involvement(&caller, &facts, now);
    // Only a name the server issued to this caller, unused, is a name: any
    // other is logged as the section alone (see `api::observation_names`).
    let issued = observation_names::issued(ltx.tx().await?, h, &path, caller.id, now).await?;
    let record = Record::new(EventType::ObservationCreate, LogAction::Create, Some(h))
        .field(&field_for_log(&path, decision.is_allowed() && issued))
        .decision(&decision);
    let mut ltx = ltx
        .allowed(&state, &meta, &caller, &decision, &record)
        .await?;
    if !issued {
        return Err(ltx
            .refuse(
                &state,
                &meta,
                &caller,
                record.failed("name_not_issued"),
                Problem::name_not_issued(),
            )
            .await);
    }
    if fields::current(ltx.tx().await?, h, &path).await?.is_some() {
        let problem = Problem::new(
            Kind::Conflict,
            "an observation with this name already exists",
        );
        return Err(ltx
            .refuse(&state, &meta, &caller, record.failed("exists"), problem)
            .await);
    }
    let required = if req.private {
        std::collections::BTreeSet::from([caller.id.to_string()])
    } else {
        required_set(&facts, &path, now)
    };
    if let Err(problem) = check_reader_set(&uploads, &required) {
        return Err(ltx
            .refuse(
                &state,
                &meta,
                &caller,
                record.failed("envelope_mismatch"),
                problem,
            )
            .await);
    }
    let sealed = NewSealed {
        household: h,
        path: &path,
        version: 1,
        ciphertext: &ciphertext,
        private_author: req.private.then_some(caller.id),
    };
    let checked = checked_signature(
        &caller,
        &facts,
        sealed.signing(&uploads, caller.id),
        &req.signed,
    );
    let (mut ltx, signed) = ltx
        .or_refuse(&state, &meta, &caller, &record, "bad_signature", checked)
        .await?;
    store_version(
        ltx.tx().await?,
        &sealed,
        signed.proof(),
        &caller,
        &uploads,
        now,
    )
    .await?;
    observation_names::take(ltx.tx().await?, h, &path).await?;
    ltx.record(&state, &meta, Some(&caller), record).await?;
    let answer = Answer::json(StatusCode::CREATED, &Written { path, version: 1 });
    ltx.commit_answer(&state, &idem, answer).await
}

/// A professional writing an observation must be involved: hold an active
/// grant on the household. Members write the plan itself instead.
pub fn involvement(
    caller: &crate::store::principals::Principal,
    facts: &kluis_policy::Facts,
    now: i64,
) -> Decision {
    if caller.role != Role::Professional {
        return Decision::Deny(if facts.members.contains(&caller.id) {
            DenyReason::ActionNotGranted
        } else {
            DenyReason::NotInvolved
        });
    }
    match access::decide(caller, facts, None, None, Action::Read, now) {
        Decision::Allow(basis @ Basis::Grant { .. }) => Decision::Allow(basis),
        Decision::Allow(_) => Decision::Deny(DenyReason::NotInvolved),
        deny => deny,
    }
}

#[utoipa::path(post, path = "/v1/households/{household}/publish/{path}", tag = "observations",
    params(("household" = String, Path), ("path" = String, Path)),
    request_body = Publish,
    responses((status = 201, body = Written), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn publish(
    State(state): State<AppState>,
    idem: Idem,
    Caller(caller): Caller,
    meta: RequestMeta,
    Path((household, path)): Path<(String, String)>,
    ApiJson(req): ApiJson<Publish>,
) -> ApiResult<Answer> {
    let (h, path) = field_ids(&state, &household, &path)?;
    let ciphertext = decode_ciphertext(&state, &req.ciphertext)?;
    let uploads = decode_envelopes(&req.envelopes)?;
    let mut ltx = LoggedTx::begin(&state).await?;
    let facts = access::facts(ltx.tx().await?, h).await?;
    let now = state.clock.now_ms();
    let current = fields::current(ltx.tx().await?, h, &path).await?;
    let private_author = current.as_ref().and_then(|c| c.private_author);
    let mut decision = access::decide(
        &caller,
        &facts,
        Some(&path),
        private_author,
        Action::Write,
        now,
    );
    if decision.is_allowed() && private_author != Some(caller.id) {
        // Only a private observation's author publishes it.
        decision = Decision::Deny(DenyReason::PrivateObservation);
    }
    let record = Record::new(EventType::ObservationPublish, LogAction::Update, Some(h))
        .field(&field_for_log(&path, current.is_some()))
        .decision(&decision);
    let ltx = ltx
        .allowed(&state, &meta, &caller, &decision, &record)
        .await?;
    let current = current.expect("a private author implies a version");
    if req.replaces != current.version {
        let mut problem = Problem::new(
            Kind::StaleVersion,
            "publish the current version of the observation",
        );
        problem.current_version = Some(current.version);
        return Err(ltx
            .refuse(
                &state,
                &meta,
                &caller,
                record.failed("stale_version"),
                problem,
            )
            .await);
    }
    if let Err(problem) = check_reader_set(&uploads, &required_set(&facts, &path, now)) {
        return Err(ltx
            .refuse(
                &state,
                &meta,
                &caller,
                record.failed("envelope_mismatch"),
                problem,
            )
            .await);
    }
    let version = current.version + 1;
    let sealed = NewSealed {
        household: h,
        path: &path,
        version,
        ciphertext: &ciphertext,
        private_author: None,
    };
    let checked = checked_signature(
        &caller,
        &facts,
        sealed.signing(&uploads, caller.id),
        &req.signed,
    );
    let (mut ltx, signed) = ltx
        .or_refuse(&state, &meta, &caller, &record, "bad_signature", checked)
        .await?;
    store_version(
        ltx.tx().await?,
        &sealed,
        signed.proof(),
        &caller,
        &uploads,
        now,
    )
    .await?;
    ltx.record(&state, &meta, Some(&caller), record).await?;
    let answer = Answer::json(StatusCode::CREATED, &Written { path, version });
    ltx.commit_answer(&state, &idem, answer).await
}
