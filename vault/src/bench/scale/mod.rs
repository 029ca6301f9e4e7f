//! `kluis bench scale`: a documented generator for large deployments
//! (`generate`) and what it measures on the result (`measure`): read
//! latency over HTTP and full-log verification time at a given number of
//! households and log entries. See BENCHMARKS.md, section "Scale".
//!
//! The generated database is a real kluis database: `kluis serve` opens it,
//! `kluis audit verify` verifies it, and the benchmark client (keystore
//! `bench-client.keystore` in the data directory, passphrase
//! `generate::PASSPHRASE`) is a member of every household.

pub mod generate;
pub mod measure;

use std::time::Duration;

/// The progress bar both steps report to (`ProgressBar::hidden()` for none).
pub use indicatif::ProgressBar;

pub use generate::Generated;
pub use measure::Measured;

use crate::server::ServeConfig;

/// One scale run: what was generated (unless it measured data kept by an
/// earlier run) and what was measured on it.
pub struct Scale {
    pub backend: &'static str,
    pub generated: Option<Generated>,
    pub measured: Measured,
}

fn backend(config: &ServeConfig) -> &'static str {
    if config.database_url().starts_with("sqlite:") {
        "sqlite"
    } else {
        "postgres"
    }
}

/// Generate into the empty database of `config`, then measure on it.
pub async fn run(
    config: &ServeConfig,
    households: u64,
    entries: u64,
    read_for: Duration,
    progress: &ProgressBar,
) -> anyhow::Result<Scale> {
    progress.set_message("generating");
    let generated = generate::generate(config, households, entries, progress).await?;
    let measured = measure::measure(config, read_for, progress).await?;
    Ok(Scale {
        backend: backend(config),
        generated: Some(generated),
        measured,
    })
}

/// Measure again on data an earlier run kept: a large generation takes long
/// and is better not repeated to re-measure on a quieter machine or after a
/// change to the server. The reads of each measurement are logged, so the
/// log grows a little with every run.
pub async fn remeasure(
    config: &ServeConfig,
    read_for: Duration,
    progress: &ProgressBar,
) -> anyhow::Result<Scale> {
    let measured = measure::measure(config, read_for, progress).await?;
    Ok(Scale {
        backend: backend(config),
        generated: None,
        measured,
    })
}

impl Scale {
    pub fn to_json(&self) -> serde_json::Value {
        let m = &self.measured;
        let generate = self.generated.as_ref().map(|g| {
            serde_json::json!({
                "seconds": g.seconds,
                "entries_per_s": g.entries_per_s(),
                "households_per_s": g.households as f64 / g.seconds,
            })
        });
        serde_json::json!({
            "backend": self.backend,
            "households": m.households,
            "entries": m.log_size,
            "generate": generate,
            "read": {
                "requests": m.reads.requests,
                "rate": m.reads.rate,
                "p50_ms": m.reads.p50_ms,
                "p99_ms": m.reads.p99_ms,
                "fields": m.reads.targets,
            },
            "verify": {
                "entries": m.verify.entries,
                "seconds": m.verify.seconds,
                "entries_per_s": m.verify.entries_per_s(),
            },
            "replay_from_database": {
                "entries": m.replay.entries,
                "seconds": m.replay.seconds,
                "entries_per_s": m.replay.entries_per_s(),
            },
            "database_bytes": m.database_bytes,
        })
    }

    /// The run as a Markdown table (it goes into BENCHMARKS.md as is).
    pub fn table(&self) -> String {
        let m = &self.measured;
        let mut out = String::from("| measure | value |\n|---|---:|\n");
        let mut row = |k: &str, v: String| out += &format!("| {k} | {v} |\n");
        row("backend", self.backend.to_owned());
        row("households", m.households.to_string());
        row("log entries", m.log_size.to_string());
        row(
            "generation",
            match &self.generated {
                Some(g) => format!(
                    "{:.1} s ({:.0} entries/s, {:.0} households/s)",
                    g.seconds,
                    g.entries_per_s(),
                    g.households as f64 / g.seconds
                ),
                None => "(kept from an earlier run)".to_owned(),
            },
        );
        row(
            "HTTP field reads",
            format!(
                "{:.0} requests/s ({} reads over {} fields)",
                m.reads.rate, m.reads.requests, m.reads.targets
            ),
        );
        row(
            "read p50 / p99",
            format!("{:.2} ms / {:.2} ms", m.reads.p50_ms, m.reads.p99_ms),
        );
        row(
            "kluis audit verify",
            format!(
                "{:.1} s ({:.0} entries/s, {} entries)",
                m.verify.seconds,
                m.verify.entries_per_s(),
                m.verify.entries
            ),
        );
        row(
            "replay from the database",
            format!(
                "{:.1} s ({:.0} entries/s)",
                m.replay.seconds,
                m.replay.entries_per_s()
            ),
        );
        if let Some(b) = m.database_bytes {
            row("database size", format!("{:.1} MB", b as f64 / 1e6));
        }
        out
    }
}
