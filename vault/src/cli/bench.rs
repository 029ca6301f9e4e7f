//! `kluis bench`: the headline performance figures, each beside a baseline
//! measured in the same run (see `crate::bench` and BENCHMARKS.md).
//!
//! Prints a table, or with `--json` exactly
//! `{"figures": {NAME: {"value", "unit", "baseline", "ratio", ...}}}` on
//! stdout. Progress goes to stderr.

use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::Context;
use crate::bench::{self, Budget, Figure};

#[derive(clap::Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct BenchArgs {
    #[command(subcommand)]
    command: Option<BenchCommand>,
    /// Short runs (under 50 seconds in all), for CI and a first look.
    #[arg(long)]
    quick: bool,
    /// Also measure the HTTP figure on PostgreSQL: a fresh database is
    /// created on this server for the run and dropped afterwards.
    #[arg(long, value_name = "URL")]
    db: Option<String>,
    /// Measure only this figure (repeatable), e.g. `--only http_read_vs_trivial`.
    #[arg(long, value_name = "FIGURE")]
    only: Vec<String>,
}

/// The headline figures, in the order they are measured.
pub const FIGURES: [&str; 9] = [
    "seal_vs_aead",
    "seal_vs_memcpy",
    "dossier_open_vs_unwraps",
    "policy_vs_cedar",
    "audit_append_vs_sqlite",
    "verify_vs_sha256",
    "verify_one_core_vs_sha256",
    "http_read_vs_trivial",
    "http_read_vs_trivial_c64",
];

/// Longer measurements beside the headline figures.
#[derive(clap::Subcommand, Debug)]
pub enum BenchCommand {
    /// A long mixed load against a `kluis serve` process: memory must stay flat, nothing may fail.
    Soak(super::bench_soak::SoakArgs),
    /// Generate N households and M log entries, then measure read latency
    /// and full-log verification on them (BENCHMARKS.md, "Scale").
    Scale(super::bench_scale::ScaleArgs),
}

