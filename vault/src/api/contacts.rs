//! Trusted contacts (vertrouwenspersoon): a person a member named, who can
//! get back to the household's plan after a waiting period in which any
//! member can refuse.
//!
//! - A member names a contact (`add`): their device checked the contact's
//!   keys, enveloped the household identity to them and signed the naming
//!   statement (`wire::contact::contact_statement`). The server checks the
//!   signature and keeps both, handing out nothing (`contact.add`).
//! - The contact asks (`request`, `contact.request`): the household sees it
//!   at once in its history and on its screen; the release time is now plus
//!   the waiting period the member chose.
//! - A member may refuse while it waits (`refuse`, `contact.refuse`).
//! - The contact fetches (`release`): refused while the wait lasts (logged,
//!   `contact.release` denied), afterwards the contact becomes a member,
//!   with the member's naming statement as their link in the signed chain
//!   and the envelope made at naming time as their identity envelope
//!   (`contact.release` allowed).
//!
//! What relies on the server: the waiting period and the refusals. The
//! envelope exists from naming time, so an operator colluding with the
//! contact could release early; the household chose that person and made the
//! envelope itself, and the release is in the log it sees. What the server
//! cannot do: make anyone else a contact, because devices accept the
//! contact as a member only through a naming statement a member signed for
//! exactly the contact's keys (`client::trust`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use kluis_audit::{Action as LogAction, EventType};
use kluis_policy::{
    Action, Basis, ContactRequestId, Decision, DenyReason, HouseholdId, PrincipalId,
};

use super::auth::Caller;
use super::households::decode_signature;
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
use crate::store::contacts::{self, NewContact, Request, REFUSED, RELEASED, REMOVED, WAITING};
use crate::store::households::{self, NewMember};
use crate::store::principals;
use crate::wire::contact::{
    contact_statement, ContactInfo, ContactRequestInfo, HouseholdContacts, MyContacts, NameContact,
    NamedBy, MAX_WAIT_MS, MIN_WAIT_MS,
};
use crate::wire::household::MemberInfo;

/// Members only: a grant (even one that may write) does not let a
/// professional choose who may take over the household's keys.
fn members_only(d: Decision) -> Decision {
    match d {
        d @ Decision::Allow(Basis::Membership) => d,
        Decision::Allow(_) => Decision::Deny(DenyReason::MembersOnly),
        d => d,
    }
}

async fn request_info(state: &AppState, r: &Request) -> ApiResult<ContactRequestInfo> {
    let contact_name = principals::get(&state.store, r.contact)
        .await?
        .map(|p| p.name)
        .unwrap_or_default();
    Ok(ContactRequestInfo {
        request_id: r.id,
        household_id: r.household,
        contact_id: r.contact,
        contact_name,
        requested_at: rfc3339(r.requested_ms),
        release_at: rfc3339(r.release_ms),
        state: r.state.clone(),
        ended_at: r.ended_ms.map(rfc3339),
    })
}

