//! Passkey keystores over HTTP, against the real server on both databases:
//! store, list, the cap, fetch by lookup id without login (logged, named in
//! the household's history, rate-limited), remove, another person's id
//! refused, and hostile sizes and encodings refused as problems. The
//! browser side (WebAuthn PRF, opening the blob on the device, a tampered
//! blob refused by the device) is `web/test/e2e/passkeys.mjs`.

mod common;

use common::cli::{enrol_three, Kluis};
use common::TestServer;
use serde_json::{json, Value};

/// A blob shaped as the server accepts (version byte, nonce, tag and some
/// ciphertext), base64url. The server cannot tell more.
fn blob(seed: u8) -> String {
    use base64::Engine;
    let mut raw = vec![1u8];
    raw.extend(std::iter::repeat_n(seed, 12 + 16 + 64));
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
}

fn lookup(seed: u8) -> String {
    hex::encode([seed; 32])
}

fn credential(seed: u8) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode([seed; 32])
}

fn add_body(seed: u8, label: &str) -> Value {
    json!({"lookup_id": lookup(seed), "credential_id": credential(seed), "label": label, "blob": blob(seed)})
}

async fn send(
    method: reqwest::Method,
    url: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, String, Value) {
    let mut r = reqwest::Client::new().request(method, url);
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    if let Some(b) = body {
        r = r.json(&b);
    }
    let r = r.send().await.unwrap();
    let status = r.status().as_u16();
    let kind = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = r.json::<Value>().await.unwrap_or(Value::Null);
    (status, kind, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passkeys_are_stored_listed_fetched_with_a_log_entry_and_removed() {
    let server = TestServer::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let k = Kluis::new(&server.url);
    let e = enrol_three(&k, &server, &dir);
    let (anna, anna_id) = (&e.client.0, e.client.1.to_string());
    let (auditor, _) = k.enrol(&dir, &e.admin.0, "auditor", "Privacy", Some("Gemeente"));
    let h = k.with(anna, &["household", "create"]).value().to_owned();
    let token = k.with(anna, &["login"]).value().to_owned();
    let pro_token = k.with(&e.pro.0, &["login"]).value().to_owned();
    let url = |p: &str| format!("{}/v1/passkeys{p}", server.url);

    // Without a login: refused.
    let (status, kind, _) =
        send(reqwest::Method::PUT, &url(""), None, Some(add_body(1, "x"))).await;
    assert_eq!((status, kind.as_str()), (401, "application/problem+json"));

    // Anna adds two passkeys; the label is cleaned.
    let (status, _, added) = send(
        reqwest::Method::PUT,
        &url(""),
        Some(&token),
        Some(add_body(1, "  Telefoon\u{202E} van   Anna ")),
    )
    .await;
    assert_eq!(status, 200, "{added}");
    let phone = added["id"].as_str().unwrap().to_owned();
    let (status, _, added) = send(
        reqwest::Method::PUT,
        &url(""),
        Some(&token),
        Some(add_body(2, "Laptop")),
    )
    .await;
    assert_eq!(status, 200, "{added}");
    let laptop = added["id"].as_str().unwrap().to_owned();

    // Her list: both, with their credential ids, never a blob.
    let (status, _, list) = send(reqwest::Method::GET, &url(""), Some(&token), None).await;
    assert_eq!(status, 200);
    let items = list["passkeys"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{list}");
    assert_eq!(items[0]["label"], "Telefoon van Anna");
    assert_eq!(items[0]["credential_id"], credential(1).as_str());
    assert!(items[0]["last_used_at"].is_null());
    assert!(!list.to_string().contains(&blob(1)));
    // Piet sees none of hers.
    let (_, _, theirs) = send(reqwest::Method::GET, &url(""), Some(&pro_token), None).await;
    assert_eq!(theirs["passkeys"], json!([]));

    // Someone else's lookup id is not stored again (409), by her or Piet.
    let (status, kind, _) = send(
        reqwest::Method::PUT,
        &url(""),
        Some(&pro_token),
        Some(add_body(1, "mine")),
    )
    .await;
    assert_eq!((status, kind.as_str()), (409, "application/problem+json"));

    // Fetch without login: the blob, whose it is, and which passkey.
    let (status, _, got) = send(
        reqwest::Method::POST,
        &url("/fetch"),
        None,
        Some(json!({"lookup_id": lookup(1)})),
    )
    .await;
    assert_eq!(status, 200, "{got}");
    assert_eq!(got["blob"], blob(1).as_str());
    assert_eq!(got["principal_id"], anna_id.as_str());
    assert_eq!(got["id"], phone.as_str());
    // Sent with an Idempotency-Key, the answer (the blob) is not kept as a
    // stored answer, while a write's answer is (so the scan sees the table).
    let http = reqwest::Client::new();
    let r = http
        .post(url("/fetch"))
        .header("Idempotency-Key", "fetch-once-1")
        .json(&json!({"lookup_id": lookup(1)}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let r = http
        .put(url(""))
        .bearer_auth(&token)
        .header("Idempotency-Key", "add-once-1")
        .json(&add_body(4, "Tablet"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let tablet = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let db = server.db().await;
    let bodies: Vec<(Vec<u8>,)> = sqlx::query_as("SELECT body FROM idempotency_keys")
        .fetch_all(&db)
        .await
        .unwrap();
    assert!(!bodies.is_empty(), "the scan sees stored answers");
    for (body,) in &bodies {
        assert!(
            !common::contains(body, blob(1).as_bytes()),
            "a stored answer holds the blob"
        );
    }
    db.close().await;
    let (status, _, _) = send(
        reqwest::Method::DELETE,
        &url(&format!("/{tablet}")),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(status, 200);

    // Its use shows in the list.
    let (_, _, list) = send(reqwest::Method::GET, &url(""), Some(&token), None).await;
    assert!(list["passkeys"][0]["last_used_at"].is_string(), "{list}");
    // A lookup id nobody has: 404, logged with nobody named.
    let (status, kind, _) = send(
        reqwest::Method::POST,
        &url("/fetch"),
        None,
        Some(json!({"lookup_id": lookup(9)})),
    )
    .await;
    assert_eq!((status, kind.as_str()), (404, "application/problem+json"));

    // Piet cannot remove Anna's passkey: 404 (as for an id nobody has),
    // logged, and it stays.
    let (status, _, _) = send(
        reqwest::Method::DELETE,
        &url(&format!("/{phone}")),
        Some(&pro_token),
        None,
    )
    .await;
    assert_eq!(status, 404);
    let (status, _, _) = send(
        reqwest::Method::DELETE,
        &url("/0123456789abcdef01234567"),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(status, 404);
    let (status, _, _) = send(
        reqwest::Method::DELETE,
        &url("/..%2Fetc"),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(status, 400);
    // Anna sees both with the CLI and removes her laptop's: gone from the
    // list, its blob no longer served.
    let listed = k.with(anna, &["passkeys"]).text().to_owned();
    assert!(
        listed.contains(&phone)
            && listed.contains("Telefoon van Anna")
            && listed.contains("Laptop"),
        "{listed}"
    );
    let bad = k.with(anna, &["passkeys", "remove", "../x"]);
    assert!(bad.failure().contains("24 lowercase hex digits"), "{bad:?}");
    let removed = k
        .with(anna, &["passkeys", "remove", &laptop])
        .text()
        .to_owned();
    assert!(removed.contains("no longer unlocks"), "{removed}");
    let (_, _, list) = send(reqwest::Method::GET, &url(""), Some(&token), None).await;
    assert_eq!(list["passkeys"].as_array().unwrap().len(), 1);
    let (status, _, _) = send(
        reqwest::Method::POST,
        &url("/fetch"),
        None,
        Some(json!({"lookup_id": lookup(2)})),
    )
    .await;
    assert_eq!(status, 404);

    // Her household sees it all in its history, in sentences.
    let history = k.with(anna, &["access-log", &h]).text().to_owned();
    for line in [
        "added a passkey that unlocks their keys",
        "used a passkey of Anna to unlock the keys on a device — allowed",
        "removed one of their passkeys",
    ] {
        assert!(history.contains(line), "{line:?} not in {history}");
    }
    // The auditor: each event with Anna as subject; the refused ones too.
    for (event, allowed, denied) in [
        ("principal.passkey-add", 3, 0),
        ("principal.passkey-use", 2, 2),
        ("principal.passkey-remove", 2, 2),
    ] {
        let log = k
            .with(
                auditor.as_path(),
                &["--json", "audit", "query", "--event", event],
            )
            .json();
        let entries = log["entries"].as_array().unwrap();
        let count = |o: &str| entries.iter().filter(|x| x["outcome"] == o).count();
        assert_eq!(
            (count("allowed"), count("denied")),
            (allowed, denied),
            "{event}: {log}"
        );
        if event == "principal.passkey-use" {
            let ok = entries.iter().find(|x| x["outcome"] == "allowed").unwrap();
            assert!(
                ok["actor"].is_null() && ok["fields"] == json!([anna_id]),
                "{ok}"
            );
        }
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cap_hostile_bodies_and_fast_fetches_are_refused() {
    let server = TestServer::spawn_with(|c| c.limits.refusals_per_minute = 4).await;
    let dir = tempfile::tempdir().unwrap();
    let k = Kluis::new(&server.url);
    let e = enrol_three(&k, &server, &dir);
    let token = k.with(&e.client.0, &["login"]).value().to_owned();
    let url = |p: &str| format!("{}/v1/passkeys{p}", server.url);

    // Hostile bodies: each a 400 problem, nothing stored.
    let long_label = "x".repeat(61);
    let hostile = [
        json!({"lookup_id": "../../etc/passwd", "credential_id": credential(3), "label": "a", "blob": blob(3)}),
        json!({"lookup_id": "AB".repeat(32), "credential_id": credential(3), "label": "a", "blob": blob(3)}),
        json!({"lookup_id": lookup(3), "credential_id": "abc", "label": "a", "blob": blob(3)}),
        json!({"lookup_id": lookup(3), "credential_id": "A".repeat(1365), "label": "a", "blob": blob(3)}),
        json!({"lookup_id": lookup(3), "credential_id": "AAAA+/AAAAAAAAAAAAAAAAAAAA==", "label": "a", "blob": blob(3)}),
        json!({"lookup_id": lookup(3), "credential_id": credential(3), "label": "", "blob": blob(3)}),
        json!({"lookup_id": lookup(3), "credential_id": credential(3), "label": "\u{200B}\u{202E}", "blob": blob(3)}),
        json!({"lookup_id": lookup(3), "credential_id": credential(3), "label": long_label, "blob": blob(3)}),
        json!({"lookup_id": lookup(3), "credential_id": credential(3), "label": "a", "blob": "A".repeat(4097)}),
        json!({"lookup_id": lookup(3), "credential_id": credential(3), "label": "a", "blob": "not base64!"}),
        json!({"lookup_id": lookup(3), "credential_id": credential(3), "label": "a", "blob": "AgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}),
        json!({"lookup_id": lookup(3), "credential_id": credential(3), "label": "a", "blob": blob(3), "prf": "x"}),
        json!({"lookup_id": lookup(3), "label": "a", "blob": blob(3)}),
    ];
    for body in hostile {
        let (status, kind, problem) = send(
            reqwest::Method::PUT,
            &url(""),
            Some(&token),
            Some(body.clone()),
        )
        .await;
        assert_eq!(
            (status, kind.as_str()),
            (400, "application/problem+json"),
            "{body} -> {problem}"
        );
    }
    let (_, _, list) = send(reqwest::Method::GET, &url(""), Some(&token), None).await;
    assert_eq!(list["passkeys"], json!([]));

    // The cap: ten, then 409 with a reason.
    for seed in 10..20 {
        let (status, _, body) = send(
            reqwest::Method::PUT,
            &url(""),
            Some(&token),
            Some(add_body(seed, &format!("sleutel {seed}"))),
        )
        .await;
        assert_eq!(status, 200, "{body}");
    }
    let (status, kind, problem) = send(
        reqwest::Method::PUT,
        &url(""),
        Some(&token),
        Some(add_body(20, "one too many")),
    )
    .await;
    assert_eq!((status, kind.as_str()), (409, "application/problem+json"));
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("remove one first"),
        "{problem}"
    );

    // Hostile fetches are problems too.
    for body in [
        json!({"lookup_id": "nope"}),
        json!({"lookup": lookup(10)}),
        json!([]),
    ] {
        let (status, kind, _) = send(reqwest::Method::POST, &url("/fetch"), None, Some(body)).await;
        assert_eq!((status, kind.as_str()), (400, "application/problem+json"));
    }

    // Fetching quickly, found or not, from one address: 429 with
    // Retry-After within a few tries, and then even the right id waits.
    let http = reqwest::Client::new();
    let mut limited = None;
    for seed in 100..120u8 {
        let r = http
            .post(url("/fetch"))
            .json(&json!({"lookup_id": lookup(seed)}))
            .send()
            .await
            .unwrap();
        if r.status().as_u16() == 429 {
            limited = Some(r);
            break;
        }
        assert_eq!(r.status().as_u16(), 404);
    }
    let limited = limited.expect("rate-limited within 20 fetches");
    assert!(limited.headers().contains_key("retry-after"));
    let (status, _, _) = send(
        reqwest::Method::POST,
        &url("/fetch"),
        None,
        Some(json!({"lookup_id": lookup(10)})),
    )
    .await;
    assert_eq!(status, 429);
    server.stop().await;
}
