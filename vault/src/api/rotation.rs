//! Key rotation: `GET /v1/keys/held` (every envelope to my keys) and
//! `POST /v1/keys/rotate` (new keys for me, in one transaction), and
//! `GET /v1/directory/{principal}/earlier` (someone's retired keys, with
//! the statements that link them to the keys that replaced them).
//!
//! A rotation is signed in with the old keys and carries a statement
//! signed by both the old and the new signing key
//! (`wire::rotation::rotation_statement`). In one transaction the server
//! checks both signatures, replaces every envelope the person holds (it
//! refuses, and logs the refusal, unless the request re-envelopes exactly
//! the households and field keys they hold: none missing, none extra, so
//! nothing is lost), logs `principal.rotate` and the new keys' key
//! directory entry, moves the old keys to `retired_keys`, forgets the
//! server-held copies of the old keystore (storing the new recovery blob if
//! one came with it) and ends every session. From then on the old key
//! cannot log in (login finds keys in `principals` only) nor sign anything
//! the server accepts (grants, versions, member statements are checked
//! against the signer's current key). What it signed before stays valid:
//! devices check it against the person's earlier keys, which the new keys
//! vouch for (`client/rotation.rs`).

use std::collections::BTreeSet;

use axum::extract::{Path, State};
use axum::Json;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD as B64};
use base64::Engine;
use kluis_audit::{Action as LogAction, EventType};
use kluis_policy::{FieldPath, PrincipalId};

use super::auth::Caller;
use super::households::decode_signature;
use super::idempotency::{Answer, Idem};
use super::json::ApiJson;
use super::problem::{ApiResult, Kind, Problem, ProblemBody};
use super::record::{LoggedTx, Record, RequestMeta};
use super::upload::decode_envelope;
use crate::clock::rfc3339;
use crate::keys::identity::{verify_signature, PublicKeys};
use crate::keys::recovery_blob::{lookup_id_well_formed, well_formed};
use crate::server::AppState;
use crate::store::principals::{self, Principal};
use crate::store::rotation::{self as store, HeldField, Retired};
use crate::store::{recovery, sessions};
use crate::wire::rotation::{
    rotation_statement, EarlierKey, EarlierKeys, HeldEnvelopes, HeldHousehold, Retirement,
    RotateKeys, Rotated,
};

/// How far the statement's time may be from the server's: devices take it
/// as the moment the old key was retired.
const CLOCK_SKEW_MS: i64 = 10 * 60 * 1000;

/// Someone's public keys in the wire form.
pub fn public_keys(signing_key: &[u8; 32], age_recipient: &str) -> PublicKeys {
    PublicKeys {
        signing_key: B64.encode(signing_key),
        age_recipient: age_recipient.to_owned(),
    }
}

#[utoipa::path(get, path = "/v1/keys/held", tag = "enrolment",
    responses((status = 200, body = HeldEnvelopes)),
    security(("bearer" = [])))]
/// Every envelope to my keys: what a rotation must re-envelope. Only the
/// caller's own envelopes, which only the caller's keys open. Logged as a
/// look at each household they come from (`household.view`, reason
/// `keys_held`), like any other answer that carries a household's keys.
pub async fn held(
    State(state): State<AppState>,
    Caller(caller): Caller,
    meta: RequestMeta,
) -> ApiResult<Json<HeldEnvelopes>> {
    let mut ltx = LoggedTx::begin(&state).await?;
    let held = store::held(ltx.tx().await?, caller.id).await?;
    let households: BTreeSet<_> = held
        .households
        .iter()
        .map(|(h, _)| *h)
        .chain(held.fields.iter().map(|(f, _)| f.household))
        .collect();
    for h in households {
        let mut record = Record::new(EventType::HouseholdView, LogAction::Read, Some(h));
        record.reason = Some("keys_held".to_owned());
        record.flags.authorised = true;
        ltx.record(&state, &meta, Some(&caller), record).await?;
    }
    ltx.commit().await?;
    Ok(Json(HeldEnvelopes {
        households: held
            .households
            .into_iter()
            .map(|(h, env)| HeldHousehold {
                household_id: h,
                envelope: STANDARD.encode(env),
            })
            .collect(),
        fields: held
            .fields
            .into_iter()
            .map(|(f, env)| crate::wire::rotation::HeldField {
                household_id: f.household,
                path: f.path.to_string(),
                version: f.version,
                key_gen: f.key_gen,
                envelope: STANDARD.encode(env),
            })
            .collect(),
    }))
}

