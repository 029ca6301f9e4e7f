//! Logs for operators, on stderr. `KLUIS_LOG` sets the filter (default
//! `info`): a level, or `target=level` pairs such as
//! `info,kluis_vault=debug,tower_http=warn`.
//! Nothing secret or personal is ever logged: request logs carry method, path
//! template, status and time, not bodies.
//!
//! The filter is tracing-subscriber's `Targets`, not `EnvFilter`: the same
//! `target=level` syntax without span-field filters, and without the regex
//! engine `EnvFilter` compiles in (issue 18: time to first run).

use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

pub fn init() {
    let filter: Targets = std::env::var("KLUIS_LOG")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| Targets::new().with_default(tracing::Level::INFO));
    let _ = tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
        .with(filter)
        .try_init();
}
