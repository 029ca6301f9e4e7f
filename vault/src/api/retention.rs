//! Retention (Archiefwet): closing support starts the clock; the destruction
//! list shows what is due; destruction crypto-shreds what is due and not on
//! hold and leaves a record in the log; erasure on request uses the same
//! mechanism with its own basis.
//!
//! Closing, reopening and holds are for an admin or the household's
//! coordinator (a professional with an active grant). The destruction list,
//! destruction and erasure are for admins. None of it reads content.

use axum::extract::{Path, State};
use axum::Json;
use kluis_audit::{Action as LogAction, EventType, Flags};
use kluis_policy::{Action, Basis, Decision, DenyReason, HouseholdId};
use serde::Deserialize;

use super::auth::Caller;
use super::enrol::clean_label;
use super::idempotency::{Answer, Idem};
use super::json::{ApiJson, ApiQuery};
use super::problem::{ApiResult, Kind, Problem, ProblemBody};
use super::record::{denial, LoggedTx, Record, RequestMeta};
use crate::access;
use crate::clock::{parse_time, rfc3339};
use crate::role::Role;
use crate::server::AppState;
use crate::store::principals::Principal;
use crate::store::retention;
use crate::wire::retention::{Close, Destroy, Destroyed, DueList, Erase, Hold, RetentionStatus};

/// Admins, and professionals with an active grant (the coordinator).
fn may_manage(caller: &Principal, facts: &kluis_policy::Facts, now: i64) -> Decision {
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
    match access::decide(caller, facts, None, None, Action::Read, now) {
        Decision::Allow(b @ Basis::Grant { .. }) => Decision::Allow(b),
        Decision::Allow(_) => Decision::Deny(DenyReason::NotInvolved),
        deny => deny,
    }
}

fn admin_record(record: Record, caller: &Principal) -> Record {
    let mut r = record.basis(&format!("role:{}", caller.role));
    r.flags = Flags {
        authorised: true,
        involved: false,
        consent: false,
        emergency: false,
    };
    r
}

async fn status_of(ltx: &mut LoggedTx, h: HouseholdId) -> ApiResult<RetentionStatus> {
    let s = retention::status(ltx.tx().await?, h)
        .await?
        .ok_or_else(|| denial(DenyReason::NotInvolved))?;
    Ok(RetentionStatus {
        household_id: h,
        closed_at: s.closed_ms.map(rfc3339),
        class: s.class,
        due_at: s.due_ms.map(rfc3339),
        holds: retention::active_holds(ltx.tx().await?, h).await?,
        destroyed_at: s.destroyed_ms.map(rfc3339),
    })
}

/// Shared frame: parse, lock the log, decide who may manage, log refusals.
async fn managed(
    state: &AppState,
    meta: &RequestMeta,
    caller: &Principal,
    household: &str,
    event: EventType,
) -> ApiResult<(LoggedTx, HouseholdId, Record)> {
    let h = HouseholdId::parse(household)?;
    let mut ltx = LoggedTx::begin(state).await?;
    let facts = access::facts(ltx.tx().await?, h).await?;
    let decision = may_manage(caller, &facts, state.clock.now_ms());
    let record = Record::new(event, LogAction::Update, Some(h)).decision(&decision);
    if let Decision::Deny(reason) = decision {
        return Err(ltx
            .refuse(state, meta, caller, record, denial(reason))
            .await);
    }
    let exists = retention::status(ltx.tx().await?, h).await?;
    if exists.as_ref().is_none_or(|s| s.destroyed_ms.is_some()) {
        let problem = denial(DenyReason::NotInvolved);
        return Err(ltx
            .refuse(
                state,
                meta,
                caller,
                record.failed("no_such_household"),
                problem,
            )
            .await);
    }
    let record = if caller.role == Role::Admin {
        admin_record(record, caller)
    } else {
        record
    };
    Ok((ltx, h, record))
}

