//! Malformed, oversized and out-of-range requests get problem+json errors.

mod common;

use common::TestServer;
use kluis_vault::keys::Identity;
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
