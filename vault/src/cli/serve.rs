//! `kluis serve`: run the server.

use std::path::PathBuf;

use clap::Args;

use crate::clock::Clock;
use crate::server::{shutdown, telemetry, Application, ServeConfig};

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
    /// The access log's signing key file (default: log-signing-key in the
    /// data directory). Processes sharing one database must use the same one.
    #[arg(long, env = "KLUIS_LOG_KEY")]
    log_key: Option<PathBuf>,
    /// Largest request body in bytes.
    #[arg(long, default_value_t = 1024 * 1024)]
    max_body_bytes: usize,
}

pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    telemetry::init();
    let mut config = ServeConfig::new(args.data_dir);
    config.db_url = args.db;
    config.listen = args.listen;
    config.log_key_file = args.log_key;
    config.limits.body_bytes = args.max_body_bytes;
    let app = Application::build(config, Clock::system()).await?;
    eprintln!("kluis: serving on http://{}", app.local_addr());
    app.run_until(shutdown::signal()).await
}
