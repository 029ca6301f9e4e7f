//! `kluis bench soak`: a long mixed load against a real `kluis serve`
//! process, showing that its memory stays flat and that nothing goes wrong.
//!
//! Why a child process: the resident memory of the server is what must stay
//! flat, so it runs as its own process (this same binary, `kluis serve`, on
//! a fresh data directory and a free loopback port) and its `VmRSS` is read
//! from `/proc` while this process drives the load through the real client
//! library, exactly as devices would.
//!
//! The load: one worker per household owner. Each loops over a weighted mix
//! of what people do (write a field, a professional reads it under a grant,
//! the owner reads and lists, a private observation, the access history,
//! a refused read outside the grant, a grant–read–revoke–refused cycle, the
//! version history) and checks every answer: a read must return what was
//! last acknowledged, a refusal must be a refusal. One auditor queries the
//! log and verifies it incrementally now and then, and once more at the end.
//! Workers move to a fresh household every `OPS_PER_HOUSEHOLD` operations,
//! so the data keeps growing the way a real deployment's does while the
//! per-field limits (versions, fields) are never reached.
//!
//! Anything unexpected counts as an error. The verdict: no errors, the log
//! verifies, and the server's memory grows by less than `MAX_GROWTH` from
//! just after the warm-up (the first quarter of the run) to the end.

use std::collections::HashMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kluis_policy::{FieldPath, HouseholdId, PrincipalId, Purpose, Scope};
use rand::{Rng, SeedableRng};
use serde::Serialize;

use super::TempDir;
use crate::client::{Client, ClientError, GrantRequest, LogFilter};
use crate::keys::Identity;
use crate::role::Role;

/// Operations a worker does in one household before it opens a new one.
const OPS_PER_HOUSEHOLD: u64 = 1500;
/// Writes to one field before a worker moves to the next field name (a
/// field keeps at most 1000 versions).
const WRITES_PER_FIELD: u64 = 400;
/// Largest accepted growth of the server's resident memory, from the mean of
/// the first half after the warm-up to the mean of the second half.
pub const MAX_GROWTH: f64 = 0.20;
/// Shorter runs are all warm-up: their memory is reported, not judged.
pub const MIN_JUDGED_RUN: Duration = Duration::from_secs(5 * 60);

/// What to run.
#[derive(Debug, Clone)]
pub struct SoakConfig {
    pub duration: Duration,
    /// Concurrent household owners (each its own worker).
    pub workers: usize,
    /// How often to sample memory and throughput.
    pub sample_every: Duration,
    /// `postgres://…` of an existing, empty database; SQLite otherwise.
    pub db_url: Option<String>,
}

/// One memory and throughput sample.
#[derive(Debug, Clone, Serialize)]
pub struct Sample {
    pub seconds: f64,
    pub rss_mib: Option<f64>,
    pub operations: u64,
    pub errors: u64,
}

/// The outcome of a soak run.
#[derive(Debug, Clone, Serialize)]
pub struct SoakReport {
    pub seconds: f64,
    pub operations: u64,
    pub operations_by_kind: HashMap<&'static str, u64>,
    pub expected_refusals: u64,
    pub errors: u64,
    pub first_errors: Vec<String>,
    pub households: u64,
    pub log_entries_verified: u64,
    pub rss_after_warm_up_mib: Option<f64>,
    pub rss_end_mib: Option<f64>,
    pub rss_max_mib: Option<f64>,
    pub rss_growth: Option<f64>,
    pub samples: Vec<Sample>,
    pub passed: bool,
}

/// The server under test: a `kluis serve` child process.
struct ServerProcess {
    child: Child,
    url: String,
}

