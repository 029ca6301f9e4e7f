//! The auditor's view of the access log: the verifier key, signed
//! checkpoints, consistency proofs, raw leaves for replay, and queries.
//!
//! Only auditors may read the log; anyone else is refused, and the refusal
//! is logged. Every call is itself logged (`log.checkpoint`, `log.export`,
//! `log.query`) and that entry is committed before the answer leaves, like
//! any read. Auditors see leaves and decoded entries, which hold no dossier
//! content, and never the sealed identifying payloads.

use axum::extract::State;
use axum::Json;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use kluis_audit::{Action as LogAction, Checkpoint, Entry, EventType, Flags};
use kluis_policy::{HouseholdId, PrincipalId};
use serde::Deserialize;

use super::auth::Caller;
use super::json::ApiQuery;
use super::problem::{ApiResult, Problem, ProblemBody};
use super::record::{LoggedTx, Record, RequestMeta};
use crate::clock::{parse_time, rfc3339};
use crate::role::Role;
use crate::server::AppState;
use crate::store::log_read::{self, Scan};
use crate::store::principals::Principal;
use crate::wire::log::{
    ConsistencyProof, Leaf, LeafPage, LogEntry, LogKey, LogPage, SignedCheckpoint,
};

/// Most leaves or entries in one answer.
pub const MAX_PAGE: u32 = 1000;
/// Most rows one query request searches before handing back a cursor, so a
/// narrow filter over a huge log cannot hold a request for long.
const SCAN_BUDGET: usize = 20_000;

#[utoipa::path(get, path = "/v1/log/key", tag = "log",
    responses((status = 200, body = LogKey)))]
/// The log's verifier key. Unauthenticated: anyone may pin it.
pub async fn key(State(state): State<AppState>) -> Json<LogKey> {
    Json(LogKey {
        verifier_key: state.log_signer.verifier_key(),
        origin: state.log_signer.name().to_owned(),
    })
}

/// The record for an auditor's call; allowed on the auditor role.
fn auditor_record(event: EventType, household: Option<HouseholdId>) -> Record {
    let mut record = Record::new(event, LogAction::Read, household);
    record.basis = Some("role:auditor".to_owned());
    record.flags = Flags {
        authorised: true,
        ..Flags::default()
    };
    record
}

/// Begin a logged transaction for an auditor; anyone else gets a logged 403.
async fn auditor_only(
    state: &AppState,
    meta: &RequestMeta,
    caller: &Principal,
    record: &Record,
) -> ApiResult<LoggedTx> {
    let ltx = LoggedTx::begin(state).await?;
    if caller.role == Role::Auditor {
        return Ok(ltx);
    }
    let problem = Problem::forbidden("only auditors may read the access log");
    let mut denied = record.clone().denied("role");
    denied.basis = None;
    denied.flags = Flags::default();
    Err(ltx.refuse(state, meta, caller, denied, problem).await)
}

#[utoipa::path(get, path = "/v1/log/checkpoint", tag = "log",
    responses((status = 200, body = SignedCheckpoint), (status = 403, body = ProblemBody)),
    security(("bearer" = [])))]
