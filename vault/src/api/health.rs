//! Liveness and readiness for orchestration.

use axum::extract::State;
use axum::http::StatusCode;

use super::problem::ApiResult;
use crate::server::AppState;

/// `GET /healthz`: the process answers.
pub async fn healthz() -> &'static str {
    "ok\n"
}

/// `GET /readyz`: the database answers too.
pub async fn readyz(State(state): State<AppState>) -> ApiResult<(StatusCode, &'static str)> {
    state.store.ping().await?;
    Ok((StatusCode::OK, "ready\n"))
}
