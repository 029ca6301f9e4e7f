//! A person's sessions, one by one, through the real server and binary:
//! list them (device, since, last use, this one marked), end one (its
//! token is refused at once, the others keep working), end all, an
//! administrator doing the same for someone who lost a phone, a
//! non-administrator refused (logged), another person's session id
//! unknown to me (404, logged), last use written at most once a minute,
//! and device labels that a hostile User-Agent cannot fill with its text.

mod common;

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use common::cli::{enrol_three, Kluis, PASSPHRASE};
use common::TestServer;
use kluis_vault::keys::Keystore;
use kluis_vault::wire::auth::{challenge_message, origin_of};
use serde_json::{json, Value};

fn http() -> reqwest::Client {
    reqwest::Client::new()
}

/// `GET /v1/whoami` with `token`: its status.
async fn status_of(url: &str, token: &str) -> u16 {
    http()
        .get(format!("{url}/v1/whoami"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Log in over HTTP as the keystore's person, as a browser or another tool
/// would, with this User-Agent and device label; the bearer token.
async fn login_as(url: &str, keystore: &std::path::Path, ua: &str, device: Option<&str>) -> String {
    let me = Keystore::open(keystore, PASSPHRASE).unwrap();
    let c: Value = http()
        .post(format!("{url}/v1/auth/challenge"))
        .header("user-agent", ua)
        .json(&json!({ "signing_key": me.public().signing_key }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let origin = origin_of(url).unwrap();
    let (id, nonce) = (
        c["challenge_id"].as_str().unwrap(),
        c["nonce"].as_str().unwrap(),
    );
    let signature = B64.encode(me.sign(&challenge_message(&origin, id, nonce)));
    let mut body = json!({ "challenge_id": id, "origin": origin, "signature": signature });
    if let Some(d) = device {
        body["device"] = json!(d);
    }
    let r = http()
        .post(format!("{url}/v1/auth/token"))
        .header("user-agent", ua)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    r.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// `GET path` with `token`: status and body.
async fn get(url: &str, token: &str, path: &str) -> (u16, Value) {
    let r = http()
        .get(format!("{url}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// `DELETE path` with `token`: status and body.
async fn delete(url: &str, token: &str, path: &str) -> (u16, Value) {
    let r = http()
        .delete(format!("{url}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn sessions(v: &Value) -> &Vec<Value> {
    v["sessions"].as_array().expect("a list of sessions")
}

/// The session of `list` whose device is `device`.
fn by_device<'a>(list: &'a Value, device: &str) -> &'a Value {
    sessions(list)
        .iter()
        .find(|s| s["device"] == device)
        .unwrap_or_else(|| panic!("no session on {device}: {list}"))
}

const CHROMIUM: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_see_and_end_their_sessions_one_by_one() {
    let server = TestServer::spawn().await;
    let url = server.url.clone();
    let dir = tempfile::tempdir().unwrap();
    let k = Kluis::new(&url);
    let e = enrol_three(&k, &server, &dir);
    let (admin, pro, anna) = (&e.admin.0, &e.pro.0, &e.client.0);
    let anna_id = e.client.1.to_string();
    let (auditor, _) = k.enrol(&dir, admin, "auditor", "Privacy", Some("Gemeente"));
    let h = k.with(anna, &["household", "create"]).value().to_owned();

    // Anna on her laptop, on her phone (a label of her own), and a token
    // from `kluis login` for her own tools.
    let laptop = login_as(&url, anna, CHROMIUM, None).await;
    let phone = login_as(&url, anna, CHROMIUM, Some("Telefoon van Anna")).await;
    let cli = k.with(anna, &["login"]).value().to_owned();

    // Her list: each device in plain words, the asking one marked, and no
    // token or hash anywhere in it.
    let (status, list) = get(&url, &laptop, "/v1/sessions").await;
    assert_eq!(status, 200, "{list}");
    let mine = by_device(&list, "Chrome op Linux");
    assert_eq!(mine["current"], true, "{list}");
    assert!(mine["created_at"].is_string() && mine["last_used_at"].is_string());
    assert_eq!(by_device(&list, "Telefoon van Anna")["current"], false);
    assert!(by_device(&list, "kluis CLI 0.1")["id"].is_string());
    let text = list.to_string();
    for token in [&laptop, &phone, &cli] {
        assert!(!text.contains(token.as_str()), "{text}");
    }
    let db = server.db().await;
    let hashes: Vec<(Vec<u8>,)> = sqlx::query_as("SELECT hash FROM tokens")
        .fetch_all(&db)
        .await
        .unwrap();
    for (hash,) in &hashes {
        assert!(!text.contains(&hex::encode(hash)) && !text.contains(&B64.encode(hash)));
    }
    let phone_id = by_device(&list, "Telefoon van Anna")["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // The CLI lists them too, the one it used marked.
    let listed = k.with(anna, &["sessions"]).text().to_owned();
    assert!(listed.contains("Telefoon van Anna"), "{listed}");
    assert!(listed.contains("(this command)"), "{listed}");
    assert_eq!(
        k.with(anna, &["--json", "sessions"]).json()["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["current"] == true)
            .count(),
        1
    );

    // Someone else cannot see or end her sessions: a made-up or someone
    // else's id is simply not one of theirs (404, logged).
    let pro_token = k.with(pro, &["login"]).value().to_owned();
    let (status, _) = delete(&url, &pro_token, &format!("/v1/sessions/{phone_id}")).await;
    assert_eq!(status, 404);
    let line = k
        .with(pro, &["sessions", "end", &phone_id])
        .failure()
        .to_owned();
    assert!(line.contains("no live session"), "{line}");
    assert_eq!(status_of(&url, &phone).await, 200);
    let (status, v) = get(
        &url,
        &pro_token,
        &format!("/v1/principals/{anna_id}/sessions"),
    )
    .await;
    assert_eq!(status, 403, "{v}");
    // A non-administrator cannot end her session through the person either
    // (refused and logged in her household's history).
    let refused = k.with(
        pro,
        &["person", "sign-out", &anna_id, "--session", &phone_id],
    );
    assert!(
        refused.failure().contains("only administrators"),
        "{refused:?}"
    );
    assert_eq!(status_of(&url, &phone).await, 200);
    // Nothing but a session id gets into the path.
    let bad = k.with(anna, &["sessions", "end", "../whoami"]);
    assert!(bad.failure().contains("24 lowercase hex"), "{bad:?}");
    let (status, v) = delete(&url, &laptop, "/v1/sessions/NOT-AN-ID").await;
    assert_eq!(
        (status, v["type"].as_str()),
        (400, Some("urn:kluis:problem:malformed-request"))
    );

    // She ends her phone's session from the laptop: that token is refused
    // at once, the others keep working.
    let (status, v) = delete(&url, &laptop, &format!("/v1/sessions/{phone_id}")).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["id"], phone_id.as_str());
    assert_eq!(status_of(&url, &phone).await, 401);
    assert_eq!(status_of(&url, &laptop).await, 200);
    assert_eq!(status_of(&url, &cli).await, 200);
    // Twice is not found.
    let (status, _) = delete(&url, &laptop, &format!("/v1/sessions/{phone_id}")).await;
    assert_eq!(status, 404);

    // The CLI ends the laptop's session: the browser's token is useless.
    let (_, list) = get(&url, &cli, "/v1/sessions").await;
    let laptop_id = by_device(&list, "Chrome op Linux")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let done = k.with(anna, &["sessions", "end", &laptop_id]);
    assert!(done.text().starts_with("Ended session"), "{done:?}");
    assert_eq!(status_of(&url, &laptop).await, 401);
    assert_eq!(status_of(&url, &cli).await, 200);

    // An administrator sees her sessions and ends one of them.
    let tablet = login_as(
        &url,
        anna,
        "Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) Safari/604.1",
        None,
    )
    .await;
    let seen = k
        .with(admin, &["--json", "person", "sessions", &anna_id])
        .json();
    let tablet_id = by_device(&seen, "Safari op iPad")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        sessions(&seen).iter().all(|s| s["current"] == false),
        "{seen}"
    );
    let text = k
        .with(admin, &["person", "sessions", &anna_id])
        .text()
        .to_owned();
    assert!(text.contains("Safari op iPad"), "{text}");
    let done = k.with(
        admin,
        &["person", "sign-out", &anna_id, "--session", &tablet_id],
    );
    assert!(done.text().contains(&tablet_id), "{done:?}");
    assert_eq!(status_of(&url, &tablet).await, 401);
    assert_eq!(status_of(&url, &cli).await, 200);
    // ... and all of them (kept as it was).
    let done = k.with(admin, &["person", "sign-out", &anna_id]);
    assert!(done.text().contains("of Anna"), "{done:?}");
    assert_eq!(status_of(&url, &cli).await, 401);

    // Her household's history tells her each of these in a plain sentence.
    let history = k.with(anna, &["access-log", &h]).text().to_owned();
    for sentence in [
        "Anna (member) ended one of their own sessions (signed out on one device) — allowed",
        "(admin) ended one session of Anna — allowed, as admin",
        "(admin) ended all sessions of Anna — allowed, as admin",
        "Wijkteam Noord (professional) tried to end all sessions of Anna — refused (role)",
    ] {
        assert!(history.contains(sentence), "{sentence}\n{history}");
    }
    // The professional's attempts on an id that is not his are logged as
    // his own, about himself (no household learns of them).
    let pro_id = e.pro.1.to_string();
    let found = k
        .with(
            &auditor,
            &["--json", "audit", "query", "--event", "principal.sign-out"],
        )
        .json();
    let unknown = found["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| {
            x["actor"] == pro_id.as_str()
                && x["fields"] == json!([pro_id])
                && x["outcome"] == "denied"
                && x["reason"] == "unknown_session"
        })
        .count();
    assert_eq!(unknown, 2, "{found}");
    db.close().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn last_use_is_written_at_most_once_a_minute() {
    let server = TestServer::spawn().await;
    let url = server.url.clone();
    let dir = tempfile::tempdir().unwrap();
    let k = Kluis::new(&url);
    let e = enrol_three(&k, &server, &dir);
    let token = login_as(&url, &e.client.0, CHROMIUM, None).await;
    let last_use = |v: &Value| by_device(v, "Chrome op Linux")["last_used_at"].clone();
    let (_, first) = get(&url, &token, "/v1/sessions").await;
    let made = by_device(&first, "Chrome op Linux")["created_at"].clone();

    // Within the minute: used again, nothing written.
    server.clock.advance_ms(30_000);
    assert_eq!(status_of(&url, &token).await, 200);
    let (_, v) = get(&url, &token, "/v1/sessions").await;
    assert_eq!(last_use(&v), last_use(&first), "{v}");

    // A minute on: the next use is written, the creation time stays.
    server.clock.advance_ms(45_000);
    assert_eq!(status_of(&url, &token).await, 200);
    let (_, v) = get(&url, &token, "/v1/sessions").await;
    assert_ne!(last_use(&v), last_use(&first), "{v}");
    assert_eq!(by_device(&v, "Chrome op Linux")["created_at"], made);
    let later = kluis_vault::clock::parse_time(last_use(&v).as_str().unwrap()).unwrap();
    let before = kluis_vault::clock::parse_time(last_use(&first).as_str().unwrap()).unwrap();
    assert!(later - before >= 60_000, "{v}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_user_agent_or_label_cannot_put_its_text_on_screen() {
    let server = TestServer::spawn().await;
    let url = server.url.clone();
    let dir = tempfile::tempdir().unwrap();
    let k = Kluis::new(&url);
    let e = enrol_three(&k, &server, &dir);
    let anna = &e.client.0;
    let hostile = format!(
        "<img src=x onerror=alert(1)> Firefox/1 Windows {}",
        "A".repeat(400)
    );
    let t1 = login_as(&url, anna, &hostile, None).await;
    let _t2 = login_as(&url, anna, "curl/8.5.0 <script>", None).await;
    let long_label = format!("Mijn\u{202E}\u{200B} telefoon\n\r\t{}", "é".repeat(300));
    let _t3 = login_as(&url, anna, CHROMIUM, Some(&long_label)).await;
    let (status, list) = get(&url, &t1, "/v1/sessions").await;
    assert_eq!(status, 200, "{list}");
    let devices: Vec<&str> = sessions(&list)
        .iter()
        .map(|s| s["device"].as_str().unwrap())
        .collect();
    assert!(devices.contains(&"Firefox op Windows"), "{devices:?}");
    assert!(devices.contains(&"onbekend apparaat"), "{devices:?}");
    let own = devices
        .iter()
        .find(|d| d.starts_with("Mijn telefoon "))
        .unwrap_or_else(|| panic!("{devices:?}"));
    assert_eq!(own.chars().count(), 60, "{own}");
    for d in &devices {
        assert!(!d.contains('<') && !d.contains("script"), "{d}");
        assert!(
            d.chars()
                .all(|c| !c.is_control() && c != '\u{202E}' && c != '\u{200B}'),
            "{d}"
        );
    }
    server.stop().await;
}