/// A signed checkpoint of the current tree, which includes this call's own
/// log entry.
pub async fn checkpoint(
    State(state): State<AppState>,
    Caller(caller): Caller,
    meta: RequestMeta,
) -> ApiResult<Json<SignedCheckpoint>> {
    let record = auditor_record(EventType::LogCheckpoint, None);
    let mut ltx = auditor_only(&state, &meta, &caller, &record).await?;
    ltx.record(&state, &meta, Some(&caller), record).await?;
    let cp = Checkpoint {
        origin: state.log_signer.name().to_owned(),
        size: ltx.head().size,
        root: ltx.head().root(),
    };
    let note = state
        .log_signer
        .sign(&cp)
        .map_err(|e| Problem::new(super::problem::Kind::Internal, e.to_string()))?;
    // Only a committed tree is signed out: if the commit fails, the note
    // is never seen.
    ltx.commit().await?;
    Ok(Json(SignedCheckpoint {
        checkpoint: note,
        size: cp.size,
        root: STANDARD.encode(cp.root),
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConsistencyQuery {
    /// The size of the checkpoint the auditor kept.
    pub old: u64,
    /// The size of the new checkpoint.
    pub new: u64,
}

#[utoipa::path(get, path = "/v1/log/consistency", tag = "log",
    params(ConsistencyQuery),
    responses((status = 200, body = ConsistencyProof), (status = 400, body = ProblemBody), (status = 403, body = ProblemBody)),
    security(("bearer" = [])))]
/// An RFC 9162 consistency proof between two tree sizes.
pub async fn consistency(
    State(state): State<AppState>,
    Caller(caller): Caller,
    meta: RequestMeta,
    ApiQuery(q): ApiQuery<ConsistencyQuery>,
) -> ApiResult<Json<ConsistencyProof>> {
    let mut record = auditor_record(EventType::LogQuery, None);
    record.reason = Some(format!("consistency {}..{}", q.old, q.new));
    let mut ltx = auditor_only(&state, &meta, &caller, &record).await?;
    ltx.record(&state, &meta, Some(&caller), record).await?;
    let size = ltx.head().size;
    ltx.commit().await?;
    if q.old > q.new || q.new > size {
        return Err(Problem::malformed(format!(
            "need old <= new <= {size} (the log's size now)"
        )));
    }
    // Streamed range by range: memory does not grow with the log.
    let Some(proof) = log_read::consistency_proof(&state.store, q.old, q.new).await? else {
        // Rows are missing: no honest proof exists. Say so rather than
        // prove something else; the auditor's replay names the gap.
        return Err(Problem::new(
            super::problem::Kind::Conflict,
            format!(
                "the log is missing entries among the first {}: it was damaged",
                q.new
            ),
        ));
    };
    Ok(Json(ConsistencyProof {
        old: q.old,
        new: q.new,
        proof: proof.iter().map(|h| STANDARD.encode(h)).collect(),
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EntriesQuery {
    /// The first sequence number wanted (default 0).
    pub from: Option<u64>,
    /// At most this many leaves (default and cap 1000).
    pub limit: Option<u32>,
}

#[utoipa::path(get, path = "/v1/log/entries", tag = "log",
    params(EntriesQuery),
    responses((status = 200, body = LeafPage), (status = 403, body = ProblemBody)),
    security(("bearer" = [])))]
/// Raw leaves in order, for replay and export.
pub async fn entries(
    State(state): State<AppState>,
    Caller(caller): Caller,
    meta: RequestMeta,
    ApiQuery(q): ApiQuery<EntriesQuery>,
) -> ApiResult<Json<LeafPage>> {
    let from = q.from.unwrap_or(0);
    let limit = q.limit.unwrap_or(MAX_PAGE).clamp(1, MAX_PAGE);
    let mut record = auditor_record(EventType::LogExport, None);
    record.reason = Some(format!("leaves from {from}, at most {limit}"));
    let mut ltx = auditor_only(&state, &meta, &caller, &record).await?;
    ltx.record(&state, &meta, Some(&caller), record).await?;
    let size = ltx.head().size;
    ltx.commit().await?;
    let rows = log_read::rows(&state.store, from, size, limit).await?;
    let next = match rows.last() {
        Some(r) if rows.len() as u32 == limit && r.seq + 1 < size => Some(r.seq + 1),
        _ => None,
    };
    Ok(Json(LeafPage {
        leaves: rows
            .into_iter()
            .map(|r| Leaf {
                seq: r.seq,
                leaf: STANDARD.encode(r.leaf),
                household_id: r.household,
                subject_id: r.subject,
                time_ms: r.time_ms,
            })
            .collect(),
        next,
    }))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LogQuery {
    /// Only entries about this household.
    #[param(pattern = "^h-[0-9a-f]{32}$")]
    pub household: Option<String>,
    /// Only entries by this principal.
    #[param(pattern = "^p-[0-9a-f]{32}$")]
    pub actor: Option<String>,
    /// Only entries at or after this time (RFC 3339 or YYYY-MM-DD, UTC).
    #[param(
        pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}([Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2}))?$"
    )]
    pub since: Option<String>,
    /// Only entries at or before this time.
    #[param(
        pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}([Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2}))?$"
    )]
    pub until: Option<String>,
    /// Only this event type (e.g. `field.read`).
    pub event: Option<String>,
    /// Continue after this sequence number (the `next` of the last page).
    pub after: Option<u64>,
    /// At most this many entries (default 100, cap 1000).
    pub limit: Option<u32>,
}

/// A validated query.
pub(crate) struct Filter {
    household: Option<HouseholdId>,
    actor: Option<PrincipalId>,
    since_ms: Option<i64>,
    until_ms: Option<i64>,
    event: Option<EventType>,
}

