//! The fault suite: the real server under a small concurrent load while its
//! storage breaks, and what it promised checked afterwards (see
//! `fault_support`): no acknowledged write lost, no read served without its
//! log entry, a log that verifies, `/readyz` answering within a second and
//! saying "not ready" during the fault, and recovery without a restart.
//!
//! These tests mount file systems and stop the machine's PostgreSQL, so they
//! are `#[ignore]`d in a plain `cargo test`; `.ci/faults` runs them, the
//! SQLite ones on their own and the PostgreSQL ones with
//! `KLUIS_TEST_DATABASE_URL` set. RELIABILITY.md lists what each measured.
//! The lost-answer retry (a connection cut after the commit) is in
//! `tests/idempotency.rs`, and the SIGKILL crash test in
//! `tests/crash_safety.rs`; both run in every suite.

mod common;
mod fault_support;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::TestServer;
use fault_support::{
    assert_honest_readiness, check, readyz, time_to_recover, watch_readiness, Load, Scene,
};
use sqlx::{Connection, Executor};

/// The longest a server may take to recover once the fault is gone.
const RECOVERY_LIMIT: Duration = Duration::from_secs(15);

fn require_backend(server: &TestServer, backend: &str) {
    assert_eq!(
        server.backend, backend,
        "this fault test needs {backend} (see .ci/faults)"
    );
}

/// No connection of the idle server holds SQLite's write lock.
async fn assert_write_lock_free(db: &Path) {
    let mut other = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    other
        .execute("PRAGMA busy_timeout = 2000; BEGIN IMMEDIATE")
        .await
        .expect("the idle server holds SQLite's write lock");
    other.execute("ROLLBACK").await.unwrap();
}

fn report(name: &str, fields: &[(&str, String)]) {
    let line: Vec<String> = fields.iter().map(|(k, v)| format!("{k}={v}")).collect();
    eprintln!("fault {name}: {}", line.join(" "));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "fault suite: run by .ci/faults"]
async fn sqlite_database_full_loses_nothing_and_recovers() {
    let server = TestServer::spawn().await;
    require_backend(&server, "sqlite");
    let scene = Scene::new(server).await;
    let load = Load::start(&scene);
    load.wait_for_writes(30, Duration::from_secs(30)).await;

    // Full: SQLite's page limit just above what is in use.
    let used: i64 = sqlx::query_scalar("SELECT page_count FROM pragma_page_count()")
        .fetch_one(scene.server.store.pool())
        .await
        .unwrap();
    scene.server.store.set_page_limit(used as u64 + 8);
    let seen = watch_readiness(&scene.server.url, Duration::from_secs(5)).await;
    let acked_during = load.acked.load(std::sync::atomic::Ordering::Relaxed);

    scene.server.store.set_page_limit(1 << 30);
    let recovered = time_to_recover(&scene, RECOVERY_LIMIT).await;
    load.wait_for_writes(30, Duration::from_secs(30)).await;
    let promises = load.stop().await;
    assert_honest_readiness(&seen);
    check(&scene, &promises).await;
    assert_write_lock_free(&scene.server.data_dir.parent().unwrap().join("kluis.db")).await;
    report(
        "sqlite-full",
        &[
            ("acked_writes", promises.writes.len().to_string()),
            ("acked_by_end_of_fault", acked_during.to_string()),
            ("reads_served", promises.reads_served.to_string()),
            ("recovered_in_ms", recovered.as_millis().to_string()),
            ("readyz_max_ms", max_ms(&seen)),
            ("failures", format!("{:?}", promises.failures)),
        ],
    );
}

fn max_ms(seen: &[(u16, Duration, String)]) -> String {
    seen.iter()
        .map(|s| s.1.as_millis())
        .max()
        .unwrap_or(0)
        .to_string()
}

