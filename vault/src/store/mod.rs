//! Storage: one interface over SQLite (the embedded default) and PostgreSQL.
//!
//! Queries are written once in the SQL both engines accept (`$1` parameters,
//! `RETURNING`, integers for times, blobs for bytes) and run through sqlx's
//! `Any` driver; only the migrations differ per engine. Each submodule owns
//! the queries for one table family.

pub mod contacts;
pub mod directory;
pub mod fields;
pub mod grants;
pub mod health;
pub mod households;
pub mod idempotency;
pub mod invites;
pub mod log;
pub mod log_nodes;
pub mod log_read;
mod migrations;
pub mod observation_names;
pub mod passkeys;
pub mod policy_cache;
pub mod principals;
pub mod professionals;
pub mod proposals;
pub mod read_snapshot;
pub mod readiness;
pub mod recovery;
pub mod rekey_marks;
pub mod retention;
pub mod rotation;
pub mod sessions;
pub mod transaction;
mod writer_conn;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, Executor};

pub use health::Health;
pub use transaction::Tx;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unsupported database URL (use sqlite://PATH or postgres://…)")]
    UnsupportedUrl,
    #[error("the database is unavailable: {0}")]
    Unavailable(#[from] sqlx::Error),
    #[error("could not apply migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    /// One connection for the read log's group-commit writer
    /// (`api::log_writer`) and nothing else (`writer_conn`).
    writer: Arc<writer_conn::WriterConn>,
    /// The tasks and connections that run the field read's statement
    /// (`read_snapshot::lanes`).
    lanes: Arc<read_snapshot::Lanes>,
    /// Members and grants as the field read last found them, checked
    /// against the household's policy generation (`policy_cache`).
    policy: Arc<policy_cache::PolicyCache>,
    /// Each session's last reads of a field, answered again after the
    /// group-commit writer confirms them (`read_snapshot::recent`).
    recent: Arc<read_snapshot::Recent>,
    backend: Backend,
    health: Arc<Health>,
    /// Fault injection for tests (`set_page_limit`): SQLite's
    /// `max_page_count`, applied to each connection as a transaction
    /// begins; 0 when unset.
    page_limit: Arc<AtomicU64>,
}

impl StoreError {
    /// The database sent nothing within a wait kluis bounds itself: a
    /// statement or commit on a connection that stalled without closing.
    pub(crate) fn no_answer(what: &str) -> Self {
        let e = std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            format!("the database did not answer {what} in time"),
        );
        StoreError::Unavailable(sqlx::Error::Io(e))
    }

    /// Whether this is `no_answer`.
    pub(crate) fn is_no_answer(&self) -> bool {
        matches!(self, StoreError::Unavailable(sqlx::Error::Io(e)) if e.kind() == std::io::ErrorKind::TimedOut)
    }
}

