//! A member who lost everything: `POST /v1/principals/{id}/reenrol-invite`
//! (an administrator's invite that registers new keys for an existing
//! person; redeemed by `POST /v1/register`, see `reenrol`) and
//! `POST /v1/households/{household}/members/{principal}/readmit` (another
//! member vouches for the new keys).
//!
//! Re-enrolment alone gives no access: the person's old envelopes are to
//! keys nobody has any more, and devices refuse the new keys as a member
//! (their pins and the signed chain name the old fingerprint). Only a
//! readmission, signed by another member after comparing the new
//! fingerprint face to face, makes devices accept them, and carries the
//! household identity enveloped to the new keys. So the server's operator,
//! who can make invites and write the database, cannot get into a
//! household this way: they would need a member's signature.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use kluis_audit::{Action as LogAction, EventType};
use kluis_policy::{Action, HouseholdId, PrincipalId};

use super::accounts::{admin_on, start};
use super::auth::Caller;
use super::enrol::new_invite_code;
use super::households::decode_signature;
use super::idempotency::{Answer, Idem};
use super::json::ApiJson;
use super::problem::{ApiResult, Kind, Problem, ProblemBody};
use super::record::{LoggedTx, Record, RequestMeta};
use super::upload::decode_envelope;
use crate::access;
use crate::clock::rfc3339;
use crate::keys::identity::verify_signature;
use crate::server::AppState;
use crate::store::invites::{self, NewInvite};
use crate::store::principals::Principal;
use crate::store::rotation::{self as store, Retired};
use crate::store::sessions;
use crate::wire::enrol::InviteResponse;
use crate::wire::household::MemberInfo;
use crate::wire::rotation::{readmit_statement, Readmit, Retirement};

#[utoipa::path(post, path = "/v1/principals/{id}/reenrol-invite", tag = "enrolment",
    params(("id" = String, Path, description = "principal id")),
    responses((status = 201, body = InviteResponse), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)),
    security(("bearer" = [])))]
/// An invite that registers new keys for an existing person who lost
/// theirs (administrators only). Their role, name and organisation stay.
pub async fn reenrol_invite(
    State(state): State<AppState>,
    idem: Idem,
    Caller(caller): Caller,
    meta: RequestMeta,
    Path(id): Path<String>,
) -> ApiResult<Answer> {
    let started = start(&state, EventType::Invite, LogAction::Create, &id).await?;
    let (mut ltx, mut record, person) =
        admin_on(&state, &meta, &caller, started, "make re-enrolment invites").await?;
    record.fields.clear();
    record.reason = Some(format!("role {} (re-enrolment)", person.role.as_str()));
    record.flags.authorised = true;
    let code = new_invite_code();
    let now = state.clock.now_ms();
    let expires = now + state.limits.invite_ttl_ms;
    let creator = caller.id.to_string();
    invites::insert(
        ltx.tx().await?,
        NewInvite {
            code: &code,
            role: person.role,
            name: &person.name,
            org: person.org.as_deref(),
            created_by: Some(&creator),
            now_ms: now,
            expires_ms: expires,
        },
    )
    .await?;
    store::mark_reenrol(ltx.tx().await?, &code, person.id).await?;
    ltx.record(&state, &meta, Some(&caller), record).await?;
    let answer = Answer::json(
        StatusCode::CREATED,
        &InviteResponse {
            code,
            role: person.role,
            name: person.name,
            org: person.org,
            expires_at: rfc3339(expires),
        },
    );
    ltx.commit_answer(&state, &idem, answer).await
}

