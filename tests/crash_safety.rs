//! Crash safety: the real server under mixed load, killed with SIGKILL at
//! random moments and restarted, many times. Every write acknowledged before
//! a kill is there afterwards, every acknowledged read has its log entry,
//! and the log verifies.

mod common;

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use kluis_policy::FieldPath;
use kluis_vault::client::{Client, LogFilter};
use kluis_vault::keys::Identity;
use kluis_vault::role::Role;
use tokio::sync::Mutex;

struct Server {
    child: Child,
}

fn start(data: &std::path::Path, port: u16, db: Option<&str>) -> Server {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kluis"));
    cmd.arg("serve")
        .arg("--data-dir")
        .arg(data)
        .arg("--listen")
        .arg(format!("127.0.0.1:{port}"));
    if let Some(db) = db {
        cmd.arg("--db").arg(db);
    }
    let child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start kluis serve");
    Server { child }
}

async fn wait_ready(url: &str) {
    for _ in 0..200 {
        if let Ok(r) = reqwest::get(format!("{url}/readyz")).await {
            if r.status().is_success() {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the server did not become ready");
}

impl Server {
    fn kill(mut self) {
        // SIGKILL: no graceful shutdown, no flushing.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[derive(Default)]
struct Acked {
    /// (path, version, content) of every acknowledged write.
    writes: Vec<(FieldPath, i64, Vec<u8>)>,
    reads: usize,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kills_lose_no_acknowledged_write_and_no_read_goes_unlogged() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let db = match std::env::var("KLUIS_TEST_DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => {
            Some(common::fresh_database_url(dir.path()).await.0)
        }
        _ => None,
    };
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let mut server = start(&data, port, db.as_deref());
    wait_ready(&url).await;

    let admin = Client::new(&url, Arc::new(Identity::generate("Admin"))).unwrap();
    admin
        .register(
            std::fs::read_to_string(data.join("bootstrap-invite"))
                .unwrap()
                .trim(),
        )
        .await
        .unwrap();
    let enrol = |role: Role, name: &'static str, org: Option<&'static str>| {
        let (admin, url) = (admin.clone(), url.clone());
        async move {
            let code = admin.invite(role, name, org).await.unwrap().code;
            let c = Client::new(&url, Arc::new(Identity::generate(name))).unwrap();
            c.register(&code).await.unwrap();
            c
        }
    };
    let anna = enrol(Role::Client, "Anna", None).await;
    let auditor = enrol(Role::Auditor, "Ada", Some("Gemeente")).await;
    let h = anna.create_household().await.unwrap();

    let acked = Arc::new(Mutex::new(Acked::default()));
    let rounds = 8;
    for round in 0..rounds {
        let mut tasks = Vec::new();
        for worker in 0..3 {
            let (c, acked) = (anna.clone(), acked.clone());
            tasks.push(tokio::spawn(async move {
                let path = FieldPath::parse(&format!("algemeen/veld-{worker}")).unwrap();
                for i in 0.. {
                    let content = format!("ronde {round} werker {worker} nummer {i}").into_bytes();
                    match c.set_field(h, &path, &content).await {
                        Ok(w) => acked
                            .lock()
                            .await
                            .writes
                            .push((path.clone(), w.version, content)),
                        Err(e) if e.status() == Some(409) => {}
                        Err(_) => return,
                    }
                    match c.get_field(h, &path, None).await {
                        Ok(_) => acked.lock().await.reads += 1,
                        Err(_) => return,
                    }
                }
            }));
        }
        let delay = 150 + (rand::random::<u64>() % 500);
        tokio::time::sleep(Duration::from_millis(delay)).await;
        server.kill();
        for t in tasks {
            let _ = tokio::time::timeout(Duration::from_secs(30), t).await;
        }
        server = start(&data, port, db.as_deref());
        wait_ready(&url).await;
    }

    let acked = acked.lock().await;
    assert!(
        acked.writes.len() >= rounds,
        "the load did work: {} writes",
        acked.writes.len()
    );
    for (path, version, content) in &acked.writes {
        let got = anna
            .get_field(h, path, Some(*version))
            .await
            .unwrap_or_else(|e| panic!("{path} v{version} lost: {e}"));
        assert_eq!(&got.value[..], &content[..], "{path} v{version}");
    }
    let reads = auditor
        .log_query(&LogFilter {
            household: Some(h),
            event: Some("field.read".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let allowed = reads
        .iter()
        .filter(|e| e.entry.outcome == kluis_audit::Outcome::Allowed)
        .count();
    // Every acknowledged read has its entry; the reads just made to check
    // the writes add theirs too.
    assert!(
        allowed >= acked.reads + acked.writes.len(),
        "{allowed} read entries for {} acknowledged reads",
        acked.reads
    );
    let state = dir.path().join("audit-state");
    auditor
        .audit_verify(&state, |_, _| {})
        .await
        .expect("the log verifies after the crashes");
    server.kill();
}