#[utoipa::path(post, path = "/v1/keys/rotate", tag = "enrolment",
    request_body = RotateKeys,
    responses((status = 200, body = Rotated), (status = 400, body = ProblemBody),
        (status = 401, body = ProblemBody), (status = 409, body = ProblemBody),
        (status = 422, body = ProblemBody)),
    security(("bearer" = [])))]
/// Replace my keys (see the module docs).
pub async fn rotate(
    State(state): State<AppState>,
    idem: Idem,
    Caller(caller): Caller,
    meta: RequestMeta,
    ApiJson(req): ApiJson<RotateKeys>,
) -> ApiResult<Answer> {
    let (new_key, _) = req
        .keys
        .parse()
        .map_err(|e| Problem::malformed(format!("the new keys: {e}")))?;
    let now = state.clock.now_ms();
    if (req.signed_at_ms - now).abs() > CLOCK_SKEW_MS {
        return Err(Problem::malformed(
            "signed_at_ms is more than ten minutes from the server's clock",
        ));
    }
    let old = public_keys(&caller.signing_key, &caller.age_recipient);
    let statement = rotation_statement(caller.id, &old, &req.keys, req.signed_at_ms);
    let old_signature = decode_signature(&req.old_signature)?;
    let new_signature = decode_signature(&req.new_signature)?;
    if !verify_signature(&caller.signing_key, statement.as_bytes(), &old_signature) {
        return Err(Problem::new(
            Kind::SignatureInvalid,
            "the rotation statement is not signed by your current key",
        ));
    }
    if !verify_signature(&new_key, statement.as_bytes(), &new_signature) {
        return Err(Problem::new(
            Kind::SignatureInvalid,
            "the rotation statement is not signed by the new key",
        ));
    }
    let recovery_blob = match &req.recovery {
        Some(r) if !lookup_id_well_formed(&r.lookup_id) || !well_formed(&r.blob) => {
            return Err(Problem::malformed(
                "the recovery blob or its lookup id is not well formed",
            ))
        }
        other => other.clone(),
    };
    let households = req
        .households
        .iter()
        .map(|h| Ok((h.household_id, decode_envelope(&h.envelope)?)))
        .collect::<ApiResult<Vec<_>>>()?;
    let fields = req
        .fields
        .iter()
        .map(|f| {
            let at = HeldField {
                household: f.household_id,
                path: FieldPath::parse(&f.path)
                    .map_err(|e| Problem::malformed(format!("path {}: {e}", f.path)))?,
                version: f.version,
                key_gen: f.key_gen,
            };
            Ok((at, decode_envelope(&f.envelope)?))
        })
        .collect::<ApiResult<Vec<_>>>()?;

    let mut record =
        Record::new(EventType::PrincipalRotate, LogAction::Update, None).field(&caller.id);
    record.flags.authorised = true;
    let mut ltx = LoggedTx::begin(&state).await?;
    let held = store::held(ltx.tx().await?, caller.id).await?;
    if let Err(why) = covers_exactly(&held, &households, &fields) {
        let problem = Problem::new(
            Kind::EnvelopeMismatch,
            format!(
                "the rotation must re-envelope exactly what you hold: {why}; nothing was changed"
            ),
        );
        return Err(ltx
            .refuse(&state, &meta, &caller, record.failed("incomplete"), problem)
            .await);
    }
    for (h, env) in &households {
        if !store::replace_household_envelope(ltx.tx().await?, caller.id, *h, env).await? {
            ltx.rollback().await;
            return Err(Problem::new(
                Kind::Conflict,
                "your households changed: try again",
            ));
        }
    }
    for (at, env) in &fields {
        if !store::replace_field_envelope(ltx.tx().await?, caller.id, at, env).await? {
            ltx.rollback().await;
            return Err(Problem::new(
                Kind::Conflict,
                "your field keys changed: try again",
            ));
        }
    }
    ltx.record(&state, &meta, Some(&caller), record).await?;
    let renewed = Principal {
        signing_key: new_key,
        age_recipient: req.keys.age_recipient.clone(),
        ..caller.clone()
    };
    let seq =
        super::directory::register_keys_as(&mut ltx, &state, &meta, &renewed, "rotation").await?;
    let retired = Retired {
        signing_key: caller.signing_key,
        age_recipient: caller.age_recipient.clone(),
        retired_ms: req.signed_at_ms,
        how: Retirement::Rotation,
        statement: Some(statement),
        old_signature: Some(old_signature),
        new_signature: Some(new_signature),
    };
    let swapped = store::swap_keys(
        ltx.tx().await?,
        caller.id,
        seq,
        &new_key,
        &req.keys.age_recipient,
        &retired,
    )
    .await?;
    if !swapped {
        ltx.rollback().await;
        return Err(Problem::new(
            Kind::KeyAlreadyRegistered,
            "the new signing key is registered already, or was used before: make other keys",
        ));
    }
    store::forget_server_held_keystores(ltx.tx().await?, caller.id).await?;
    if let Some(r) = &recovery_blob {
        if !recovery::replace(ltx.tx().await?, caller.id, &r.lookup_id, &r.blob, now).await? {
            ltx.rollback().await;
            return Err(Problem::new(
                Kind::Conflict,
                "this recovery lookup id is taken: make a new recovery code",
            ));
        }
    }
    sessions::end_all(ltx.tx().await?, caller.id, now).await?;
    let answer = Answer::ok(&Rotated {
        principal_id: caller.id,
        fingerprint: renewed.fingerprint(),
        seq,
        rotated_at: rfc3339(now),
    });
    ltx.commit_answer(&state, &idem, answer).await
}