#[utoipa::path(post, path = "/v1/households/{household}/close", tag = "retention",
    params(("household" = String, Path)), request_body = Close,
    responses((status = 200, body = RetentionStatus), (status = 403, body = ProblemBody)),
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
    let (mut ltx, h, mut record) = managed(
        &state,
        &meta,
        &caller,
        &household,
        EventType::HouseholdClose,
    )
    .await?;
    let now = state.clock.now_ms();
    let due = term
        .after(now)
        .ok_or_else(|| Problem::malformed("the term is too long"))?;
    retention::close(ltx.tx().await?, h, &req.basis, now, due).await?;
    record.purpose = Some(format!("retention:{}", req.basis));
    let status = status_of(&mut ltx, h).await?;
    ltx.record(&state, &meta, Some(&caller), record).await?;
    let answer = Answer::ok(&status);
    let answer = ltx.commit_answer(&state, &idem, answer).await?;
    scrub(&state).await;
    Ok(answer)
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
    let (mut ltx, h, record) = managed(
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
    let answer = ltx.commit_answer(&state, &idem, answer).await?;
    scrub(&state).await;
    Ok(answer)
}

#[utoipa::path(post, path = "/v1/households/{household}/holds", tag = "retention",
    params(("household" = String, Path)), request_body = Hold,
    responses((status = 200, body = RetentionStatus), (status = 403, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn hold(
    State(state): State<AppState>,
    idem: Idem,
    Caller(caller): Caller,
    meta: RequestMeta,
    Path(household): Path<String>,
    ApiJson(req): ApiJson<Hold>,
) -> ApiResult<Answer> {
    let reason = clean_reason(&req.reason)?;
    let (mut ltx, h, record) =
        managed(&state, &meta, &caller, &household, EventType::HouseholdHold).await?;
    retention::place_hold(
        ltx.tx().await?,
        h,
        &reason,
        &caller.id.to_string(),
        state.clock.now_ms(),
    )
    .await?;
    let status = status_of(&mut ltx, h).await?;
    ltx.record(&state, &meta, Some(&caller), record).await?;
    let answer = Answer::ok(&status);
    let answer = ltx.commit_answer(&state, &idem, answer).await?;
    scrub(&state).await;
    Ok(answer)
}

pub(crate) fn clean_reason(text: &str) -> ApiResult<String> {
    let t = text.trim();
    if t.is_empty() || t.chars().count() > 500 || t.chars().any(char::is_control) {
        return Err(Problem::malformed(
            "the reason must be 1 to 500 printable characters",
        ));
    }
    Ok(t.to_owned())
}

#[utoipa::path(delete, path = "/v1/households/{household}/holds", tag = "retention",
    params(("household" = String, Path)),
    responses((status = 200, body = RetentionStatus), (status = 403, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn release(
    State(state): State<AppState>,
    idem: Idem,
    Caller(caller): Caller,
    meta: RequestMeta,
    Path(household): Path<String>,
) -> ApiResult<Answer> {
    let (mut ltx, h, record) = managed(
        &state,
        &meta,
        &caller,
        &household,
        EventType::HouseholdRelease,
    )
    .await?;
    retention::release_holds(
        ltx.tx().await?,
        h,
        &caller.id.to_string(),
        state.clock.now_ms(),
    )
    .await?;
    let status = status_of(&mut ltx, h).await?;
    ltx.record(&state, &meta, Some(&caller), record).await?;
    let answer = Answer::ok(&status);
    let answer = ltx.commit_answer(&state, &idem, answer).await?;
    scrub(&state).await;
    Ok(answer)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DueQuery {
    /// A date (YYYY-MM-DD) or RFC 3339 time; default now.
    #[param(
        pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}([Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2}))?$"
    )]
    pub as_of: Option<String>,
}

/// Admins only: anyone else is refused, and the refusal logged.
async fn admin_only(
    state: &AppState,
    meta: &RequestMeta,
    caller: &Principal,
    event: EventType,
) -> ApiResult<LoggedTx> {
    let ltx = LoggedTx::begin(state).await?;
    if caller.role != Role::Admin {
        let record = Record::new(event, LogAction::Execute, None).denied("role");
        return Err(ltx
            .refuse(
                state,
                meta,
                caller,
                record,
                Problem::forbidden("only administrators manage retention"),
            )
            .await);
    }
    Ok(ltx)
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
    let mut ltx = admin_only(&state, &meta, &caller, EventType::LogQuery).await?;
    let due = retention::due(ltx.tx().await?, as_of).await?;
    let record = admin_record(
        Record::new(EventType::LogQuery, LogAction::Read, None),
        &caller,
    );
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
                holds: d.holds,
                destroyed_at: None,
            })
            .collect(),
    }))
}

