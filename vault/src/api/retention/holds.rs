//! Legal holds: while a household has one, nothing of it is destroyed or
//! erased. Administrators place them; a release names the hold it ends and
//! why, so one hold (a complaint) ending never lifts another (an inquiry).

use axum::extract::{Path, State};
use kluis_audit::{Action as LogAction, EventType};
use kluis_policy::HouseholdId;

use super::{admin_only, admin_record, existing, status_of};
use crate::api::auth::Caller;
use crate::api::idempotency::{Answer, Idem};
use crate::api::json::ApiJson;
use crate::api::problem::{ApiResult, Kind, Problem, ProblemBody};
use crate::api::record::{Record, RequestMeta};
use crate::server::AppState;
use crate::store::retention;
use crate::wire::retention::{Held, Hold, Release, RetentionStatus};

/// A hold id as the server makes them: 16 lowercase hex digits.
fn parse_hold_id(text: &str) -> ApiResult<&str> {
    if text.len() == 16 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        Ok(text)
    } else {
        Err(Problem::new(
            Kind::MalformedId,
            "a hold id is 16 lowercase hex digits (see `kluis household status`)",
        ))
    }
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

#[utoipa::path(post, path = "/v1/households/{household}/holds", tag = "retention",
    params(("household" = String, Path)), request_body = Hold,
    responses((status = 200, body = Held), (status = 403, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn hold(
    State(state): State<AppState>,
    idem: Idem,
    Caller(caller): Caller,
    meta: RequestMeta,
    Path(household): Path<String>,
    ApiJson(req): ApiJson<Hold>,
) -> ApiResult<Answer> {
    let h = HouseholdId::parse(&household)?;
    let reason = clean_reason(&req.reason)?;
    let event = EventType::HouseholdHold;
    let ltx = admin_only(&state, &meta, &caller, event, Some(h), "place legal holds").await?;
    let record = admin_record(Record::new(event, LogAction::Create, Some(h)), &caller);
    let (mut ltx, _) = existing(&state, &meta, &caller, ltx, h, &record).await?;
    let now = state.clock.now_ms();
    let id =
        retention::place_hold(ltx.tx().await?, h, &reason, &caller.id.to_string(), now).await?;
    let mut record = record;
    record.reason = Some(format!("hold:{id}"));
    let status = status_of(&mut ltx, h).await?;
    let hold = status
        .holds
        .iter()
        .find(|held| held.id == id)
        .cloned()
        .ok_or_else(|| Problem::new(Kind::Internal, "the hold just placed is missing"))?;
    ltx.record(&state, &meta, Some(&caller), record).await?;
    let answer = Answer::ok(&Held { hold, status });
    ltx.commit_answer(&state, &idem, answer).await
}

#[utoipa::path(post, path = "/v1/households/{household}/holds/{hold}/release", tag = "retention",
    params(("household" = String, Path), ("hold" = String, Path)), request_body = Release,
    responses((status = 200, body = RetentionStatus), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn release(
    State(state): State<AppState>,
    idem: Idem,
    Caller(caller): Caller,
    meta: RequestMeta,
    Path((household, hold)): Path<(String, String)>,
    ApiJson(req): ApiJson<Release>,
) -> ApiResult<Answer> {
    let h = HouseholdId::parse(&household)?;
    let hold = parse_hold_id(&hold)?;
    let why = clean_reason(&req.reason)?;
    let event = EventType::HouseholdRelease;
    let ltx = admin_only(
        &state,
        &meta,
        &caller,
        event,
        Some(h),
        "release legal holds",
    )
    .await?;
    let mut record = admin_record(Record::new(event, LogAction::Update, Some(h)), &caller);
    record.reason = Some(format!("hold:{hold} released: {why}"));
    let (mut ltx, _) = existing(&state, &meta, &caller, ltx, h, &record).await?;
    let now = state.clock.now_ms();
    let released =
        retention::release_hold(ltx.tx().await?, h, hold, &why, &caller.id.to_string(), now)
            .await?;
    if !released {
        let problem = Problem::new(
            Kind::HoldNotFound,
            "this household has no active legal hold with that id",
        );
        let failed = record.failed(&format!("no_such_hold:{hold}"));
        return Err(ltx.refuse(&state, &meta, &caller, failed, problem).await);
    }
    let status = status_of(&mut ltx, h).await?;
    ltx.record(&state, &meta, Some(&caller), record).await?;
    let answer = Answer::ok(&status);
    ltx.commit_answer(&state, &idem, answer).await
}
