//! Consent: grants and revocations.
//!
//! A grant arrives as a JWS signed by a household member, together with the
//! current key of every field in its scope enveloped to the grantee. The
//! server checks the signature against the key it registered for the
//! signer, that the signer is a member, that the grantee and fingerprint
//! are right, and that the envelopes cover exactly the fields in scope; then
//! stores grant, envelopes and log entry in one transaction.
//!
//! Each key names the version and key generation it wraps; one for any
//! other than the field's current generation is refused as stale (409), so
//! a re-key committing between the granter's fetch and upload cannot leave
//! the grantee with a key that opens nothing current.
//!
//! A revocation takes effect at once: the grant is denied from that moment,
//! the grantee's envelopes are deleted and the fields they could read are
//! marked as needing a re-key (`store::rekey_marks`). The member's client
//! then re-keys them (see `rekey`); `stale` reports them until it has.

use std::collections::{BTreeMap, BTreeSet};

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use kluis_audit::{Action as LogAction, EventType};
use kluis_policy::{
    verify_grant, verify_revocation, Action, Decision, FieldPath, GrantId, HouseholdId, Scope,
    Validity,
};

use super::auth::Caller;
use super::idempotency::{Answer, Idem};
use super::json::ApiJson;
use super::problem::{ApiResult, Kind, Problem, ProblemBody};
use super::record::{denial, LoggedTx, Record, RequestMeta};
use super::upload::decode_envelope;
use crate::access;
use crate::clock::rfc3339;
use crate::role::Role;
use crate::server::AppState;
use crate::store::grants::{self, StoredGrant};
use crate::store::{fields, principals, rekey_marks};
use crate::wire::consent::{CreateGrant, GrantInfo, GrantList, Revoke, StaleField, StaleList};