/// A tmpfs of `mib` MiB mounted on a fresh directory; unmounted on drop.
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    fn mount(mib: u32) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={mib}m"), "tmpfs"])
            .arg(dir.path())
            .status()
            .expect("run mount");
        assert!(
            status.success(),
            "mounting a tmpfs failed: the disk-full test needs root (CI runs as root)"
        );
        Self { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Write a file until the file system is full; returns its path.
    fn fill(&self) -> std::path::PathBuf {
        use std::io::Write;
        let filler = self.path().join("filler");
        let mut f = std::fs::File::create(&filler).unwrap();
        let chunk = vec![0u8; 64 * 1024];
        loop {
            if f.write_all(&chunk).and_then(|()| f.sync_data()).is_err() {
                break;
            }
        }
        // The last bytes too, so not a page is left.
        while f.write_all(&[0u8; 512]).is_ok() && f.sync_data().is_ok() {}
        filler
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "fault suite: run by .ci/faults (needs root to mount a tmpfs)"]
async fn sqlite_disk_full_loses_nothing_and_recovers() {
    let disk = Tmpfs::mount(20);
    let server = TestServer::spawn_in(Some(disk.path()), |_| {}).await;
    require_backend(&server, "sqlite");
    let scene = Scene::new(server).await;
    let load = Load::start(&scene);
    load.wait_for_writes(30, Duration::from_secs(30)).await;

    let filler = disk.fill();
    let seen = watch_readiness(&scene.server.url, Duration::from_secs(6)).await;
    std::fs::remove_file(&filler).unwrap();

    let recovered = time_to_recover(&scene, RECOVERY_LIMIT).await;
    load.wait_for_writes(30, Duration::from_secs(30)).await;
    let promises = load.stop().await;
    assert_honest_readiness(&seen);
    check(&scene, &promises).await;
    assert_write_lock_free(&disk.path().join("kluis.db")).await;
    report(
        "sqlite-disk-full",
        &[
            ("acked_writes", promises.writes.len().to_string()),
            ("reads_served", promises.reads_served.to_string()),
            ("recovered_in_ms", recovered.as_millis().to_string()),
            ("readyz_max_ms", max_ms(&seen)),
            ("failures", format!("{:?}", promises.failures)),
        ],
    );
    scene.server.stop().await;
}

/// `pg_ctlcluster` for the machine's one PostgreSQL cluster.
fn pg_cluster(action: &str) {
    let listing = Command::new("pg_lsclusters")
        .arg("-h")
        .output()
        .expect("pg_lsclusters (postgresql-common)");
    let text = String::from_utf8_lossy(&listing.stdout);
    let mut words = text.lines().next().expect("a cluster").split_whitespace();
    let (version, name) = (words.next().unwrap(), words.next().unwrap());
    let status = Command::new("pg_ctlcluster")
        .args(["--skip-systemctl-redirect", version, name, action])
        .status()
        .expect("pg_ctlcluster");
    assert!(status.success(), "pg_ctlcluster {action} failed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "fault suite: run by .ci/faults (restarts the machine's PostgreSQL)"]
async fn postgres_restart_under_load_loses_nothing() {
    let server = TestServer::spawn().await;
    require_backend(&server, "postgres");
    let scene = Scene::new(server).await;
    let load = Load::start(&scene);
    load.wait_for_writes(30, Duration::from_secs(30)).await;

    let start = Instant::now();
    pg_cluster("restart");
    let restart = start.elapsed();
    let recovered = time_to_recover(&scene, RECOVERY_LIMIT).await;
    load.wait_for_writes(30, Duration::from_secs(30)).await;
    let promises = load.stop().await;
    check(&scene, &promises).await;
    report(
        "postgres-restart",
        &[
            ("acked_writes", promises.writes.len().to_string()),
            ("reads_served", promises.reads_served.to_string()),
            ("restart_took_ms", restart.as_millis().to_string()),
            (
                "recovered_after_restart_ms",
                recovered.as_millis().to_string(),
            ),
            ("failures", format!("{:?}", promises.failures)),
        ],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "fault suite: run by .ci/faults (stops the machine's PostgreSQL)"]
async fn postgres_down_for_ten_seconds_is_reported_and_survived() {
    let server = TestServer::spawn().await;
    require_backend(&server, "postgres");
    let scene = Scene::new(server).await;
    let load = Load::start(&scene);
    load.wait_for_writes(30, Duration::from_secs(30)).await;

    pg_cluster("stop");
    let seen = watch_readiness(&scene.server.url, Duration::from_secs(10)).await;
    pg_cluster("start");
    let recovered = time_to_recover(&scene, RECOVERY_LIMIT).await;
    load.wait_for_writes(30, Duration::from_secs(30)).await;
    let promises = load.stop().await;
    assert_honest_readiness(&seen);
    assert!(
        seen.iter().filter(|s| s.0 == 503).count() * 2 > seen.len(),
        "/readyz said ready while the database was down: {seen:?}"
    );
    check(&scene, &promises).await;
    assert_eq!(readyz(&scene.server.url).await.0, 200);
    report(
        "postgres-stop-10s",
        &[
            ("acked_writes", promises.writes.len().to_string()),
            ("reads_served", promises.reads_served.to_string()),
            (
                "recovered_after_start_ms",
                recovered.as_millis().to_string(),
            ),
            ("readyz_max_ms", max_ms(&seen)),
            ("failures", format!("{:?}", promises.failures)),
        ],
    );
}