/// At registration with a re-enrolment invite: `person` gets the new keys,
/// in the registration's transaction. Their old keys are retired (they
/// cannot log in any more), their sessions end, the server-held copies of
/// their old keystore are forgotten, and the change is logged
/// (`principal.reenrol` and the new keys' key directory entry).
pub async fn reenrol(
    ltx: &mut LoggedTx,
    state: &AppState,
    meta: &RequestMeta,
    person: &Principal,
    signing_key: [u8; 32],
    age_recipient: &str,
) -> ApiResult<Principal> {
    let now = state.clock.now_ms();
    let renewed = Principal {
        signing_key,
        age_recipient: age_recipient.to_owned(),
        ..person.clone()
    };
    let mut record =
        Record::new(EventType::PrincipalReenrol, LogAction::Update, None).field(&person.id);
    record.flags.authorised = true;
    ltx.record(state, meta, Some(&renewed), record).await?;
    let seq = super::directory::register_keys_as(ltx, state, meta, &renewed, "reenrolment").await?;
    let retired = Retired {
        signing_key: person.signing_key,
        age_recipient: person.age_recipient.clone(),
        retired_ms: now,
        how: Retirement::Reenrolment,
        statement: None,
        old_signature: None,
        new_signature: None,
    };
    if !store::swap_keys(
        ltx.tx().await?,
        person.id,
        seq,
        &signing_key,
        age_recipient,
        &retired,
    )
    .await?
    {
        return Err(Problem::new(
            Kind::KeyAlreadyRegistered,
            "this key is already registered, or was used before; make a new keystore",
        ));
    }
    store::forget_server_held_keystores(ltx.tx().await?, person.id).await?;
    sessions::end_all(ltx.tx().await?, person.id, now).await?;
    Ok(renewed)
}

#[utoipa::path(post, path = "/v1/households/{household}/members/{principal}/readmit", tag = "households",
    params(("household" = String, Path), ("principal" = String, Path)),
    request_body = Readmit,
    responses((status = 200, body = MemberInfo), (status = 400, body = ProblemBody), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)),
    security(("bearer" = [])))]
/// Vouch for a member's new keys (see the module docs).
pub async fn readmit(
    State(state): State<AppState>,
    idem: Idem,
    Caller(caller): Caller,
    meta: RequestMeta,
    Path((household, principal)): Path<(String, String)>,
    ApiJson(req): ApiJson<Readmit>,
) -> ApiResult<Answer> {
    let h = HouseholdId::parse(&household)?;
    let member = PrincipalId::parse(&principal)?;
    let signature = decode_signature(&req.signature)?;
    let envelope = decode_envelope(&req.identity_envelope)?;
    let mut ltx = LoggedTx::begin(&state).await?;
    let facts = access::facts(ltx.tx().await?, h).await?;
    let now = state.clock.now_ms();
    let decision = access::decide(&caller, &facts, None, None, Action::Write, now);
    let record = Record::new(
        EventType::HouseholdMemberReadmit,
        LogAction::Update,
        Some(h),
    )
    .decision(&decision)
    .field(&member);
    let mut ltx = ltx
        .allowed(&state, &meta, &caller, &decision, &record)
        .await?;
    let refuse = |why: &'static str, problem: Problem| (why, problem);
    let check = async {
        if member == caller.id {
            return Err(refuse(
                "self",
                Problem::forbidden("another member must readmit you: that is the point"),
            ));
        }
        if !facts.members.contains(&member) {
            return Err(refuse(
                "not_a_member",
                Problem::not_found("this person is not a member of this household"),
            ));
        }
        let statement = readmit_statement(
            h,
            member,
            &req.member_fingerprint,
            &req.previous_fingerprint,
            caller.id,
            req.signed_at_ms,
        );
        if !verify_signature(&caller.signing_key, statement.as_bytes(), &signature) {
            return Err(refuse(
                "bad_signature",
                Problem::new(
                    Kind::SignatureInvalid,
                    "the readmission statement is not signed by your key",
                ),
            ));
        }
        Ok(statement)
    };
    let statement = match check.await {
        Ok(s) => s,
        Err((why, problem)) => {
            return Err(ltx
                .refuse(&state, &meta, &caller, record.failed(why), problem)
                .await)
        }
    };
    let person = crate::store::principals::get_in(ltx.tx().await?, member).await?;
    if person.as_ref().map(Principal::fingerprint) != Some(req.member_fingerprint.clone()) {
        let problem = Problem::malformed(
            "the fingerprint in the readmission is not that of the keys registered for this person",
        );
        return Err(ltx
            .refuse(
                &state,
                &meta,
                &caller,
                record.failed("fingerprint_mismatch"),
                problem,
            )
            .await);
    }
    if !store::readmit(
        ltx.tx().await?,
        h,
        member,
        caller.id,
        &statement,
        &signature,
        &envelope,
    )
    .await?
    {
        ltx.rollback().await;
        return Err(Problem::not_found(
            "this person is not a member of this household",
        ));
    }
    ltx.record(&state, &meta, Some(&caller), record).await?;
    let answer = Answer::ok(&MemberInfo {
        principal_id: member,
        added_at: rfc3339(now),
    });
    ltx.commit_answer(&state, &idem, answer).await
}
