//! Safe retries: the `Idempotency-Key` request header.
//!
//! A client whose write timed out, or whose connection broke after it sent
//! the request, cannot tell whether the write took effect; retrying blindly
//! could write twice, or answer "stale version" (409) for its own change.
//! So a write may carry `Idempotency-Key: <key>` (one per user action; the
//! CLI sends one and retries with it). The outcome of a write that commits
//! is stored with the key *in the write's own transaction*, so the key is
//! remembered exactly when the write took effect. A retry with the same key
//! and the same request gets the stored answer again (with
//! `Idempotent-Replayed: true`), without doing anything twice; the same key
//! with a different request is refused (422, `idempotency-key-reused`).
//! Keys are scoped to the caller and kept 24 hours. Modelled on the IETF
//! HTTPAPI draft "The Idempotency-Key HTTP Header Field".
//!
//! Two parts: `track` (middleware) checks for a stored answer before the
//! handler runs, and again after a failed attempt (a concurrent twin may
//! have committed meanwhile); handlers of writes end with
//! `LoggedTx::commit_answer` or `commit_answer` here, which store the
//! answer beside the change.

use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::auth::{bearer_token, Resolved};
use super::problem::{ApiResult, Kind, Problem};
use crate::server::AppState;
use crate::store::idempotency::{self, Stored};
use crate::store::principals::Principal;
use crate::store::sessions::{self, TokenLookup};
use crate::store::Tx;

pub const HEADER: &str = "idempotency-key";
pub const REPLAYED: &str = "idempotent-replayed";

/// The longest key accepted (a UUID is 36 characters).
const MAX_KEY: usize = 255;

/// The request's idempotency key, if it sent one, with what it is checked
/// against: who asks (`scope`) and what exactly is asked (`fingerprint`).
#[derive(Debug, Clone)]
pub struct IdempotencyKey {
    scope: String,
    key: String,
    fingerprint: Vec<u8>,
}

/// Extractor: the key of this request, if any (set by `track`).
pub struct Idem(pub Option<IdempotencyKey>);

impl<S: Send + Sync> FromRequestParts<S> for Idem {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Idem(parts.extensions.get::<IdempotencyKey>().cloned()))
    }
}

/// A write's answer as it will be stored and sent: a status and a JSON body
/// (empty for 204).
#[derive(Debug)]
pub struct Answer {
    status: StatusCode,
    body: Vec<u8>,
    replayed: bool,
}

impl Answer {
    pub fn json<T: Serialize>(status: StatusCode, body: &T) -> Self {
        Self {
            status,
            body: serde_json::to_vec(body).expect("plain struct"),
            replayed: false,
        }
    }

    /// 200 with `body`.
    pub fn ok<T: Serialize>(body: &T) -> Self {
        Self::json(StatusCode::OK, body)
    }

    pub fn empty(status: StatusCode) -> Self {
        Self {
            status,
            body: Vec::new(),
            replayed: false,
        }
    }

    fn replay(stored: Stored) -> Self {
        Self {
            status: StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK),
            body: stored.body,
            replayed: true,
        }
    }
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        let mut response = if self.body.is_empty() {
            self.status.into_response()
        } else {
            (
                self.status,
                [(header::CONTENT_TYPE, "application/json")],
                self.body,
            )
                .into_response()
        };
        if self.replayed {
            response
                .headers_mut()
                .insert(REPLAYED, HeaderValue::from_static("true"));
        }
        response
    }
}

/// Commit `tx` with `answer`, storing the answer under the request's key in
/// the same transaction. If a concurrent request with the same key
/// committed first, this one is rolled back and that one's answer is given.
pub async fn commit_answer(
    mut tx: Tx,
    state: &AppState,
    idem: &Idem,
    answer: Answer,
) -> ApiResult<Answer> {
    if let Some(k) = &idem.0 {
        let now = state.clock.now_ms();
        if let Some(stored) = idempotency::find(&mut tx, &k.scope, &k.key, now).await? {
            tx.rollback().await;
            return settled(k, stored);
        }
        let stored = Stored {
            fingerprint: k.fingerprint.clone(),
            status: answer.status.as_u16(),
            body: answer.body.clone(),
        };
        idempotency::remember(&mut tx, &k.scope, &k.key, &stored, now).await?;
    }
    tx.commit().await?;
    Ok(answer)
}

