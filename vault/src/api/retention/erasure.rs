//! Erasure on request (AVG art. 17, or a court order) before the term ends:
//! proposed by one administrator, carried out when a second approves it
//! (`proposals.rs`). A legal hold stops it at either step.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use kluis_audit::{Action as LogAction, EventType};
use kluis_policy::HouseholdId;

use super::holds::clean_reason;
use super::proposals::{propose, Proposing};
use super::{admin_only, admin_record, existing};
use crate::api::auth::Caller;
use crate::api::idempotency::{Answer, Idem};
use crate::api::json::ApiJson;
use crate::api::problem::{ApiResult, Kind, Problem, ProblemBody};
use crate::api::record::{Record, RequestMeta};
use crate::server::AppState;
use crate::store::proposals::ProposalKind;
use crate::store::retention;
use crate::wire::retention::{Erase, Proposal};

/// The answer when a legal hold stops an erasure.
pub(super) fn on_hold() -> Problem {
    Problem::new(
        Kind::OnHold,
        "a legal hold stops erasure; an administrator must release it first if the law allows",
    )
}

#[utoipa::path(post, path = "/v1/households/{household}/erase", tag = "retention",
    params(("household" = String, Path)), request_body = Erase,
    responses((status = 202, body = Proposal), (status = 403, body = ProblemBody), (status = 409, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn erase(
    State(state): State<AppState>,
    idem: Idem,
    Caller(caller): Caller,
    meta: RequestMeta,
    Path(household): Path<String>,
    ApiJson(req): ApiJson<Erase>,
) -> ApiResult<Answer> {
    let basis = clean_reason(&req.basis)?;
    let h = HouseholdId::parse(&household)?;
    let event = EventType::RetentionProposal;
    let ltx = admin_only(&state, &meta, &caller, event, Some(h), "erase dossiers").await?;
    let record = admin_record(Record::new(event, LogAction::Create, Some(h)), &caller);
    let (mut ltx, _) = existing(&state, &meta, &caller, ltx, h, &record).await?;
    if !retention::active_holds(ltx.tx().await?, h)
        .await?
        .is_empty()
    {
        return Err(ltx
            .refuse(&state, &meta, &caller, record.failed("on_hold"), on_hold())
            .await);
    }
    let now = state.clock.now_ms();
    let proposal = propose(
        &state,
        &meta,
        &caller,
        &mut ltx,
        Proposing {
            kind: ProposalKind::Erase,
            basis: &basis,
            households: &[h],
            now_ms: now,
        },
    )
    .await?;
    let answer = Answer::json(StatusCode::ACCEPTED, &proposal);
    ltx.commit_answer(&state, &idem, answer).await
}
