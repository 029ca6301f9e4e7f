//! `kluis serve`: run the server.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;

use crate::clock::Clock;
use crate::server::{allocator, shutdown, telemetry, Application, ServeConfig};

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Where the database (SQLite), bootstrap invite and log key live.
    #[arg(long, env = "KLUIS_DATA_DIR", default_value = "./kluis-data")]
    data_dir: PathBuf,
    /// Database URL: postgres://… to use PostgreSQL; default SQLite in the data directory.
    #[arg(long, env = "KLUIS_DB")]
    db: Option<String>,
    /// Address to listen on.
    #[arg(long, env = "KLUIS_LISTEN", default_value = "127.0.0.1:7420")]
    listen: String,
    /// The URL clients use to reach this server (repeat for several), for
    /// example https://kluis.gemeente.nl behind a proxy. Logins are bound to
    /// it. Default: the listening address.
    #[arg(long = "public-url", env = "KLUIS_PUBLIC_URL", value_delimiter = ',')]
    public_urls: Vec<String>,
    /// Serve HTTPS with this certificate chain (PEM); needs --tls-key.
    #[arg(long, env = "KLUIS_TLS_CERT", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The private key (PEM) for --tls-cert.
    #[arg(long, env = "KLUIS_TLS_KEY", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// The access log's signing key file (default: log-signing-key in the
    /// data directory). Processes sharing one database must use the same one.
    #[arg(long, env = "KLUIS_LOG_KEY")]
    log_key: Option<PathBuf>,
    /// The directory of the households' log keys (default:
    /// household-log-keys in the data directory). Kept out of the database
    /// so that a database backup alone opens no log details; processes
    /// sharing one database must use the same one.
    #[arg(long, env = "KLUIS_HOUSEHOLD_LOG_KEYS")]
    household_log_keys: Option<PathBuf>,
    /// Largest request body in bytes.
    #[arg(long, default_value_t = 1024 * 1024)]
    max_body_bytes: usize,
    /// Largest field value in bytes.
    #[arg(long, default_value_t = 256 * 1024)]
    max_field_bytes: usize,
    /// Refused requests one person may make a minute before they get 429
    /// (each refusal is logged; this keeps one person from flooding the log).
    #[arg(long, env = "KLUIS_REFUSALS_PER_MINUTE", default_value_t = 60)]
    refusals_per_minute: u32,
    /// A TOML plan template (`name`, `[[sections]]` with `id`, `name`, `name_en`)
    /// replacing the built-in ZRM sections.
    #[arg(long, env = "KLUIS_PLAN_TEMPLATE")]
    plan_template: Option<PathBuf>,
    /// A TOML retention schedule (`[classes.NAME] term = "P15Y"`) replacing the defaults.
    #[arg(long, env = "KLUIS_RETENTION_SCHEDULE")]
    retention_schedule: Option<PathBuf>,
}

pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    telemetry::init();
    allocator::tune();
    let mut config = ServeConfig::new(args.data_dir);
    config.db_url = args.db;
    config.listen = args.listen;
    config.public_urls = args.public_urls;
    if let (Some(cert), Some(key)) = (args.tls_cert, args.tls_key) {
        config.tls = Some(crate::server::tls::TlsFiles { cert, key });
    }
    config.log_key_file = args.log_key;
    config.household_log_keys_dir = args.household_log_keys;
    config.limits.body_bytes = args.max_body_bytes;
    config.limits.max_field_bytes = args.max_field_bytes;
    config.limits.refusals_per_minute = args.refusals_per_minute;
    // A sealed field travels base64-encoded with its envelopes: keep the
    // body limit large enough for the largest field.
    let needed = (crate::keys::seal::bucket(args.max_field_bytes) + 28) * 4 / 3 + 64 * 1024;
    if config.limits.body_bytes < needed {
        anyhow::bail!(
            "--max-body-bytes must be at least {needed} for fields of {} bytes",
            args.max_field_bytes
        );
    }
    if let Some(path) = args.retention_schedule {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        config.schedule = crate::retention::Schedule::parse(&text)?;
    }
    if let Some(path) = args.plan_template {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        config.template = crate::template::PlanTemplate::parse(&text)?;
    }
    let app = Application::build(config, Clock::system()).await?;
    eprintln!("kluis: serving on http://{}", app.local_addr());
    app.run_until(shutdown::signal()).await
}
