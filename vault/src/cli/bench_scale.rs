//! `kluis bench scale`: generate N households and M log entries into a fresh
//! database, then measure read latency and full-log verification on it
//! (see `crate::bench::scale` and BENCHMARKS.md, section "Scale").
//!
//! Prints a Markdown table, or with `--json` one JSON object on stdout.
//! Progress goes to stderr. Without `--keep` the generated data (the data
//! directory, or the PostgreSQL database made for the run) is removed at
//! the end. `--reuse` measures again on data kept by an earlier run.

use std::path::PathBuf;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::Context;
use crate::bench::{scale, FreshPostgres};

#[derive(clap::Args, Debug)]
pub struct ScaleArgs {
    /// Households to generate.
    #[arg(long, default_value_t = 1000)]
    households: u64,
    /// Access-log entries to generate in all (at least what the
    /// households' creation needs: about 9.5 per household, keys of its residents included).
    #[arg(long, default_value_t = 100_000)]
    entries: u64,
    /// Where the database (SQLite), the log key and the benchmark keystores
    /// go; must not exist yet or be empty.
    #[arg(long, value_name = "DIR")]
    data_dir: PathBuf,
    /// A PostgreSQL server: a fresh database `kluis_scale_<random>` is made
    /// on it for the run (and dropped afterwards unless --keep).
    #[arg(long, value_name = "URL")]
    db: Option<String>,
    /// Keep the generated data (then `kluis serve --data-dir DIR` serves it).
    #[arg(long)]
    keep: bool,
    /// Measure again on data an earlier `--keep` run left in --data-dir
    /// (and, for PostgreSQL, the kept database: give its full URL with
    /// --db) instead of generating; the data is kept.
    #[arg(long, conflicts_with_all = ["households", "entries", "keep"])]
    reuse: bool,
    /// Seconds of HTTP reads to measure.
    #[arg(long, default_value_t = 10)]
    read_seconds: u64,
}

pub async fn run(ctx: &Context, args: ScaleArgs) -> anyhow::Result<()> {
    if let Some(url) = &args.db {
        if !(url.starts_with("postgres:") || url.starts_with("postgresql:")) {
            anyhow::bail!("--db takes a postgres:// URL (without it the run uses SQLite)");
        }
    }
    if args.reuse {
        return remeasure(ctx, &args).await;
    }
    if args.data_dir.exists() && std::fs::read_dir(&args.data_dir)?.next().is_some() {
        anyhow::bail!(
            "{} is not empty: the generator needs a fresh data directory",
            args.data_dir.display()
        );
    }
    let bar = progress_bar(args.entries);

    let pg = match &args.db {
        Some(server) => Some(FreshPostgres::create(server, "kluis_scale").await?),
        None => None,
    };
    let db_url = pg.as_ref().map(|p| p.url.clone());
    let config = scale::generate::config(&args.data_dir, db_url.clone());
    let result = scale::run(
        &config,
        args.households,
        args.entries,
        Duration::from_secs(args.read_seconds),
        &bar,
    )
    .await;
    bar.finish_and_clear();

    if args.keep {
        eprintln!(
            "kluis: kept the data in {}{}; the benchmark keystores there open with the passphrase {:?}",
            args.data_dir.display(),
            db_url
                .as_deref()
                .map(|u| format!(" and the database {u}"))
                .unwrap_or_default(),
            scale::generate::PASSPHRASE
        );
    } else {
        let _ = std::fs::remove_dir_all(&args.data_dir);
        if let Some(pg) = pg {
            pg.drop_database().await?;
        }
    }
    print(ctx, &result?);
    Ok(())
}

/// `--reuse`: measure on what an earlier `--keep` run left.
async fn remeasure(ctx: &Context, args: &ScaleArgs) -> anyhow::Result<()> {
    let keystore = args.data_dir.join(scale::generate::CLIENT_KEYSTORE);
    if !keystore.exists() {
        anyhow::bail!(
            "{} holds no kept scale run (no {}): generate one with --keep first",
            args.data_dir.display(),
            scale::generate::CLIENT_KEYSTORE
        );
    }
    let config = scale::generate::config(&args.data_dir, args.db.clone());
    let bar = progress_bar(0);
    let result = scale::remeasure(&config, Duration::from_secs(args.read_seconds), &bar).await;
    bar.finish_and_clear();
    print(ctx, &result?);
    Ok(())
}

fn progress_bar(len: u64) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed}] {bar:30} {pos}/{len} {msg} ({per_sec}, {eta} left)",
        )
        .expect("a valid template"),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

fn print(ctx: &Context, scale: &scale::Scale) {
    if ctx.out.json {
        println!("{}", scale.to_json());
    } else {
        print!("{}", scale.table());
    }
}
