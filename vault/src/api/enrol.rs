//! Enrolment: `POST /v1/invites` and `POST /v1/register`.
//!
//! Admins invite anyone; professionals invite clients. The invitee registers
//! with the code and their public keys; the invite fixes their role, name and
//! organisation, so a code for a client cannot make an admin.

use axum::extract::State;
use axum::http::StatusCode;
use data_encoding::BASE32_NOPAD;
use kluis_policy::PrincipalId;

use super::auth::Caller;
use super::idempotency::{Answer, Idem};
use super::json::ApiJson;
use super::problem::{ApiResult, Kind, Problem, ProblemBody};
use super::record::{refuse_now, LoggedTx, Record, RequestMeta};
use crate::clock::rfc3339;
use crate::server::AppState;
use crate::store::invites::{self, NewInvite, Redeem};
use crate::store::principals::{self, NewPrincipal, Principal};
use crate::wire::enrol::{InviteRequest, InviteResponse, PrincipalInfo, RegisterRequest};
use kluis_audit::{Action as LogAction, EventType};

/// A fresh invite code: 160 random bits in lowercase base32, grouped for
/// reading aloud: `kluis-abcd-efgh-…`.
pub fn new_invite_code() -> String {
    let bytes: [u8; 20] = rand::random();
    let text = BASE32_NOPAD.encode(&bytes).to_lowercase();
    let groups: Vec<&str> = text
        .as_bytes()
        .chunks(4)
        .map(|c| std::str::from_utf8(c).expect("ascii"))
        .collect();
    format!("kluis-{}", groups.join("-"))
}

/// Names and organisations: printable, short, trimmed.
pub fn clean_label(what: &str, text: &str) -> ApiResult<String> {
    let t = text.trim();
    if t.is_empty() || t.chars().count() > 100 || t.chars().any(char::is_control) {
        return Err(Problem::malformed(format!(
            "{what} must be 1 to 100 printable characters"
        )));
    }
    Ok(t.to_owned())
}

#[utoipa::path(post, path = "/v1/invites", tag = "enrolment",
    request_body = InviteRequest,
    responses((status = 201, body = InviteResponse), (status = 403, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn invite(
    State(state): State<AppState>,
    idem: Idem,
    Caller(caller): Caller,
    meta: RequestMeta,
    ApiJson(req): ApiJson<InviteRequest>,
) -> ApiResult<Answer> {
    // Who invited whom in which role is logged; the invitee's name is not.
    let mut record = Record::new(EventType::Invite, LogAction::Create, None);
    record.reason = Some(format!("role {}", req.role.as_str()));
    if !caller.role.may_invite(req.role) {
        let problem = Problem::forbidden(format!(
            "{} may not invite {}",
            caller.role.with_article(),
            req.role.with_article()
        ));
        return Err(refuse_now(&state, &meta, &caller, record.denied("role"), problem).await);
    }
    let name = clean_label("the name", &req.name)?;
    let org = match (&req.org, req.role.needs_organisation()) {
        (Some(org), _) => Some(clean_label("the organisation", org)?),
        (None, true) => {
            return Err(Problem::malformed(format!(
                "{} must belong to an organisation: give --org",
                req.role.with_article()
            )))
        }
        (None, false) => None,
    };
    let code = new_invite_code();
    let now = state.clock.now_ms();
    let expires = now + state.limits.invite_ttl_ms;
    let creator = caller.id.to_string();
    let mut ltx = LoggedTx::begin(&state).await?;
    invites::insert(
        ltx.tx().await?,
        NewInvite {
            code: &code,
            role: req.role,
            name: &name,
            org: org.as_deref(),
            created_by: Some(&creator),
            now_ms: now,
            expires_ms: expires,
        },
    )
    .await?;
    let answer = Answer::json(
        StatusCode::CREATED,
        &InviteResponse {
            code,
            role: req.role,
            name,
            org,
            expires_at: rfc3339(expires),
        },
    );
    record.flags.authorised = true;
    ltx.record(&state, &meta, Some(&caller), record).await?;
    ltx.commit_answer(&state, &idem, answer).await
}

#[utoipa::path(post, path = "/v1/register", tag = "enrolment",
    request_body = RegisterRequest,
    responses((status = 201, body = PrincipalInfo), (status = 403, body = ProblemBody), (status = 409, body = ProblemBody)))]
