//! `http_read_vs_trivial` (4 readers) and `http_read_vs_trivial_c64` (64
//! readers): authorised, logged field reads per second over HTTP against
//! the real server, against `GET /healthz` on the same server with the same
//! load generator at the same concurrency. At 64 readers the figure shows
//! whether group commit lets many reads share one commit (issue 18).
//!
//! The server is `server::Application` in this process on 127.0.0.1:0 with
//! a fresh database (SQLite in a temporary directory, or a fresh database
//! on a PostgreSQL server). A client is enrolled, creates a household and
//! writes one field; then `concurrency` tasks send `GET
//! /v1/households/{h}/fields/{path}` with the client's bearer token for a
//! fixed time (and at most `MAX_REQUESTS`). Every read is checked (200) and
//! is a full request: token check, policy decision, log append committed
//! durably, ciphertext and envelope returned. Client-side decryption is not
//! part of it (see `dossier_open_vs_unwraps`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use kluis_policy::FieldPath;
use rand::rngs::StdRng;
use rand::SeedableRng;

use super::{Budget, Figure, TempDir};
use crate::client::Client;
use crate::clock::Clock;
use crate::keys::Identity;
use crate::role::Role;
use crate::server::{Application, ServeConfig};

/// Concurrent requests in flight: enough to keep two cores busy (the server
/// and this load generator share them).
pub const CONCURRENCY: usize = 4;
/// Concurrent readers of the `_c64` figures: many readers at once, where
/// a read log that commits each read alone would be bound by the fsync.
pub const CONCURRENCY_HIGH: usize = 64;
/// Upper bound on requests per run, whatever the duration.
pub const MAX_REQUESTS: u64 = 200_000;
const VALUE_BYTES: usize = 1000;

/// One load run: requests per second and latencies (ms) of each request.
pub(super) struct Load {
    pub rate: f64,
    pub latencies_ms: Vec<f64>,
}

/// Where each request of a load run goes (a fixed URL, or a random field).
pub(super) type Target = Arc<dyn Fn(&mut StdRng) -> String + Send + Sync>;

/// A target that is always the same URL.
fn fixed(url: String) -> Target {
    Arc::new(move |_| url.clone())
}

/// Runs the figure on a fresh SQLite database (`db_url` None) or on the
/// given database URL (already created, empty), with `concurrency` readers.
pub async fn run(
    budget: &Budget,
    name: &str,
    db_url: Option<String>,
    concurrency: usize,
) -> anyhow::Result<Figure> {
    let dir = TempDir::new("http")?;
    let data = dir.path().join("data");
    let mut config = ServeConfig::new(data.clone());
    config.listen = "127.0.0.1:0".into();
    config.db_url = db_url;
    let server = Application::build(config, Clock::system()).await?.spawn();
    let result = measure(budget, name, &server.url, &data, concurrency).await;
    server.stop().await;
    result
}

async fn measure(
    budget: &Budget,
    name: &str,
    url: &str,
    data: &std::path::Path,
    concurrency: usize,
) -> anyhow::Result<Figure> {
    // Enrol: the bootstrap admin invites a client, who makes a household
    // and writes one field.
    let admin = Client::new(url, Arc::new(Identity::generate("bench-admin")))?;
    let code = std::fs::read_to_string(data.join("bootstrap-invite"))?;
    admin.register(code.trim()).await?;
    let invite = admin.invite(Role::Client, "bench-client", None).await?;
    let client = Client::new(url, Arc::new(Identity::generate("bench-client")))?;
    client.register(&invite.code).await?;
    let household = client.create_household().await?;
    let path = FieldPath::parse("financien/situatie")?;
    client
        .set_field(household, &path, &vec![b'x'; VALUE_BYTES])
        .await?;
    client.login().await?;
    let token = client
        .http()
        .current_token()
        .await
        .ok_or_else(|| anyhow::anyhow!("no token after login"))?;

    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .timeout(Duration::from_secs(30))
        .build()?;
    let read = fixed(format!("{url}/v1/households/{household}/fields/{path}"));
    let health = fixed(format!("{url}/healthz"));
    let token = Arc::new(token);

    // Warm up both routes (connections, caches), then alternate.
    let warm = Duration::from_millis(200);
    load(&http, &read, Some(&token), warm, concurrency).await?;
    load(&http, &health, None, warm, concurrency).await?;
    let mut reads = Load {
        rate: 0.0,
        latencies_ms: Vec::new(),
    };
    let mut trivial = 0f64;
    let before = commit_counters(&http, url).await?;
    let rounds = budget.rounds.min(2);
    for _ in 0..rounds {
        let r = load(
            &http,
            &read,
            Some(&token),
            budget.http / rounds,
            concurrency,
        )
        .await?;
        if r.rate > reads.rate {
            reads.rate = r.rate;
        }
        reads.latencies_ms.extend(r.latencies_ms);
        let t = load(&http, &health, None, budget.http / rounds, concurrency).await?;
        trivial = trivial.max(t.rate);
    }
    let after = commit_counters(&http, url).await?;
    let per_commit = (after.entries - before.entries) / (after.commits - before.commits);
    let commit_ms = 1000.0 * (after.seconds - before.seconds) / (after.commits - before.commits);
    let mut figure = Figure::new(
        name,
        "requests/s",
        reads.rate,
        trivial,
        format!(
            "authorised, logged field reads over HTTP, {concurrency} concurrent \
             ({per_commit:.1} reads per log commit of {commit_ms:.1} ms)"
        ),
        "GET /healthz on the same server, same load generator",
    );
    figure.per_commit = Some(per_commit);
    figure.commit_ms = Some(commit_ms);
    reads.latencies_ms.sort_by(f64::total_cmp);
    figure.p50_ms = Some(percentile(&reads.latencies_ms, 0.50));
    figure.p99_ms = Some(percentile(&reads.latencies_ms, 0.99));
    Ok(figure)
}

