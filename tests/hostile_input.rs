//! Malformed, oversized and out-of-range requests get problem+json errors.

mod common;

use common::TestServer;
use kluis_vault::keys::Identity;
use kluis_vault::role::Role;
use reqwest::Method;
use serde_json::Value;

async fn send(
    server: &TestServer,
    method: Method,
    path: &str,
    bearer: Option<&str>,
    ctype: &str,
    body: Vec<u8>,
) -> (u16, Value) {
    let client = server.client_for(Identity::generate("raw"));
    let (status, got_type, bytes) = client
        .http()
        .raw(method, path, bearer, ctype, body)
        .await
        .unwrap();
    assert_eq!(
        got_type, "application/problem+json",
        "status {status} for {path}"
    );
    let v: Value = serde_json::from_slice(&bytes).expect("problem body is JSON");
    assert_eq!(v["status"].as_u64(), Some(status as u64));
    assert!(v["title"].is_string() && v["detail"].is_string());
    (status, v)
}

fn kind(v: &Value) -> &str {
    v["type"]
        .as_str()
        .unwrap()
        .trim_start_matches("urn:kluis:problem:")
}

#[tokio::test]
async fn malformed_json_is_a_bad_request() {
    let server = TestServer::spawn().await;
    for body in [
        &b"{not json"[..],
        b"[]",
        b"{\"invite\": 5}",
        b"{\"invite\":\"x\",\"keys\":{}}",
        b"\xff\xfe",
    ] {
        let (status, v) = send(
            &server,
            Method::POST,
            "/v1/register",
            None,
            "application/json",
            body.to_vec(),
        )
        .await;
        assert_eq!(
            (status, kind(&v)),
            (400, "malformed-request"),
            "{:?}",
            String::from_utf8_lossy(body)
        );
    }
    let (status, v) = send(
        &server,
        Method::POST,
        "/v1/register",
        None,
        "text/plain",
        b"{}".to_vec(),
    )
    .await;
    assert_eq!((status, kind(&v)), (400, "malformed-request"));
    server.stop().await;
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let server = TestServer::spawn_with(|c| c.limits.body_bytes = 64 * 1024).await;
    let mut big = b"{\"invite\":\"".to_vec();
    big.extend(std::iter::repeat_n(b'a', 100 * 1024));
    big.extend(b"\"}");
    let (status, v) = send(
        &server,
        Method::POST,
        "/v1/register",
        None,
        "application/json",
        big,
    )
    .await;
    assert_eq!((status, kind(&v)), (413, "payload-too-large"));
    // The server still works afterwards.
    let admin = server.admin().await;
    admin.client.whoami().await.unwrap();
    server.stop().await;
}

#[tokio::test]
async fn unknown_and_malformed_ids_are_told_apart() {
    let server = TestServer::spawn().await;
    let admin = server.admin().await;
    admin.client.whoami().await.unwrap();
    let token = admin.client.http().current_token().await.unwrap();
    let (status, v) = send(
        &server,
        Method::GET,
        "/v1/principals/p-00000000000000000000000000000000",
        Some(&token),
        "application/json",
        vec![],
    )
    .await;
    assert_eq!((status, kind(&v)), (404, "not-found"));
    for bad in [
        "p-1",
        "h-00000000000000000000000000000000",
        "p-0000000000000000000000000000000G",
        "%27%20OR%201=1",
    ] {
        let (status, v) = send(
            &server,
            Method::GET,
            &format!("/v1/principals/{bad}"),
            Some(&token),
            "application/json",
            vec![],
        )
        .await;
        assert_eq!((status, kind(&v)), (400, "malformed-id"), "{bad}");
    }
    server.stop().await;
}