impl ServerProcess {
    fn start(data: &Path, db_url: Option<&str>, log: &Path) -> anyhow::Result<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let mut cmd = Command::new(std::env::current_exe()?);
        cmd.arg("serve")
            .arg("--data-dir")
            .arg(data)
            .arg("--listen")
            .arg(format!("127.0.0.1:{port}"))
            // The soak's deliberate refusals, all day long, would hit the
            // per-person limit on refusals, which is not what it measures.
            .arg("--refusals-per-minute")
            .arg("1000000")
            .env_remove("KLUIS_DB")
            .env_remove("KLUIS_LISTEN")
            .env_remove("KLUIS_DATA_DIR")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(log)?);
        if let Some(db) = db_url {
            cmd.arg("--db").arg(db);
        }
        let child = cmd.spawn()?;
        Ok(Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
        })
    }

    async fn wait_ready(&mut self) -> anyhow::Result<()> {
        for _ in 0..400 {
            if let Some(status) = self.child.try_wait()? {
                anyhow::bail!("the server exited during start-up ({status})");
            }
            if let Ok(r) = reqwest::get(format!("{}/readyz", self.url)).await {
                if r.status().is_success() {
                    return Ok(());
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        anyhow::bail!("the server did not become ready within 20 seconds")
    }

    /// Resident memory in MiB, from `/proc` (Linux only).
    fn rss_mib(&self) -> Option<f64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
        let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib / 1024.0)
    }

    fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// SIGTERM and wait for the graceful shutdown; SIGKILL if it hangs.
    fn stop(mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        for _ in 0..100 {
            if !self.alive() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if self.alive() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Shared counters of the run.
#[derive(Default)]
struct Tally {
    operations: AtomicU64,
    refusals: AtomicU64,
    errors: AtomicU64,
    households: AtomicU64,
    by_kind: Mutex<HashMap<&'static str, u64>>,
    first_errors: Mutex<Vec<String>>,
}

impl Tally {
    fn done(&self, kind: &'static str) {
        self.operations.fetch_add(1, Ordering::Relaxed);
        *self
            .by_kind
            .lock()
            .expect("not poisoned")
            .entry(kind)
            .or_default() += 1;
    }

    fn error(&self, kind: &'static str, what: impl std::fmt::Display) {
        self.errors.fetch_add(1, Ordering::Relaxed);
        let mut first = self.first_errors.lock().expect("not poisoned");
        if first.len() < 10 {
            first.push(format!("{kind}: {what}"));
        }
    }
}

/// The people of the run.
#[derive(Clone)]
struct Cast {
    url: String,
    admin: Client,
    /// Holds a lasting read grant on `financien/*` in every household.
    coach: (Client, PrincipalId),
    /// Gets a grant on `algemeen/*` now and then, which is revoked at once.
    counsellor: (Client, PrincipalId),
    auditor: Client,
}

async fn enrol(
    url: &str,
    inviter: &Client,
    role: Role,
    name: &str,
) -> anyhow::Result<(Client, PrincipalId)> {
    let org = (role != Role::Client).then_some("Soak");
    let invite = inviter.invite(role, name, org).await?;
    let client = Client::new(url, Arc::new(Identity::generate(name)))?;
    let me = client.register(&invite.code).await?;
    Ok((client, me.principal_id))
}

/// Runs the soak; `progress(elapsed, operations, errors, rss_mib)` is called
/// at every sample.
pub async fn run(
    config: &SoakConfig,
    mut progress: impl FnMut(Duration, u64, u64, Option<f64>),
) -> anyhow::Result<SoakReport> {
    let dir = TempDir::new("soak")?;
    let data = dir.path().join("data");
    let mut server = ServerProcess::start(
        &data,
        config.db_url.as_deref(),
        &dir.path().join("server.log"),
    )?;
    server.wait_ready().await?;
    let url = server.url.clone();

    let admin = Client::new(&url, Arc::new(Identity::generate("Soak admin")))?;
    let code = std::fs::read_to_string(data.join("bootstrap-invite"))?;
    admin.register(code.trim()).await?;
    let cast = Cast {
        coach: enrol(&url, &admin, Role::Professional, "Coach").await?,
        counsellor: enrol(&url, &admin, Role::Professional, "Counsellor").await?,
        auditor: enrol(&url, &admin, Role::Auditor, "Auditor").await?.0,
        url,
        admin,
    };

    let tally = Arc::new(Tally::default());
    let start = Instant::now();
    let deadline = start + config.duration;
    let mut tasks = Vec::new();
    for n in 0..config.workers {
        let (cast, tally) = (cast.clone(), tally.clone());
        tasks.push(tokio::spawn(async move {
            if let Err(e) = owner(n, &cast, &tally, deadline).await {
                tally.error("set-up", e);
            }
        }));
    }
    let audit_state = dir.path().join("auditor-state.json");
    {
        let (auditor, tally, state) = (cast.auditor.clone(), tally.clone(), audit_state.clone());
        tasks.push(tokio::spawn(async move {
            auditor_loop(&auditor, &tally, &state, deadline).await
        }));
    }

    let mut samples = Vec::new();
    loop {
        let now = Instant::now();
        if !server.alive() {
            tally.error("server", "the server process exited");
            break;
        }
        let sample = Sample {
            seconds: start.elapsed().as_secs_f64(),
            rss_mib: server.rss_mib(),
            operations: tally.operations.load(Ordering::Relaxed),
            errors: tally.errors.load(Ordering::Relaxed),
        };
        progress(
            start.elapsed(),
            sample.operations,
            sample.errors,
            sample.rss_mib,
        );
        samples.push(sample);
        if now >= deadline {
            break;
        }
        tokio::time::sleep(config.sample_every.min(deadline - now)).await;
    }
    for t in tasks {
        if let Err(e) = t.await {
            tally.error("worker", e);
        }
    }
    let seconds = start.elapsed().as_secs_f64();

    // The whole log, replayed once more against the pinned state.
    let verified = match cast.auditor.audit_verify(&audit_state, |_, _| {}).await {
        Ok(v) => v.checkpoint.size,
        Err(e) => {
            tally.error("final verify", e);
            0
        }
    };
    server.stop();

    let (first, last, max) = memory_summary(&samples);
    let growth = match (first, last) {
        (Some(f), Some(l)) if f > 0.0 && config.duration >= MIN_JUDGED_RUN => Some(l / f - 1.0),
        _ => None,
    };
    let errors = tally.errors.load(Ordering::Relaxed);
    let report = SoakReport {
        seconds,
        operations: tally.operations.load(Ordering::Relaxed),
        operations_by_kind: tally.by_kind.lock().expect("not poisoned").clone(),
        expected_refusals: tally.refusals.load(Ordering::Relaxed),
        errors,
        first_errors: tally.first_errors.lock().expect("not poisoned").clone(),
        households: tally.households.load(Ordering::Relaxed),
        log_entries_verified: verified,
        rss_after_warm_up_mib: first,
        rss_end_mib: last,
        rss_max_mib: max,
        rss_growth: growth,
        passed: errors == 0 && verified > 0 && growth.is_none_or(|g| g < MAX_GROWTH),
        samples,
    };
    Ok(report)
}

/// Mean resident memory just after the warm-up and at the end: the first
/// quarter of the samples is the warm-up (caches and pools filling) and is
/// left out; the rest is split in halves and the mean of each half is
/// returned, with the maximum over the whole run.
fn memory_summary(samples: &[Sample]) -> (Option<f64>, Option<f64>, Option<f64>) {
    let rss: Vec<f64> = samples.iter().filter_map(|s| s.rss_mib).collect();
    let max = rss.iter().copied().reduce(f64::max);
    let steady = &rss[rss.len() / 4..];
    if steady.len() < 4 {
        return (None, None, max);
    }
    let half = steady.len() / 2;
    let mean = |xs: &[f64]| xs.iter().sum::<f64>() / xs.len() as f64;
    (
        Some(mean(&steady[..half])),
        Some(mean(&steady[steady.len() - half..])),
        max,
    )
}

/// One household owner's loop: makes a household, grants the coach, then
/// does the mix until the deadline, moving to a fresh household now and then.
async fn owner(n: usize, cast: &Cast, tally: &Tally, deadline: Instant) -> anyhow::Result<()> {
    let (me, _) = enrol(&cast.url, &cast.admin, Role::Client, &format!("Owner {n}")).await?;
    let mut rng = rand::rngs::StdRng::from_entropy();
    while Instant::now() < deadline {
        let mut home = Home::open(&me, cast).await?;
        tally.households.fetch_add(1, Ordering::Relaxed);
        for _ in 0..OPS_PER_HOUSEHOLD {
            if Instant::now() >= deadline {
                return Ok(());
            }
            let roll = rng.gen_range(0..100);
            home.step(roll, &mut rng, tally).await;
        }
    }
    Ok(())
}

/// One household during the run, with what was last acknowledged.
struct Home<'a> {
    me: &'a Client,
    cast: &'a Cast,
    h: HouseholdId,
    writes: u64,
    /// The field now being written and its last acknowledged content.
    current: FieldPath,
    last: Option<Vec<u8>>,
    observations: u64,
}

impl<'a> Home<'a> {
    async fn open(me: &'a Client, cast: &'a Cast) -> anyhow::Result<Self> {
        let h = me.create_household().await?;
        me.set_field(
            h,
            &FieldPath::parse("algemeen/doel")?,
            b"Rust in huis en de schulden op een rij",
        )
        .await?;
        me.grant(
            h,
            GrantRequest {
                grantee: cast.coach.1,
                scope: Scope::parse("financien/*")?,
                write: false,
                coordinate: false,
                purpose: Purpose::Schuldhulp,
                until_ms: None,
            },
        )
        .await?;
        Ok(Self {
            me,
            cast,
            h,
            writes: 0,
            current: FieldPath::parse("financien/situatie-0")?,
            last: None,
            observations: 0,
        })
    }

    async fn step(&mut self, roll: u32, rng: &mut impl Rng, tally: &Tally) {
        let kind = match roll {
            0..=29 => "write",
            30..=54 => "grantee read",
            55..=64 => "owner read",
            65..=69 => "list",
            70..=74 => "history",
            75..=79 => "access log",
            80..=84 => "observation",
            85..=92 => "refused read",
            _ => "grant cycle",
        };
        match self.do_step(kind, rng, tally).await {
            Ok(()) => tally.done(kind),
            Err(e) => tally.error(kind, e),
        }
    }

    async fn do_step(
        &mut self,
        kind: &'static str,
        rng: &mut impl Rng,
        tally: &Tally,
    ) -> anyhow::Result<()> {
        let h = self.h;
        match kind {
            "write" => {
                if self.writes > 0 && self.writes.is_multiple_of(WRITES_PER_FIELD) {
                    self.current =
                        FieldPath::parse(&format!("financien/situatie-{}", self.writes))?;
                    self.last = None;
                }
                let len = rng.gen_range(16..8000);
                let value: Vec<u8> = (0..len).map(|_| rng.gen_range(b'a'..=b'z')).collect();
                self.me.set_field(h, &self.current, &value).await?;
                self.writes += 1;
                self.last = Some(value);
            }
            "grantee read" | "owner read" => {
                let Some(expected) = &self.last else {
                    return Ok(());
                };
                let reader = if kind == "owner read" {
                    self.me
                } else {
                    &self.cast.coach.0
                };
                let got = reader.get_field(h, &self.current, None).await?;
                anyhow::ensure!(
                    got.value.as_slice() == expected.as_slice(),
                    "read version {} of {} but it is not what was last written",
                    got.version,
                    self.current
                );
            }
            "list" => {
                let fields = self.me.list_fields(h).await?;
                anyhow::ensure!(!fields.is_empty(), "the plan lists no fields");
            }
            "history" => {
                if self.last.is_some() {
                    let versions = self.me.field_history(h, &self.current).await?;
                    anyhow::ensure!(!versions.is_empty(), "no versions listed");
                }
            }
            "access log" => {
                self.me.access_log(h).await?;
            }
            "observation" => {
                // Observations are fields; keep well under the field limit.
                if self.observations < 100 {
                    let text = format!("Observatie {} bij huisbezoek", self.observations);
                    self.cast.coach.0.observe(h, text.as_bytes(), true).await?;
                    self.observations += 1;
                }
            }
            "refused read" => {
                let path = FieldPath::parse("algemeen/doel")?;
                refused(self.cast.coach.0.get_field(h, &path, None).await, tally)?;
            }
            _ => {
                // Grant the counsellor algemeen/*, read under it, revoke,
                // and the same read must now be refused.
                let (counsellor, id) = &self.cast.counsellor;
                let grant = self
                    .me
                    .grant(
                        h,
                        GrantRequest {
                            grantee: *id,
                            scope: Scope::parse("algemeen/*")?,
                            write: false,
                            coordinate: false,
                            purpose: Purpose::Wmo,
                            until_ms: None,
                        },
                    )
                    .await?;
                let path = FieldPath::parse("algemeen/doel")?;
                counsellor.get_field(h, &path, None).await?;
                self.me.revoke(h, grant.grant_id).await?;
                refused(counsellor.get_field(h, &path, None).await, tally)?;
            }
        }
        Ok(())
    }
}

/// A read that must be refused: 403 or 404 counts as the expected answer.
fn refused<T>(result: Result<T, ClientError>, tally: &Tally) -> anyhow::Result<()> {
    match result {
        Ok(_) => anyhow::bail!("a read outside every grant was answered"),
        Err(e) if matches!(e.status(), Some(403 | 404)) => {
            tally.refusals.fetch_add(1, Ordering::Relaxed);
            Ok(())
        }
        Err(e) => anyhow::bail!("expected a refusal, got: {e}"),
    }
}

/// The auditor: queries the log every few seconds and verifies it (only
/// the new part, against the pinned checkpoint) every half minute.
async fn auditor_loop(auditor: &Client, tally: &Tally, state: &Path, deadline: Instant) {
    let mut last_verify = Instant::now();
    while Instant::now() + Duration::from_secs(3) < deadline {
        tokio::time::sleep(Duration::from_secs(3)).await;
        match auditor
            .log_query_page(
                &LogFilter {
                    event: Some("field.read".into()),
                    ..LogFilter::default()
                },
                None,
                Some(100),
            )
            .await
        {
            Ok(_) => tally.done("audit query"),
            Err(e) => tally.error("audit query", e),
        }
        if last_verify.elapsed() >= Duration::from_secs(30) {
            last_verify = Instant::now();
            match auditor.audit_verify(state, |_, _| {}).await {
                Ok(_) => tally.done("audit verify"),
                Err(e) => tally.error("audit verify", e),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(rss: f64) -> Sample {
        Sample {
            seconds: 0.0,
            rss_mib: Some(rss),
            operations: 0,
            errors: 0,
        }
    }

    #[test]
    fn memory_summary_leaves_out_the_warm_up_and_compares_the_halves_after_it() {
        // 12 samples: the first 3 are the warm-up; then 5.0.. vs ..20.0.
        let s: Vec<Sample> = [
            1.0, 2.0, 3.0, 10.0, 10.0, 10.0, 11.0, 12.0, 20.0, 20.0, 20.0, 20.0,
        ]
        .into_iter()
        .map(sample)
        .collect();
        let (after_warm_up, end, max) = memory_summary(&s);
        assert_eq!(after_warm_up, Some(10.25));
        assert_eq!(end, Some(20.0));
        assert_eq!(max, Some(20.0));
    }

    #[test]
    fn too_few_samples_give_no_growth() {
        let s: Vec<Sample> = [5.0, 10.0, 11.0, 12.0].into_iter().map(sample).collect();
        assert_eq!(memory_summary(&s).0, None);
        assert_eq!(memory_summary(&s).2, Some(12.0));
    }
}
