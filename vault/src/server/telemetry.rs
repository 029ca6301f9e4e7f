//! Logs for operators, on stderr. `KLUIS_LOG` sets the filter (default `info`).
//! Nothing secret or personal is ever logged: request logs carry method, path
//! template, status and time, not bodies.

pub fn init() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("KLUIS_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
