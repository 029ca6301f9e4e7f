//! The fault suite's load and its checks (see `tests/faults.rs`).
//!
//! A small concurrent load (three writers, three readers, one household)
//! records every write the server acknowledged, with the exact ciphertext
//! it uploaded, and every read the server served. After the fault, `check`
//! proves the promises: every acknowledged write is there with its exact
//! ciphertext, every served read has its allowed log entry, and the whole
//! log verifies (which includes contiguous sequence numbers).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use kluis_policy::{FieldPath, HouseholdId};
use kluis_vault::client::{Client, LogFilter};
use tokio::sync::Mutex;

use crate::common::{TestServer, User};
use kluis_vault::role::Role;

pub struct Scene {
    pub server: TestServer,
    pub anna: Client,
    pub auditor: Client,
    pub h: HouseholdId,
    pub audit_state: tempfile::TempDir,
}

impl Scene {
    pub async fn new(server: TestServer) -> Self {
        let admin = server.admin().await;
        let auditor: User = server
            .enrol(&admin, Role::Auditor, "Ada", Some("Gemeente"))
            .await;
        let anna = server.enrol(&admin, Role::Client, "Anna", None).await;
        let h = anna.client.create_household().await.unwrap();
        Self {
            server,
            anna: anna.client,
            auditor: auditor.client,
            h,
            audit_state: tempfile::tempdir().unwrap(),
        }
    }
}

/// What the server promised during the load.
#[derive(Default, Debug)]
pub struct Promises {
    /// (path, version, base64 ciphertext) of every acknowledged write.
    pub writes: Vec<(FieldPath, i64, String)>,
    /// Reads answered with a value.
    pub reads_served: usize,
    /// Reads attempted (an entry may exist for a read whose answer failed).
    pub reads_tried: usize,
    /// Failed requests, by the first words of their error.
    pub failures: std::collections::BTreeMap<String, usize>,
}

pub struct Load {
    stop: Arc<AtomicBool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    pub promises: Arc<Mutex<Promises>>,
    pub acked: Arc<AtomicUsize>,
}

fn path(worker: usize) -> FieldPath {
    FieldPath::parse(&format!("algemeen/veld-{worker}")).unwrap()
}

/// Count a failed request by its problem kind (or the first words of its
/// error), and back off a little.
async fn failed(promises: &Mutex<Promises>, e: &kluis_vault::client::ClientError) {
    let kind = match e.kind() {
        Some(kind) => kind.to_owned(),
        None => e.to_string().chars().take(60).collect(),
    };
    *promises.lock().await.failures.entry(kind).or_default() += 1;
    tokio::time::sleep(Duration::from_millis(50)).await;
}

impl Load {
    pub fn start(scene: &Scene) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let promises = Arc::new(Mutex::new(Promises::default()));
        let acked = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for worker in 0..3 {
            let (c, h, stop, promises, acked) = (
                scene.anna.clone(),
                scene.h,
                stop.clone(),
                promises.clone(),
                acked.clone(),
            );
            tasks.push(tokio::spawn(async move {
                let p = path(worker);
                let mut i = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    i += 1;
                    let content = format!("werker {worker} nummer {i}: {}", "x".repeat(600));
                    let attempt = async {
                        let plan = c.write_plan(h, &p).await?;
                        let body = c.seal_for(h, &plan, content.as_bytes()).await?;
                        let written = c.put_field(h, &p, &body).await?;
                        Ok::<_, kluis_vault::client::ClientError>((
                            written.version,
                            body.ciphertext,
                        ))
                    };
                    match attempt.await {
                        Ok((version, ciphertext)) => {
                            promises
                                .lock()
                                .await
                                .writes
                                .push((p.clone(), version, ciphertext));
                            acked.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(e) => failed(&promises, &e).await,
                    }
                }
            }));
        }
        for reader in 0..3 {
            let (c, h, stop, promises) =
                (scene.anna.clone(), scene.h, stop.clone(), promises.clone());
            tasks.push(tokio::spawn(async move {
                let mut i = reader;
                while !stop.load(Ordering::Relaxed) {
                    i += 1;
                    let p = path(i % 3);
                    promises.lock().await.reads_tried += 1;
                    match c.get_field(h, &p, None).await {
                        Ok(_) => promises.lock().await.reads_served += 1,
                        Err(e) => failed(&promises, &e).await,
                    }
                }
            }));
        }
        Self {
            stop,
            tasks,
            promises,
            acked,
        }
    }

    /// Wait until the load has `n` more acknowledged writes (at most
    /// `limit`): proof that the server is doing work.
    pub async fn wait_for_writes(&self, n: usize, limit: Duration) {
        let goal = self.acked.load(Ordering::Relaxed) + n;
        let start = Instant::now();
        while self.acked.load(Ordering::Relaxed) < goal {
            assert!(
                start.elapsed() < limit,
                "the load made no progress in {limit:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub async fn stop(self) -> Promises {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.tasks {
            let _ = tokio::time::timeout(Duration::from_secs(60), t).await;
        }
        Arc::try_unwrap(self.promises)
            .expect("all load tasks ended")
            .into_inner()
    }
}

