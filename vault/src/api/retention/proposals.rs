//! Four eyes on every deletion: an erasure or destruction is first a
//! proposal by one administrator; another administrator approves it (and
//! only then is anything deleted) or turns it down. A proposal waits
//! `PROPOSAL_LIFETIME_MS` at most. The proposer cannot approve their own
//! proposal, but may withdraw it. Both steps are log entries under their
//! own actor: the proposal (`retention.proposal`, C) per household, and the
//! `erasure` or `destruction` entry by the approver naming the proposal.

use axum::extract::{Path, State};
use axum::Json;
use kluis_audit::{Action as LogAction, EventType};
use kluis_policy::{HouseholdId, PrincipalId, ProposalId};

use super::erasure::on_hold;
use super::{admin_only, admin_record, scrub, PROPOSAL_LIFETIME_MS};
use crate::api::auth::Caller;
use crate::api::idempotency::{Answer, Idem};
use crate::api::problem::{ApiResult, Kind, Problem, ProblemBody};
use crate::api::record::{LoggedTx, Record, RequestMeta};
use crate::clock::rfc3339;
use crate::server::AppState;
use crate::store::principals::{self, Principal};
use crate::store::proposals::{self, Decision, NewProposal, ProposalKind};
use crate::store::retention;
use crate::wire::retention::{Destroyed, Proposal, ProposalList};

/// What is deleted, as the log records it.
const DELETED: [&str; 4] = ["ciphertexts", "envelopes", "household-keys", "log-payloads"];

pub(super) struct Proposing<'a> {
    pub kind: ProposalKind,
    pub basis: &'a str,
    pub households: &'a [HouseholdId],
    pub now_ms: i64,
}

/// Store the proposal and log it once per household (so each household's
/// history shows it); the caller commits.
pub(super) async fn propose(
    state: &AppState,
    meta: &RequestMeta,
    caller: &Principal,
    ltx: &mut LoggedTx,
    p: Proposing<'_>,
) -> ApiResult<Proposal> {
    let proposer = caller.id.to_string();
    let id = proposals::insert(
        ltx.tx().await?,
        &NewProposal {
            kind: p.kind,
            basis: p.basis,
            households: p.households,
            proposed_by: &proposer,
            now_ms: p.now_ms,
            expires_ms: p.now_ms + PROPOSAL_LIFETIME_MS,
        },
    )
    .await?;
    for h in p.households {
        let mut record = admin_record(
            Record::new(EventType::RetentionProposal, LogAction::Create, Some(*h)),
            caller,
        );
        record.reason = Some(format!("proposal:{id} {}: {}", p.kind.code(), p.basis));
        ltx.record(state, meta, Some(caller), record).await?;
    }
    let stored = proposals::get(ltx.tx().await?, id)
        .await?
        .ok_or_else(|| Problem::new(Kind::Internal, "the proposal just stored is missing"))?;
    wire(state, stored).await
}

async fn wire(state: &AppState, p: proposals::Proposal) -> ApiResult<Proposal> {
    let proposed_by = PrincipalId::parse(&p.proposed_by).map_err(|_| {
        Problem::new(
            Kind::Internal,
            "a stored proposal names a malformed proposer",
        )
    })?;
    let proposed_by_name = principals::get(&state.store, proposed_by)
        .await?
        .map(|who| who.name);
    let (decision, decided_by, decided_at) = match p.decision {
        Some((d, by, at)) => (
            Some(d.code().to_owned()),
            PrincipalId::parse(&by).ok(),
            Some(rfc3339(at)),
        ),
        None => (None, None, None),
    };
    Ok(Proposal {
        id: p.id,
        kind: p.kind.code().to_owned(),
        basis: p.basis,
        households: p.households,
        proposed_by,
        proposed_by_name,
        proposed_at: rfc3339(p.proposed_ms),
        expires_at: rfc3339(p.expires_ms),
        decision,
        decided_by,
        decided_at,
    })
}