pub async fn run(ctx: &Context, args: BenchArgs) -> anyhow::Result<()> {
    match args.command {
        Some(BenchCommand::Soak(soak)) => return super::bench_soak::run(ctx, soak).await,
        Some(BenchCommand::Scale(scale)) => return super::bench_scale::run(ctx, scale).await,
        None => {}
    }
    if let Some(url) = &args.db {
        if !(url.starts_with("postgres:") || url.starts_with("postgresql:")) {
            anyhow::bail!("--db takes a postgres:// URL (SQLite is always measured)");
        }
    }
    let budget = Budget::new(args.quick);
    let mut steps: Vec<&str> = FIGURES.to_vec();
    if args.db.is_some() {
        steps.push("http_read_vs_trivial_postgres");
        steps.push("http_read_vs_trivial_c64_postgres");
    }
    // The browser figure is a headline figure where Chromium is present.
    let browser_missing = bench::browser::unavailable();
    steps.push("browser_dossier_open_vs_native");
    if !args.only.is_empty() {
        if let Some(unknown) = args.only.iter().find(|o| !steps.contains(&o.as_str())) {
            anyhow::bail!(
                "there is no figure {unknown:?} (the figures: {})",
                steps.join(", ")
            );
        }
        steps.retain(|s| args.only.iter().any(|o| o == s));
    }
    let bar = ProgressBar::with_draw_target(Some(steps.len() as u64), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed}] {bar:30} {pos}/{len} {msg}")
            .expect("a valid template"),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    let started = Instant::now();
    let mut figures: Vec<Figure> = Vec::new();
    let mut skipped: Vec<String> = Vec::new();
    for step in steps {
        bar.set_message(step);
        match step {
            "seal_vs_aead" => figures.push(bench::seal::run_aead(&budget)?),
            "seal_vs_memcpy" => figures.push(bench::seal::run_memcpy(&budget)?),
            "dossier_open_vs_unwraps" => figures.push(bench::dossier::run(&budget)?),
            #[cfg(feature = "bench-cedar")]
            "policy_vs_cedar" => figures.push(bench::policy::run(&budget)?),
            #[cfg(not(feature = "bench-cedar"))]
            "policy_vs_cedar" => {
                skipped.push("policy_vs_cedar (built without the bench-cedar feature)".into())
            }
            "audit_append_vs_sqlite" => figures.push(bench::audit_append::run(&budget).await?),
            "verify_vs_sha256" => figures.push(bench::verify::run(&budget)?),
            "verify_one_core_vs_sha256" => figures.push(bench::verify::run_one_core(&budget)?),
            "http_read_vs_trivial" | "http_read_vs_trivial_c64" => {
                let readers = readers(step);
                figures.push(bench::http::run(&budget, step, None, readers).await?)
            }
            "browser_dossier_open_vs_native" => match &browser_missing {
                None => figures.push(bench::browser::run(&budget)?),
                Some(why) => skipped.push(format!("browser_dossier_open_vs_native ({why})")),
            },
            "http_read_vs_trivial_postgres" | "http_read_vs_trivial_c64_postgres" => {
                let url = args.db.as_deref().expect("only listed with --db");
                let readers = readers(step);
                figures.push(bench::http::run_postgres(&budget, step, url, readers).await?)
            }
            other => unreachable!("{other} is listed but not measured"),
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    let took = started.elapsed();
    for s in skipped {
        eprintln!("kluis: skipped {s}");
    }

    if ctx.out.json {
        let map: serde_json::Map<String, serde_json::Value> = figures
            .iter()
            .map(|f| (f.name.clone(), f.to_json()))
            .collect();
        println!("{}", serde_json::json!({ "figures": map }));
    } else {
        print!("{}", table(&figures));
        println!(
            "\n{} run, {:.0} s. Ratio = ours / baseline; higher is better.",
            if args.quick { "Quick" } else { "Full" },
            took.as_secs_f64()
        );
    }
    Ok(())
}

/// Concurrent readers of an HTTP figure: 64 for the `_c64` ones.
fn readers(figure: &str) -> usize {
    if figure.contains("_c64") {
        bench::http::CONCURRENCY_HIGH
    } else {
        bench::http::CONCURRENCY
    }
}

/// The figures as a Markdown table (it goes into BENCHMARKS.md as is),
/// then what each side measured.
pub fn table(figures: &[Figure]) -> String {
    let mut out = String::from(
        "| figure | ours | baseline | ratio | unit | p50 / p99 |\n|---|---:|---:|---:|---|---|\n",
    );
    for f in figures {
        let latency = match (f.p50_ms, f.p99_ms) {
            (Some(a), Some(b)) => format!("{a:.2} ms / {b:.2} ms"),
            _ => String::new(),
        };
        out += &format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            f.name,
            human(f.value),
            human(f.baseline),
            ratio(f.ratio()),
            f.unit,
            latency
        );
    }
    out += "\n";
    for f in figures {
        out += &format!("- {}: {} vs {}\n", f.name, f.ours, f.against);
    }
    out
}

fn ratio(r: f64) -> String {
    if r >= 10.0 {
        format!("{r:.1}")
    } else if r >= 0.01 {
        format!("{r:.3}")
    } else {
        format!("{r:.2e}")
    }
}

/// 3 significant digits with an SI prefix.
fn human(v: f64) -> String {
    let (scaled, prefix) = if v >= 1e9 {
        (v / 1e9, " G")
    } else if v >= 1e6 {
        (v / 1e6, " M")
    } else if v >= 1e3 {
        (v / 1e3, " k")
    } else {
        (v, "")
    };
    let digits = if scaled >= 100.0 {
        0
    } else if scaled >= 10.0 {
        1
    } else {
        2
    };
    format!("{scaled:.digits$}{prefix}")
}
