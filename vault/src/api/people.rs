//! `GET /v1/principals?q=TEXT`: the people registered here, for the
//! administrators who invite, disable and help them (`kluis people`, the
//! web app's "Mensen" screen).
//!
//! Unlike the directory of professionals (`api::professionals`), this
//! lists clients too, so who is in a wijkteam's care: administrators only,
//! and every look is logged (`log.query`, with what was searched for), as
//! the destruction list and the proposals are.

use axum::extract::State;
use axum::Json;
use kluis_audit::{Action as LogAction, EventType, Flags};

use super::auth::Caller;
use super::json::ApiQuery;
use super::problem::{ApiResult, Problem, ProblemBody};
use super::professionals::{search_text, ProfessionalsQuery};
use super::record::{LoggedTx, Record, RequestMeta};
use crate::clock::rfc3339;
use crate::role::Role;
use crate::server::AppState;
use crate::store::professionals;
use crate::wire::people::{Person, PersonList};

/// The most people one answer lists.
pub const MAX_RESULTS: u32 = 100;

/// People whose name or organisation contains `q`, by name.
#[utoipa::path(get, path = "/v1/principals", tag = "enrolment",
    params(ProfessionalsQuery),
    responses((status = 200, body = PersonList), (status = 400, body = ProblemBody), (status = 403, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    Caller(caller): Caller,
    meta: RequestMeta,
    ApiQuery(query): ApiQuery<ProfessionalsQuery>,
) -> ApiResult<Json<PersonList>> {
    let text = search_text(query.q.as_deref())?;
    let ltx = LoggedTx::begin(&state).await?;
    let mut record = Record::new(EventType::LogQuery, LogAction::Read, None);
    record.reason = Some(if text.is_empty() {
        "people: everyone".to_owned()
    } else {
        format!("people: {text}")
    });
    if caller.role != Role::Admin {
        let problem = Problem::forbidden("only administrators see the list of people");
        return Err(ltx
            .refuse(&state, &meta, &caller, record.denied("role"), problem)
            .await);
    }
    let mut ltx = ltx;
    let mut record = record.basis(&format!("role:{}", caller.role));
    record.flags = Flags {
        authorised: true,
        involved: false,
        consent: false,
        emergency: false,
    };
    // Logged before the answer is made: no list leaves without its entry.
    ltx.record(&state, &meta, Some(&caller), record).await?;
    ltx.commit().await?;
    let mut found = professionals::everyone(&state.store, text, MAX_RESULTS + 1).await?;
    let more = found.len() > MAX_RESULTS as usize;
    found.truncate(MAX_RESULTS as usize);
    Ok(Json(PersonList {
        people: found
            .iter()
            .map(|p| Person {
                principal_id: p.id,
                name: p.name.clone(),
                role: p.role,
                org: p.org.clone(),
                fingerprint: p.fingerprint(),
                disabled_at: p.disabled_ms.map(rfc3339),
            })
            .collect(),
        more,
    }))
}
