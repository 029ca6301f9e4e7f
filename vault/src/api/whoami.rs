//! `GET /v1/whoami` and `GET /v1/principals/{id}`: public facts about people.

use axum::extract::{Path, State};
use axum::Json;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use kluis_policy::PrincipalId;

use super::auth::Caller;
use super::problem::{ApiResult, Problem, ProblemBody};
use crate::keys::PublicKeys;
use crate::server::AppState;
use crate::store::principals::{self, Principal};
use crate::wire::enrol::PrincipalInfo;

pub fn info(p: &Principal) -> PrincipalInfo {
    PrincipalInfo {
        principal_id: p.id,
        name: p.name.clone(),
        role: p.role,
        org: p.org.clone(),
        keys: PublicKeys {
            signing_key: B64.encode(p.signing_key),
            age_recipient: p.age_recipient.clone(),
        },
        fingerprint: p.fingerprint(),
    }
}

#[utoipa::path(get, path = "/v1/whoami", tag = "enrolment",
    responses((status = 200, body = PrincipalInfo), (status = 401, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn whoami(Caller(caller): Caller) -> Json<PrincipalInfo> {
    Json(info(&caller))
}

/// Anyone logged in may fetch a principal's public keys: a client needs a
/// professional's keys to grant them access, and compares the fingerprint
/// with the one the professional shows them.
#[utoipa::path(get, path = "/v1/principals/{id}", tag = "enrolment",
    params(("id" = String, Path, description = "principal id")),
    responses((status = 200, body = PrincipalInfo), (status = 404, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn principal(
    State(state): State<AppState>,
    Caller(_caller): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<PrincipalInfo>> {
    let id = PrincipalId::parse(&id)?;
    let p = principals::get(&state.store, id)
        .await?
        .ok_or_else(|| Problem::not_found("no principal with this id"))?;
    Ok(Json(info(&p)))
}