impl Filter {
    pub(crate) fn parse(q: &LogQuery) -> ApiResult<Self> {
        let time = |t: &Option<String>, what: &str| -> ApiResult<Option<i64>> {
            t.as_deref()
                .map(|t| {
                    parse_time(t).ok_or_else(|| {
                        Problem::malformed(format!(
                            "{what} must be a date (2026-11-23) or an RFC 3339 time"
                        ))
                    })
                })
                .transpose()
        };
        Ok(Self {
            household: q.household.as_deref().map(HouseholdId::parse).transpose()?,
            actor: q.actor.as_deref().map(PrincipalId::parse).transpose()?,
            since_ms: time(&q.since, "since")?,
            until_ms: time(&q.until, "until")?,
            event: q
                .event
                .as_deref()
                .map(|e| {
                    EventType::from_code(e).ok_or_else(|| {
                        Problem::malformed(format!("unknown event type '{}'", e.escape_debug()))
                    })
                })
                .transpose()?,
        })
    }

    /// What the log records about this query (ids and codes only).
    fn describe(&self) -> String {
        let mut parts = vec!["query".to_owned()];
        if let Some(a) = &self.actor {
            parts.push(format!("actor={a}"));
        }
        if let Some(e) = self.event {
            parts.push(format!("event={}", e.code()));
        }
        if let Some(t) = self.since_ms {
            parts.push(format!("since={}", rfc3339(t)));
        }
        if let Some(t) = self.until_ms {
            parts.push(format!("until={}", rfc3339(t)));
        }
        parts.join(" ")
    }

    /// Matches on the leaf itself, not on the side columns.
    fn matches(&self, e: &Entry) -> bool {
        let h = self.household.map(|h| h.to_string());
        let a = self.actor.map(|a| a.to_string());
        (h.is_none() || e.household == h)
            && (a.is_none() || e.actor == a)
            && self.event.is_none_or(|ev| e.event == ev)
            && self.since_ms.is_none_or(|t| e.time_ms >= t)
            && self.until_ms.is_none_or(|t| e.time_ms <= t)
    }
}

#[utoipa::path(get, path = "/v1/log/query", tag = "log",
    params(LogQuery),
    responses((status = 200, body = LogPage), (status = 400, body = ProblemBody), (status = 403, body = ProblemBody)),
    security(("bearer" = [])))]
/// Decoded entries matching the filters, oldest first, paged.
pub async fn query(
    State(state): State<AppState>,
    Caller(caller): Caller,
    meta: RequestMeta,
    ApiQuery(q): ApiQuery<LogQuery>,
) -> ApiResult<Json<LogPage>> {
    let filter = Filter::parse(&q)?;
    let limit = q.limit.unwrap_or(100).clamp(1, MAX_PAGE) as usize;
    // A query about one household is recorded against that household, so
    // the household sees in its own history that an auditor looked.
    let mut record = auditor_record(EventType::LogQuery, filter.household);
    record.reason = Some(filter.describe());
    let mut ltx = auditor_only(&state, &meta, &caller, &record).await?;
    ltx.record(&state, &meta, Some(&caller), record).await?;
    let size = ltx.head().size;
    ltx.commit().await?;

    let mut scan = Scan {
        household: filter.household.map(|h| h.to_string()),
        since_ms: filter.since_ms,
        until_ms: filter.until_ms,
        after: q.after,
        below: size,
        limit: MAX_PAGE,
    };
    let mut found = Vec::new();
    let mut scanned = 0usize;
    let next = loop {
        let rows = log_read::scan(&state.store, &scan).await?;
        let full = rows.len() as u32 == scan.limit;
        for (seq, leaf) in rows {
            scanned += 1;
            scan.after = Some(seq);
            // A row that does not decode is left out here; `verify` names it.
            if let Ok(entry) = Entry::decode(&leaf) {
                if entry.seq == seq && filter.matches(&entry) {
                    found.push(LogEntry {
                        time: rfc3339(entry.time_ms),
                        entry,
                    });
                    if found.len() == limit {
                        break;
                    }
                }
            }
        }
        if found.len() == limit || scanned >= SCAN_BUDGET {
            break scan.after.filter(|&s| s + 1 < size);
        }
        if !full {
            break None;
        }
    };
    Ok(Json(LogPage {
        entries: found,
        next,
    }))
}
