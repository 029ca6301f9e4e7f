//! Re-keying: after a revocation or an expiry, a member's client seals the
//! current version again under a new key generation and envelopes it to the
//! readers who remain. The new generation is written as new rows beside the
//! old one, and the old generation (ciphertext and envelopes) is deleted
//! only when the new one is complete, in the same transaction: a refused or
//! failed re-key leaves the current version as it was, and afterwards the
//! old key opens nothing stored. The field's re-key mark (set when a grant
//! covering it was withdrawn) is cleared in that transaction too.

use axum::extract::{Path, State};
use kluis_audit::{Action as LogAction, EventType};
use kluis_policy::{Action, PrincipalId};

use super::auth::Caller;
use super::idempotency::{Answer, Idem};
use super::json::ApiJson;
use super::problem::{ApiResult, Kind, Problem, ProblemBody};
use super::record::{field_for_log, refuse_now, LoggedTx, Record, RequestMeta};
use super::upload::{
    check_reader_set, checked_signature, decode_ciphertext, decode_envelopes, field_ids,
    required_set, Signing,
};
use crate::access;
use crate::store::{fields, rekey_marks};
use crate::wire::consent::{Rekey, StaleField};
use crate::wire::version::VersionStatement;

#[utoipa::path(put, path = "/v1/households/{household}/rekey/{path}", tag = "consent",
    params(("household" = String, Path), ("path" = String, Path)),
    request_body = Rekey,
    responses((status = 200, body = StaleField), (status = 409, body = ProblemBody), (status = 422, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn rekey(
    State(state): State<AppState>,
    idem: Idem,
    Caller(caller): Caller,
    meta: RequestMeta,
    Path((household, path)): Path<(String, String)>,
    ApiJson(req): ApiJson<Rekey>,
) -> ApiResult<Answer> {
    let (h, path) = field_ids(&state, &household, &path)?;
    let ciphertext = decode_ciphertext(&state, &req.ciphertext)?;
    let uploads = decode_envelopes(&req.envelopes)?;
    let mut ltx = LoggedTx::begin(&state).await?;
    let facts = access::facts(ltx.tx().await?, h).await?;
    let now = state.clock.now_ms();
    // Re-keying decides who holds a key: members only.
    let decision = access::decide(&caller, &facts, None, None, Action::Write, now);
    let record = Record::new(EventType::FieldWrite, LogAction::Update, Some(h))
        .field(&field_for_log(&path, decision.is_allowed()))
        .decision(&decision);
    let mut ltx = ltx
        .allowed(&state, &meta, &caller, &decision, &record)
        .await?;
    let current = fields::current(ltx.tx().await?, h, &path).await?;
    let Some(current) = current.filter(|c| c.private_author.is_none()) else {
        let problem = Problem::new(Kind::FieldNotFound, "no shared field at this path");
        return Err(ltx
            .refuse(
                &state,
                &meta,
                &caller,
                record.failed("no_such_field"),
                problem,
            )
            .await);
    };
    if req.version != current.version || req.key_gen != current.key_gen + 1 {
        let mut problem = Problem::new(
            Kind::StaleVersion,
            format!(
                "the field is at version {} key generation {}; re-key from that",
                current.version, current.key_gen
            ),
        );
        problem.current_version = Some(current.version);
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
    // The content is the original writer's; the re-keying member signs
    // that this is it, under the new key, for these readers. The grant the
    // writer wrote on stays named.
    let written_on = current
        .proof
        .as_ref()
        .and_then(|p| VersionStatement::parse(&p.statement))
        .and_then(|s| s.grant);
    let writer = PrincipalId::parse(&current.author)
        .map_err(|_| Problem::new(Kind::Internal, "a stored author is malformed"))?;
    let checked = if req.signed.grant == written_on {
        let signing = Signing {
            household: h,
            path: &path,
            version: current.version,
            key_gen: req.key_gen,
            ciphertext: &ciphertext,
            envelopes: &uploads,
            writer,
            private: false,
        };
        checked_signature(&caller, &facts, signing, &req.signed)
    } else {
        Err(Problem::new(
            Kind::VersionSignatureInvalid,
            "a re-key must name the grant the version was written on",
        ))
    };
    let (mut ltx, signed) = ltx
        .or_refuse(&state, &meta, &caller, &record, "bad_signature", checked)
        .await?;
    let replaced = fields::replace_generation(
        ltx.tx().await?,
        fields::NewGeneration {
            old: fields::Generation {
                household: h,
                path: &path,
                version: current.version,
                key_gen: current.key_gen,
            },
            key_gen: req.key_gen,
            ciphertext: &ciphertext,
            proof: signed.proof(),
            envelopes: &uploads,
        },
        &required,
    )
    .await?;
    if !replaced {
        // Checked above, so this would be a bug: roll the half-written
        // generation back (the old one stays as it was), then log the
        // refusal on its own.
        ltx.rollback().await;
        let problem = Problem::new(
            Kind::EnvelopeMismatch,
            "the new key generation would not reach exactly this field's readers",
        );
        let record = record.failed("incomplete_generation");
        return Err(refuse_now(&state, &meta, &caller, record, problem).await);
    }
    rekey_marks::clear(ltx.tx().await?, h, &path).await?;
    ltx.record(&state, &meta, Some(&caller), record).await?;
    let answer = Answer::ok(&StaleField {
        path,
        version: current.version,
        key_gen: req.key_gen,
    });
    ltx.commit_answer(&state, &idem, answer).await
}

use crate::server::AppState;
