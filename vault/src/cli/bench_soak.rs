//! `kluis bench soak`: a long mixed load against a `kluis serve` process
//! (see `crate::bench::soak`). Shows progress on stderr, then the memory
//! samples and a verdict; `--json` prints the whole report. Fails (exit 1)
//! when anything went wrong or memory kept growing.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::Context;
use crate::bench::soak::{self, SoakConfig, SoakReport, MAX_GROWTH};
use crate::bench::FreshPostgres;

#[derive(clap::Args, Debug)]
pub struct SoakArgs {
    /// How long to run, in minutes (fractions allowed).
    #[arg(long, default_value_t = 30.0, value_parser = minutes)]
    minutes: f64,
    /// Household owners working at the same time.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    workers: u16,
    /// Run on PostgreSQL: a fresh database is created on this server for the
    /// run and dropped afterwards. SQLite otherwise.
    #[arg(long, value_name = "URL")]
    db: Option<String>,
}

fn minutes(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(m) if (0.05..=24.0 * 60.0).contains(&m) => Ok(m),
        _ => Err("give a number of minutes between 0.05 and 1440".into()),
    }
}

pub async fn run(ctx: &Context, args: SoakArgs) -> anyhow::Result<()> {
    if let Some(url) = &args.db {
        if !(url.starts_with("postgres:") || url.starts_with("postgresql:")) {
            anyhow::bail!("--db takes a postgres:// URL (SQLite is the default)");
        }
    }
    let duration = Duration::from_secs_f64(args.minutes * 60.0);
    // About 60 samples in a run, at most one every 30 s, at least one a second.
    let sample_every = (duration / 60).clamp(Duration::from_secs(1), Duration::from_secs(30));
    let fresh = match &args.db {
        Some(url) => Some(FreshPostgres::create(url, "kluis_bench").await?),
        None => None,
    };
    let config = SoakConfig {
        duration,
        workers: usize::from(args.workers),
        sample_every,
        db_url: fresh.as_ref().map(|f| f.url.clone()),
    };

    let bar = ProgressBar::with_draw_target(Some(duration.as_secs()), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed}/{duration}] {bar:30} {msg}")
            .expect("a valid template"),
    );
    bar.enable_steady_tick(Duration::from_millis(500));
    let result = soak::run(&config, |elapsed, ops, errors, rss| {
        bar.set_position(elapsed.as_secs());
        let rss = rss.map_or("?".into(), |r| format!("{r:.1} MiB"));
        bar.set_message(format!(
            "{ops} operations, {errors} errors, server memory {rss}"
        ));
    })
    .await;
    bar.finish_and_clear();
    if let Some(fresh) = fresh {
        fresh.drop_database().await?;
    }
    let report = result?;

    if ctx.out.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        print!("{}", describe(&report));
    }
    if !report.passed {
        anyhow::bail!("the soak failed: {}", verdict(&report));
    }
    Ok(())
}

/// The report for people: memory over time, what was done, the verdict.
fn describe(r: &SoakReport) -> String {
    let mut out = String::from("| minute | server memory (MiB) | operations | per second | errors |\n|---:|---:|---:|---:|---:|\n");
    // At most about 15 rows: every k-th sample and the last.
    let k = (r.samples.len() / 15).max(1);
    for (i, s) in r.samples.iter().enumerate() {
        if i % k == 0 || i + 1 == r.samples.len() {
            let rss = s.rss_mib.map_or("?".into(), |m| format!("{m:.1}"));
            // Throughput since the sample before this one.
            let rate = match i.checked_sub(1).map(|p| &r.samples[p]) {
                Some(p) if s.seconds > p.seconds => {
                    format!(
                        "{:.0}",
                        (s.operations - p.operations) as f64 / (s.seconds - p.seconds)
                    )
                }
                _ => String::new(),
            };
            out += &format!(
                "| {:.1} | {rss} | {} | {rate} | {} |\n",
                s.seconds / 60.0,
                s.operations,
                s.errors
            );
        }
    }
    let mut kinds: Vec<_> = r.operations_by_kind.iter().collect();
    kinds.sort();
    out += &format!(
        "\n{} operations in {:.0} s ({:.0}/s) over {} households: {}.\n",
        r.operations,
        r.seconds,
        r.operations as f64 / r.seconds,
        r.households,
        kinds
            .iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    out += &format!(
        "{} reads were refused as they should be. The final audit verified {} log entries.\n",
        r.expected_refusals, r.log_entries_verified
    );
    for e in &r.first_errors {
        out += &format!("error: {e}\n");
    }
    out += &format!("{}\n", verdict(r));
    out
}

fn verdict(r: &SoakReport) -> String {
    let memory = match (r.rss_after_warm_up_mib, r.rss_end_mib, r.rss_growth) {
        (Some(a), Some(b), Some(g)) => format!(
            "server memory {a:.1} MiB (after the warm-up) → {b:.1} MiB (at the end), {:+.1}% (limit {:+.0}%), peak {:.1} MiB",
            g * 100.0,
            MAX_GROWTH * 100.0,
            r.rss_max_mib.unwrap_or(f64::NAN)
        ),
        _ => format!(
            "server memory not judged (runs under {} minutes are all warm-up; peak {})",
            soak::MIN_JUDGED_RUN.as_secs() / 60,
            r.rss_max_mib.map_or("not measured".into(), |m| format!("{m:.1} MiB"))
        ),
    };
    format!(
        "{}: {} errors; {memory}.",
        if r.passed { "Passed" } else { "Failed" },
        r.errors
    )
}
