//! The household's own view of its access log: who looked at or changed
//! what, when, on which basis, including refused attempts.
//!
//! Only members see it (AVG/GDPR: the log of consultations is the data
//! subject's own personal data). Professionals with a grant do not: it would
//! show them the other professionals' work. Looking is itself logged, and
//! the entry appears in the same history.
//!
//! Account events about a member (an administrator disabled them or ended
//! their sessions: `principal.*`, see `api::accounts`) name no household
//! but are that member's personal data too, so they are shown here as well.
//!
//! Entries hold no dossier content, so neither does this view: a private
//! observation shows as existing (author's role, organisation, time), never
//! what it says.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::Json;
use kluis_audit::{Action as LogAction, Entry, EventType};
use kluis_policy::{Action, Basis, Decision, DenyReason, HouseholdId};
use serde::Deserialize;

use super::auth::Caller;
use super::json::ApiQuery;
use super::problem::{ApiResult, ProblemBody};
use super::record::{LoggedTx, Record, RequestMeta};
use crate::access;
use crate::clock::rfc3339;
use crate::server::AppState;
use crate::store::log_read::{self, Scan};
use crate::store::principals;
use crate::wire::log::{AccessItem, AccessLog};

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AccessLogQuery {
    /// Continue after this sequence number (the `next` of the last page).
    pub after: Option<u64>,
    /// At most this many entries (default and cap 1000).
    pub limit: Option<u32>,
}

#[utoipa::path(get, path = "/v1/households/{household}/access-log", tag = "households",
    params(("household" = String, Path), AccessLogQuery),
    responses((status = 200, body = AccessLog), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn show(
    State(state): State<AppState>,
    Caller(caller): Caller,
    meta: RequestMeta,
    Path(household): Path<String>,
    ApiQuery(q): ApiQuery<AccessLogQuery>,
) -> ApiResult<Json<AccessLog>> {
    let h = HouseholdId::parse(&household)?;
    let limit = q
        .limit
        .unwrap_or(super::log::MAX_PAGE)
        .clamp(1, super::log::MAX_PAGE);
    let mut ltx = LoggedTx::begin(&state).await?;
    let facts = access::facts(ltx.tx().await?, h).await?;
    let now = state.clock.now_ms();
    let decision = match access::decide(&caller, &facts, None, None, Action::Read, now) {
        d @ Decision::Allow(Basis::Membership) => d,
        Decision::Allow(_) => Decision::Deny(DenyReason::MembersOnly),
        d => d,
    };
    let record = Record::new(EventType::LogQuery, LogAction::Read, Some(h)).decision(&decision);
    let mut ltx = ltx
        .allowed(&state, &meta, &caller, &decision, &record)
        .await?;
    ltx.record(&state, &meta, Some(&caller), record).await?;
    let size = ltx.head().size;
    ltx.commit().await?;

    let mut rows = log_read::scan(
        &state.store,
        &Scan {
            household: Some(h.to_string()),
            after: q.after,
            below: size,
            limit,
            ..Scan::default()
        },
    )
    .await?;
    // Account events about a member (an administrator disabled them, ended
    // their sessions) are theirs to see too, though no household is named.
    for m in &facts.members {
        rows.extend(log_read::about(&state.store, &m.to_string(), q.after, size, limit).await?);
    }
    rows.sort_by_key(|(seq, _)| *seq);
    rows.dedup_by_key(|(seq, _)| *seq);
    // Each source gave at most `limit` rows; a source that gave that many
    // may have more, so the merged page is full exactly then.
    let full = rows.len() >= limit as usize;
    rows.truncate(limit as usize);
    let last = rows.last().map(|(seq, _)| *seq);
    let mut names: HashMap<String, String> = HashMap::new();
    for m in &facts.members {
        if let Some(p) = principals::get(&state.store, *m).await? {
            names.insert(m.to_string(), p.name);
        }
    }
    let h_text = h.to_string();
    let entries = rows
        .into_iter()
        .filter_map(|(seq, leaf)| Entry::decode(&leaf).ok().filter(|e| e.seq == seq))
        // The leaf decides which household or member an entry is about,
        // not the columns.
        .filter(|e| match e.subject() {
            Some(subject) => e.household.is_none() && names.contains_key(subject),
            None => e.household.as_deref() == Some(h_text.as_str()),
        })
        .map(|e| item(e, &names))
        .collect();
    Ok(Json(AccessLog {
        entries,
        next: last.filter(|&s| full && s + 1 < size),
    }))
}

fn item(e: Entry, names: &HashMap<String, String>) -> AccessItem {
    let name = e.actor.as_ref().and_then(|a| names.get(a)).cloned();
    let subject_name = e.subject().and_then(|s| names.get(s)).cloned();
    AccessItem {
        subject_name,
        seq: e.seq,
        time: rfc3339(e.time_ms),
        event: e.event.code().to_owned(),
        action: e.action.code().to_owned(),
        outcome: e.outcome.code().to_owned(),
        actor_is_member: name.is_some(),
        actor_name: name,
        actor: e.actor,
        actor_role: e.actor_role,
        actor_org: e.actor_org,
        fields: e.fields,
        basis: e.basis,
        purpose: e.purpose,
        reason: e.reason,
    }
}
