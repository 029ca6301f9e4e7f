//! Liveness and readiness for orchestration.
//!
//! `/healthz` says only that the process answers. `/readyz` says whether
//! this server can do its job now, which for kluis means: can it commit? A
//! read is served only after its log entry commits, so a database that
//! answers queries but cannot commit (a full disk) is not ready. The answer
//! comes within a second whatever the database does, so a probe with a
//! short timeout sees a 503 with the reason, not a time-out.

use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::StatusCode;
use tokio::sync::Mutex;

use super::problem::{Kind, Problem};
use crate::server::AppState;
use crate::store::readiness;

/// How long `/readyz` waits for the database before it says not ready.
const PROBE_TIMEOUT: Duration = Duration::from_millis(750);

/// How long a probe's verdict is reused: readiness is unauthenticated, and
/// every probe is a committed write.
const PROBE_REUSE: Duration = Duration::from_secs(1);

/// A failed commit keeps the server "not ready" this long unless a later
/// commit succeeds; then the probe decides again.
const FAILURE_WINDOW: Duration = Duration::from_secs(10);

/// The latest probe's verdict, shared by concurrent `/readyz` calls.
#[derive(Default)]
pub struct Readiness {
    last: Mutex<Option<(Instant, Result<(), String>)>>,
}

impl Readiness {
    async fn probe(&self, state: &AppState) -> Result<(), String> {
        let mut last = self.last.lock().await;
        if let Some((at, verdict)) = last.as_ref() {
            if at.elapsed() < PROBE_REUSE {
                return verdict.clone();
            }
        }
        let verdict = readiness::probe(&state.store, state.clock.now_ms()).await;
        *last = Some((Instant::now(), verdict.clone()));
        verdict
    }
}

/// `GET /healthz`: the process answers.
pub async fn healthz() -> &'static str {
    "ok\n"
}

/// `GET /readyz`: the database answers and can commit.
pub async fn readyz(State(state): State<AppState>) -> Result<(StatusCode, &'static str), Problem> {
    let not_ready = match tokio::time::timeout(PROBE_TIMEOUT, state.readiness.probe(&state)).await {
        Err(_) => Some(format!(
            "the database did not commit a test write within {} ms",
            PROBE_TIMEOUT.as_millis()
        )),
        Ok(Err(reason)) => Some(reason),
        Ok(Ok(())) => state
            .store
            .health()
            .recent_failure(FAILURE_WINDOW)
            .map(|f| {
                format!(
                    "the latest commit failed {} s ago: {}",
                    f.at.elapsed().as_secs(),
                    f.error
                )
            }),
    };
    match not_ready {
        None => Ok((StatusCode::OK, "ready\n")),
        Some(reason) => Err(Problem::new(
            Kind::Unavailable,
            format!("not ready: {reason}"),
        )),
    }
}
