//! `/readyz` tells the truth within a second: not ready while the database
//! cannot commit, with the reason, and ready again when it can, without a
//! restart. (Outages of PostgreSQL are in the fault suite, `tests/faults.rs`.)

mod common;

use std::time::{Duration, Instant};

use common::TestServer;

async fn readyz(url: &str) -> (u16, String, Duration) {
    let start = Instant::now();
    let r = reqwest::get(format!("{url}/readyz")).await.unwrap();
    let status = r.status().as_u16();
    let ctype = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = r.text().await.unwrap();
    if status != 200 {
        assert_eq!(ctype, "application/problem+json");
    }
    (status, body, start.elapsed())
}

#[tokio::test]
async fn readiness_follows_whether_the_database_can_commit() {
    let server = TestServer::spawn().await;
    let (status, _, took) = readyz(&server.url).await;
    assert_eq!(status, 200);
    assert!(took < Duration::from_secs(1));
    if server.backend != "sqlite" {
        eprintln!("readiness: the page-limit fault is SQLite's; PostgreSQL outages are in tests/faults.rs");
        return;
    }
    // Full: not a page left under the limit.
    let used: i64 = sqlx::query_scalar("SELECT page_count FROM pragma_page_count()")
        .fetch_one(server.store.pool())
        .await
        .unwrap();
    server.store.set_page_limit(used as u64);
    // The previous verdict may be reused for up to a second.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (status, body, took) = readyz(&server.url).await;
    assert_eq!(status, 503, "{body}");
    assert!(
        body.contains("not ready") && body.contains("full"),
        "{body}"
    );
    assert!(took < Duration::from_secs(1), "{took:?}");

    server.store.set_page_limit(1 << 30);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (status, body, _) = readyz(&server.url).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn liveness_does_not_depend_on_the_database() {
    let server = TestServer::spawn().await;
    server.store.pool().close().await;
    let r = reqwest::get(format!("{}/healthz", server.url))
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let (status, body, took) = readyz(&server.url).await;
    assert_eq!(status, 503, "{body}");
    assert!(took < Duration::from_secs(1), "{took:?}");
}

/// Field reads run on connections of their own (`store::read_lanes`), which
/// sqlx's pool does not ping. When the database closes them (a restart, an
/// administrator ending sessions), the next reads must still be answered:
/// a read whose idle connection turns out dead runs again on a new one.
/// PostgreSQL only: SQLite has no server to close a connection.
#[tokio::test]
async fn reads_survive_the_database_closing_their_connections() {
    let server = TestServer::spawn().await;
    if server.backend != "postgres" {
        eprintln!("skipped: PostgreSQL only (SQLite connections cannot be closed from outside)");
        return;
    }
    let admin = server.admin().await;
    let (anna, h, p) = anna_reading(&server, &admin).await;
    let read = || anna.client.get_field(h, &p, None);
    let db = server.db().await;
    let ended: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()) AS t",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert!(ended > 0, "no connection of the server was found to end");
    let (a, b, c, d) = tokio::join!(read(), read(), read(), read());
    for r in [a, b, c, d] {
        let value = r.expect("a read after its connection was closed").value;
        assert_eq!(&value[..], b"schuld 1200");
    }
    db.close().await;
    server.stop().await;
}

/// A database that stops answering on the connections kluis holds, without
/// closing them (a stalled server, a network path that drops everything):
/// no error ever comes on those connections, so only kluis's own time-outs
/// free them. The read lanes and the group-commit writer give such a
/// connection up after their wait and connect anew, so once new connections
/// work, reads are served again, each with its entry in a log that still
/// verifies. PostgreSQL only (SQLite has no connection to stall).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_recover_when_the_database_stops_answering_on_open_connections() {
    let admin_url = match std::env::var("KLUIS_TEST_DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => url,
        _ => {
            eprintln!("skipped: PostgreSQL only (SQLite has no connection to stall)");
            return;
        }
    };
    let upstream = reqwest::Url::parse(&admin_url).unwrap();
    let upstream = format!(
        "{}:{}",
        upstream.host_str().unwrap(),
        upstream.port().unwrap_or(5432)
    );
    let proxy = common::db_proxy::FreezingProxy::start(upstream).await;
    let proxy_addr = proxy.addr.clone();
    let server = TestServer::spawn_with(move |config| {
        let mut url = reqwest::Url::parse(config.db_url.as_deref().unwrap()).unwrap();
        let (host, port) = proxy_addr.split_once(':').unwrap();
        url.set_host(Some(host)).unwrap();
        url.set_port(Some(port.parse().unwrap())).unwrap();
        config.db_url = Some(url.to_string());
    })
    .await;
    let admin = server.admin().await;
    // Every lane and the writer now hold a connection through the proxy.
    let (anna, h, p) = anna_reading(&server, &admin).await;
    let auditor = server
        .enrol(
            &admin,
            kluis_vault::role::Role::Auditor,
            "Ada",
            Some("Gemeente"),
        )
        .await;
    let read = || anna.client.get_field(h, &p, None);
    proxy.freeze();
    let started = Instant::now();
    let mut refused = 0;
    let mut last = String::new();
    loop {
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "reads were still not served {:?} after the database stalled ({refused} refused, \
             the last with: {last})",
            started.elapsed()
        );
        match tokio::time::timeout(Duration::from_secs(40), read()).await {
            Ok(Ok(field)) => {
                assert_eq!(&field.value[..], b"schuld 1200");
                break;
            }
            Ok(Err(e)) => (refused, last) = (refused + 1, format!("{e:#}")),
            Err(_) => (refused, last) = (refused + 1, "no answer in 40 s".into()),
        }
        eprintln!("{:?}: {last}", started.elapsed());
    }
    assert!(refused > 0, "a read on a stalled connection was served");
    // The shared pool gives up each stalled idle connection when its
    // check-out ping times out (10 s), so other requests recover too.
    let dir = tempfile::tempdir().unwrap();
    loop {
        match auditor
            .client
            .audit_verify(&dir.path().join("s"), |_, _| {})
            .await
        {
            Ok(_) => break,
            Err(e) => assert!(
                started.elapsed() < Duration::from_secs(120),
                "the log could not be verified {:?} after the stall: {e:#}",
                started.elapsed()
            ),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    server.stop().await;
}

/// Anna, her household with one field, and four reads of it at once, so
/// that the read lanes and the log writer each hold a connection.
async fn anna_reading(
    server: &TestServer,
    admin: &common::User,
) -> (
    common::User,
    kluis_policy::HouseholdId,
    kluis_policy::FieldPath,
) {
    let anna = server
        .enrol(admin, kluis_vault::role::Role::Client, "Anna", None)
        .await;
    let h = anna.client.create_household().await.unwrap();
    let p = kluis_policy::FieldPath::parse("financien/situatie").unwrap();
    anna.client.set_field(h, &p, b"schuld 1200").await.unwrap();
    let read = || anna.client.get_field(h, &p, None);
    let (a, b, c, d) = tokio::join!(read(), read(), read(), read());
    for r in [a, b, c, d] {
        r.unwrap();
    }
    (anna, h, p)
}
