//! A person's sessions, one by one: `GET /v1/sessions` and
//! `DELETE /v1/sessions/{session}` for one's own, and
//! `GET`/`DELETE /v1/principals/{id}/sessions/{session}` for an
//! administrator helping someone who lost a phone (or for oneself).
//! Ending all of them at once is `DELETE /v1/principals/{id}/sessions`
//! (`api::accounts::sign_out`).
//!
//! A session is shown by a random id stored next to the token's hash, never
//! by the token or its hash. Ending one deletes its token, so the next
//! request with it is refused (`store::sessions::principal_for_token`).
//! Each end, and each refused one, is a `principal.sign-out` log entry
//! about the person (subject), with reason `one_session`, so their
//! household's history shows it next to "ended all sessions". A session id
//! that is not one of that person's live sessions is 404, logged as
//! `unknown_session`, whether it belongs to nobody or to someone else: a
//! person cannot find out, or end, the sessions of another.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::Json;
use kluis_audit::{Action as LogAction, EventType};
use kluis_policy::PrincipalId;

use super::accounts::sign_out_of;
use super::auth::{bearer_token, Caller};
use super::idempotency::{Answer, Idem};
use super::problem::{ApiResult, Problem, ProblemBody};
use super::record::{LoggedTx, Record, RequestMeta};
use crate::clock::rfc3339;
use crate::role::Role;
use crate::server::AppState;
use crate::store::principals::{self, Principal};
use crate::store::sessions;
use crate::wire::sessions::{SessionEnded, SessionInfo, SessionList};

/// The reason a log entry gives for ending (or trying to end) one session,
/// not all: how the household history tells the two apart.
pub const ONE_SESSION: &str = "one_session";

/// A session id as the server makes them: 24 lowercase hex digits.
fn check_session_id(id: &str) -> ApiResult<()> {
    let ok = id.len() == 24 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    if ok {
        Ok(())
    } else {
        Err(Problem::malformed(
            "a session id is 24 lowercase hex digits",
        ))
    }
}

/// The asking request's own token (to mark its session as current).
fn own_token(headers: &HeaderMap) -> &str {
    headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(bearer_token)
        .unwrap_or("")
}

async fn list_of(
    state: &AppState,
    person: PrincipalId,
    headers: &HeaderMap,
) -> ApiResult<Json<SessionList>> {
    let now = state.clock.now_ms();
    let rows = sessions::list(&state.store, person, own_token(headers), now).await?;
    let sessions = rows
        .into_iter()
        .map(|s| SessionInfo {
            id: s.id,
            device: s
                .device
                .unwrap_or_else(|| super::device_label::UNKNOWN.to_owned()),
            created_at: s.created_ms.map(rfc3339),
            last_used_at: s.last_used_ms.map(rfc3339),
            expires_at: rfc3339(s.expires_ms),
            current: s.current,
        })
        .collect();
    Ok(Json(SessionList { sessions }))
}

#[utoipa::path(get, path = "/v1/sessions", tag = "accounts",
    responses((status = 200, body = SessionList), (status = 401, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn list_mine(
    State(state): State<AppState>,
    Caller(caller): Caller,
    headers: HeaderMap,
) -> ApiResult<Json<SessionList>> {
    list_of(&state, caller.id, &headers).await
}

#[utoipa::path(get, path = "/v1/principals/{id}/sessions", tag = "accounts",
    params(("id" = String, Path, description = "principal id")),
    responses((status = 200, body = SessionList), (status = 403, body = ProblemBody),
        (status = 404, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn list_someones(
    State(state): State<AppState>,
    Caller(caller): Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Json<SessionList>> {
    let person = PrincipalId::parse(&id)?;
    if person != caller.id {
        if caller.role != Role::Admin {
            return Err(Problem::forbidden(
                "only administrators see other people's sessions",
            ));
        }
        if principals::get(&state.store, person).await?.is_none() {
            return Err(Problem::not_found("no person with this id"));
        }
    }
    list_of(&state, person, &headers).await
}

/// End one session of `person` (already allowed), logged; 404 (logged) if
/// it is not one of their live sessions.
async fn end(
    state: &AppState,
    idem: &Idem,
    meta: &RequestMeta,
    caller: &Principal,
    (mut ltx, mut record, person): (LoggedTx, Record, Principal),
    session: &str,
) -> ApiResult<Answer> {
    let now = state.clock.now_ms();
    if !sessions::end_one(ltx.tx().await?, person.id, session, now).await? {
        let problem = Problem::not_found("no live session with this id");
        return Err(ltx
            .refuse(
                state,
                meta,
                caller,
                record.denied("unknown_session"),
                problem,
            )
            .await);
    }
    record.reason = Some(ONE_SESSION.to_owned());
    ltx.record(state, meta, Some(caller), record).await?;
    let answer = Answer::ok(&SessionEnded {
        id: session.to_owned(),
        principal_id: person.id,
    });
    ltx.commit_answer(state, idem, answer).await
}

#[utoipa::path(delete, path = "/v1/sessions/{session}", tag = "accounts",
    params(("session" = String, Path, description = "session id")),
    responses((status = 200, body = SessionEnded), (status = 404, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn end_mine(
    State(state): State<AppState>,
    idem: Idem,
    Caller(caller): Caller,
    meta: RequestMeta,
    Path(session): Path<String>,
) -> ApiResult<Answer> {
    check_session_id(&session)?;
    let mut ltx = LoggedTx::begin(&state).await?;
    let me = principals::get_in(ltx.tx().await?, caller.id)
        .await?
        .unwrap_or_else(|| caller.clone());
    let mut record = Record::new(EventType::PrincipalSignOut, LogAction::Delete, None);
    record = record.field(&caller.id);
    record.flags.authorised = true;
    end(&state, &idem, &meta, &caller, (ltx, record, me), &session).await
}

#[utoipa::path(delete, path = "/v1/principals/{id}/sessions/{session}", tag = "accounts",
    params(("id" = String, Path, description = "principal id"),
        ("session" = String, Path, description = "session id")),
    responses((status = 200, body = SessionEnded), (status = 403, body = ProblemBody),
        (status = 404, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn end_someones(
    State(state): State<AppState>,
    idem: Idem,
    Caller(caller): Caller,
    meta: RequestMeta,
    Path((id, session)): Path<(String, String)>,
) -> ApiResult<Answer> {
    check_session_id(&session)?;
    let allowed = sign_out_of(&state, &meta, &caller, &id).await?;
    end(&state, &idem, &meta, &caller, allowed, &session).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_ids_are_what_the_server_makes() {
        assert!(check_session_id(&hex::encode([7u8; 12])).is_ok());
        for bad in [
            "",
            "ABCDEF0123456789abcdef01",
            "../../whoami",
            &"a".repeat(25),
        ] {
            assert!(check_session_id(bad).is_err(), "{bad}");
        }
    }
}