#[tokio::test]
async fn unknown_routes_and_methods_are_problems_too() {
    let server = TestServer::spawn().await;
    let (status, v) = send(
        &server,
        Method::GET,
        "/v1/nothing-here",
        None,
        "application/json",
        vec![],
    )
    .await;
    assert_eq!((status, kind(&v)), (404, "not-found"));
    let (status, v) = send(
        &server,
        Method::DELETE,
        "/v1/register",
        None,
        "application/json",
        vec![],
    )
    .await;
    assert_eq!((status, kind(&v)), (405, "method-not-allowed"));
    server.stop().await;
}

#[tokio::test]
async fn a_request_that_takes_too_long_is_stopped_with_a_problem() {
    let server = TestServer::spawn_with(|c| {
        c.limits.request_timeout = std::time::Duration::from_millis(300)
    })
    .await;
    // Hold a lock the registration needs, so the request surely outlasts
    // the timeout (SQLite: the write lock; PostgreSQL: the invites table).
    let db = server.db().await;
    let mut blocker = db.begin().await.unwrap();
    let lock = if server.backend == "sqlite" {
        "UPDATE log_head SET size = size WHERE id = 1"
    } else {
        "LOCK TABLE invites IN ACCESS EXCLUSIVE MODE"
    };
    sqlx::query(lock).execute(&mut *blocker).await.unwrap();
    let keys = Identity::generate("slow").public();
    let body = serde_json::json!({"invite": "kluis-x", "keys": keys})
        .to_string()
        .into_bytes();
    let (status, v) = send(
        &server,
        Method::POST,
        "/v1/register",
        None,
        "application/json",
        body,
    )
    .await;
    assert_eq!((status, kind(&v)), (503, "timeout"));
    blocker.rollback().await.unwrap();
    db.close().await;
    // Once the lock is gone the same request is answered normally.
    let keys = Identity::generate("slow").public();
    let body = serde_json::json!({"invite": "kluis-x", "keys": keys})
        .to_string()
        .into_bytes();
    let (status, v) = send(
        &server,
        Method::POST,
        "/v1/register",
        None,
        "application/json",
        body,
    )
    .await;
    assert_eq!((status, kind(&v)), (403, "invite-invalid"));
    server.stop().await;
}

#[tokio::test]
async fn refusals_are_rate_limited_per_person() {
    use kluis_policy::FieldPath;
    let server = TestServer::spawn_with(|c| c.limits.refusals_per_minute = 3).await;
    let admin = server.admin().await;
    let pro = server
        .enrol(&admin, Role::Professional, "Piet", Some("Wijkteam"))
        .await;
    let anna = server.enrol(&pro, Role::Client, "Anna", None).await;
    let outsider = server
        .enrol(&admin, Role::Professional, "Mallory", Some("Elders"))
        .await;
    let h = anna.client.create_household().await.unwrap();
    let p = FieldPath::parse("financien/situatie").unwrap();
    anna.client.set_field(h, &p, b"schuld").await.unwrap();

    let token = outsider.client.login_token().await.unwrap().token;
    let http = reqwest::Client::new();
    let url = format!("{}/v1/households/{h}/fields/{p}", server.url);
    let mut statuses = Vec::new();
    let mut limited = None;
    for _ in 0..5 {
        let r = http.get(&url).bearer_auth(&token).send().await.unwrap();
        statuses.push(r.status().as_u16());
        if r.status().as_u16() == 429 {
            limited = Some(r);
        }
    }
    assert_eq!(statuses, vec![404, 404, 404, 429, 429]);
    let r = limited.unwrap();
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    assert_eq!(
        r.headers()["content-type"].to_str().unwrap(),
        "application/problem+json"
    );
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["type"], "urn:kluis:problem:too-many-refusals");
    // Only the refusals within the limit are in the household's history.
    let history = anna.client.access_log(h).await.unwrap();
    let logged = history
        .iter()
        .filter(|e| e.actor.as_deref() == Some(&outsider.id.to_string()))
        .count();
    assert_eq!(logged, 3);
    // Someone else is not affected.
    anna.client.get_field(h, &p, None).await.unwrap();
}
