//! Reading one field: the hot path, and the only request that finds its
//! caller in the same snapshot as what it reads.
//!
//! A read is decided on one snapshot (`store::read_snapshot`): usually one
//! small statement with members and grants from the policy cache, or none
//! when this session read the field's newest version a moment ago. Its log
//! entry goes through the group-commit writer (`log_writer`), and nothing
//! leaves before that entry is durable. A read decided on a kept snapshot
//! is confirmed by the writer under the log lock, and decided again from
//! the database if anything it rested on changed.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::Json;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use kluis_audit::{Action as LogAction, EventType};
use kluis_policy::{Action, Decision, Facts, FieldPath, HouseholdId};
use serde::Deserialize;

use super::auth::{answer, Bearer};
use super::json::ApiQuery;
use super::log_writer::Logged;
use super::plan::{served_proof, writer_of};
use super::problem::{ApiResult, Kind, Problem, ProblemBody};
use super::record::{denial, field_for_log, refuse_now, Record, RequestMeta};
use super::upload::field_ids as ids;
use crate::access;
use crate::clock::rfc3339;
use crate::server::AppState;
use crate::store::fields::HOUSEHOLD_READER;
use crate::store::read_snapshot;
use crate::wire::plan::FieldValue;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReadQuery {
    /// A version number; the newest when absent.
    pub version: Option<i64>,
}

#[utoipa::path(get, path = "/v1/households/{household}/fields/{path}", tag = "plan",
    params(("household" = String, Path), ("path" = String, Path), ReadQuery),
    responses((status = 200, body = FieldValue), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn read(
    State(state): State<AppState>,
    bearer: Bearer,
    meta: RequestMeta,
    address: Result<Path<(String, String)>, PathRejection>,
    query: Result<ApiQuery<ReadQuery>, Problem>,
) -> ApiResult<Json<FieldValue>> {
    // Who asks is checked before what is asked, as `Caller` does for every
    // other request; only this one finds its caller in the snapshot below.
    let asked = address
        .map_err(|e| Problem::malformed(format!("the address is not valid: {}", e.body_text())))
        .and_then(|Path((household, path))| {
            let (h, path) = ids(&state, &household, &path)?;
            Ok((h, path, query?.0))
        });
    let (h, path, q) = match asked {
        Ok(asked) => asked,
        Err(problem) => {
            bearer.caller(&state).await?;
            return Err(problem);
        }
    };
    if let Some(value) = serve(&state, &bearer, &meta, h, &path, q.version, false).await? {
        return Ok(Json(value));
    }
    // It was decided on a kept read that no longer holds (or would not be
    // served): decided again from the database, where nothing is left for
    // the writer to confirm, so this time it ends one way or the other.
    serve(&state, &bearer, &meta, h, &path, q.version, true)
        .await?
        .map(Json)
        .ok_or_else(|| Problem::new(Kind::Unavailable, "the read could not be decided"))
}

/// Decide one read and, if allowed, log and answer it. `Ok(None)`: it was
/// decided on a kept read (`store::read_snapshot::recent`, never with
/// `fresh`) that would not be served, or that the writer found changed;
/// nothing was logged, and it must be decided again with `fresh`.
async fn serve(
    state: &AppState,
    bearer: &Bearer,
    meta: &RequestMeta,
    h: HouseholdId,
    path: &FieldPath,
    version: Option<i64>,
    fresh: bool,
) -> ApiResult<Option<FieldValue>> {
    // The caller, the household's members, the caller's grants, and the
    // version with its envelopes: one snapshot, usually one small statement
    // with members and grants from the policy cache, or none for a field
    // this session read a moment ago (`store::read_snapshot`). The log
    // entry goes through the group-commit writer, and nothing leaves
    // before it is durable.
    let snapshot = read_snapshot::load(
        &state.store,
        &bearer.0,
        state.clock.now_ms(),
        h,
        path,
        version,
        fresh,
    )
    .await?;
    let kept = snapshot.confirm.is_some();
    // A kept read is only ever served; anything else is decided afresh
    // before a word is logged.
    let again = || Ok(None);
    let caller = answer(snapshot.caller)?;
    state.metrics.read_source(if kept {
        "recent"
    } else if snapshot.cached {
        "cache"
    } else {
        "statement"
    });
    if !kept {
        state.metrics.read_statement(snapshot.batch);
    }
    let facts = Facts {
        household: h,
        members: snapshot.members,
        grants: snapshot.grants,
        private_author: None,
    };
    let me = caller.id.to_string();
    let found = snapshot.found;
    let (private_author, exists) = (snapshot.newest_private_author, snapshot.field_exists);
    let now = state.clock.now_ms();
    let decision = access::decide(
        &caller,
        &facts,
        Some(path),
        private_author,
        Action::Read,
        now,
    );
    let record = Record::new(EventType::FieldRead, LogAction::Read, Some(h))
        .field(&field_for_log(path, exists))
        .decision(&decision);
    if let Decision::Deny(reason) = decision {
        if kept {
            return again();
        }
        return Err(refuse_now(state, meta, &caller, record, denial(reason)).await);
    }
    let Some(found) = found else {
        let problem = Problem::new(
            Kind::FieldNotFound,
            "this field (or this version of it) does not exist",
        );
        return Err(refuse_now(
            state,
            meta,
            &caller,
            record.failed("no_such_field"),
            problem,
        )
        .await);
    };
    let info = found.info;
    let ciphertext = found.ciphertext;
    let (reader, envelope) = if facts.members.contains(&caller.id) && info.private_author.is_none()
    {
        (HOUSEHOLD_READER.to_owned(), found.household_envelope)
    } else {
        (me, found.own_envelope)
    };
    let Some(env) = envelope else {
        if kept {
            return again();
        }
        let problem = Problem::new(
            Kind::NotShared,
            "this version was written before your access began and was not shared with you",
        );
        return Err(refuse_now(state, meta, &caller, record.failed("not_shared"), problem).await);
    };
    let grant = match decision {
        Decision::Allow(kluis_policy::Basis::Grant { id, .. }) => Some(id),
        _ => None,
    };
    let confirm = snapshot.confirm;
    let key = confirm.as_ref().map(|c| c.key.clone());
    match state
        .log_writer
        .log_read(record, meta.clone(), caller, grant, confirm)
        .await?
    {
        Logged::Served => {}
        Logged::Revoked => return Err(denial(kluis_policy::DenyReason::Revoked)),
        Logged::Changed => {
            state.metrics.read_changed();
            if let Some(key) = key {
                state.store.recent().forget(&key);
            }
            return again();
        }
    }
    let writer = writer_of(&info)?;
    Ok(Some(FieldValue {
        path: path.clone(),
        version: info.version,
        key_gen: info.key_gen,
        ciphertext: STANDARD.encode(ciphertext),
        reader,
        envelope: STANDARD.encode(env),
        author_role: info.author_role,
        created_at: rfc3339(info.created_ms),
        private: info.private_author.is_some(),
        writer,
        proof: info.proof.map(served_proof),
    }))
}