#[utoipa::path(post, path = "/v1/households/{household}/contacts", tag = "contacts",
    params(("household" = String, Path)),
    request_body = NameContact,
    responses((status = 201, body = ContactInfo), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody), (status = 409, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn add(
    State(state): State<AppState>,
    idem: Idem,
    Caller(caller): Caller,
    meta: RequestMeta,
    Path(household): Path<String>,
    ApiJson(req): ApiJson<NameContact>,
) -> ApiResult<Answer> {
    let h = HouseholdId::parse(&household)?;
    let signature = decode_signature(&req.signature)?;
    let envelope = decode_envelope(&req.identity_envelope)?;
    if !(MIN_WAIT_MS..=MAX_WAIT_MS).contains(&req.wait_ms) {
        return Err(Problem::malformed(
            "the waiting period must be between 1 and 90 days",
        ));
    }
    if !kluis_policy::is_well_formed_fingerprint(&req.contact_fingerprint) {
        return Err(Problem::malformed(
            "contact_fingerprint is not a key fingerprint",
        ));
    }
    let mut ltx = LoggedTx::begin(&state).await?;
    let facts = access::facts(ltx.tx().await?, h).await?;
    let now = state.clock.now_ms();
    let decision = members_only(access::decide(
        &caller,
        &facts,
        None,
        None,
        Action::Write,
        now,
    ));
    let record = Record::new(EventType::ContactAdd, LogAction::Create, Some(h))
        .decision(&decision)
        .field(&req.contact_id);
    let mut ltx = ltx
        .allowed(&state, &meta, &caller, &decision, &record)
        .await?;
    let statement = contact_statement(
        h,
        req.contact_id,
        &req.contact_fingerprint,
        req.wait_ms,
        caller.id,
        req.signed_at_ms,
    );
    let refusal = if !verify_signature(&caller.signing_key, statement.as_bytes(), &signature) {
        Some((
            "bad_signature",
            Problem::new(
                Kind::SignatureInvalid,
                "the naming statement is not signed by your key",
            ),
        ))
    } else {
        match principals::get(&state.store, req.contact_id).await? {
            None => Some(("unknown_principal", Problem::not_found("no principal with this id"))),
            Some(p) if p.role != Role::Client => Some((
                "not_a_client",
                Problem::malformed(
                    "only clients can be trusted contacts (they may become members)",
                ),
            )),
            Some(p) if p.fingerprint() != req.contact_fingerprint => Some((
                "fingerprint_mismatch",
                Problem::malformed(
                    "the fingerprint in the naming statement is not that of the keys registered for this person",
                ),
            )),
            Some(_) if facts.members.contains(&req.contact_id) => Some((
                "already_member",
                Problem::new(Kind::Conflict, "this person is already a member"),
            )),
            Some(_) => contacts::get(ltx.tx().await?, h, req.contact_id)
                .await?
                .map(|_| {
                    (
                        "already_contact",
                        Problem::new(
                            Kind::Conflict,
                            "this person is already a trusted contact of this household: remove them first to change the waiting period",
                        ),
                    )
                }),
        }
    };
    if let Some((why, problem)) = refusal {
        return Err(ltx
            .refuse(&state, &meta, &caller, record.failed(why), problem)
            .await);
    }
    contacts::insert(
        ltx.tx().await?,
        NewContact {
            household: h,
            contact: req.contact_id,
            named_by: caller.id,
            now_ms: now,
            wait_ms: req.wait_ms,
            statement: &statement,
            signature: &signature,
            identity_envelope: &envelope,
        },
    )
    .await?;
    ltx.record(&state, &meta, Some(&caller), record).await?;
    let name = principals::get(&state.store, req.contact_id)
        .await?
        .map(|p| p.name)
        .unwrap_or_default();
    let answer = Answer::json(
        StatusCode::CREATED,
        &ContactInfo {
            contact_id: req.contact_id,
            name,
            named_by: caller.id,
            named_at: rfc3339(now),
            wait_ms: req.wait_ms,
        },
    );
    ltx.commit_answer(&state, &idem, answer).await
}

#[utoipa::path(get, path = "/v1/households/{household}/contacts", tag = "contacts",
    params(("household" = String, Path)),
    responses((status = 200, body = HouseholdContacts), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    Caller(caller): Caller,
    meta: RequestMeta,
    Path(household): Path<String>,
) -> ApiResult<Json<HouseholdContacts>> {
    let h = HouseholdId::parse(&household)?;
    let mut ltx = LoggedTx::begin(&state).await?;
    let facts = access::facts(ltx.tx().await?, h).await?;
    let now = state.clock.now_ms();
    let decision = members_only(access::decide(
        &caller,
        &facts,
        None,
        None,
        Action::Read,
        now,
    ));
    let record =
        Record::new(EventType::HouseholdView, LogAction::Read, Some(h)).decision(&decision);
    let mut ltx = ltx
        .allowed(&state, &meta, &caller, &decision, &record)
        .await?;
    let named = contacts::of_household(ltx.tx().await?, h).await?;
    let requests = contacts::requests_of(ltx.tx().await?, h).await?;
    ltx.record(&state, &meta, Some(&caller), record).await?;
    ltx.commit().await?;
    let mut out = HouseholdContacts {
        contacts: Vec::new(),
        requests: Vec::new(),
    };
    for c in named {
        let name = principals::get(&state.store, c.contact)
            .await?
            .map(|p| p.name)
            .unwrap_or_default();
        out.contacts.push(ContactInfo {
            contact_id: c.contact,
            name,
            named_by: c.named_by,
            named_at: rfc3339(c.named_ms),
            wait_ms: c.wait_ms,
        });
    }
    for r in &requests {
        out.requests.push(request_info(&state, r).await?);
    }
    Ok(Json(out))
}

#[utoipa::path(delete, path = "/v1/households/{household}/contacts/{principal}", tag = "contacts",
    params(("household" = String, Path), ("principal" = String, Path)),
    responses((status = 200, body = ContactInfo, description = "The contact removed; their envelope is deleted"), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn remove(
    State(state): State<AppState>,
    idem: Idem,
    Caller(caller): Caller,
    meta: RequestMeta,
    Path((household, principal)): Path<(String, String)>,
) -> ApiResult<Answer> {
    let h = HouseholdId::parse(&household)?;
    let contact = PrincipalId::parse(&principal)?;
    let mut ltx = LoggedTx::begin(&state).await?;
    let facts = access::facts(ltx.tx().await?, h).await?;
    let now = state.clock.now_ms();
    let decision = members_only(access::decide(
        &caller,
        &facts,
        None,
        None,
        Action::Write,
        now,
    ));
    let record = Record::new(EventType::ContactRemove, LogAction::Delete, Some(h))
        .decision(&decision)
        .field(&contact);
    let mut ltx = ltx
        .allowed(&state, &meta, &caller, &decision, &record)
        .await?;
    let Some(named) = contacts::get(ltx.tx().await?, h, contact).await? else {
        let problem = Problem::not_found("this person is not a trusted contact of this household");
        return Err(ltx
            .refuse(
                &state,
                &meta,
                &caller,
                record.failed("unknown_contact"),
                problem,
            )
            .await);
    };
    contacts::delete(ltx.tx().await?, h, contact).await?;
    contacts::end_waiting_of(ltx.tx().await?, h, contact, now, caller.id).await?;
    ltx.record(&state, &meta, Some(&caller), record).await?;
    let name = principals::get(&state.store, contact)
        .await?
        .map(|p| p.name)
        .unwrap_or_default();
    let answer = Answer::ok(&ContactInfo {
        contact_id: contact,
        name,
        named_by: named.named_by,
        named_at: rfc3339(named.named_ms),
        wait_ms: named.wait_ms,
    });
    ltx.commit_answer(&state, &idem, answer).await
}

#[utoipa::path(get, path = "/v1/contacts", tag = "contacts",
    responses((status = 200, body = MyContacts)),
    security(("bearer" = [])))]
