//! What `kluis serve` is told: where data lives, which database, where to
//! listen, and the limits every request is held to.

use std::path::PathBuf;
use std::time::Duration;

use crate::retention::Schedule;
use crate::template::PlanTemplate;

#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Holds the SQLite database (by default), the bootstrap invite and the
    /// log-signing key.
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`; `None` means SQLite in `data_dir`.
    pub db_url: Option<String>,
    /// `host:port`; port 0 picks a free one (the tests do this).
    pub listen: String,
    /// The URLs clients reach this server at (behind a proxy, say); logins
    /// signed for another origin are refused. Empty: the listening
    /// address (and `localhost` for a loopback address).
    pub public_urls: Vec<String>,
    /// Serve HTTPS with this certificate and key (`server::tls`).
    pub tls: Option<super::tls::TlsFiles>,
    /// The log-signing key file; `None` means `<data_dir>/log-signing-key`.
    /// Processes sharing one database must name the same key.
    pub log_key_file: Option<PathBuf>,
    /// The households' log keys (`server::household_log_keys`); `None`
    /// means `<data_dir>/household-log-keys`. Shared like the log key.
    pub household_log_keys_dir: Option<PathBuf>,
    pub limits: Limits,
    pub template: PlanTemplate,
    pub schedule: Schedule,
}

#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest request body accepted, in bytes.
    pub body_bytes: usize,
    /// A request still running after this is answered with 503 and dropped.
    pub request_timeout: Duration,
    pub invite_ttl_ms: i64,
    pub token_ttl_ms: i64,
    pub challenge_ttl_ms: i64,
    /// Largest field content, in bytes (before padding and sealing).
    pub max_field_bytes: usize,
    /// Most distinct fields in one household's plan.
    pub max_fields: i64,
    /// Most versions kept of one field.
    pub max_versions: i64,
    /// Refused requests one person may make a minute before they get 429
    /// (see `api/refusals.rs`).
    pub refusals_per_minute: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            body_bytes: 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            invite_ttl_ms: 7 * 24 * 3_600_000,
            token_ttl_ms: 15 * 60_000,
            challenge_ttl_ms: 60_000,
            max_field_bytes: 256 * 1024,
            max_fields: 1000,
            max_versions: 1000,
            refusals_per_minute: 60,
        }
    }
}

impl ServeConfig {
    pub fn new(data_dir: PathBuf) -> Self {
        Self {
            data_dir,
            db_url: None,
            listen: "127.0.0.1:7420".into(),
            public_urls: Vec::new(),
            tls: None,
            log_key_file: None,
            household_log_keys_dir: None,
            limits: Limits::default(),
            template: PlanTemplate::default(),
            schedule: Schedule::default(),
        }
    }

    pub fn household_log_keys_path(&self) -> PathBuf {
        self.household_log_keys_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join(super::household_log_keys::DIR_NAME))
    }

    pub fn log_key_path(&self) -> PathBuf {
        self.log_key_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join(super::log_key::LOG_KEY_FILE))
    }

    pub fn database_url(&self) -> String {
        match &self.db_url {
            Some(url) => url.clone(),
            None => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("kluis.db").display()
            ),
        }
    }
}