impl Store {
    /// Connect and bring the schema up to date.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::UnsupportedUrl);
        };
        let options: AnyConnectOptions = url.parse()?;
        let max = if backend == Backend::Sqlite { 8 } else { 16 };
        let pool = connect(backend, options.clone(), max).await?;
        // The group-commit writer's own connection (`begin_writer`), so its
        // commit never queues behind the readers it is about to release.
        let writer = Arc::new(writer_conn::WriterConn::new(options.clone(), backend));
        let store = Self {
            pool,
            writer,
            lanes: Arc::new(read_snapshot::Lanes::spawn(options, backend)),
            policy: Arc::default(),
            recent: Arc::default(),
            backend,
            health: Arc::default(),
            page_limit: Arc::new(AtomicU64::new(0)),
        };
        store.migrate().await?;
        log::init(&store).await?;
        Ok(store)
    }

    /// Apply the migrations on a connection taken out of the pool and
    /// closed afterwards, so that whatever state a failed migration leaves
    /// behind never reaches a request.
    async fn migrate(&self) -> Result<(), StoreError> {
        let migrator = migrations::migrator(self.backend == Backend::Postgres).await?;
        let mut conn = self.pool.acquire().await?.detach();
        let result = migrator.run(&mut conn).await;
        let _ = sqlx::Connection::close(conn).await;
        Ok(result?)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub(crate) fn lanes(&self) -> &read_snapshot::Lanes {
        &self.lanes
    }

    pub(crate) fn policy_cache(&self) -> &policy_cache::PolicyCache {
        &self.policy
    }

    pub(crate) fn recent(&self) -> &read_snapshot::Recent {
        &self.recent
    }

    /// Begin a transaction (see `transaction` for how it ends).
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        let conn = match self.acquire().await {
            Ok(conn) => conn,
            Err(e) => {
                if let StoreError::Unavailable(e) = &e {
                    self.health.failed(e);
                }
                return Err(e);
            }
        };
        Tx::begin(conn, self.health.clone()).await
    }

    /// Begin a transaction on the connection reserved for the read log's
    /// group-commit writer. With 64 readers in flight the shared pool has
    /// a queue of them; the one commit that releases them all goes first.
    pub async fn begin_writer(&self) -> Result<Tx, StoreError> {
        let setup = self.page_limit_pragma();
        match self.writer.begin(setup.as_deref()).await {
            Ok(held) => Ok(Tx::begun_on_writer(held, self.health.clone())),
            Err(e) => {
                if let StoreError::Unavailable(e) = &e {
                    self.health.failed(e);
                }
                Err(e)
            }
        }
    }

    /// A pooled connection, with the test page limit applied if one is set.
    async fn acquire(&self) -> Result<PoolConnection<Any>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        if let Some(pragma) = self.page_limit_pragma() {
            conn.execute(pragma.as_str()).await?;
        }
        Ok(conn)
    }

    /// The statement that applies the test page limit, if one is set.
    fn page_limit_pragma(&self) -> Option<String> {
        let limit = self.page_limit.load(Ordering::Relaxed);
        (limit != 0 && self.backend == Backend::Sqlite)
            .then(|| format!("PRAGMA max_page_count = {limit}"))
    }

    /// How the latest transactions ended (for `/readyz`).
    pub fn health(&self) -> &Health {
        &self.health
    }

    /// Fault injection, for tests only: cap an SQLite database at `pages`
    /// pages (SQLite's `max_page_count`), so it is "full" exactly when the
    /// test wants; a large number lifts the cap again. Every transaction
    /// applies the current cap to its connection before it begins. No
    /// effect on PostgreSQL.
    #[doc(hidden)]
    pub fn set_page_limit(&self, pages: u64) {
        self.page_limit.store(pages, Ordering::Relaxed);
    }

    pub async fn close(&self) {
        self.lanes.close().await;
        self.writer.close().await;
        self.pool.close().await;
    }
}

/// A pool of at most `max` connections, each set up by `prepare`.
async fn connect(
    backend: Backend,
    options: AnyConnectOptions,
    max: u32,
) -> Result<AnyPool, sqlx::Error> {
    AnyPoolOptions::new()
        .max_connections(max)
        .acquire_timeout(Duration::from_secs(10))
        .after_connect(move |conn, _meta| Box::pin(async move { prepare(conn, backend).await }))
        .connect_with(options)
        .await
}

/// One connection outside the pool (a read lane's, the log writer's), set
/// up as the pool's are; if it is not made within `wait`, the pool's
/// time-out error.
pub(crate) async fn connect_alone(
    options: &AnyConnectOptions,
    backend: Backend,
    wait: Duration,
) -> Result<AnyConnection, StoreError> {
    let made = async {
        let mut conn = sqlx::ConnectOptions::connect(options).await?;
        prepare(&mut conn, backend).await?;
        Ok::<_, sqlx::Error>(conn)
    };
    match tokio::time::timeout(wait, made).await {
        Ok(made) => Ok(made?),
        Err(_) => Err(StoreError::Unavailable(sqlx::Error::PoolTimedOut)),
    }
}

/// Set up a new connection. On SQLite: WAL lets readers run beside the one
/// writer; synchronous=FULL makes a confirmed write survive power loss;
/// busy_timeout makes writers queue instead of failing; secure_delete
/// overwrites what is deleted (destroyed and erased plans) instead of
/// leaving it in free pages. PostgreSQL needs nothing.
async fn prepare(conn: &mut AnyConnection, backend: Backend) -> Result<(), sqlx::Error> {
    if backend == Backend::Sqlite {
        conn.execute(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
             PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; \
             PRAGMA secure_delete = ON;",
        )
        .await?;
    }
    Ok(())
}

/// SHA-256, used to store secrets (invite codes, tokens) only as hashes.
pub fn secret_hash(secret: &str) -> Vec<u8> {
    ring::digest::digest(&ring::digest::SHA256, secret.as_bytes())
        .as_ref()
        .to_vec()
}
