//! Administrator actions on a person's account:
//! `POST /v1/principals/{id}/disable`, `POST …/enable`, `DELETE …/sessions`.
//!
//! A disabled person cannot log in (`api::login`), their sessions end at once
//! (their tokens are deleted; `store::sessions::principal_for_token` refuses
//! any left over), and the invites they made stop working
//! (`store::invites::redeem`). Ending someone's sessions without disabling
//! them is for a lost phone or laptop: they log in again with their keystore.
//! Administrators do these to others (never disable themselves: someone must
//! be left to enable people); anyone may end their own sessions.
//!
//! Each action and each refusal is one `principal.*` log entry in the
//! transaction of its effect: the actor is who did it, the one field the
//! person it is about (`kluis_audit::Entry::subject`), so the person's
//! household sees it too (`api::access_log`). A refusal names the person
//! only if they exist, so nobody puts made-up ids into the log.

use axum::extract::{Path, State};
use kluis_audit::{Action as LogAction, EventType};
use kluis_policy::PrincipalId;

use super::auth::Caller;
use super::idempotency::{Answer, Idem};
use super::json::ApiJson;
use super::problem::{ApiResult, Kind, Problem, ProblemBody};
use super::record::{LoggedTx, Record, RequestMeta};
use crate::clock::rfc3339;
use crate::role::Role;
use crate::server::AppState;
use crate::store::principals::{self, Principal};
use crate::store::sessions;
use crate::wire::accounts::{AccountStatus, Disable};

/// The basis an administrator acts on.
const ADMIN_BASIS: &str = "role:admin";

/// The longest reason for disabling, in characters (a log string holds at
/// most 1024 bytes; 200 characters of any script fit).
const MAX_REASON: usize = 200;

fn clean_reason(text: &str) -> ApiResult<String> {
    let t = text.trim();
    if t.is_empty() || t.chars().count() > MAX_REASON || t.chars().any(char::is_control) {
        return Err(Problem::malformed(format!(
            "the reason must be 1 to {MAX_REASON} printable characters"
        )));
    }
    Ok(t.to_owned())
}

/// The account event's record, and the person it is about if they exist
/// (looked up in the request's transaction).
pub(super) async fn start(
    state: &AppState,
    event: EventType,
    action: LogAction,
    id: &str,
) -> ApiResult<(LoggedTx, Record, PrincipalId, Option<Principal>)> {
    let subject = PrincipalId::parse(id)?;
    let mut ltx = LoggedTx::begin(state).await?;
    let person = principals::get_in(ltx.tx().await?, subject).await?;
    let mut record = Record::new(event, action, None);
    if person.is_some() {
        record = record.field(&subject);
    }
    Ok((ltx, record, subject, person))
}

/// Refuse anyone but an administrator (logged), then a person who does not
/// exist (404).
pub(super) async fn admin_on(
    state: &AppState,
    meta: &RequestMeta,
    caller: &Principal,
    started: (LoggedTx, Record, PrincipalId, Option<Principal>),
    what: &str,
) -> ApiResult<(LoggedTx, Record, Principal)> {
    let (ltx, record, _, person) = started;
    if caller.role != Role::Admin {
        let problem = Problem::forbidden(format!("only administrators {what}"));
        return Err(ltx
            .refuse(state, meta, caller, record.denied("role"), problem)
            .await);
    }
    match person {
        Some(p) => Ok((ltx, record, p)),
        None => {
            ltx.rollback().await;
            Err(Problem::not_found("no person with this id"))
        }
    }
}

/// Ending sessions of person `id`: anyone for themselves, administrators
/// for others (refused and logged otherwise, by `admin_on`).
pub(super) async fn sign_out_of(
    state: &AppState,
    meta: &RequestMeta,
    caller: &Principal,
    id: &str,
) -> ApiResult<(LoggedTx, Record, Principal)> {
    let started = start(state, EventType::PrincipalSignOut, LogAction::Delete, id).await?;
    if started.2 == caller.id {
        let (ltx, mut record, _, person) = started;
        record.flags.authorised = true;
        return Ok((ltx, record, person.unwrap_or_else(|| caller.clone())));
    }
    let (ltx, record, person) =
        admin_on(state, meta, caller, started, "end other people's sessions").await?;
    Ok((ltx, as_admin(record), person))
}

fn status(
    p: &Principal,
    disabled_ms: Option<i64>,
    reason: Option<String>,
    ended: u64,
) -> AccountStatus {
    AccountStatus {
        principal_id: p.id,
        name: p.name.clone(),
        role: p.role,
        disabled_at: disabled_ms.map(rfc3339),
        reason,
        sessions_ended: ended,
    }
}

