//! Households: create, show, list, add a member.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD as B64};
use base64::Engine;
use kluis_audit::{Action as LogAction, EventType};
use kluis_policy::{Action, HouseholdId, PrincipalId};

use super::auth::Caller;
use super::idempotency::{Answer, Idem};
use super::json::ApiJson;
use super::problem::{ApiResult, Kind, Problem, ProblemBody};
use super::record::{denial, LoggedTx, Record, RequestMeta};
use super::upload::decode_envelope;
use crate::access;
use crate::clock::rfc3339;
use crate::keys::identity::verify_signature;
use crate::role::Role;
use crate::server::AppState;
use crate::store::households::{self, NewHousehold, NewMember};
use crate::store::principals;
use crate::wire::household::{
    create_statement, member_statement, AddMember, CreateHousehold, HouseholdChain, HouseholdInfo,
    HouseholdList, MemberInfo, SignedStatement,
};

pub(crate) fn decode_signature(text: &str) -> ApiResult<Vec<u8>> {
    B64.decode(text.as_bytes())
        .ok()
        .filter(|s| s.len() == 64)
        .ok_or_else(|| {
            Problem::new(
                Kind::SignatureInvalid,
                "the signature is not a base64url Ed25519 signature",
            )
        })
}

#[utoipa::path(post, path = "/v1/households", tag = "households",
    request_body = CreateHousehold,
    responses((status = 201, body = HouseholdInfo), (status = 403, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    idem: Idem,
    Caller(caller): Caller,
    meta: RequestMeta,
    ApiJson(req): ApiJson<CreateHousehold>,
) -> ApiResult<Answer> {
    let h = req.household_id;
    let record = Record::new(EventType::HouseholdCreate, LogAction::Create, Some(h));
    let ltx = LoggedTx::begin(&state).await?;
    if caller.role != Role::Client {
        let problem =
            Problem::forbidden("only clients create households: a household's plan belongs to it");
        return Err(ltx
            .refuse(&state, &meta, &caller, record.denied("role"), problem)
            .await);
    }
    let mut ltx = ltx;
    if age_recipient_invalid(&req.recipient) {
        return Err(Problem::malformed(
            "recipient must be an age X25519 recipient (age1…)",
        ));
    }
    let signature = decode_signature(&req.signature)?;
    let envelope = decode_envelope(&req.identity_envelope)?;
    let statement = create_statement(h, &req.recipient, caller.id, req.signed_at_ms);
    if !verify_signature(&caller.signing_key, statement.as_bytes(), &signature) {
        return Err(Problem::new(
            Kind::SignatureInvalid,
            "the household statement is not signed by your key",
        ));
    }
    if households::exists(ltx.tx().await?, h).await? {
        return Err(Problem::new(
            Kind::Conflict,
            "a household with this id already exists",
        ));
    }
    let now = state.clock.now_ms();
    households::insert(
        ltx.tx().await?,
        NewHousehold {
            id: h,
            recipient: &req.recipient,
            created_by: caller.id,
            now_ms: now,
            statement: &statement,
            signature: &signature,
        },
    )
    .await?;
    households::add_member(
        ltx.tx().await?,
        NewMember {
            household: h,
            principal: caller.id,
            added_by: caller.id,
            now_ms: now,
            statement: &statement,
            signature: &signature,
            identity_envelope: &envelope,
        },
    )
    .await?;
    ltx.record(
        &state,
        &meta,
        Some(&caller),
        record.basis(kluis_audit::MEMBERSHIP_BASIS),
    )
    .await?;
    let answer = Answer::json(
        StatusCode::CREATED,
        &HouseholdInfo {
            household_id: h,
            recipient: req.recipient,
            created_at: rfc3339(now),
            members: vec![MemberInfo {
                principal_id: caller.id,
                added_at: rfc3339(now),
            }],
            identity_envelope: Some(req.identity_envelope),
            chain: HouseholdChain {
                creation: SignedStatement {
                    signer: caller.id,
                    statement: statement.clone(),
                    signature: req.signature.clone(),
                },
                members: vec![SignedStatement {
                    signer: caller.id,
                    statement,
                    signature: req.signature,
                }],
            },
        },
    );
    ltx.commit_answer(&state, &idem, answer).await
}

/// The household's signed statements as stored, for devices to check.
fn chain(
    household: &households::Household,
    members: &[households::Member],
) -> ApiResult<HouseholdChain> {
    let signer = |id: &str| {
        PrincipalId::parse(id).map_err(|_| {
            Problem::from(crate::store::StoreError::Unavailable(sqlx::Error::Decode(
                "bad stored signer".into(),
            )))
        })
    };
    Ok(HouseholdChain {
        creation: SignedStatement {
            signer: signer(&household.created_by)?,
            statement: household.statement.clone(),
            signature: B64.encode(&household.signature),
        },
        members: members
            .iter()
            .map(|m| {
                Ok(SignedStatement {
                    signer: signer(&m.added_by)?,
                    statement: m.statement.clone(),
                    signature: B64.encode(&m.signature),
                })
            })
            .collect::<ApiResult<_>>()?,
    })
}

pub(crate) fn age_recipient_invalid(text: &str) -> bool {
    text.len() > 100 || text.parse::<age::x25519::Recipient>().is_err()
}

#[utoipa::path(get, path = "/v1/households", tag = "households",
    responses((status = 200, body = HouseholdList)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> ApiResult<Json<HouseholdList>> {
    let mut tx = state.store.begin().await?;
    let mut list = households::of_member(&mut tx, caller.id).await?;
    list.extend(
        crate::store::grants::households_of_grantee(&mut tx, caller.id, state.clock.now_ms())
            .await?,
    );
    list.sort();
    list.dedup();
    tx.commit().await?;
    Ok(Json(HouseholdList { households: list }))
}

#[utoipa::path(get, path = "/v1/households/{household}", tag = "households",
    params(("household" = String, Path)),
    responses((status = 200, body = HouseholdInfo), (status = 404, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn show(
    State(state): State<AppState>,
    Caller(caller): Caller,
    meta: RequestMeta,
    Path(household): Path<String>,
) -> ApiResult<Json<HouseholdInfo>> {
    let h = HouseholdId::parse(&household)?;
    let mut ltx = LoggedTx::begin(&state).await?;
    let facts = access::facts(ltx.tx().await?, h).await?;
    let now = state.clock.now_ms();
    let decision = access::decide(&caller, &facts, None, None, Action::Read, now);
    let record =
        Record::new(EventType::HouseholdView, LogAction::Read, Some(h)).decision(&decision);
    let mut ltx = ltx
        .allowed(&state, &meta, &caller, &decision, &record)
        .await?;
    let household = households::get(ltx.tx().await?, h)
        .await?
        .ok_or_else(|| denial(kluis_policy::DenyReason::NotInvolved))?;
    let members = households::members(ltx.tx().await?, h).await?;
    let identity_envelope = members
        .iter()
        .find(|m| m.principal == caller.id)
        .map(|m| STANDARD.encode(&m.identity_envelope));
    let chain = chain(&household, &members)?;
    ltx.record(&state, &meta, Some(&caller), record).await?;
    ltx.commit().await?;
    Ok(Json(HouseholdInfo {
        household_id: h,
        recipient: household.recipient,
        created_at: rfc3339(household.created_ms),
        members: members
            .iter()
            .map(|m| MemberInfo {
                principal_id: m.principal,
                added_at: rfc3339(m.added_ms),
            })
            .collect(),
        identity_envelope,
        chain,
    }))
}

#[utoipa::path(post, path = "/v1/households/{household}/members", tag = "households",
    params(("household" = String, Path)),
    request_body = AddMember,
    responses((status = 201, body = HouseholdInfo), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn add_member(
    State(state): State<AppState>,
    idem: Idem,
    Caller(caller): Caller,
    meta: RequestMeta,
    Path(household): Path<String>,
    ApiJson(req): ApiJson<AddMember>,
) -> ApiResult<Answer> {
    let h = HouseholdId::parse(&household)?;
    let signature = decode_signature(&req.signature)?;
    let envelope = decode_envelope(&req.identity_envelope)?;
    let mut ltx = LoggedTx::begin(&state).await?;
    let facts = access::facts(ltx.tx().await?, h).await?;
    let now = state.clock.now_ms();
    let decision = access::decide(&caller, &facts, None, None, Action::Write, now);
    let record =
        Record::new(EventType::HouseholdMemberAdd, LogAction::Create, Some(h)).decision(&decision);
    let mut ltx = ltx
        .allowed(&state, &meta, &caller, &decision, &record)
        .await?;
    let statement = member_statement(
        h,
        req.principal_id,
        req.member_fingerprint.as_deref(),
        caller.id,
        req.signed_at_ms,
    );
    if !verify_signature(&caller.signing_key, statement.as_bytes(), &signature) {
        let problem = Problem::new(
            Kind::SignatureInvalid,
            "the membership statement is not signed by your key",
        );
        return Err(ltx
            .refuse(
                &state,
                &meta,
                &caller,
                record.failed("bad_signature"),
                problem,
            )
            .await);
    }
    let new_member = principals::get(&state.store, req.principal_id).await?;
    if let (Some(p), Some(fp)) = (&new_member, &req.member_fingerprint) {
        if p.fingerprint() != *fp {
            let problem = Problem::malformed(
                "the fingerprint in the membership statement is not that of the keys registered for this person",
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
    }
    match new_member {
        Some(p) if p.role == Role::Client => {}
        Some(_) => {
            let problem = Problem::malformed(
                "only clients can be household members; professionals get a grant instead",
            );
            return Err(ltx
                .refuse(
                    &state,
                    &meta,
                    &caller,
                    record.failed("not_a_client"),
                    problem,
                )
                .await);
        }
        None => {
            let problem = Problem::not_found("no principal with this id");
            return Err(ltx
                .refuse(
                    &state,
                    &meta,
                    &caller,
                    record.failed("unknown_principal"),
                    problem,
                )
                .await);
        }
    }
    if facts.members.contains(&req.principal_id) {
        let problem = Problem::new(Kind::Conflict, "this person is already a member");
        return Err(ltx
            .refuse(
                &state,
                &meta,
                &caller,
                record.failed("already_member"),
                problem,
            )
            .await);
    }
    households::add_member(
        ltx.tx().await?,
        NewMember {
            household: h,
            principal: req.principal_id,
            added_by: caller.id,
            now_ms: now,
            statement: &statement,
            signature: &signature,
            identity_envelope: &envelope,
        },
    )
    .await?;
    ltx.record(&state, &meta, Some(&caller), record).await?;
    let answer = Answer::json(
        StatusCode::CREATED,
        &MemberInfo {
            principal_id: req.principal_id,
            added_at: rfc3339(now),
        },
    );
    ltx.commit_answer(&state, &idem, answer).await
}
