//! `kluis bench`: the headline performance figures, each beside a baseline
//! measured in the same run on the same machine, so a figure says how far
//! kluis is from what the hardware and its building blocks allow rather
//! than an absolute number that means little on another machine.
//!
//! One file per figure. Every figure is "higher is better" (a rate), and
//! `ratio = value / baseline`. Every measurement is bounded in time (and
//! the HTTP load also in count); all load stays on loopback or in a
//! temporary directory. See BENCHMARKS.md at the repository root.

pub mod audit_append;
pub mod browser;
pub mod dossier;
pub mod http;
#[cfg(feature = "bench-cedar")]
pub mod policy;
pub mod scale;
pub mod seal;
pub mod soak;
pub mod verify;

use std::time::{Duration, Instant};

/// How long to measure: `--quick` (CI, under 50 s in all) or the default.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    /// Time per side (ours or baseline) per round.
    pub side: Duration,
    /// Rounds, alternating ours and baseline; the best round of each counts,
    /// which filters out moments when a noisy neighbour had the CPU.
    pub rounds: u32,
    /// Duration of each HTTP load run.
    pub http: Duration,
    pub quick: bool,
}

impl Budget {
    pub fn new(quick: bool) -> Self {
        if quick {
            Self {
                side: Duration::from_millis(500),
                rounds: 2,
                http: Duration::from_secs(2),
                quick,
            }
        } else {
            Self {
                side: Duration::from_millis(2000),
                rounds: 3,
                http: Duration::from_secs(10),
                quick,
            }
        }
    }
}

/// One headline figure: our rate beside the baseline's.
#[derive(Debug, Clone)]
pub struct Figure {
    pub name: String,
    /// Our rate (higher is better).
    pub value: f64,
    pub unit: &'static str,
    /// The baseline's rate, same unit.
    pub baseline: f64,
    /// What was measured on each side, for the table.
    pub ours: String,
    pub against: String,
    /// Latency percentiles, for the HTTP figures.
    pub p50_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    /// Reads per log commit (group commit), for the HTTP read figures.
    pub per_commit: Option<f64>,
    /// Mean time of one log commit (ms), for the HTTP read figures.
    pub commit_ms: Option<f64>,
}

impl Figure {
    pub fn new(
        name: &str,
        unit: &'static str,
        value: f64,
        baseline: f64,
        ours: impl Into<String>,
        against: impl Into<String>,
    ) -> Self {
        Self {
            name: name.to_owned(),
            value,
            unit,
            baseline,
            ours: ours.into(),
            against: against.into(),
            p50_ms: None,
            p99_ms: None,
            per_commit: None,
            commit_ms: None,
        }
    }

    pub fn ratio(&self) -> f64 {
        self.value / self.baseline
    }

    /// The figure's object in `--json` output.
    pub fn to_json(&self) -> serde_json::Value {
        let mut v = serde_json::json!({
            "value": self.value,
            "unit": self.unit,
            "baseline": self.baseline,
            "ratio": self.ratio(),
        });
        if let Some(p) = self.p50_ms {
            v["p50_ms"] = p.into();
        }
        if let Some(p) = self.p99_ms {
            v["p99_ms"] = p.into();
        }
        if let Some(n) = self.per_commit {
            v["reads_per_commit"] = n.into();
        }
        if let Some(ms) = self.commit_ms {
            v["commit_ms"] = ms.into();
        }
        v
    }
}

/// Runs `f` (which does some work and says how many units it did) until
/// `budget` has passed and at least `min_calls` calls were made; returns
/// units per second. Make one call take well over a microsecond (batch
/// cheap work), so reading the clock costs nothing measurable.
pub fn rate(budget: Duration, min_calls: u64, mut f: impl FnMut() -> u64) -> f64 {
    let start = Instant::now();
    let mut units = 0u64;
    let mut calls = 0u64;
    while calls < min_calls || start.elapsed() < budget {
        units += f();
        calls += 1;
    }
    units as f64 / start.elapsed().as_secs_f64()
}

/// Alternates `ours` and `baseline` for `budget.rounds` rounds of
/// `budget.side` each (after one warm-up call each) and returns the best
/// rate of each side.
pub fn compare(
    budget: &Budget,
    mut ours: impl FnMut() -> u64,
    mut baseline: impl FnMut() -> u64,
) -> (f64, f64) {
    ours();
    baseline();
    let (mut best_ours, mut best_base) = (0f64, 0f64);
    for _ in 0..budget.rounds {
        best_ours = best_ours.max(rate(budget.side, 1, &mut ours));
        best_base = best_base.max(rate(budget.side, 1, &mut baseline));
    }
    (best_ours, best_base)
}

/// A throw-away directory under the system's temporary directory, removed
/// on drop.
pub struct TempDir(std::path::PathBuf);

impl TempDir {
    pub fn new(what: &str) -> std::io::Result<Self> {
        let dir = std::env::temp_dir().join(format!(
            "kluis-bench-{what}-{}",
            hex::encode(rand::random::<[u8; 6]>())
        ));
        std::fs::create_dir_all(&dir)?;
        Ok(Self(dir))
    }

    pub fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A fresh, empty database on a PostgreSQL server, for one measurement.
pub struct FreshPostgres {
    admin: sqlx::PgConnection,
    /// The database's name.
    pub name: String,
    /// The URL of the fresh database.
    pub url: String,
}

impl FreshPostgres {
    /// Creates `<prefix>_<random>` (e.g. `kluis_bench_…`) on the server
    /// `url` points at.
    pub async fn create(url: &str, prefix: &str) -> anyhow::Result<Self> {
        use sqlx::Connection;
        let name = format!("{prefix}_{}", hex::encode(rand::random::<[u8; 6]>()));
        let mut admin = sqlx::PgConnection::connect(url).await?;
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await?;
        let mut fresh = url::Url::parse(url)?;
        fresh.set_path(&format!("/{name}"));
        Ok(Self {
            admin,
            name,
            url: fresh.to_string(),
        })
    }

    /// Drops the database again (closing whatever still uses it).
    pub async fn drop_database(mut self) -> anyhow::Result<()> {
        use sqlx::Connection;
        sqlx::query(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ))
        .execute(&mut self.admin)
        .await?;
        self.admin.close().await?;
        Ok(())
    }
}