/// The stored answer for `k`, or the refusal when the key was used for a
/// different request.
fn settled(k: &IdempotencyKey, stored: Stored) -> ApiResult<Answer> {
    if stored.fingerprint == k.fingerprint {
        Ok(Answer::replay(stored))
    } else {
        Err(Problem::new(
            Kind::IdempotencyKeyReused,
            "this Idempotency-Key was already used for a different request; use a new key for a new action",
        ))
    }
}

/// Middleware: parse the key, answer a retry from the store, and hand the
/// key to the handler.
pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if !matches!(
        *request.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    ) || !request.headers().contains_key(HEADER)
    {
        return next.run(request).await;
    }
    match prepare(&state, request).await {
        Ok(Prepared::Answered(answer)) => answer.into_response(),
        Ok(Prepared::Run(run)) => {
            let (request, key) = *run;
            let response = next.run(request).await;
            if response.status().is_success() {
                return response;
            }
            // A twin with the same key may have committed while this one
            // ran (and failed, say, on the version it changed): its answer
            // is the outcome of the action.
            match lookup(&state, &key).await {
                Ok(Some(stored)) => match settled(&key, stored) {
                    Ok(answer) => answer.into_response(),
                    Err(_) => response,
                },
                _ => response,
            }
        }
        Err(problem) => problem.into_response(),
    }
}

enum Prepared {
    Answered(Answer),
    Run(Box<(Request, IdempotencyKey)>),
}

async fn prepare(state: &AppState, request: Request) -> ApiResult<Prepared> {
    let key = parse_key(request.headers().get(HEADER))?;
    let token = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(bearer_token)
        .map(str::to_owned);
    let caller = match token {
        Some(token) => caller(state, &token).await?,
        None => None,
    };
    let scope = caller
        .as_ref()
        .map_or_else(|| "-".to_owned(), |p| p.id.to_string());
    let (mut parts, body) = request.into_parts();
    if let Some(p) = caller {
        parts.extensions.insert(Resolved(p));
    }
    let bytes = axum::body::to_bytes(body, state.limits.body_bytes)
        .await
        .map_err(|_| {
            Problem::new(
                Kind::PayloadTooLarge,
                format!(
                    "the request body is larger than {} bytes",
                    state.limits.body_bytes
                ),
            )
        })?;
    let target = parts
        .uri
        .path_and_query()
        .map_or(parts.uri.path(), |pq| pq.as_str());
    let mut hash = ring::digest::Context::new(&ring::digest::SHA256);
    for part in [parts.method.as_str().as_bytes(), target.as_bytes(), &bytes] {
        hash.update(&(part.len() as u64).to_be_bytes());
        hash.update(part);
    }
    let key = IdempotencyKey {
        scope,
        key,
        fingerprint: hash.finish().as_ref().to_vec(),
    };
    if let Some(stored) = lookup(state, &key).await? {
        return settled(&key, stored).map(Prepared::Answered);
    }
    parts.extensions.insert(key.clone());
    Ok(Prepared::Run(Box::new((
        Request::from_parts(parts, Body::from(bytes)),
        key,
    ))))
}

async fn lookup(
    state: &AppState,
    key: &IdempotencyKey,
) -> Result<Option<Stored>, crate::store::StoreError> {
    let mut conn = state.store.pool().acquire().await?;
    idempotency::find(&mut conn, &key.scope, &key.key, state.clock.now_ms()).await
}

/// A key is 1 to 255 visible ASCII characters; the draft's quoted form
/// (`"…"`) is accepted too.
fn parse_key(value: Option<&HeaderValue>) -> ApiResult<String> {
    let bad = || {
        Problem::malformed(format!(
            "the Idempotency-Key header must be 1 to {MAX_KEY} visible ASCII characters"
        ))
    };
    let text = value.and_then(|v| v.to_str().ok()).ok_or_else(bad)?.trim();
    let text = text
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(text);
    if text.is_empty()
        || text.len() > MAX_KEY
        || !text.bytes().all(|b| b.is_ascii_graphic() && b != b'"')
    {
        return Err(bad());
    }
    Ok(text.to_owned())
}

/// Whose key it is: the logged-in principal, so one person's key never
/// finds another's answer (`None`, scope `-`, for requests made before
/// login, whose fingerprint then has to match exactly, body included). An
/// expired or unknown token also gives `None`: the handler refuses it with
/// the usual explanation.
async fn caller(state: &AppState, token: &str) -> ApiResult<Option<Principal>> {
    match sessions::principal_for_token(&state.store, token, state.clock.now_ms()).await? {
        TokenLookup::Valid(p) => Ok(Some(p)),
        TokenLookup::Expired | TokenLookup::Unknown | TokenLookup::Disabled => Ok(None),
    }
}