pub async fn mine(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> ApiResult<Json<MyContacts>> {
    let mut tx = state.store.begin().await?;
    let named = contacts::naming(&mut tx, caller.id).await?;
    let mut out = MyContacts {
        households: Vec::new(),
    };
    for c in named {
        let newest = contacts::newest_request(&mut tx, c.household, caller.id).await?;
        let request = match newest {
            Some(r) => Some(request_info(&state, &r).await?),
            None => None,
        };
        out.households.push(NamedBy {
            household_id: c.household,
            wait_ms: c.wait_ms,
            named_at: rfc3339(c.named_ms),
            request,
        });
    }
    tx.commit().await?;
    Ok(Json(out))
}

#[utoipa::path(post, path = "/v1/households/{household}/contact-requests", tag = "contacts",
    params(("household" = String, Path)),
    responses((status = 201, body = ContactRequestInfo), (status = 404, body = ProblemBody), (status = 409, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn request(
    State(state): State<AppState>,
    idem: Idem,
    Caller(caller): Caller,
    meta: RequestMeta,
    Path(household): Path<String>,
) -> ApiResult<Answer> {
    let h = HouseholdId::parse(&household)?;
    let mut ltx = LoggedTx::begin(&state).await?;
    let record =
        Record::new(EventType::ContactRequest, LogAction::Create, Some(h)).field(&caller.id);
    let Some(contact) = contacts::get(ltx.tx().await?, h, caller.id).await? else {
        // Someone nobody named learns nothing, not even that the household exists.
        return Err(ltx
            .refuse(
                &state,
                &meta,
                &caller,
                record.denied("not_a_contact"),
                denial(DenyReason::NotInvolved),
            )
            .await);
    };
    if let Some(r) = contacts::newest_request(ltx.tx().await?, h, caller.id).await? {
        if r.state == WAITING {
            let problem = Problem::new(
                Kind::Conflict,
                format!(
                    "you asked already: request {} waits until {}",
                    r.id,
                    rfc3339(r.release_ms)
                ),
            );
            return Err(ltx
                .refuse(
                    &state,
                    &meta,
                    &caller,
                    record.failed("already_waiting"),
                    problem,
                )
                .await);
        }
    }
    let now = state.clock.now_ms();
    let r = Request {
        id: ContactRequestId::random(),
        household: h,
        contact: caller.id,
        requested_ms: now,
        release_ms: now.saturating_add(contact.wait_ms),
        state: WAITING.to_owned(),
        ended_ms: None,
    };
    contacts::insert_request(ltx.tx().await?, &r).await?;
    ltx.record(&state, &meta, Some(&caller), record).await?;
    let info = request_info(&state, &r).await?;
    ltx.commit_answer(&state, &idem, Answer::json(StatusCode::CREATED, &info))
        .await
}

#[utoipa::path(post, path = "/v1/households/{household}/contact-requests/{request}/refuse", tag = "contacts",
    params(("household" = String, Path), ("request" = String, Path)),
    responses((status = 200, body = ContactRequestInfo), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody), (status = 409, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn refuse(
    State(state): State<AppState>,
    idem: Idem,
    Caller(caller): Caller,
    meta: RequestMeta,
    Path((household, request)): Path<(String, String)>,
) -> ApiResult<Answer> {
    let h = HouseholdId::parse(&household)?;
    let id = ContactRequestId::parse(&request)?;
    let mut ltx = LoggedTx::begin(&state).await?;
    let facts = access::facts(ltx.tx().await?, h).await?;
    let now = state.clock.now_ms();
    let decision = members_only(access::decide(
        &caller,
        &facts,
        None,
        None,
        Action::Write,
        now,
    ));
    let mut record =
        Record::new(EventType::ContactRefuse, LogAction::Update, Some(h)).decision(&decision);
    let found = contacts::request(ltx.tx().await?, h, id).await?;
    if let Some(r) = &found {
        record = record.field(&r.contact);
    }
    let mut ltx = ltx
        .allowed(&state, &meta, &caller, &decision, &record)
        .await?;
    let Some(mut r) = found else {
        let problem = Problem::not_found("this household has no such request");
        return Err(ltx
            .refuse(
                &state,
                &meta,
                &caller,
                record.failed("unknown_request"),
                problem,
            )
            .await);
    };
    if !contacts::end_request(ltx.tx().await?, id, REFUSED, now, caller.id).await? {
        let problem = Problem::new(
            Kind::Conflict,
            format!("this request is not waiting any more ({})", r.state),
        );
        return Err(ltx
            .refuse(
                &state,
                &meta,
                &caller,
                record.failed("not_waiting"),
                problem,
            )
            .await);
    }
    ltx.record(&state, &meta, Some(&caller), record).await?;
    r.state = REFUSED.to_owned();
    r.ended_ms = Some(now);
    let info = request_info(&state, &r).await?;
    ltx.commit_answer(&state, &idem, Answer::json(StatusCode::OK, &info))
        .await
}

#[utoipa::path(post, path = "/v1/households/{household}/contact-requests/{request}/release", tag = "contacts",
    params(("household" = String, Path), ("request" = String, Path)),
    responses((status = 200, body = MemberInfo), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody), (status = 409, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn release(
    State(state): State<AppState>,
    idem: Idem,
    Caller(caller): Caller,
    meta: RequestMeta,
    Path((household, request)): Path<(String, String)>,
) -> ApiResult<Answer> {
    let h = HouseholdId::parse(&household)?;
    let id = ContactRequestId::parse(&request)?;
    let mut ltx = LoggedTx::begin(&state).await?;
    let now = state.clock.now_ms();
    let record = Record::new(EventType::ContactRelease, LogAction::Read, Some(h)).field(&caller.id);
    let found = contacts::request(ltx.tx().await?, h, id)
        .await?
        .filter(|r| r.contact == caller.id);
    let contact = contacts::get(ltx.tx().await?, h, caller.id).await?;
    let (r, contact) = match (found, contact) {
        (Some(r), Some(c)) => (r, c),
        (Some(r), None) if r.state == RELEASED => {
            let problem = Problem::new(
                Kind::Conflict,
                "this request was released: you are a member now",
            );
            return Err(ltx
                .refuse(&state, &meta, &caller, record.failed("released"), problem)
                .await);
        }
        (Some(_), None) => {
            let problem = Problem::new(
                Kind::ContactRefused,
                "a member removed you as this household's trusted contact",
            );
            return Err(ltx
                .refuse(&state, &meta, &caller, record.denied(REMOVED), problem)
                .await);
        }
        (None, _) => {
            return Err(ltx
                .refuse(
                    &state,
                    &meta,
                    &caller,
                    record.denied("not_a_contact"),
                    denial(DenyReason::NotInvolved),
                )
                .await)
        }
    };
    if r.state == REFUSED || r.state == REMOVED {
        let problem = Problem::new(
            Kind::ContactRefused,
            "a member of the household refused this request: you get no access through it",
        );
        return Err(ltx
            .refuse(&state, &meta, &caller, record.denied(&r.state), problem)
            .await);
    }
    if r.state != WAITING {
        let problem = Problem::new(Kind::Conflict, "this request is no longer open");
        return Err(ltx
            .refuse(
                &state,
                &meta,
                &caller,
                record.failed("not_waiting"),
                problem,
            )
            .await);
    }
    if now < r.release_ms {
        let mut problem = Problem::new(
            Kind::ContactWaiting,
            format!(
                "the waiting period has not ended: the household can refuse until {}; ask again after that",
                rfc3339(r.release_ms)
            ),
        );
        problem.retry_after = Some(((r.release_ms - now) as u64).div_ceil(1000));
        return Err(ltx
            .refuse(&state, &meta, &caller, record.denied("waiting"), problem)
            .await);
    }
    if households::member_ids(ltx.tx().await?, h)
        .await?
        .contains(&caller.id)
    {
        // A member added them meanwhile: the held envelope is not needed.
        let problem = Problem::new(Kind::Conflict, "you are a member of this household already");
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
            principal: caller.id,
            added_by: contact.named_by,
            now_ms: now,
            statement: &contact.statement,
            signature: &contact.signature,
            identity_envelope: &contact.identity_envelope,
        },
    )
    .await?;
    contacts::delete(ltx.tx().await?, h, caller.id).await?;
    contacts::end_request(ltx.tx().await?, id, RELEASED, now, caller.id).await?;
    ltx.record(
        &state,
        &meta,
        Some(&caller),
        record.basis("trusted-contact"),
    )
    .await?;
    let answer = Answer::json(
        StatusCode::OK,
        &MemberInfo {
            principal_id: caller.id,
            added_at: rfc3339(now),
        },
    );
    ltx.commit_answer(&state, &idem, answer).await
}
