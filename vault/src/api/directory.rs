//! The key directory: each person's keys are a `principal.keys` entry in
//! the access log (`kluis_audit::directory`), and anyone logged in can get
//! them with an inclusion proof against a signed checkpoint, and a
//! consistency proof from the checkpoint their device pinned. Devices check
//! those proofs before they encrypt to anyone (`client/directory.rs`), so a
//! key swapped in the database is refused unless it was also registered in
//! the log, where everyone can see it.

use axum::extract::{Path, State};
use axum::Json;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use kluis_audit::{Action as LogAction, Checkpoint, EventType, Flags};
use kluis_policy::PrincipalId;
use serde::Deserialize;

use super::auth::Caller;
use super::json::ApiQuery;
use super::problem::{ApiResult, Kind, Problem, ProblemBody};
use super::record::{LoggedTx, Record, RequestMeta};
use crate::server::AppState;
use crate::store::principals::{self, Principal};
use crate::store::{directory, log, log_read, StoreError};
use crate::wire::directory::KeyProof;
use crate::wire::log::SignedCheckpoint;

/// The log entry that registers `p`'s keys.
fn keys_record(p: &Principal, reason: Option<&str>) -> Record {
    keys_record_as(p, reason, "registration")
}

/// The same, with `basis` saying why the keys are registered
/// (`registration`, `rotation`, `reenrolment`).
fn keys_record_as(p: &Principal, reason: Option<&str>, basis: &str) -> Record {
    let mut record = Record::new(EventType::KeysRegister, LogAction::Create, None);
    record.fields = vec![kluis_audit::directory::key_commitment(
        &p.signing_key,
        &p.age_recipient,
    )];
    record.basis = Some(basis.to_owned());
    record.reason = reason.map(str::to_owned);
    record.flags = Flags {
        authorised: true,
        ..Flags::default()
    };
    record
}

/// Register `p`'s keys in the directory, in the caller's transaction.
pub async fn register_keys(
    ltx: &mut LoggedTx,
    state: &AppState,
    meta: &RequestMeta,
    p: &Principal,
) -> Result<(), StoreError> {
    let seq = ltx
        .record(state, meta, Some(p), keys_record(p, None))
        .await?;
    directory::insert(ltx.tx().await?, p.id, seq).await
}

/// Register `p`'s new keys (after a rotation or re-enrolment, `basis`
/// says which) in the caller's transaction; the entry's log position.
pub async fn register_keys_as(
    ltx: &mut LoggedTx,
    state: &AppState,
    meta: &RequestMeta,
    p: &Principal,
    basis: &str,
) -> Result<u64, StoreError> {
    let seq = ltx
        .record(state, meta, Some(p), keys_record_as(p, None, basis))
        .await?;
    directory::insert(ltx.tx().await?, p.id, seq).await?;
    Ok(seq)
}

/// At start-up: register everyone whose keys are not in the directory yet
/// (people registered before it existed). Under the log's lock, so two
/// processes starting on one database register each person once.
pub async fn backfill(state: &AppState) -> Result<usize, StoreError> {
    let mut ltx = LoggedTx::begin(state).await?;
    let missing = directory::missing(ltx.tx().await?).await?;
    let meta = RequestMeta {
        request_id: "key-directory".to_owned(),
        ip: None,
        user_agent: None,
    };
    for p in &missing {
        let record = keys_record(p, Some("registered before the key directory"));
        let seq = ltx.record(state, &meta, Some(p), record).await?;
        directory::insert(ltx.tx().await?, p.id, seq).await?;
    }
    ltx.commit().await?;
    Ok(missing.len())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DirectoryQuery {
    /// The size of the checkpoint the device pinned: the answer includes a
    /// consistency proof from it.
    pub since: Option<u64>,
}

#[utoipa::path(get, path = "/v1/directory/{principal}", tag = "enrolment",
    params(("principal" = String, Path, description = "principal id"), DirectoryQuery),
    responses((status = 200, body = KeyProof), (status = 400, body = ProblemBody), (status = 404, body = ProblemBody)),
    security(("bearer" = [])))]
/// A person's keys with the proof that the log registers them. Anyone
/// logged in may ask: the keys are public, and a device needs them before
/// it shares anything with that person.
pub async fn lookup(
    State(state): State<AppState>,
    Caller(_caller): Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<DirectoryQuery>,
) -> ApiResult<Json<KeyProof>> {
    let id = PrincipalId::parse(&id)?;
    let p = principals::get(&state.store, id)
        .await?
        .ok_or_else(|| Problem::not_found("no principal with this id"))?;
    let mut tx = state.store.begin().await?;
    let (size, root) = log::committed_head(&mut tx).await?;
    let seq = directory::latest(&mut tx, id).await?;
    tx.rollback().await;
    let Some(seq) = seq.filter(|&s| s < size) else {
        return Err(Problem::not_found(
            "this person's keys are not in the key directory",
        ));
    };
    if let Some(since) = q.since {
        if since > size {
            return Err(Problem::malformed(format!(
                "since must be at most {size} (the log's size now)"
            )));
        }
    }
    let leaf = log_read::leaves(&state.store, seq, seq + 1, 1)
        .await?
        .into_iter()
        .next()
        .filter(|(s, _)| *s == seq)
        .map(|(_, leaf)| leaf)
        .ok_or_else(missing_rows)?;
    let inclusion = log_read::inclusion_proof(&state.store, seq, size)
        .await?
        .ok_or_else(missing_rows)?;
    let consistency = match q.since {
        Some(since) if since > 0 && since < size => {
            log_read::consistency_proof(&state.store, since, size)
                .await?
                .ok_or_else(missing_rows)?
        }
        _ => Vec::new(),
    };
    let cp = Checkpoint {
        origin: state.log_signer.name().to_owned(),
        size,
        root,
    };
    let note = state
        .log_signer
        .sign(&cp)
        .map_err(|e| Problem::new(Kind::Internal, e.to_string()))?;
    let b64 = |hashes: Vec<kluis_audit::Hash>| hashes.iter().map(|h| STANDARD.encode(h)).collect();
    Ok(Json(KeyProof {
        principal: super::whoami::info(&p),
        seq,
        leaf: STANDARD.encode(leaf),
        checkpoint: SignedCheckpoint {
            checkpoint: note,
            size,
            root: STANDARD.encode(root),
        },
        inclusion: b64(inclusion),
        consistency: b64(consistency),
    }))
}

fn missing_rows() -> Problem {
    Problem::new(
        Kind::Unavailable,
        "the access log is missing rows: no honest proof can be made",
    )
}
