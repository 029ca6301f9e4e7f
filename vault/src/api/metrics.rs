//! Prometheus metrics, one registry per server (so tests can run several
//! servers in one process without a global recorder).

use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use crate::server::AppState;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SourceLabels {
    source: &'static str,
}

#[derive(Clone)]
pub struct Metrics {
    registry: Arc<Mutex<Registry>>,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    /// Reads per group commit (`api::log_writer`): how many readers share
    /// one fsync. `kluis bench` reports its mean beside the read figures.
    read_batches: Histogram,
    /// How long each group commit took, from `BEGIN` to the confirmed
    /// `COMMIT`: what a logged read waits for, besides its own statement.
    read_commit_seconds: Histogram,
    /// Field reads by where their members and grants came from: the policy
    /// cache or the whole statement (`store::policy_cache`).
    read_policy: Family<SourceLabels, Counter>,
    /// Field reads by how many reads shared their statement
    /// (`store::read_snapshot::lanes`).
    read_statement_reads: Histogram,
    /// Field reads from `store::read_snapshot::recent` whose commit found
    /// what they rested on changed.
    read_changed: Counter,
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("kluis");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.0005, 2.0, 16))
        });
        registry.register("http_requests", "HTTP requests answered", requests.clone());
        registry.register(
            "http_request_duration_seconds",
            "Time to answer",
            latency.clone(),
        );
        let read_batches = Histogram::new(exponential_buckets(1.0, 2.0, 10));
        registry.register(
            "read_log_batch_entries",
            "Read log entries committed together by the group-commit writer",
            read_batches.clone(),
        );
        let read_commit_seconds = Histogram::new(exponential_buckets(0.0001, 2.0, 14));
        registry.register(
            "read_log_commit_seconds",
            "Time the group-commit writer took to commit one batch of read log entries",
            read_commit_seconds.clone(),
        );
        let read_policy = Family::<SourceLabels, Counter>::default();
        registry.register(
            "field_read_policy",
            "Field reads by where their members and grants came from (recent, cache or statement)",
            read_policy.clone(),
        );
        let read_statement_reads = Histogram::new(exponential_buckets(1.0, 2.0, 6));
        registry.register(
            "field_read_statement_reads",
            "Field reads by how many reads shared their statement",
            read_statement_reads.clone(),
        );
        let read_changed = Counter::default();
        registry.register(
            "field_read_changed",
            "Field reads decided on a kept read that had changed by their commit",
            read_changed.clone(),
        );
        Self {
            registry: Arc::new(Mutex::new(registry)),
            requests,
            latency,
            read_batches,
            read_commit_seconds,
            read_policy,
            read_statement_reads,
            read_changed,
        }
    }

    /// One group commit of `entries` read log entries.
    pub fn read_batch(&self, entries: usize) {
        self.read_batches.observe(entries as f64);
    }

    /// One group commit that took `seconds` (whether it succeeded or not).
    pub fn read_commit(&self, seconds: f64) {
        self.read_commit_seconds.observe(seconds);
    }

    /// One field read decided on members and grants from `source`: a kept
    /// read (`recent`, `store::read_snapshot::recent`), the policy cache
    /// (`cache`) or the whole statement (`statement`).
    pub fn read_source(&self, source: &'static str) {
        self.read_policy
            .get_or_create(&SourceLabels { source })
            .inc();
    }

    /// One field read decided on a kept read that the group-commit writer
    /// found changed (it is decided again).
    pub fn read_changed(&self) {
        self.read_changed.inc();
    }

    /// One field read that shared its statement with `reads - 1` others.
    pub fn read_statement(&self, reads: usize) {
        self.read_statement_reads.observe(reads as f64);
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        let registry = self.registry.lock().expect("metrics lock");
        prometheus_client::encoding::text::encode(&mut out, &registry)
            .expect("writing to a String");
        out
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

/// Count every request by route template (never the raw path: it holds ids).
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".into());
    let method = req.method().to_string();
    let start = Instant::now();
    let response = next.run(req).await;
    let labels = RequestLabels {
        method,
        route: route.clone(),
        status: response.status().as_u16(),
    };
    state.metrics.requests.get_or_create(&labels).inc();
    state
        .metrics
        .latency
        .get_or_create(&RouteLabels { route })
        .observe(start.elapsed().as_secs_f64());
    response
}

/// `GET /metrics`, Prometheus text format.
pub async fn render(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(),
    )
}
