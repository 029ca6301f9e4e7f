//! The destruction list (what is due) and proposing its destruction.
//! Nothing is deleted here: a second administrator approves the proposal
//! (`proposals.rs`), and only then is what is still due destroyed.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use kluis_audit::{Action as LogAction, EventType};
use serde::Deserialize;

use super::proposals::{propose, Proposing};
use super::{admin_only, admin_record, hold_info};
use crate::api::auth::Caller;
use crate::api::enrol::clean_label;
use crate::api::idempotency::{Answer, Idem};
use crate::api::json::{ApiJson, ApiQuery};
use crate::api::problem::{ApiResult, Kind, Problem, ProblemBody};
use crate::api::record::{Record, RequestMeta};
use crate::clock::{parse_time, rfc3339};
use crate::server::AppState;
use crate::store::proposals::ProposalKind;
use crate::store::retention;
use crate::wire::retention::{Destroy, DueList, Proposal, RetentionStatus};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DueQuery {
    /// A date (YYYY-MM-DD) or RFC 3339 time; default now.
    #[param(
        pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}([Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2}))?$"
    )]
    pub as_of: Option<String>,
}

#[utoipa::path(get, path = "/v1/retention/due", tag = "retention",
    params(DueQuery),
    responses((status = 200, body = DueList), (status = 403, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn due(
    State(state): State<AppState>,
    Caller(caller): Caller,
    meta: RequestMeta,
    ApiQuery(q): ApiQuery<DueQuery>,
) -> ApiResult<Json<DueList>> {
    let as_of = match &q.as_of {
        Some(t) => parse_time(t).ok_or_else(|| {
            Problem::malformed("as_of must be a date (YYYY-MM-DD) or an RFC 3339 time")
        })?,
        None => state.clock.now_ms(),
    };
    let event = EventType::LogQuery;
    let mut ltx = admin_only(
        &state,
        &meta,
        &caller,
        event,
        None,
        "see the destruction list",
    )
    .await?;
    let due = retention::due(ltx.tx().await?, as_of).await?;
    let record = admin_record(Record::new(event, LogAction::Read, None), &caller);
    ltx.record(&state, &meta, Some(&caller), record).await?;
    ltx.commit().await?;
    Ok(Json(DueList {
        as_of: rfc3339(as_of),
        households: due
            .into_iter()
            .map(|d| RetentionStatus {
                household_id: d.household,
                closed_at: Some(rfc3339(d.closed_ms)),
                class: Some(d.class),
                due_at: Some(rfc3339(d.due_ms)),
                holds: d.holds.into_iter().map(hold_info).collect(),
                destroyed_at: None,
            })
            .collect(),
    }))
}

#[utoipa::path(post, path = "/v1/retention/destroy", tag = "retention",
    request_body = Destroy,
    responses((status = 202, body = Proposal), (status = 403, body = ProblemBody), (status = 409, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn destroy(
    State(state): State<AppState>,
    idem: Idem,
    Caller(caller): Caller,
    meta: RequestMeta,
    ApiJson(req): ApiJson<Destroy>,
) -> ApiResult<Answer> {
    let approver = clean_label("the approver's name", &req.approved_by)?;
    let event = EventType::RetentionProposal;
    let mut ltx = admin_only(&state, &meta, &caller, event, None, "destroy dossiers").await?;
    let now = state.clock.now_ms();
    // The list as the archivist approved it: due now and not on hold.
    let listed: Vec<_> = retention::due(ltx.tx().await?, now)
        .await?
        .into_iter()
        .filter(|d| d.holds.is_empty())
        .map(|d| d.household)
        .collect();
    if listed.is_empty() {
        let record = admin_record(Record::new(event, LogAction::Create, None), &caller);
        let problem = Problem::new(
            Kind::NothingDue,
            "nothing is due for destruction now (or all of it is on hold): no proposal was made",
        );
        return Err(ltx
            .refuse(
                &state,
                &meta,
                &caller,
                record.failed("nothing_due"),
                problem,
            )
            .await);
    }
    let proposal = propose(
        &state,
        &meta,
        &caller,
        &mut ltx,
        Proposing {
            kind: ProposalKind::Destroy,
            basis: &approver,
            households: &listed,
            now_ms: now,
        },
    )
    .await?;
    let answer = Answer::json(StatusCode::ACCEPTED, &proposal);
    ltx.commit_answer(&state, &idem, answer).await
}
