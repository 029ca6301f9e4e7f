//! The end-to-end test harness: a real kluis server on a random port with a
//! fresh database, driven through the real client library (or the real
//! binary).
//!
//! The database is SQLite in a temporary directory unless
//! `KLUIS_TEST_DATABASE_URL` names a PostgreSQL server (e.g.
//! `postgres://postgres@127.0.0.1:5432/test`): then each test gets a fresh
//! database `kluis_t_<random>` created on that server.

#![allow(dead_code)]

pub mod cli;
pub mod db_proxy;
pub mod node;
pub mod proxy;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use kluis_policy::PrincipalId;
use kluis_vault::client::Client;
use kluis_vault::clock::Clock;
use kluis_vault::keys::Identity;
use kluis_vault::role::Role;
use kluis_vault::server::{Application, ServeConfig};
use sqlx::Connection;

pub struct TestServer {
    pub url: String,
    pub clock: Clock,
    pub data_dir: PathBuf,
    pub db_url: String,
    pub backend: &'static str,
    /// The server's own store (tests that inject faults reach it here).
    pub store: kluis_vault::store::Store,
    _dir: tempfile::TempDir,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

/// A registered person with a logged-in client.
pub struct User {
    pub id: PrincipalId,
    pub client: Client,
    pub role: Role,
}

pub async fn fresh_database_url(dir: &Path) -> (String, &'static str) {
    match std::env::var("KLUIS_TEST_DATABASE_URL") {
        Ok(admin_url) if admin_url.starts_with("postgres") => {
            let name = format!("kluis_t_{}", hex(&rand::random::<[u8; 8]>()));
            let mut conn = sqlx::PgConnection::connect(&admin_url)
                .await
                .expect("cannot reach the PostgreSQL named by KLUIS_TEST_DATABASE_URL");
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut conn)
                .await
                .expect("create test database");
            let base = admin_url
                .rsplit_once('/')
                .map(|(b, _)| b)
                .unwrap_or(&admin_url);
            (format!("{base}/{name}"), "postgres")
        }
        _ => (
            format!("sqlite://{}?mode=rwc", dir.join("kluis.db").display()),
            "sqlite",
        ),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl TestServer {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// Start a server; `tune` may change the configuration first.
    pub async fn spawn_with(tune: impl FnOnce(&mut ServeConfig)) -> Self {
        Self::spawn_in(None, tune).await
    }

    /// Start a server whose data (the SQLite database and the data
    /// directory) lives in `place` instead of a fresh temporary directory:
    /// a small file system, for example, to fill up.
    pub async fn spawn_in(place: Option<&Path>, tune: impl FnOnce(&mut ServeConfig)) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = place.unwrap_or(dir.path());
        let data_dir = root.join("data");
        let (db_url, backend) = fresh_database_url(root).await;
        let mut config = ServeConfig::new(data_dir.clone());
        config.db_url = Some(db_url.clone());
        config.listen = "127.0.0.1:0".into();
        tune(&mut config);
        let clock = Clock::offset();
        Self::serve(config, clock, dir, backend, db_url).await
    }

    /// A second server on the same database and data directory, serving
    /// on a port of its own and sharing the first one's clock: another
    /// process of the same deployment. Keep the first one running while
    /// this one is used (it owns the temporary directory).
    pub async fn beside(&self) -> Self {
        let mut config = ServeConfig::new(self.data_dir.clone());
        config.db_url = Some(self.db_url.clone());
        config.listen = "127.0.0.1:0".into();
        let dir = tempfile::tempdir().expect("tempdir");
        let db_url = self.db_url.clone();
        Self::serve(config, self.clock.clone(), dir, self.backend, db_url).await
    }

    async fn serve(
        config: ServeConfig,
        clock: Clock,
        dir: tempfile::TempDir,
        backend: &'static str,
        db_url: String,
    ) -> Self {
        let data_dir = config.data_dir.clone();
        let app = Application::build(config, clock.clone())
            .await
            .expect("server starts");
        let url = format!("http://{}", app.local_addr());
        let store = app.state().store.clone();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            app.run_until(async {
                let _ = rx.await;
            })
            .await
            .expect("server runs");
        });
        Self {
            url,
            clock,
            data_dir,
            db_url,
            backend,
            store,
            _dir: dir,
            shutdown: Some(tx),
            task: Some(task),
        }
    }

    /// Run a second server process's start-up on the same database and data
    /// directory (migrations, the key directory's backfill), as a restart
    /// or a second process would; it serves nothing.
    pub async fn start_up_again(&self) {
        let mut config = ServeConfig::new(self.data_dir.clone());
        config.db_url = Some(self.db_url.clone());
        config.listen = "127.0.0.1:0".into();
        let app = Application::build(config, self.clock.clone())
            .await
            .expect("a second start-up");
        app.state().store.close().await;
    }

    /// Stop the server and wait until it has closed the database.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    /// Where the server keeps household `h`'s log key (outside the database).
    pub fn household_log_key_file(&self, h: kluis_policy::HouseholdId) -> PathBuf {
        self.data_dir
            .join(kluis_vault::server::household_log_keys::DIR_NAME)
            .join(format!("{h}.key"))
    }

    pub fn bootstrap_invite(&self) -> String {
        std::fs::read_to_string(self.data_dir.join("bootstrap-invite"))
            .expect("bootstrap invite file")
            .trim()
            .to_owned()
    }

    pub fn client_for(&self, identity: Identity) -> Client {
        Client::new(&self.url, Arc::new(identity)).expect("client")
    }

    /// Register the first admin with the bootstrap invite.
    pub async fn admin(&self) -> User {
        let client = self.client_for(Identity::generate("Admin"));
        let info = client
            .register(&self.bootstrap_invite())
            .await
            .expect("bootstrap registration");
        User {
            id: info.principal_id,
            client,
            role: Role::Admin,
        }
    }

    /// Have `inviter` invite a new person, who then registers.
    pub async fn enrol(&self, inviter: &User, role: Role, name: &str, org: Option<&str>) -> User {
        let invite = inviter
            .client
            .invite(role, name, org)
            .await
            .expect("invite");
        let client = self.client_for(Identity::generate(name));
        let info = client.register(&invite.code).await.expect("registration");
        assert_eq!(info.role, role);
        User {
            id: info.principal_id,
            client,
            role,
        }
    }

    /// A direct connection to the server's database, for tests that play
    /// an attacker with database access.
    pub async fn db(&self) -> sqlx::AnyPool {
        sqlx::any::install_default_drivers();
        sqlx::AnyPool::connect(&self.db_url)
            .await
            .expect("connect to the test database")
    }

    /// Every byte the database keeps, for scans that must find no secret:
    /// the SQLite files (database, WAL, shared memory) or a text dump of every
    /// PostgreSQL table.
    pub async fn database_bytes(&self) -> Vec<u8> {
        if self.backend == "sqlite" {
            // The harness puts the SQLite files (database, WAL, shared
            // memory) beside the data dir.
            let root = self.data_dir.parent().expect("harness layout");
            let mut all = Vec::new();
            for entry in std::fs::read_dir(root).expect("test dir") {
                let path = entry.expect("entry").path();
                if path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("kluis.db"))
                {
                    all.extend(std::fs::read(&path).unwrap_or_default());
                }
            }
            all
        } else {
            let mut conn = sqlx::PgConnection::connect(&self.db_url)
                .await
                .expect("connect");
            let tables: Vec<(String,)> =
                sqlx::query_as("SELECT tablename::text FROM pg_tables WHERE schemaname = 'public'")
                    .fetch_all(&mut conn)
                    .await
                    .expect("tables");
            let mut all = Vec::new();
            for (table,) in tables {
                // Both the text form and the hex of every bytea column, by
                // casting whole rows to text.
                let rows: Vec<(String,)> =
                    sqlx::query_as(&format!("SELECT t::text FROM \"{table}\" t"))
                        .fetch_all(&mut conn)
                        .await
                        .expect("rows");
                for (row,) in rows {
                    all.extend(row.into_bytes());
                    all.push(b'\n');
                }
            }
            all
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// The grant most tests give: Schuldhulp may read `scope` for `days` from
/// now, without writing or coordinating.
pub fn read_grant(to: &User, scope: &str, days: i64) -> kluis_vault::client::GrantRequest {
    kluis_vault::client::GrantRequest {
        grantee: to.id,
        scope: kluis_policy::Scope::parse(scope).unwrap(),
        write: false,
        coordinate: false,
        purpose: kluis_policy::Purpose::Schuldhulp,
        until_ms: Some(chrono_now_ms() + days * 86_400_000),
    }
}

/// [`read_grant`] on `financien/*` for 30 days: the grant tests give when
/// the grant itself is not what they test.
pub fn finance_grant(to: &User) -> kluis_vault::client::GrantRequest {
    read_grant(to, "financien/*", 30)
}

pub fn chrono_now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_millis() as i64
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    assert!(!needle.is_empty(), "searching for nothing proves nothing");
    haystack.windows(needle.len()).any(|w| w == needle)
}