/// `Ok` when the request names exactly the envelopes `held` lists.
fn covers_exactly(
    held: &store::Held,
    households: &[(kluis_policy::HouseholdId, Vec<u8>)],
    fields: &[(HeldField, Vec<u8>)],
) -> Result<(), String> {
    let have: BTreeSet<_> = held.households.iter().map(|(h, _)| *h).collect();
    let sent: BTreeSet<_> = households.iter().map(|(h, _)| *h).collect();
    if sent.len() != households.len() {
        return Err("a household is named twice".into());
    }
    if have != sent {
        return Err(format!(
            "you are a member of {} households, the request re-envelopes {} ({} missing, {} not yours)",
            have.len(),
            sent.len(),
            have.difference(&sent).count(),
            sent.difference(&have).count()
        ));
    }
    let have: BTreeSet<_> = held.fields.iter().map(|(f, _)| f.clone()).collect();
    let sent: BTreeSet<_> = fields.iter().map(|(f, _)| f.clone()).collect();
    if sent.len() != fields.len() {
        return Err("a field key is named twice".into());
    }
    if have != sent {
        return Err(format!(
            "you hold {} field keys, the request re-envelopes {} ({} missing, {} not yours)",
            have.len(),
            sent.len(),
            have.difference(&sent).count(),
            sent.difference(&have).count()
        ));
    }
    Ok(())
}

#[utoipa::path(get, path = "/v1/directory/{principal}/earlier", tag = "enrolment",
    params(("principal" = String, Path, description = "principal id")),
    responses((status = 200, body = EarlierKeys), (status = 400, body = ProblemBody), (status = 404, body = ProblemBody)),
    security(("bearer" = [])))]
/// A person's retired keys, oldest first, with the statements that link
/// each to the keys that replaced it. Public, like the keys themselves:
/// devices need them to check what those keys signed before.
pub async fn earlier(
    State(state): State<AppState>,
    Caller(_caller): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<EarlierKeys>> {
    let id = PrincipalId::parse(&id)?;
    principals::get(&state.store, id)
        .await?
        .ok_or_else(|| Problem::not_found("no principal with this id"))?;
    let earlier = store::earlier(&state.store, id)
        .await?
        .into_iter()
        .map(|r| EarlierKey {
            keys: public_keys(&r.signing_key, &r.age_recipient),
            retired_at_ms: r.retired_ms,
            how: r.how,
            statement: r.statement,
            old_signature: r.old_signature.map(|s| B64.encode(s)),
            new_signature: r.new_signature.map(|s| B64.encode(s)),
        })
        .collect();
    Ok(Json(EarlierKeys {
        principal_id: id,
        earlier,
    }))
}