/// The server's group-commit counters from `GET /metrics`
/// (`api::log_writer`).
struct Commits {
    /// Read log entries committed.
    entries: f64,
    commits: f64,
    /// Time spent committing, summed over the commits.
    seconds: f64,
}

async fn commit_counters(http: &reqwest::Client, url: &str) -> anyhow::Result<Commits> {
    let text = http
        .get(format!("{url}/metrics"))
        .send()
        .await?
        .error_for_status()?
        .text()
        .await?;
    let value = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
            .ok_or_else(|| anyhow::anyhow!("/metrics has no {name}"))
    };
    Ok(Commits {
        entries: value("kluis_read_log_batch_entries_sum")?,
        commits: value("kluis_read_log_batch_entries_count")?,
        seconds: value("kluis_read_log_commit_seconds_sum")?,
    })
}

/// The `p` quantile (0..=1) of sorted latencies; NaN when there are none.
pub(super) fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

/// `concurrency` tasks sending GET requests to `target` until `duration`
/// has passed or `MAX_REQUESTS` were sent. Any answer but 200 fails the run.
pub(super) async fn load(
    http: &reqwest::Client,
    target: &Target,
    token: Option<&Arc<String>>,
    duration: Duration,
    concurrency: usize,
) -> anyhow::Result<Load> {
    let sent = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let deadline = start + duration;
    let tasks: Vec<_> = (0..concurrency)
        .map(|_| {
            let (http, target, token, sent) =
                (http.clone(), target.clone(), token.cloned(), sent.clone());
            tokio::spawn(async move {
                let mut rng = StdRng::from_entropy();
                let mut latencies = Vec::new();
                while Instant::now() < deadline
                    && sent.fetch_add(1, Ordering::Relaxed) < MAX_REQUESTS
                {
                    let url = target(&mut rng);
                    let t = Instant::now();
                    let mut req = http.get(url.as_str());
                    if let Some(token) = &token {
                        req = req.bearer_auth(token.as_str());
                    }
                    let resp = req.send().await?;
                    let status = resp.status();
                    let body = resp.bytes().await?;
                    if status != reqwest::StatusCode::OK {
                        anyhow::bail!(
                            "GET {url} answered {status}: {}",
                            String::from_utf8_lossy(&body[..body.len().min(200)])
                        );
                    }
                    latencies.push(t.elapsed().as_secs_f64() * 1000.0);
                }
                anyhow::Ok(latencies)
            })
        })
        .collect();
    let mut latencies_ms = Vec::new();
    for t in tasks {
        latencies_ms.extend(t.await??);
    }
    let elapsed = start.elapsed().as_secs_f64();
    Ok(Load {
        rate: latencies_ms.len() as f64 / elapsed,
        latencies_ms,
    })
}

/// Makes a fresh database on the PostgreSQL server `url` points at, runs
/// the HTTP figure `name` on it with `concurrency` readers, and drops it
/// again.
pub async fn run_postgres(
    budget: &Budget,
    name: &str,
    url: &str,
    concurrency: usize,
) -> anyhow::Result<Figure> {
    let fresh = super::FreshPostgres::create(url, "kluis_bench").await?;
    let result = run(budget, name, Some(fresh.url.clone()), concurrency).await;
    fresh.drop_database().await?;
    result
}