pub async fn register(
    State(state): State<AppState>,
    idem: Idem,
    meta: RequestMeta,
    ApiJson(req): ApiJson<RegisterRequest>,
) -> ApiResult<Answer> {
    if req.invite.len() > 128 {
        return Err(Problem::new(
            Kind::InviteInvalid,
            "this invite code is not valid",
        ));
    }
    let (signing_key, _recipient) = req
        .keys
        .parse()
        .map_err(|e| Problem::malformed(format!("the public keys are not valid: {e}")))?;
    let id = PrincipalId::random();
    let now = state.clock.now_ms();
    // Under the log's lock: the registration and its key directory entry
    // (api/directory.rs) commit together or not at all.
    let mut ltx = LoggedTx::begin(&state).await?;
    let redeemed =
        match invites::redeem(ltx.tx().await?, req.invite.trim(), &id.to_string(), now).await? {
            Redeem::Ok(r) => r,
            Redeem::Unknown => {
                return Err(Problem::new(
                    Kind::InviteInvalid,
                    "this invite code is not valid",
                ))
            }
            Redeem::Used => {
                return Err(Problem::new(
                    Kind::InviteUsed,
                    "this invite code was already used; ask for a new one",
                ))
            }
            Redeem::Expired => {
                return Err(Problem::new(
                    Kind::InviteExpired,
                    "this invite code has expired; ask for a new one",
                ))
            }
            Redeem::InviterDisabled => {
                return Err(Problem::new(
                    Kind::InviteInvalid,
                    "the person who made this invite can no longer invite anyone; ask an administrator for a new one",
                ))
            }
        };
    // A re-enrolment invite gives an existing person new keys instead.
    if let Some(person) =
        crate::store::rotation::reenrol_of(ltx.tx().await?, req.invite.trim()).await?
    {
        let Some(existing) = principals::get_in(ltx.tx().await?, person).await? else {
            return Err(Problem::new(
                Kind::InviteInvalid,
                "this invite code is not valid",
            ));
        };
        let renewed = super::readmission::reenrol(
            &mut ltx,
            &state,
            &meta,
            &existing,
            signing_key,
            &req.keys.age_recipient,
        )
        .await?;
        let answer = Answer::json(StatusCode::CREATED, &super::whoami::info(&renewed));
        return ltx.commit_answer(&state, &idem, answer).await;
    }
    let inserted = principals::insert(
        ltx.tx().await?,
        NewPrincipal {
            id,
            name: &redeemed.name,
            role: redeemed.role,
            org: redeemed.org.as_deref(),
            signing_key: &signing_key,
            age_recipient: &req.keys.age_recipient,
            invited_by: redeemed.created_by.as_deref(),
            now_ms: now,
        },
    )
    .await?;
    if !inserted {
        // Dropping the transaction rolls back: the invite stays unused.
        return Err(Problem::new(
            Kind::KeyAlreadyRegistered,
            "this key is already registered; make a new keystore for a new person",
        ));
    }
    let principal = Principal {
        id,
        name: redeemed.name,
        role: redeemed.role,
        org: redeemed.org,
        signing_key,
        age_recipient: req.keys.age_recipient.clone(),
        disabled_ms: None,
    };
    super::directory::register_keys(&mut ltx, &state, &meta, &principal).await?;
    let answer = Answer::json(StatusCode::CREATED, &super::whoami::info(&principal));
    ltx.commit_answer(&state, &idem, answer).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invite_codes_are_fresh_and_readable() {
        let a = new_invite_code();
        assert_ne!(a, new_invite_code());
        assert!(a.starts_with("kluis-"));
        assert!(a
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'));
    }

    #[test]
    fn labels_are_cleaned() {
        assert_eq!(clean_label("x", "  Anna  ").unwrap(), "Anna");
        assert!(clean_label("x", "").is_err());
        assert!(clean_label("x", "a\nb").is_err());
        assert!(clean_label("x", &"a".repeat(101)).is_err());
    }
}