#[utoipa::path(post, path = "/v1/retention/destroy", tag = "retention",
    request_body = Destroy,
    responses((status = 200, body = Destroyed), (status = 403, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn destroy(
    State(state): State<AppState>,
    idem: Idem,
    Caller(caller): Caller,
    meta: RequestMeta,
    ApiJson(req): ApiJson<Destroy>,
) -> ApiResult<Answer> {
    let approver = clean_label("the approver's name", &req.approved_by)?;
    let mut ltx = admin_only(&state, &meta, &caller, EventType::Destruction).await?;
    let now = state.clock.now_ms();
    let mut destroyed = Vec::new();
    let mut held = Vec::new();
    for d in retention::due(ltx.tx().await?, now).await? {
        if !d.holds.is_empty() {
            held.push(d.household);
            continue;
        }
        retention::destroy(ltx.tx().await?, d.household, now).await?;
        // The record of destruction: what, on which basis, approved by whom, when.
        let mut record = admin_record(
            Record::new(EventType::Destruction, LogAction::Delete, Some(d.household)),
            &caller,
        );
        record.basis = Some(format!("approved-by:{approver}"));
        record.purpose = Some(format!("retention:{}", d.class));
        record.fields = ["ciphertexts", "envelopes", "household-keys", "log-payloads"]
            .map(String::from)
            .to_vec();
        ltx.record(&state, &meta, Some(&caller), record).await?;
        destroyed.push(d.household);
    }
    let answer = Answer::ok(&Destroyed { destroyed, held });
    let answer = ltx.commit_answer(&state, &idem, answer).await?;
    scrub(&state).await;
    Ok(answer)
}

/// Take the deleted bytes out of the database files; the deletion itself
/// is committed already, so a failure here is for the operator's log.
async fn scrub(state: &AppState) {
    if let Err(e) = retention::scrub(&state.store).await {
        tracing::warn!(error = %e, "could not scrub the database files after a deletion; it will happen at the next checkpoint or vacuum");
    }
}

#[utoipa::path(post, path = "/v1/households/{household}/erase", tag = "retention",
    params(("household" = String, Path)), request_body = Erase,
    responses((status = 200, body = RetentionStatus), (status = 403, body = ProblemBody), (status = 409, body = ProblemBody)),
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
    let mut ltx = admin_only(&state, &meta, &caller, EventType::Erasure).await?;
    let mut record = admin_record(
        Record::new(EventType::Erasure, LogAction::Delete, Some(h)),
        &caller,
    );
    let Some(status) = retention::status(ltx.tx().await?, h)
        .await?
        .filter(|s| s.destroyed_ms.is_none())
    else {
        return Err(ltx
            .refuse(
                &state,
                &meta,
                &caller,
                record.failed("no_such_household"),
                denial(DenyReason::NotInvolved),
            )
            .await);
    };
    if !retention::active_holds(ltx.tx().await?, h)
        .await?
        .is_empty()
    {
        let problem = Problem::new(
            Kind::OnHold,
            "a legal hold stops erasure; release it first if the law allows",
        );
        return Err(ltx
            .refuse(&state, &meta, &caller, record.failed("on_hold"), problem)
            .await);
    }
    let now = state.clock.now_ms();
    retention::destroy(ltx.tx().await?, h, now).await?;
    record.basis = Some(format!("erasure:{basis}"));
    record.purpose = status.class.map(|c| format!("retention:{c}"));
    record.fields = ["ciphertexts", "envelopes", "household-keys", "log-payloads"]
        .map(String::from)
        .to_vec();
    let status = status_of(&mut ltx, h).await?;
    ltx.record(&state, &meta, Some(&caller), record).await?;
    let answer = Answer::ok(&status);
    let answer = ltx.commit_answer(&state, &idem, answer).await?;
    scrub(&state).await;
    Ok(answer)
}
