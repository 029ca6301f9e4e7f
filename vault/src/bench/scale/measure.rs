//! Measuring a generated database: the real server on it, authorised and
//! logged HTTP field reads of random households by the benchmark client
//! (as `bench::http` does, but spread over every field of every
//! household), then the auditor's full verification exactly as `kluis
//! audit verify` runs it (checkpoint, replay of every leaf over the API),
//! and the same replay straight from the database, to separate the
//! verifier from the transport.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use indicatif::ProgressBar;
use kluis_policy::{FieldPath, HouseholdId};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sqlx::Row;

use super::generate::{AUDITOR_KEYSTORE, CLIENT_KEYSTORE, PASSPHRASE};
use crate::bench::http::{load, percentile, Load, Target, CONCURRENCY};
use crate::bench::TempDir;
use crate::client::Client;
use crate::clock::Clock;
use crate::keys::Keystore;
use crate::server::{Application, ServeConfig};
use crate::store::{log_read, Backend, Store};

/// Latency and rate of the HTTP reads.
#[derive(Debug, Clone)]
pub struct Reads {
    pub requests: u64,
    pub rate: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// Distinct fields the reads could pick from.
    pub targets: u64,
}

/// One full verification.
#[derive(Debug, Clone)]
pub struct Verify {
    pub entries: u64,
    pub seconds: f64,
}

impl Verify {
    pub fn entries_per_s(&self) -> f64 {
        self.entries as f64 / self.seconds
    }
}

#[derive(Debug, Clone)]
pub struct Measured {
    /// Households in the database and the log's size, before measuring.
    pub households: u64,
    pub log_size: u64,
    pub reads: Reads,
    /// `kluis audit verify`: over HTTP, as an auditor does it.
    pub verify: Verify,
    /// `kluis_audit::verify_log` over the leaves read from the database.
    pub replay: Verify,
    pub database_bytes: Option<u64>,
}

/// Start the server on the generated data directory and measure.
pub async fn measure(
    config: &ServeConfig,
    read_for: Duration,
    progress: &ProgressBar,
) -> anyhow::Result<Measured> {
    let client_id = Arc::new(Keystore::open(
        &config.data_dir.join(CLIENT_KEYSTORE),
        PASSPHRASE,
    )?);
    let auditor_id = Arc::new(Keystore::open(
        &config.data_dir.join(AUDITOR_KEYSTORE),
        PASSPHRASE,
    )?);
    let app = Application::build(config.clone(), Clock::system()).await?;
    let store = app.state().store.clone();
    let server = app.spawn();
    let url = server.url.as_str();
    let result = async {
        let (households, log_size) = sizes(&store).await?;
        progress.set_message("loading read targets");
        let targets = Arc::new(targets(&store).await?);
        anyhow::ensure!(!targets.is_empty(), "the database has no fields to read");
        let client = Client::new(url, client_id)?;
        client.login().await?;
        // A few full reads, opened on the device side: the generated data
        // is real sealed content the benchmark client can decrypt.
        let mut rng = StdRng::from_entropy();
        for _ in 0..3 {
            let (h, path) = &targets[rng.gen_range(0..targets.len())];
            let field = client.get_field(*h, path, None).await?;
            anyhow::ensure!(!field.value.is_empty(), "an empty generated field");
        }
        progress.set_message("HTTP reads");
        let reads = reads(&client, url, &targets, read_for).await?;

        progress.set_message("kluis audit verify (over HTTP)");
        let dir = TempDir::new("scale-audit")?;
        let auditor = Client::new(url, auditor_id)?;
        let p = progress.clone();
        let start = Instant::now();
        let verified = auditor
            .audit_verify(&dir.path().join("audit-state.json"), move |done, total| {
                p.set_length(total);
                p.set_position(done);
            })
            .await?;
        let verify = Verify {
            entries: verified.report.entries,
            seconds: start.elapsed().as_secs_f64(),
        };

        progress.set_message("replay from the database");
        let replay = replay(&store, &verified.checkpoint, progress).await?;
        let database_bytes = database_bytes(&store, &config.data_dir).await;
        anyhow::Ok(Measured {
            households,
            log_size,
            reads,
            verify,
            replay,
            database_bytes,
        })
    }
    .await;
    server.stop().await;
    result
}

