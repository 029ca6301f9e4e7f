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
    let anna = server
        .enrol(&admin, kluis_vault::role::Role::Client, "Anna", None)
        .await;
    let h = anna.client.create_household().await.unwrap();
    let p = kluis_policy::FieldPath::parse("financien/situatie").unwrap();
    anna.client.set_field(h, &p, b"schuld 1200").await.unwrap();
    let read = || anna.client.get_field(h, &p, None);
    // Several reads at once, so that several lanes hold a connection.
    let (a, b, c, d) = tokio::join!(read(), read(), read(), read());
    for r in [a, b, c, d] {
        r.unwrap();
    }
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
