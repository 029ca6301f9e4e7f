//! `POST /v1/households/{h}/exports`: a member announces an export (right of
//! access, data portability). The export itself is composed on the member's
//! device from ordinary, individually logged reads; this entry records that
//! they were taken out as an export, as NEN 7513 asks.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use kluis_audit::{Action as LogAction, EventType};
use kluis_policy::{Action, Decision, DenyReason, HouseholdId};

use super::auth::Caller;
use super::idempotency::{Answer, Idem};
use super::problem::{ApiResult, ProblemBody};
use super::record::{LoggedTx, Record, RequestMeta};
use crate::access;
use crate::server::AppState;

#[utoipa::path(post, path = "/v1/households/{household}/exports", tag = "export",
    params(("household" = String, Path)),
    responses((status = 204), (status = 404, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn record_export(
    State(state): State<AppState>,
    idem: Idem,
    Caller(caller): Caller,
    meta: RequestMeta,
    Path(household): Path<String>,
) -> ApiResult<Answer> {
    let h = HouseholdId::parse(&household)?;
    let mut ltx = LoggedTx::begin(&state).await?;
    let facts = access::facts(ltx.tx().await?, h).await?;
    let mut decision = access::decide(
        &caller,
        &facts,
        None,
        None,
        Action::Read,
        state.clock.now_ms(),
    );
    if decision.is_allowed() && !facts.members.contains(&caller.id) {
        decision = Decision::Deny(DenyReason::MembersOnly);
    }
    let record = Record::new(EventType::Export, LogAction::Execute, Some(h)).decision(&decision);
    let mut ltx = ltx
        .allowed(&state, &meta, &caller, &decision, &record)
        .await?;
    ltx.record(&state, &meta, Some(&caller), record).await?;
    let answer = Answer::empty(StatusCode::NO_CONTENT);
    ltx.commit_answer(&state, &idem, answer).await
}