/// How many households the database holds and how long its log is.
async fn sizes(store: &Store) -> anyhow::Result<(u64, u64)> {
    let households: i64 = sqlx::query("SELECT COUNT(*) AS n FROM households")
        .fetch_one(store.pool())
        .await?
        .try_get("n")?;
    let log_size: i64 = sqlx::query("SELECT size FROM log_head WHERE id = 1")
        .fetch_one(store.pool())
        .await?
        .try_get("size")?;
    Ok((households.try_into()?, log_size.try_into()?))
}

/// Every field of every household (each once), for the reads to pick from.
async fn targets(store: &Store) -> anyhow::Result<Vec<(HouseholdId, FieldPath)>> {
    let rows = sqlx::query("SELECT household_id, path FROM field_versions WHERE version = 1")
        .fetch_all(store.pool())
        .await?;
    rows.iter()
        .map(|r| {
            let h: String = r.try_get("household_id")?;
            let p: String = r.try_get("path")?;
            Ok((HouseholdId::parse(&h)?, FieldPath::parse(&p)?))
        })
        .collect()
}

/// `CONCURRENCY` tasks reading random fields for `duration` (after up to a
/// second of warm-up); every answer must be 200.
async fn reads(
    client: &Client,
    url: &str,
    targets: &Arc<Vec<(HouseholdId, FieldPath)>>,
    duration: Duration,
) -> anyhow::Result<Reads> {
    let token = Arc::new(
        client
            .http()
            .current_token()
            .await
            .ok_or_else(|| anyhow::anyhow!("no token after login"))?,
    );
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(CONCURRENCY)
        .timeout(Duration::from_secs(60))
        .build()?;
    let target: Target = {
        let (url, targets) = (url.to_owned(), targets.clone());
        Arc::new(move |rng: &mut StdRng| {
            let (h, path) = &targets[rng.gen_range(0..targets.len())];
            format!("{url}/v1/households/{h}/fields/{path}")
        })
    };
    load(
        &http,
        &target,
        Some(&token),
        duration.min(Duration::from_secs(1)),
        CONCURRENCY,
    )
    .await?;
    let Load {
        rate,
        latencies_ms: mut latencies,
    } = load(&http, &target, Some(&token), duration, CONCURRENCY).await?;
    latencies.sort_by(f64::total_cmp);
    anyhow::ensure!(!latencies.is_empty(), "no read finished");
    Ok(Reads {
        requests: latencies.len() as u64,
        rate,
        p50_ms: percentile(&latencies, 0.50),
        p99_ms: percentile(&latencies, 0.99),
        targets: targets.len() as u64,
    })
}

/// `kluis_audit::verify_log` over the first `cp.size` leaves read from the
/// database in pages, on a thread of its own while the next page loads.
async fn replay(
    store: &Store,
    cp: &kluis_audit::Checkpoint,
    progress: &ProgressBar,
) -> anyhow::Result<Verify> {
    const PAGE: u32 = 10_000;
    let size = cp.size;
    progress.set_length(size);
    progress.set_position(0);
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<(u64, Vec<u8>)>>(4);
    let checkpoint = cp.clone();
    let p = progress.clone();
    let start = Instant::now();
    let verifier = std::thread::spawn(move || {
        let leaves = std::iter::from_fn(move || rx.blocking_recv()).flatten();
        kluis_audit::verify_log(leaves, &checkpoint, |done| {
            if done % 65_536 == 0 {
                p.set_position(done);
            }
        })
    });
    let mut from = 0u64;
    while from < size {
        let rows = log_read::leaves(store, from, size, PAGE).await?;
        let Some(last) = rows.last().map(|r| r.0) else {
            break;
        };
        from = last + 1;
        if tx.send(rows).await.is_err() {
            break; // the verifier stopped early: its error says why
        }
    }
    drop(tx);
    let report = verifier
        .join()
        .map_err(|_| anyhow::anyhow!("the verifier panicked"))??;
    Ok(Verify {
        entries: report.entries,
        seconds: start.elapsed().as_secs_f64(),
    })
}

async fn database_bytes(store: &Store, data_dir: &Path) -> Option<u64> {
    match store.backend() {
        Backend::Sqlite => Some(
            super::generate::sqlite_files(data_dir)
                .iter()
                .filter_map(|f| std::fs::metadata(f).ok())
                .map(|m| m.len())
                .sum(),
        ),
        Backend::Postgres => sqlx::query("SELECT pg_database_size(current_database()) AS n")
            .fetch_one(store.pool())
            .await
            .ok()
            .and_then(|r| r.try_get::<i64, _>("n").ok())
            .map(|n| n as u64),
    }
}
