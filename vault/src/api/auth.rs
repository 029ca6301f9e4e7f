//! The authenticated caller, from the `Authorization: Bearer` header.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use super::problem::{Kind, Problem};
use crate::server::AppState;
use crate::store::principals::Principal;
use crate::store::sessions::{self, TokenLookup};

/// A request made by a logged-in principal.
pub struct Caller(pub Principal);

/// The principal a middleware already found for this request's token
/// (`idempotency::track` does, to scope keys), so `Caller` need not look
/// the token up a second time.
#[derive(Clone)]
pub(crate) struct Resolved(pub Principal);

/// The token of an `Authorization` header value: `Bearer <token>`, the
/// token 1 to 128 bytes.
pub(crate) fn bearer_token(header: &str) -> Option<&str> {
    header
        .strip_prefix("Bearer ")
        .filter(|t| !t.is_empty() && t.len() <= 128)
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        if let Some(Resolved(p)) = parts.extensions.get::<Resolved>() {
            return Ok(Caller(p.clone()));
        }
        let Bearer(token) = Bearer::from_request_parts(parts, state).await?;
        let found =
            sessions::principal_for_token(&state.store, &token, state.clock.now_ms()).await?;
        Ok(Caller(answer(found)?))
    }
}

/// The bearer token of a request, not yet looked up. For the field read,
/// which looks it up in the same statement as everything else it needs
/// (`store::read_snapshot`), and then calls `answer` on what it found.
pub struct Bearer(pub String);

impl FromRequestParts<AppState> for Bearer {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _state: &AppState) -> Result<Self, Problem> {
        let header = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| {
                Problem::new(
                    Kind::Unauthenticated,
                    "this request needs a bearer token: log in first",
                )
            })?;
        let token = bearer_token(header).ok_or_else(|| {
            Problem::new(
                Kind::Unauthenticated,
                "the Authorization header must be 'Bearer <token>'",
            )
        })?;
        Ok(Bearer(token.to_owned()))
    }
}

impl Bearer {
    /// Look the token up on its own: the caller, or why not.
    pub async fn caller(&self, state: &AppState) -> Result<Principal, Problem> {
        answer(sessions::principal_for_token(&state.store, &self.0, state.clock.now_ms()).await?)
    }
}

/// What a token lookup means for the request: its caller, or the answer.
pub fn answer(found: TokenLookup) -> Result<Principal, Problem> {
    match found {
        TokenLookup::Valid(p) => Ok(p),
        TokenLookup::Expired => Err(Problem::new(
            Kind::TokenExpired,
            "the login has expired: log in again",
        )),
        TokenLookup::Unknown => Err(Problem::new(
            Kind::Unauthenticated,
            "the bearer token is not known: log in again",
        )),
        TokenLookup::Disabled => Err(Problem::account_disabled()),
    }
}
