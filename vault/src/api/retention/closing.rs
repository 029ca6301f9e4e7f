//! Closing a case (support has ended: the retention clock starts) and
//! reopening it (support continues: the clock stops). For an administrator
//! or the household's coordinating professional.

use axum::extract::{Path, State};
use kluis_audit::{Action as LogAction, EventType};
use kluis_policy::{Action, Basis, Decision, DenyReason, HouseholdId};

use super::{admin_record, existing, status_of};
use crate::access;
use crate::api::auth::Caller;
use crate::api::idempotency::{Answer, Idem};
use crate::api::json::ApiJson;
use crate::api::problem::{ApiResult, Kind, Problem, ProblemBody};
use crate::api::record::{denial, LoggedTx, Record, RequestMeta};
use crate::role::Role;
use crate::server::AppState;
use crate::store::principals::Principal;
use crate::store::retention;
use crate::wire::retention::{Close, RetentionStatus};

/// Admins, and the coordinator: a professional whose grant in force lists
/// `coordinate` (asked of the one evaluator, like every dossier decision).
fn may_coordinate(caller: &Principal, facts: &kluis_policy::Facts, now: i64) -> Decision {
    if caller.role == Role::Admin {
        return Decision::Allow(Basis::Membership);
    }
    if caller.role != Role::Professional {
        return Decision::Deny(if facts.members.contains(&caller.id) {
            DenyReason::ActionNotGranted
        } else {
            DenyReason::NotInvolved
        });
    }
    match access::decide(caller, facts, None, None, Action::Coordinate, now) {
        Decision::Allow(b @ Basis::Grant { .. }) => Decision::Allow(b),
        Decision::Allow(_) => Decision::Deny(DenyReason::NotInvolved),
        deny => deny,
    }
}

/// What an involved person who may not coordinate hears.
fn refusal(reason: DenyReason) -> Problem {
    match reason {
        DenyReason::NotInvolved | DenyReason::WrongHousehold => denial(reason),
        _ => Problem::forbidden(
            "only the household's coordinating professional (a grant with 'coordinate') or an administrator closes or reopens a case",
        ),
    }
}

/// Shared frame: parse, lock the log, decide, log refusals, check the
/// household exists.
async fn coordinated(
    state: &AppState,
    meta: &RequestMeta,
    caller: &Principal,
    household: &str,
    event: EventType,
) -> ApiResult<(LoggedTx, HouseholdId, Record, retention::Status)> {
    let h = HouseholdId::parse(household)?;
    let mut ltx = LoggedTx::begin(state).await?;
    let facts = access::facts(ltx.tx().await?, h).await?;
    let decision = may_coordinate(caller, &facts, state.clock.now_ms());
    let record = Record::new(event, LogAction::Update, Some(h)).decision(&decision);
    if let Decision::Deny(reason) = decision {
        return Err(ltx
            .refuse(state, meta, caller, record, refusal(reason))
            .await);
    }
    let (ltx, status) = existing(state, meta, caller, ltx, h, &record).await?;
    let record = if caller.role == Role::Admin {
        admin_record(record, caller)
    } else {
        record
    };
    Ok((ltx, h, record, status))
}

#[utoipa::path(post, path = "/v1/households/{household}/close", tag = "retention",
    params(("household" = String, Path)), request_body = Close,
    responses((status = 200, body = RetentionStatus), (status = 403, body = ProblemBody), (status = 409, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn close(
    State(state): State<AppState>,
    idem: Idem,
    Caller(caller): Caller,
    meta: RequestMeta,
    Path(household): Path<String>,
    ApiJson(req): ApiJson<Close>,
) -> ApiResult<Answer> {
    let Some(term) = state.schedule.term(&req.basis) else {
        return Err(Problem::malformed(format!(
            "unknown retention class '{}' (classes: {})",
            req.basis.chars().take(40).collect::<String>(),
            state.schedule.classes().collect::<Vec<_>>().join(", ")
        )));
    };
    let (mut ltx, h, mut record, status) = coordinated(
        &state,
        &meta,
        &caller,
        &household,
        EventType::HouseholdClose,
    )
    .await?;
    record.purpose = Some(format!("retention:{}", req.basis));
    if let (Some(closed), Some(class)) = (status.closed_ms, &status.class) {
        // Closing again would restart the clock, or move the case to a
        // shorter class: both are decisions to make by reopening first.
        let problem = Problem::new(
            Kind::AlreadyClosed,
            format!(
                "the case was closed on {} under class {class}; reopen it first to close it again",
                crate::clock::rfc3339(closed)
            ),
        );
        return Err(ltx
            .refuse(
                &state,
                &meta,
                &caller,
                record.failed("already_closed"),
                problem,
            )
            .await);
    }
    let now = state.clock.now_ms();
    let due = term
        .after(now)
        .ok_or_else(|| Problem::malformed("the term is too long"))?;
    retention::close(ltx.tx().await?, h, &req.basis, now, due).await?;
    let status = status_of(&mut ltx, h).await?;
    ltx.record(&state, &meta, Some(&caller), record).await?;
    let answer = Answer::ok(&status);
    ltx.commit_answer(&state, &idem, answer).await
}

#[utoipa::path(post, path = "/v1/households/{household}/reopen", tag = "retention",
    params(("household" = String, Path)),
    responses((status = 200, body = RetentionStatus), (status = 403, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn reopen(
    State(state): State<AppState>,
    idem: Idem,
    Caller(caller): Caller,
    meta: RequestMeta,
    Path(household): Path<String>,
) -> ApiResult<Answer> {
    let (mut ltx, h, record, _) = coordinated(
        &state,
        &meta,
        &caller,
        &household,
        EventType::HouseholdReopen,
    )
    .await?;
    retention::reopen(ltx.tx().await?, h).await?;
    let status = status_of(&mut ltx, h).await?;
    ltx.record(&state, &meta, Some(&caller), record).await?;
    let answer = Answer::ok(&status);
    ltx.commit_answer(&state, &idem, answer).await
}