#[utoipa::path(post, path = "/v1/households/{household}/grants", tag = "consent",
    params(("household" = String, Path)),
    request_body = CreateGrant,
    responses((status = 201, body = GrantInfo), (status = 403, body = ProblemBody), (status = 409, body = ProblemBody), (status = 422, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    idem: Idem,
    Caller(caller): Caller,
    meta: RequestMeta,
    Path(household): Path<String>,
    ApiJson(req): ApiJson<CreateGrant>,
) -> ApiResult<Answer> {
    let h = HouseholdId::parse(&household)?;
    // The signature is checked against the key registered for the caller:
    // only the member who signed may upload their grant.
    let verified = verify_grant(&req.jws, Some(&caller.signing_key)).map_err(|e| {
        Problem::new(
            Kind::SignatureInvalid,
            format!("the grant is not valid: {e}"),
        )
    })?;
    let s = verified.statement().clone();
    if s.household != h || s.issuer != caller.id {
        return Err(Problem::malformed(
            "the grant names another household or another issuer than you",
        ));
    }
    if let Some(unknown) = s
        .scope
        .selectors()
        .iter()
        .find(|sel| !state.template.has_section(&selector_section(sel)))
    {
        return Err(Problem::new(
            Kind::UnknownSection,
            format!("the plan has no section for '{unknown}'"),
        ));
    }
    if req.keys.len() > 1000 {
        return Err(Problem::malformed("too many keys in one grant"));
    }
    // Consent is given when it is signed: a grant dated far from now (a
    // backdated one, claiming consent existed earlier) is refused.
    let now = state.clock.now_ms();
    let skew = (s.issued_at * 1000 - now).abs();
    if skew > GRANT_CLOCK_SKEW_MS {
        return Err(Problem::malformed(format!(
            "the grant is dated {} s away from this server's time (at most {} s allowed): check your device's clock and sign it again",
            skew / 1000,
            GRANT_CLOCK_SKEW_MS / 1000
        )));
    }
    let mut ltx = LoggedTx::begin(&state).await?;
    let facts = access::facts(ltx.tx().await?, h).await?;
    let decision = access::decide(&caller, &facts, None, None, Action::Write, now);
    let mut record =
        Record::new(EventType::GrantCreate, LogAction::Create, Some(h)).decision(&decision);
    let mut ltx = ltx
        .allowed(&state, &meta, &caller, &decision, &record)
        .await?;
    record.basis = Some(s.id.to_string());
    record.purpose = Some(s.purpose.code().to_owned());
    // The window the grant is valid in, so `audit verify` can check every
    // read made on it against it.
    record.reason = Some(format!(
        "{}{}..{}",
        kluis_audit::verify::GRANT_WINDOW_PREFIX,
        s.not_before * 1000,
        s.expires * 1000
    ));
    record.fields = s
        .scope
        .selectors()
        .iter()
        .map(ToString::to_string)
        .collect();

    let grantee = principals::get(&state.store, s.grantee).await?;
    let Some(grantee) = grantee.filter(|g| g.role == Role::Professional) else {
        let problem = Problem::malformed("grants go to registered professionals");
        return Err(ltx
            .refuse(
                &state,
                &meta,
                &caller,
                record.failed("bad_grantee"),
                problem,
            )
            .await);
    };
    if grantee.fingerprint() != s.grantee_fingerprint {
        let problem = Problem::malformed(
            "the grant names another key fingerprint than the grantee's registered keys: check who you are granting to",
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
    if grants::exists(ltx.tx().await?, s.id).await? {
        let problem = Problem::new(Kind::Conflict, "a grant with this id already exists");
        return Err(ltx
            .refuse(&state, &meta, &caller, record.failed("duplicate"), problem)
            .await);
    }

    // The keys must be the grantee's key for exactly the current version
    // and key generation of every shared (non-private) field in scope. One
    // for another generation was wrapped before a re-key (or a new version)
    // committed: it would hand the grantee a key that opens nothing current
    // and that no later check flags, so it is refused as stale and the
    // device fetches the keys again.
    let current = fields::list_current(ltx.tx().await?, h).await?;
    let required: BTreeMap<&FieldPath, (i64, i64)> = current
        .iter()
        .filter(|f| f.private_author.is_none() && s.scope.covers(&f.path))
        .map(|f| (&f.path, (f.version, f.key_gen)))
        .collect();
    let given: BTreeMap<&FieldPath, (i64, i64)> = req
        .keys
        .iter()
        .map(|k| (&k.path, (k.version, k.key_gen)))
        .collect();
    if given.len() != req.keys.len() || given.keys().any(|p| !required.contains_key(p)) {
        let problem = Problem::new(
            Kind::EnvelopeMismatch,
            "the grant must carry the grantee's key for exactly the shared fields in scope, each once",
        );
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
    if given != required {
        let moved: Vec<String> = required
            .iter()
            .filter(|(p, at)| given.get(*p) != Some(*at))
            .map(|(p, (v, g))| format!("{p} is at version {v} key generation {g}"))
            .collect();
        let problem = Problem::new(
            Kind::StaleVersion,
            format!(
                "the plan changed after your device fetched the keys ({}): fetch them again",
                moved.join(", ")
            ),
        );
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
    let grantee_reader = s.grantee.to_string();
    for k in &req.keys {
        let bytes = decode_envelope(&k.envelope)?;
        let at = fields::Generation {
            household: h,
            path: &k.path,
            version: k.version,
            key_gen: k.key_gen,
        };
        // A grantee may already hold this key through another grant.
        fields::delete_envelope(ltx.tx().await?, at, &grantee_reader).await?;
        fields::insert_envelope(ltx.tx().await?, at, &grantee_reader, &bytes).await?;
    }
    grants::insert(ltx.tx().await?, &s, &req.jws, now).await?;
    ltx.record(&state, &meta, Some(&caller), record).await?;
    let stored = StoredGrant {
        fact: kluis_policy::GrantFact::from_statement(&s, false),
        issuer: s.issuer,
        jws: req.jws,
        created_ms: now,
        revoked_ms: None,
        revocation_jws: None,
    };
    let answer = Answer::json(StatusCode::CREATED, &info(&stored, Some(&grantee), now));
    ltx.commit_answer(&state, &idem, answer).await
}

/// How far a grant's signing time (`iat`) may be from the server's clock.
pub const GRANT_CLOCK_SKEW_MS: i64 = 5 * 60_000;

pub fn status(g: &StoredGrant, now_ms: i64) -> &'static str {
    if g.revoked_ms.is_some() {
        "revoked"
    } else if now_ms < g.fact.valid_from_ms {
        "not-yet-valid"
    } else if now_ms >= g.fact.valid_until_ms {
        "expired"
    } else {
        "active"
    }
}

fn info(g: &StoredGrant, grantee: Option<&principals::Principal>, now_ms: i64) -> GrantInfo {
    GrantInfo {
        grant_id: g.fact.id,
        issuer: g.issuer,
        grantee: g.fact.grantee,
        grantee_name: grantee.map(|p| p.name.clone()),
        grantee_org: grantee.and_then(|p| p.org.clone()),
        scope: g.fact.scope.to_string(),
        actions: g.fact.actions.iter().map(|a| a.code().to_owned()).collect(),
        purpose: g.fact.purpose.code().to_owned(),
        valid_from: rfc3339(g.fact.valid_from_ms),
        valid_until: rfc3339(g.fact.valid_until_ms),
        status: status(g, now_ms).to_owned(),
        revoked_at: g.revoked_ms.map(rfc3339),
        jws: g.jws.clone(),
        revocation_jws: g.revocation_jws.clone(),
    }
}

/// Members see every grant of their household; a grantee sees their own.
#[utoipa::path(get, path = "/v1/households/{household}/grants", tag = "consent",
    params(("household" = String, Path)),
    responses((status = 200, body = GrantList), (status = 404, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    Caller(caller): Caller,
    meta: RequestMeta,
    Path(household): Path<String>,
) -> ApiResult<Json<GrantList>> {
    let h = HouseholdId::parse(&household)?;
    let mut ltx = LoggedTx::begin(&state).await?;
    let facts = access::facts(ltx.tx().await?, h).await?;
    let now = state.clock.now_ms();
    let member = facts.members.contains(&caller.id);
    let all = grants::for_household(ltx.tx().await?, h).await?;
    let mine: Vec<&StoredGrant> = all
        .iter()
        .filter(|g| member || g.fact.grantee == caller.id)
        .collect();
    let record = Record::new(EventType::GrantList, LogAction::Read, Some(h));
    if mine.is_empty() && !member {
        // Outsiders (and former grantees with nothing left) learn nothing.
        return Err(ltx
            .refuse(
                &state,
                &meta,
                &caller,
                record.denied("not_involved"),
                denial(kluis_policy::DenyReason::NotInvolved),
            )
            .await);
    }
    let mut out = Vec::new();
    for g in mine {
        let grantee = principals::get(&state.store, g.fact.grantee).await?;
        out.push(info(g, grantee.as_ref(), now));
    }
    let basis = if member {
        kluis_audit::MEMBERSHIP_BASIS.to_owned()
    } else {
        "grantee".to_owned()
    };
    ltx.record(&state, &meta, Some(&caller), record.basis(&basis))
        .await?;
    ltx.commit().await?;
    Ok(Json(GrantList { grants: out }))
}

#[utoipa::path(post, path = "/v1/households/{household}/grants/{grant}/revoke", tag = "consent",
    params(("household" = String, Path), ("grant" = String, Path)),
    request_body = Revoke,
    responses((status = 200, body = StaleList), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn revoke(
    State(state): State<AppState>,
    idem: Idem,
    Caller(caller): Caller,
    meta: RequestMeta,
    Path((household, grant)): Path<(String, String)>,
    ApiJson(req): ApiJson<Revoke>,
) -> ApiResult<Answer> {
    let h = HouseholdId::parse(&household)?;
    let g = GrantId::parse(&grant)?;
    let verified = verify_revocation(&req.jws, Some(&caller.signing_key)).map_err(|e| {
        Problem::new(
            Kind::SignatureInvalid,
            format!("the revocation is not valid: {e}"),
        )
    })?;
    let r = verified.statement().clone();
    if r.household != h || r.grant != g || r.issuer != caller.id {
        return Err(Problem::malformed(
            "the revocation names another household, grant or issuer",
        ));
    }
    let mut ltx = LoggedTx::begin(&state).await?;
    let facts = access::facts(ltx.tx().await?, h).await?;
    let now = state.clock.now_ms();
    let decision = access::decide(&caller, &facts, None, None, Action::Write, now);
    let mut record =
        Record::new(EventType::GrantRevoke, LogAction::Delete, Some(h)).decision(&decision);
    let mut ltx = ltx
        .allowed(&state, &meta, &caller, &decision, &record)
        .await?;
    record.basis = Some(g.to_string());
    let Some(stored) = grants::get(ltx.tx().await?, h, g).await? else {
        let problem = Problem::not_found("this household has no grant with this id");
        return Err(ltx
            .refuse(
                &state,
                &meta,
                &caller,
                record.failed("unknown_grant"),
                problem,
            )
            .await);
    };
    record.purpose = Some(stored.fact.purpose.code().to_owned());
    if !grants::revoke(ltx.tx().await?, g, &req.jws, now).await? {
        let problem = Problem::new(Kind::Conflict, "this grant was already withdrawn");
        return Err(ltx
            .refuse(
                &state,
                &meta,
                &caller,
                record.failed("already_revoked"),
                problem,
            )
            .await);
    }
    // Delete the grantee's envelopes for fields no other grant of theirs
    // still covers (in force now, or starting later: its keys were handed
    // over when it was made). Their own private observations keep their
    // only key: `shared_envelopes_of_reader` leaves those out.
    let grantee = stored.fact.grantee;
    let still: Vec<Scope> = facts
        .grants
        .iter()
        .filter(|o| o.id != g && o.grantee == grantee && !o.revoked && now < o.valid_until_ms)
        .map(|o| o.scope.clone())
        .collect();
    let still_covers = |p: &FieldPath| still.iter().any(|s| s.covers(p));
    let mut lost = BTreeSet::new();
    for held in fields::shared_envelopes_of_reader(ltx.tx().await?, h, &grantee.to_string()).await?
    {
        if !still_covers(&held.path) {
            let at = fields::Generation {
                household: h,
                path: &held.path,
                version: held.version,
                key_gen: held.key_gen,
            };
            fields::delete_envelope(ltx.tx().await?, at, &grantee.to_string()).await?;
            lost.insert(held.path);
        }
    }
    // Every shared field the grantee could read is marked as needing a
    // re-key, in this transaction: the deleted envelopes no longer show
    // that the grantee knows its key, the mark does until the re-key
    // commits (see `stale`).
    let mut stale = Vec::new();
    for f in fields::list_current(ltx.tx().await?, h).await? {
        let could_read =
            lost.contains(&f.path) || (stored.fact.scope.covers(&f.path) && !still_covers(&f.path));
        if f.private_author.is_none() && could_read {
            rekey_marks::mark(ltx.tx().await?, h, &f.path, now).await?;
            stale.push(StaleField {
                path: f.path,
                version: f.version,
                key_gen: f.key_gen,
            });
        }
    }
    ltx.record(&state, &meta, Some(&caller), record).await?;
    let answer = Answer::ok(&StaleList { fields: stale });
    ltx.commit_answer(&state, &idem, answer).await
}

/// `GET …/stale`: current fields that need re-keying: those whose key is
/// held by someone who may no longer read them (an expired grant), and
/// those marked when a grant covering them was withdrawn, until their
/// re-key commits.
#[utoipa::path(get, path = "/v1/households/{household}/stale", tag = "consent",
    params(("household" = String, Path)),
    responses((status = 200, body = StaleList), (status = 404, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn stale(
    State(state): State<AppState>,
    Caller(caller): Caller,
    meta: RequestMeta,
    Path(household): Path<String>,
) -> ApiResult<Json<StaleList>> {
    let h = HouseholdId::parse(&household)?;
    let mut ltx = LoggedTx::begin(&state).await?;
    let facts = access::facts(ltx.tx().await?, h).await?;
    let now = state.clock.now_ms();
    let decision = access::decide(&caller, &facts, None, None, Action::Write, now);
    let record = Record::new(EventType::StaleList, LogAction::Read, Some(h)).decision(&decision);
    if let Decision::Deny(reason) = decision {
        return Err(ltx
            .refuse(&state, &meta, &caller, record, denial(reason))
            .await);
    }
    let marked = rekey_marks::marked(ltx.tx().await?, h).await?;
    let mut out = Vec::new();
    for f in fields::list_current(ltx.tx().await?, h).await? {
        if f.private_author.is_some() {
            continue;
        }
        let required = super::upload::required_set(&facts, &f.path, now);
        let at = fields::Generation {
            household: h,
            path: &f.path,
            version: f.version,
            key_gen: f.key_gen,
        };
        let holders: BTreeSet<String> = fields::readers_of(ltx.tx().await?, at)
            .await?
            .into_iter()
            .collect();
        if marked.contains(&f.path) || !holders.is_subset(&required) {
            out.push(StaleField {
                path: f.path,
                version: f.version,
                key_gen: f.key_gen,
            });
        }
    }
    ltx.record(&state, &meta, Some(&caller), record).await?;
    ltx.commit().await?;
    Ok(Json(StaleList { fields: out }))
}

/// The validity of a statement at `now_ms`, for display.
pub fn validity_word(v: Validity) -> &'static str {
    match v {
        Validity::NotYetValid => "not yet valid",
        Validity::Active => "active",
        Validity::Expired => "expired",
    }
}

/// The plan section a selector reaches into.
fn selector_section(sel: &kluis_policy::Selector) -> String {
    let text = sel.to_string();
    text.split('/').next().unwrap_or_default().to_owned()
}