/// `/readyz` once: its status and how long it took to answer.
pub async fn readyz(url: &str) -> (u16, Duration, String) {
    let start = Instant::now();
    let resp = reqwest::Client::new()
        .get(format!("{url}/readyz"))
        .timeout(Duration::from_secs(5))
        .send()
        .await;
    let elapsed = start.elapsed();
    match resp {
        Ok(r) => {
            let status = r.status().as_u16();
            (status, elapsed, r.text().await.unwrap_or_default())
        }
        Err(e) => (0, elapsed, e.to_string()),
    }
}

/// Poll `/readyz` every 200 ms for `during`; returns every answer.
pub async fn watch_readiness(url: &str, during: Duration) -> Vec<(u16, Duration, String)> {
    let start = Instant::now();
    let mut seen = Vec::new();
    while start.elapsed() < during {
        seen.push(readyz(url).await);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    seen
}

/// Every answer came within a second, and at least one said "not ready"
/// with a reason.
pub fn assert_honest_readiness(seen: &[(u16, Duration, String)]) {
    for (status, took, body) in seen {
        assert!(
            *took < Duration::from_secs(1),
            "/readyz took {took:?} (status {status}: {body})"
        );
    }
    let not_ready: Vec<_> = seen.iter().filter(|(s, _, _)| *s == 503).collect();
    assert!(
        !not_ready.is_empty(),
        "/readyz never said not ready during the fault: {seen:?}"
    );
    assert!(not_ready
        .iter()
        .all(|(_, _, body)| body.contains("not ready")));
}

/// Time from now until a new write is acknowledged and `/readyz` says
/// ready, with no restart; fails past `limit`.
pub async fn time_to_recover(scene: &Scene, limit: Duration) -> Duration {
    let start = Instant::now();
    let p = FieldPath::parse("algemeen/herstel").unwrap();
    loop {
        let wrote = scene
            .anna
            .set_field(scene.h, &p, b"weer bereikbaar")
            .await
            .is_ok();
        if wrote && readyz(&scene.server.url).await.0 == 200 {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < limit,
            "the server did not recover by itself within {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The promises hold: every acknowledged write with its exact ciphertext,
/// an allowed entry for every served read, and a log that verifies.
pub async fn check(scene: &Scene, promises: &Promises) {
    assert!(!promises.writes.is_empty(), "the load wrote nothing");
    // A fault may refuse requests (503, a time-out, a broken connection; a
    // read of a field not written yet at the start), and nothing else: any
    // other failure is a bug the fault brought out.
    for kind in promises.failures.keys() {
        assert!(
            matches!(kind.as_str(), "unavailable" | "timeout" | "field-not-found")
                || kind.starts_with("cannot reach the kluis server"),
            "a request failed in a way a fault does not explain: {kind} ({:?})",
            promises.failures
        );
    }
    // The log first, so the reads made below to check the writes do not
    // count as the load's.
    let entries = scene
        .auditor
        .log_query(&LogFilter {
            household: Some(scene.h),
            event: Some("field.read".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let allowed = entries
        .iter()
        .filter(|e| e.entry.outcome == kluis_audit::Outcome::Allowed)
        .count();
    assert!(
        allowed >= promises.reads_served,
        "{} reads were served but only {allowed} have an allowed entry",
        promises.reads_served
    );
    assert!(
        allowed <= promises.reads_tried,
        "{allowed} allowed read entries for {} reads tried",
        promises.reads_tried
    );
    for (p, version, ciphertext) in &promises.writes {
        let stored = scene
            .anna
            .fetch_field(scene.h, p, Some(*version))
            .await
            .unwrap_or_else(|e| panic!("acknowledged write {p} v{version} is lost: {e}"));
        assert_eq!(&stored.ciphertext, ciphertext, "{p} v{version} changed");
    }
    scene
        .auditor
        .audit_verify(&scene.audit_state.path().join("state"), |_, _| {})
        .await
        .expect("the log verifies after the fault");
}