pub(super) fn as_admin(mut record: Record) -> Record {
    record.basis = Some(ADMIN_BASIS.to_owned());
    record.flags.authorised = true;
    record
}

#[utoipa::path(post, path = "/v1/principals/{id}/disable", tag = "accounts",
    params(("id" = String, Path, description = "principal id")), request_body = Disable,
    responses((status = 200, body = AccountStatus), (status = 403, body = ProblemBody),
        (status = 404, body = ProblemBody), (status = 409, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn disable(
    State(state): State<AppState>,
    idem: Idem,
    Caller(caller): Caller,
    meta: RequestMeta,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<Disable>,
) -> ApiResult<Answer> {
    let reason = clean_reason(&req.reason)?;
    let started = start(&state, EventType::PrincipalDisable, LogAction::Update, &id).await?;
    let (mut ltx, record, person) =
        admin_on(&state, &meta, &caller, started, "disable accounts").await?;
    if person.id == caller.id {
        let problem =
            Problem::forbidden("you cannot disable your own account: ask another administrator");
        return Err(ltx
            .refuse(&state, &meta, &caller, record.denied("self"), problem)
            .await);
    }
    if let Some(since) = person.disabled_ms {
        ltx.rollback().await;
        return Err(Problem::new(
            Kind::Conflict,
            format!("this account is already disabled, since {}", rfc3339(since)),
        ));
    }
    let now = state.clock.now_ms();
    let by = caller.id.to_string();
    principals::set_disabled(ltx.tx().await?, person.id, Some((now, &by, &reason))).await?;
    let ended = sessions::end_all(ltx.tx().await?, person.id, now).await?;
    let mut record = as_admin(record);
    record.reason = Some(reason.clone());
    ltx.record(&state, &meta, Some(&caller), record).await?;
    let answer = Answer::ok(&status(&person, Some(now), Some(reason), ended));
    ltx.commit_answer(&state, &idem, answer).await
}

#[utoipa::path(post, path = "/v1/principals/{id}/enable", tag = "accounts",
    params(("id" = String, Path, description = "principal id")),
    responses((status = 200, body = AccountStatus), (status = 403, body = ProblemBody),
        (status = 404, body = ProblemBody), (status = 409, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn enable(
    State(state): State<AppState>,
    idem: Idem,
    Caller(caller): Caller,
    meta: RequestMeta,
    Path(id): Path<String>,
) -> ApiResult<Answer> {
    let started = start(&state, EventType::PrincipalEnable, LogAction::Update, &id).await?;
    let (mut ltx, record, person) =
        admin_on(&state, &meta, &caller, started, "enable accounts").await?;
    if person.disabled_ms.is_none() {
        ltx.rollback().await;
        return Err(Problem::new(Kind::Conflict, "this account is not disabled"));
    }
    principals::set_disabled(ltx.tx().await?, person.id, None).await?;
    ltx.record(&state, &meta, Some(&caller), as_admin(record))
        .await?;
    let answer = Answer::ok(&status(&person, None, None, 0));
    ltx.commit_answer(&state, &idem, answer).await
}

#[utoipa::path(delete, path = "/v1/principals/{id}/sessions", tag = "accounts",
    params(("id" = String, Path, description = "principal id")),
    responses((status = 200, body = AccountStatus), (status = 403, body = ProblemBody),
        (status = 404, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn sign_out(
    State(state): State<AppState>,
    idem: Idem,
    Caller(caller): Caller,
    meta: RequestMeta,
    Path(id): Path<String>,
) -> ApiResult<Answer> {
    let (mut ltx, record, person) = sign_out_of(&state, &meta, &caller, &id).await?;
    let now = state.clock.now_ms();
    let ended = sessions::end_all(ltx.tx().await?, person.id, now).await?;
    ltx.record(&state, &meta, Some(&caller), record).await?;
    let answer = Answer::ok(&status(&person, person.disabled_ms, None, ended));
    ltx.commit_answer(&state, &idem, answer).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_short_printable_sentences() {
        assert_eq!(clean_reason("  uit dienst ").unwrap(), "uit dienst");
        assert!(clean_reason("").is_err());
        assert!(clean_reason("a\nb").is_err());
        assert!(clean_reason(&"é".repeat(MAX_REASON)).is_ok());
        assert!(clean_reason(&"é".repeat(MAX_REASON + 1)).is_err());
    }
}
