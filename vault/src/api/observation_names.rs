//! `POST /v1/households/{household}/observations/names`: the server makes
//! every observation's name.
//!
//! An observation's path ends up in the household's history, so a writer
//! who could choose it could write sentences of their own into that history
//! (`observaties/aangifte-tegen-u`). So the writer first asks for a name:
//! `observaties/<date>-<time>-<64 random bits>`, remembered as issued to them
//! for this household for an hour. The writer signs its version over that
//! name; `api::observations::create` (and the readers lookup before it,
//! `api::plan::write_plan`) accept a new observation only under a name issued
//! to the caller and not yet used, and refuse anything else naming only the
//! section in the log.
//!
//! Only someone who may write an observation there gets a name (a refusal is
//! logged like any other). Issuing one is not logged: it reads and changes
//! nothing of the dossier, and what the name is then used for is. A person
//! holds at most `store::observation_names::MAX_OPEN` unused names per
//! household, so asking cannot fill the database.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use kluis_audit::{Action as LogAction, EventType};
use kluis_policy::{FieldPath, HouseholdId};

use super::auth::Caller;
use super::idempotency::{Answer, Idem};
use super::observations::{involvement, SECTION};
use super::problem::{ApiResult, Kind, Problem, ProblemBody};
use super::record::{LoggedTx, Record, RequestMeta};
use crate::access;
use crate::clock::rfc3339;
use crate::server::AppState;
use crate::store::observation_names;
use crate::wire::consent::ObservationName;

/// How long an issued name waits to be used.
pub const NAME_TTL_MS: i64 = 60 * 60 * 1000;

/// A fresh name: the server's time (UTC) and 64 random bits.
pub fn new_name(now_ms: i64) -> FieldPath {
    let when = chrono::DateTime::from_timestamp_millis(now_ms)
        .unwrap_or_default()
        .format("%Y%m%d-%H%M%S");
    let random = hex::encode(rand::random::<[u8; 8]>());
    FieldPath::parse(&format!("{SECTION}/{when}-{random}")).expect("well-formed by construction")
}

#[utoipa::path(post, path = "/v1/households/{household}/observations/names", tag = "observations",
    params(("household" = String, Path)),
    responses((status = 201, body = ObservationName), (status = 403, body = ProblemBody),
        (status = 404, body = ProblemBody), (status = 422, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn issue(
    State(state): State<AppState>,
    idem: Idem,
    Caller(caller): Caller,
    meta: RequestMeta,
    Path(household): Path<String>,
) -> ApiResult<Answer> {
    let h = HouseholdId::parse(&household)?;
    let mut ltx = LoggedTx::begin(&state).await?;
    let facts = access::facts(ltx.tx().await?, h).await?;
    let now = state.clock.now_ms();
    let decision = involvement(&caller, &facts, now);
    let record = Record::new(EventType::ObservationCreate, LogAction::Create, Some(h))
        .field(&SECTION)
        .decision(&decision);
    let mut ltx = ltx
        .allowed(&state, &meta, &caller, &decision, &record)
        .await?;
    let path = new_name(now);
    let expires = now + NAME_TTL_MS;
    if !observation_names::issue(ltx.tx().await?, h, &path, caller.id, now, expires).await? {
        ltx.rollback().await;
        return Err(Problem::new(
            Kind::LimitExceeded,
            format!(
                "you hold {} observation names for this household that you have not used; use them or wait an hour",
                observation_names::MAX_OPEN
            ),
        ));
    }
    let answer = Answer::json(
        StatusCode::CREATED,
        &ObservationName {
            path,
            expires_at: rfc3339(expires),
        },
    );
    ltx.commit_answer(&state, &idem, answer).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_dated_and_random() {
        let a = new_name(1_795_999_490_436);
        assert!(a.as_str().starts_with("observaties/20261130-"), "{a}");
        assert_eq!(a.as_str().len(), "observaties/20261130-004450-".len() + 16);
        assert_ne!(a, new_name(1_795_999_490_436));
    }
}
