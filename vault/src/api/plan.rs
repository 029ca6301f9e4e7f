//! Plan fields: the write plan, writes, listings and history (a field's
//! read, the hot path, is `field_read`).
//!
//! The server never sees content or keys: it checks who may act, that a
//! write carries an envelope for exactly the field's required readers, that
//! the writer saw the current version, and it logs every decision before
//! answering.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use kluis_audit::{Action as LogAction, EventType};
use kluis_policy::{required_readers, visible, Action, Decision, HouseholdId};

use super::auth::Caller;
use super::idempotency::{Answer, Idem};
use super::json::ApiJson;
use super::problem::{ApiResult, Kind, Problem, ProblemBody};
use super::record::{denial, field_for_log, LoggedTx, Record, RequestMeta};
use super::upload::{
    check_reader_set, checked_signature, decode_ciphertext, decode_envelopes, field_ids as ids,
    required_set, store_version, NewSealed,
};
use crate::access;
use crate::clock::rfc3339;
use crate::server::AppState;
use crate::store::fields;
use crate::store::{grants, households, observation_names};
use crate::wire::plan::{FieldList, FieldSummary, Reader, WriteField, WritePlan, Written};
use crate::wire::version::VersionProof;

#[utoipa::path(get, path = "/v1/households/{household}/readers/{path}", tag = "plan",
    params(("household" = String, Path), ("path" = String, Path)),
    responses((status = 200, body = WritePlan), (status = 404, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn write_plan(
    State(state): State<AppState>,
    Caller(caller): Caller,
    meta: RequestMeta,
    Path((household, path)): Path<(String, String)>,
) -> ApiResult<Json<WritePlan>> {
    let (h, path) = ids(&state, &household, &path)?;
    let mut ltx = LoggedTx::begin(&state).await?;
    let facts = access::facts(ltx.tx().await?, h).await?;
    let current = fields::current(ltx.tx().await?, h, &path).await?;
    let private_author = current.as_ref().and_then(|c| c.private_author);
    let now = state.clock.now_ms();
    // A new observation needs involvement, not a write grant on the path,
    // and a name the server issued to the caller (`api::observation_names`):
    // a made-up one is refused and logged as its section only.
    let new_observation = current.is_none() && path.section() == super::observations::SECTION;
    let decision = if new_observation {
        super::observations::involvement(&caller, &facts, now)
    } else {
        access::decide(
            &caller,
            &facts,
            Some(&path),
            private_author,
            Action::Write,
            now,
        )
    };
    // Asking who may read a field shows the grants that cover it (their
    // scopes and purposes): logged like any other look at the household.
    let record = Record::new(EventType::ReadersList, LogAction::Read, Some(h))
        .field(&field_for_log(
            &path,
            current.is_some() || decision.is_allowed(),
        ))
        .decision(&decision);
    if let Decision::Deny(reason) = decision {
        return Err(ltx
            .refuse(&state, &meta, &caller, record, denial(reason))
            .await);
    }
    if new_observation
        && !observation_names::issued(ltx.tx().await?, h, &path, caller.id, now).await?
    {
        let record = Record::new(EventType::ReadersList, LogAction::Read, Some(h))
            .field(&field_for_log(&path, false))
            .decision(&decision)
            .failed("name_not_issued");
        return Err(ltx
            .refuse(&state, &meta, &caller, record, Problem::name_not_issued())
            .await);
    }
    let household = households::get(ltx.tx().await?, h)
        .await?
        .ok_or_else(|| denial(kluis_policy::DenyReason::NotInvolved))?;
    let mut readers = Vec::new();
    for (principal, grant_id) in required_readers(&facts, &path, now) {
        let (p, jws) = grants::reader(ltx.tx().await?, &state.store, principal, grant_id).await?;
        readers.push(Reader {
            principal_id: principal,
            age_recipient: p.age_recipient,
            signing_key: B64.encode(p.signing_key),
            grant_id,
            grant: jws,
        });
    }
    // A professional names the grant they write on in the version's
    // signature: for an observation (new or published) the grant that makes
    // them involved, otherwise the one that allows this write.
    let entitling = if path.section() == super::observations::SECTION {
        super::observations::involvement(&caller, &facts, now)
    } else {
        decision
    };
    let writer_grant = match entitling {
        Decision::Allow(kluis_policy::Basis::Grant { id, .. }) => Some(id),
        _ => None,
    };
    ltx.record(&state, &meta, Some(&caller), record).await?;
    ltx.commit().await?;
    Ok(Json(WritePlan {
        path,
        current_version: current.map_or(0, |c| c.version),
        household_recipient: household.recipient,
        readers,
        writer_grant,
    }))
}

#[utoipa::path(put, path = "/v1/households/{household}/fields/{path}", tag = "plan",
    params(("household" = String, Path), ("path" = String, Path)),
    request_body = WriteField,
    responses((status = 201, body = Written), (status = 409, body = ProblemBody), (status = 422, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn write(
    State(state): State<AppState>,
    idem: Idem,
    Caller(caller): Caller,
    meta: RequestMeta,
    Path((household, path)): Path<(String, String)>,
    ApiJson(req): ApiJson<WriteField>,
) -> ApiResult<Answer> {
    let (h, path) = ids(&state, &household, &path)?;
    let ciphertext = decode_ciphertext(&state, &req.ciphertext)?;
    let uploads = decode_envelopes(&req.envelopes)?;

    let mut ltx = LoggedTx::begin(&state).await?;
    let facts = access::facts(ltx.tx().await?, h).await?;
    let current = fields::current(ltx.tx().await?, h, &path).await?;
    let private_author = current.as_ref().and_then(|c| c.private_author);
    let now = state.clock.now_ms();
    let decision = access::decide(
        &caller,
        &facts,
        Some(&path),
        private_author,
        Action::Write,
        now,
    );
    let action = if current.is_some() {
        LogAction::Update
    } else {
        LogAction::Create
    };
    let record = Record::new(EventType::FieldWrite, action, Some(h))
        .field(&field_for_log(
            &path,
            current.is_some() || decision.is_allowed(),
        ))
        .decision(&decision);
    let mut ltx = ltx
        .allowed(&state, &meta, &caller, &decision, &record)
        .await?;

    if private_author.is_some() {
        let problem = Problem::forbidden(
            "this is a private observation: publish it with `kluis observe publish` instead",
        );
        return Err(ltx
            .refuse(
                &state,
                &meta,
                &caller,
                record.failed("private_observation"),
                problem,
            )
            .await);
    }
    let current_version = current.as_ref().map_or(0, |c| c.version);
    if req.replaces != current_version {
        let mut problem = Problem::new(
            Kind::StaleVersion,
            format!(
                "this field is at version {current_version} but your change was made on version {}; read it again and redo your change",
                req.replaces
            ),
        );
        problem.current_version = Some(current_version);
        return Err(ltx
            .refuse(
                &state,
                &meta,
                &caller,
                record.failed("stale_version"),
                problem,
            )
            .await);
    }
    if current_version >= state.limits.max_versions {
        let problem = Problem::new(
            Kind::LimitExceeded,
            format!(
                "this field has reached the limit of {} versions",
                state.limits.max_versions
            ),
        );
        return Err(ltx
            .refuse(
                &state,
                &meta,
                &caller,
                record.failed("version_limit"),
                problem,
            )
            .await);
    }
    if current.is_none()
        && fields::count_fields(ltx.tx().await?, h).await? >= state.limits.max_fields
    {
        let problem = Problem::new(
            Kind::LimitExceeded,
            format!(
                "this plan has reached the limit of {} fields",
                state.limits.max_fields
            ),
        );
        return Err(ltx
            .refuse(
                &state,
                &meta,
                &caller,
                record.failed("field_limit"),
                problem,
            )
            .await);
    }

    let required = required_set(&facts, &path, now);
    if let Err(problem) = check_reader_set(&uploads, &required) {
        return Err(ltx
            .refuse(
                &state,
                &meta,
                &caller,
                record.failed("envelope_mismatch"),
                problem,
            )
            .await);
    }

    let version = current_version + 1;
    let sealed = NewSealed {
        household: h,
        path: &path,
        version,
        ciphertext: &ciphertext,
        private_author: None,
    };
    let checked = checked_signature(
        &caller,
        &facts,
        sealed.signing(&uploads, caller.id),
        &req.signed,
    );
    let (mut ltx, signed) = ltx
        .or_refuse(&state, &meta, &caller, &record, "bad_signature", checked)
        .await?;
    store_version(
        ltx.tx().await?,
        &sealed,
        signed.proof(),
        &caller,
        &uploads,
        now,
    )
    .await?;
    ltx.record(&state, &meta, Some(&caller), record).await?;
    let answer = Answer::json(StatusCode::CREATED, &Written { path, version });
    ltx.commit_answer(&state, &idem, answer).await
}

#[utoipa::path(get, path = "/v1/households/{household}/fields", tag = "plan",
    params(("household" = String, Path)),
    responses((status = 200, body = FieldList), (status = 404, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    Caller(caller): Caller,
    meta: RequestMeta,
    Path(household): Path<String>,
) -> ApiResult<Json<FieldList>> {
    let h = HouseholdId::parse(&household)?;
    let mut ltx = LoggedTx::begin(&state).await?;
    let facts = access::facts(ltx.tx().await?, h).await?;
    let now = state.clock.now_ms();
    let decision = access::decide(&caller, &facts, None, None, Action::Read, now);
    let record = Record::new(EventType::FieldList, LogAction::Read, Some(h)).decision(&decision);
    let mut ltx = ltx
        .allowed(&state, &meta, &caller, &decision, &record)
        .await?;
    let all = fields::list_current(ltx.tx().await?, h).await?;
    let fields: Vec<FieldSummary> = all
        .into_iter()
        .filter(|f| visible(&facts, &caller.id, &f.path, f.private_author.as_ref(), now))
        .map(summary)
        .collect::<ApiResult<_>>()?;
    ltx.record(&state, &meta, Some(&caller), record).await?;
    ltx.commit().await?;
    Ok(Json(FieldList { fields }))
}

#[utoipa::path(get, path = "/v1/households/{household}/versions/{path}", tag = "plan",
    params(("household" = String, Path), ("path" = String, Path)),
    responses((status = 200, body = FieldList), (status = 404, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn history(
    State(state): State<AppState>,
    Caller(caller): Caller,
    meta: RequestMeta,
    Path((household, path)): Path<(String, String)>,
) -> ApiResult<Json<FieldList>> {
    let (h, path) = ids(&state, &household, &path)?;
    let mut ltx = LoggedTx::begin(&state).await?;
    let facts = access::facts(ltx.tx().await?, h).await?;
    let versions = fields::history(ltx.tx().await?, h, &path).await?;
    let private_author = versions.last().and_then(|c| c.private_author);
    let now = state.clock.now_ms();
    let decision = access::decide(
        &caller,
        &facts,
        Some(&path),
        private_author,
        Action::Read,
        now,
    );
    let record = Record::new(EventType::FieldList, LogAction::Read, Some(h))
        .field(&field_for_log(&path, !versions.is_empty()))
        .decision(&decision);
    let mut ltx = ltx
        .allowed(&state, &meta, &caller, &decision, &record)
        .await?;
    ltx.record(&state, &meta, Some(&caller), record).await?;
    ltx.commit().await?;
    Ok(Json(FieldList {
        fields: versions
            .into_iter()
            .map(summary)
            .collect::<ApiResult<_>>()?,
    }))
}

fn summary(f: fields::VersionInfo) -> ApiResult<FieldSummary> {
    let writer = writer_of(&f)?;
    Ok(FieldSummary {
        private: f.private_author.is_some(),
        writer,
        key_gen: f.key_gen,
        proof: f.proof.map(served_proof),
        path: f.path,
        version: f.version,
        size_bucket: f.size_bucket,
        author_role: f.author_role,
        created_at: rfc3339(f.created_ms),
    })
}

pub(super) fn writer_of(f: &fields::VersionInfo) -> ApiResult<kluis_policy::PrincipalId> {
    kluis_policy::PrincipalId::parse(&f.author)
        .map_err(|_| Problem::new(Kind::Internal, "a stored writer is malformed"))
}

/// A version's signature as devices get it, to check themselves.
pub(super) fn served_proof(p: fields::Proof) -> VersionProof {
    VersionProof {
        statement: p.statement,
        signature: B64.encode(p.signature),
        writer_grant: p.writer_grant,
    }
}