#[utoipa::path(get, path = "/v1/proposals", tag = "retention",
    responses((status = 200, body = ProposalList), (status = 403, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    Caller(caller): Caller,
    meta: RequestMeta,
) -> ApiResult<Json<ProposalList>> {
    let event = EventType::LogQuery;
    let mut ltx = admin_only(&state, &meta, &caller, event, None, "see proposals").await?;
    let waiting = proposals::waiting(ltx.tx().await?, state.clock.now_ms()).await?;
    let mut list = Vec::with_capacity(waiting.len());
    for p in waiting {
        list.push(wire(&state, p).await?);
    }
    let record = admin_record(Record::new(event, LogAction::Read, None), &caller);
    ltx.record(&state, &meta, Some(&caller), record).await?;
    ltx.commit().await?;
    Ok(Json(ProposalList { proposals: list }))
}

/// The proposal, if it exists and still waits; otherwise the refusal is
/// logged (against each household it names) and answered.
async fn waiting(
    state: &AppState,
    meta: &RequestMeta,
    caller: &Principal,
    mut ltx: LoggedTx,
    id: ProposalId,
    record: &Record,
) -> ApiResult<(LoggedTx, proposals::Proposal)> {
    let found = proposals::get(ltx.tx().await?, id).await?;
    let now = state.clock.now_ms();
    let problem = match &found {
        None => Problem::new(Kind::ProposalNotFound, "no proposal with this id"),
        Some(p) if p.decision.is_some() => Problem::new(
            Kind::ProposalDecided,
            "this proposal was approved or turned down already",
        ),
        Some(p) if p.expires_ms <= now => Problem::new(
            Kind::ProposalExpired,
            format!(
                "this proposal expired on {}; propose again if it is still needed",
                rfc3339(p.expires_ms)
            ),
        ),
        Some(p) => return Ok((ltx, p.clone())),
    };
    let mut record = record.clone().failed(problem.kind.code());
    record.reason = Some(format!("proposal:{id} {}", problem.kind.code()));
    Err(ltx.refuse(state, meta, caller, record, problem).await)
}

/// Record the decision, unless another administrator decided at the same
/// moment: then nothing is carried out.
async fn decide(
    mut ltx: LoggedTx,
    id: ProposalId,
    decision: Decision,
    caller: &Principal,
    now: i64,
) -> ApiResult<LoggedTx> {
    if proposals::decide(ltx.tx().await?, id, decision, &caller.id.to_string(), now).await? {
        return Ok(ltx);
    }
    ltx.rollback().await;
    Err(Problem::new(
        Kind::ProposalDecided,
        "another administrator decided this proposal at the same moment",
    ))
}

fn parse_id(text: &str) -> ApiResult<ProposalId> {
    ProposalId::parse(text).map_err(|e| Problem::new(Kind::MalformedId, e.to_string()))
}

#[utoipa::path(post, path = "/v1/proposals/{proposal}/approve", tag = "retention",
    params(("proposal" = String, Path)),
    responses((status = 200, body = Destroyed), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody), (status = 409, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn approve(
    State(state): State<AppState>,
    idem: Idem,
    Caller(caller): Caller,
    meta: RequestMeta,
    Path(proposal): Path<String>,
) -> ApiResult<Answer> {
    let id = parse_id(&proposal)?;
    let ltx = admin_only(
        &state,
        &meta,
        &caller,
        EventType::RetentionProposal,
        None,
        "approve deletions",
    )
    .await?;
    let attempt = admin_record(
        Record::new(EventType::RetentionProposal, LogAction::Execute, None),
        &caller,
    );
    let (mut ltx, p) = waiting(&state, &meta, &caller, ltx, id, &attempt).await?;
    if p.proposed_by == caller.id.to_string() {
        let problem = Problem::new(
            Kind::SecondAdministratorNeeded,
            "you proposed this yourself: another administrator must approve it",
        );
        let record = attempt.denied(&format!("proposal:{id} own_proposal"));
        return Err(ltx.refuse(&state, &meta, &caller, record, problem).await);
    }
    let now = state.clock.now_ms();
    let (event, basis) = match p.kind {
        ProposalKind::Erase => (EventType::Erasure, format!("erasure:{}", p.basis)),
        ProposalKind::Destroy => (EventType::Destruction, format!("approved-by:{}", p.basis)),
    };
    // Sort the households before deciding: an erasure stopped by a hold
    // placed since the proposal is refused, and the proposal still waits.
    let mut todo = Vec::new();
    let (mut held, mut skipped) = (Vec::new(), Vec::new());
    for &h in &p.households {
        let status = retention::status(ltx.tx().await?, h).await?;
        let Some(status) = status.filter(|s| s.destroyed_ms.is_none()) else {
            skipped.push(h);
            continue;
        };
        let still_due = status.due_ms.is_some_and(|due| due <= now);
        if p.kind == ProposalKind::Destroy && !still_due {
            skipped.push(h); // reopened since, or closed again under a longer class
            continue;
        }
        if !retention::active_holds(ltx.tx().await?, h)
            .await?
            .is_empty()
        {
            if p.kind == ProposalKind::Erase {
                let record = attempt.clone().with_household(h).failed("on_hold");
                return Err(ltx.refuse(&state, &meta, &caller, record, on_hold()).await);
            }
            held.push(h);
            continue;
        }
        todo.push((h, status.class));
    }
    let mut ltx = decide(ltx, id, Decision::Approved, &caller, now).await?;
    let mut destroyed = Vec::new();
    for (h, class) in todo {
        retention::destroy(ltx.tx().await?, h, now).await?;
        let mut record = admin_record(Record::new(event, LogAction::Delete, Some(h)), &caller);
        record.basis = Some(basis.clone());
        record.purpose = class.map(|c| format!("retention:{c}"));
        record.fields = DELETED.map(String::from).to_vec();
        record.reason = Some(format!("proposal:{id} proposed-by:{}", p.proposed_by));
        ltx.record(&state, &meta, Some(&caller), record).await?;
        destroyed.push(h);
    }
    let decided = proposals::get(ltx.tx().await?, id)
        .await?
        .ok_or_else(|| Problem::new(Kind::Internal, "the proposal just decided is missing"))?;
    let body = Destroyed {
        proposal: wire(&state, decided).await?,
        destroyed: destroyed.clone(),
        held,
        skipped,
    };
    let answer = ltx.commit_answer(&state, &idem, Answer::ok(&body)).await?;
    state.log_keys.forget_destroyed(&destroyed);
    scrub(&state).await;
    Ok(answer)
}

#[utoipa::path(post, path = "/v1/proposals/{proposal}/reject", tag = "retention",
    params(("proposal" = String, Path)),
    responses((status = 200, body = Proposal), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody), (status = 409, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn reject(
    State(state): State<AppState>,
    idem: Idem,
    Caller(caller): Caller,
    meta: RequestMeta,
    Path(proposal): Path<String>,
) -> ApiResult<Answer> {
    let id = parse_id(&proposal)?;
    let event = EventType::RetentionProposal;
    let ltx = admin_only(&state, &meta, &caller, event, None, "decide proposals").await?;
    let attempt = admin_record(Record::new(event, LogAction::Update, None), &caller);
    let (ltx, p) = waiting(&state, &meta, &caller, ltx, id, &attempt).await?;
    let now = state.clock.now_ms();
    let mut ltx = decide(ltx, id, Decision::Rejected, &caller, now).await?;
    for &h in &p.households {
        let mut record = attempt.clone().with_household(h);
        record.reason = Some(format!("proposal:{id} rejected"));
        ltx.record(&state, &meta, Some(&caller), record).await?;
    }
    let decided = proposals::get(ltx.tx().await?, id)
        .await?
        .ok_or_else(|| Problem::new(Kind::Internal, "the proposal just decided is missing"))?;
    let body = wire(&state, decided).await?;
    ltx.commit_answer(&state, &idem, Answer::ok(&body)).await
}
