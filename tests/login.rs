//! Login by challenge and signature, and every way it must refuse.

mod common;

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use common::TestServer;
use kluis_vault::keys::Identity;
use kluis_vault::role::Role;
use kluis_vault::wire::auth::{challenge_message, origin_of, ChallengeResponse};
use reqwest::Method;
use serde_json::{json, Value};

async fn post(server: &TestServer, path: &str, body: Value) -> (u16, Value) {
    let client = server.client_for(Identity::generate("raw"));
    let (status, ctype, bytes) = client
        .http()
        .raw(
            Method::POST,
            path,
            None,
            "application/json",
            body.to_string().into_bytes(),
        )
        .await
        .unwrap();
    if status >= 400 {
        assert_eq!(ctype, "application/problem+json", "errors are problem+json");
    }
    (status, serde_json::from_slice(&bytes).unwrap())
}

fn problem(v: &Value) -> &str {
    v["type"]
        .as_str()
        .unwrap_or("")
        .trim_start_matches("urn:kluis:problem:")
}

async fn challenge(server: &TestServer, id: &Identity) -> ChallengeResponse {
    let (status, v) = post(
        server,
        "/v1/auth/challenge",
        json!({"signing_key": id.public().signing_key}),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    serde_json::from_value(v).unwrap()
}

async fn answer(server: &TestServer, c: &ChallengeResponse, signer: &Identity) -> (u16, Value) {
    let origin = origin_of(&server.url).unwrap();
    answer_for(server, c, signer, &origin, &origin).await
}

/// Answer with a signature made for `signed_for`, claiming `claimed`.
async fn answer_for(
    server: &TestServer,
    c: &ChallengeResponse,
    signer: &Identity,
    signed_for: &str,
    claimed: &str,
) -> (u16, Value) {
    let sig = signer.sign(&challenge_message(signed_for, &c.challenge_id, &c.nonce));
    post(
        server,
        "/v1/auth/token",
        json!({"challenge_id": c.challenge_id, "origin": claimed, "signature": B64.encode(sig)}),
    )
    .await
}

#[tokio::test]
async fn a_login_relayed_from_another_origin_is_refused() {
    let server = TestServer::spawn().await;
    let admin = server.admin().await;
    let id = admin.client.identity();
    let real = origin_of(&server.url).unwrap();
    // A phishing site passes the real server's challenge to the victim,
    // whose client signs for the site it is talking to.
    let phisher = "https://kluis-gemeente.example";
    let c = challenge(&server, id).await;
    let (status, problem) = answer_for(&server, &c, id, phisher, phisher).await;
    assert_eq!(status, 401, "{problem}");
    assert_eq!(problem["type"], "urn:kluis:problem:signature-invalid");
    assert!(
        problem["detail"].as_str().unwrap().contains(phisher),
        "{problem}"
    );
    // Claiming the real origin does not help: the signature names the other.
    let c = challenge(&server, id).await;
    let (status, _) = answer_for(&server, &c, id, phisher, &real).await;
    assert_eq!(status, 401);
    // The honest answer works, so the refusals above are about the origin.
    let c = challenge(&server, id).await;
    let (status, v) = answer_for(&server, &c, id, &real, &real).await;
    assert_eq!(status, 200, "{v}");
}

#[test]
fn the_client_refuses_plain_http_except_to_this_machine() {
    let id = std::sync::Arc::new(Identity::generate("Anna"));
    for url in ["http://kluis.example", "http://10.0.0.7:7420"] {
        let err = kluis_vault::client::Client::new(url, id.clone()).err();
        assert!(
            matches!(err, Some(kluis_vault::client::ClientError::BadUrl(ref t)) if t.contains("https")),
            "{url}: {err:?}"
        );
    }
    for url in [
        "http://127.0.0.1:7420",
        "http://localhost:7420",
        "http://[::1]:7420",
        "https://kluis.example",
    ] {
        assert!(
            kluis_vault::client::Client::new(url, id.clone()).is_ok(),
            "{url}"
        );
    }
}

/// A registered identity (kept outside a client so the test can sign by hand).
async fn registered(server: &TestServer) -> Identity {
    let admin = server.admin().await;
    let invite = admin
        .client
        .invite(Role::Client, "Anna", None)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k");
    let id = Identity::generate("Anna");
    kluis_vault::keys::Keystore::create(&path, &id, "pw", kluis_vault::keys::WorkFactor(10))
        .unwrap();
    server.client_for(id).register(&invite.code).await.unwrap();
    kluis_vault::keys::Keystore::open(&path, "pw").unwrap()
}

#[tokio::test]
async fn a_signed_challenge_gives_a_token_once() {
    let server = TestServer::spawn().await;
    let anna = registered(&server).await;
    let c = challenge(&server, &anna).await;
    let (status, v) = answer(&server, &c, &anna).await;
    assert_eq!(status, 200, "{v}");
    assert!(v["token"].as_str().unwrap().len() >= 40);

    // Replayed: the challenge is gone.
    let (status, v) = answer(&server, &c, &anna).await;
    assert_eq!((status, problem(&v)), (401, "challenge-invalid"));
    server.stop().await;
}

#[tokio::test]
async fn a_bad_signature_is_refused_and_burns_the_challenge() {
    let server = TestServer::spawn().await;
    let anna = registered(&server).await;
    let c = challenge(&server, &anna).await;
    let (status, v) = answer(&server, &c, &Identity::generate("Eve")).await;
    assert_eq!((status, problem(&v)), (401, "signature-invalid"));
    let (status, v) = answer(&server, &c, &anna).await;
    assert_eq!(
        (status, problem(&v)),
        (401, "challenge-invalid"),
        "no second try on one challenge"
    );

    // A signature that is not even well-formed burns its challenge too.
    let c = challenge(&server, &anna).await;
    let (status, v) = post(
        &server,
        "/v1/auth/token",
        json!({"challenge_id": c.challenge_id, "origin": origin_of(&server.url).unwrap(), "signature": "!!"}),
    )
    .await;
    assert_eq!((status, problem(&v)), (401, "signature-invalid"));
    let (status, v) = answer(&server, &c, &anna).await;
    assert_eq!((status, problem(&v)), (401, "challenge-invalid"));
    server.stop().await;
}

/// Logins that name nobody known (a key nobody registered, a challenge the
/// server never gave) leave a `login` entry too: refused, no actor, no
/// household, nothing the caller sent. A malformed signature on a real
/// challenge is that person's refused login. And strangers are limited per
/// address (429 with Retry-After), so they cannot flood the log. Before,
/// none of these attempts was logged, and strangers were never limited.
#[tokio::test]
async fn logins_naming_nobody_are_logged_and_rate_limited() {
    let server = TestServer::spawn_with(|c| c.limits.refusals_per_minute = 4).await;
    let admin = server.admin().await;
    let auditor = server
        .enrol(&admin, Role::Auditor, "Audit", Some("Gemeente"))
        .await;
    let origin = origin_of(&server.url).unwrap();
    let stranger = Identity::generate("Stranger");
    let unknown_key = json!({"signing_key": stranger.public().signing_key});
    let (status, v) = post(&server, "/v1/auth/challenge", unknown_key.clone()).await;
    assert_eq!((status, problem(&v)), (401, "unknown-key"));
    let made_up = json!({"challenge_id": B64.encode([7u8; 16]), "origin": origin, "signature": B64.encode([0u8; 64])});
    let (status, v) = post(&server, "/v1/auth/token", made_up.clone()).await;
    assert_eq!((status, problem(&v)), (401, "challenge-invalid"));
    let not_an_id = json!({"challenge_id": "justitie-aangifte", "origin": origin, "signature": B64.encode([0u8; 64])});
    let (status, v) = post(&server, "/v1/auth/token", not_an_id).await;
    assert_eq!((status, problem(&v)), (401, "challenge-invalid"));
    // The admin's own malformed answer: refused as the admin's login.
    let id = admin.client.identity();
    let c = challenge(&server, id).await;
    let (status, v) = post(
        &server,
        "/v1/auth/token",
        json!({"challenge_id": c.challenge_id, "origin": origin, "signature": "!!"}),
    )
    .await;
    assert_eq!((status, problem(&v)), (401, "signature-invalid"));

    let logins = |auditor: &kluis_vault::client::Client| {
        let auditor = auditor.clone();
        async move {
            auditor
                .log_query(&kluis_vault::client::LogFilter {
                    event: Some("login".into()),
                    ..Default::default()
                })
                .await
                .unwrap()
        }
    };
    let all = logins(&auditor.client).await;
    let nobody: Vec<_> = all.iter().filter(|e| e.entry.actor.is_none()).collect();
    let reasons: Vec<_> = nobody
        .iter()
        .map(|e| e.entry.reason.as_deref().unwrap_or(""))
        .collect();
    assert_eq!(
        reasons,
        ["unknown_key", "unknown_challenge", "unknown_challenge"]
    );
    for e in &nobody {
        assert_eq!(e.entry.outcome.code(), "denied");
        assert_eq!(e.entry.household, None);
        assert!(e.entry.fields.is_empty() && e.entry.actor_role.is_none());
    }
    assert!(all
        .iter()
        .any(|e| e.entry.actor == Some(admin.id.to_string())
            && e.entry.reason.as_deref() == Some("bad_signature")));

    // Four a minute per address: the fourth is logged, the fifth is not.
    let (status, _) = post(&server, "/v1/auth/challenge", unknown_key.clone()).await;
    assert_eq!(status, 401);
    let r = reqwest::Client::new()
        .post(format!("{}/v1/auth/token", server.url))
        .json(&made_up)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 429);
    assert_eq!(
        r.headers()["content-type"].to_str().unwrap(),
        "application/problem+json"
    );
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    let v: Value = r.json().await.unwrap();
    assert_eq!(problem(&v), "too-many-refusals");
    let after = logins(&auditor.client).await;
    assert_eq!(
        after.iter().filter(|e| e.entry.actor.is_none()).count(),
        4,
        "the limited attempt is not logged"
    );
    // Known people are counted as themselves: the admin still logs in.
    let c = challenge(&server, id).await;
    let (status, v) = answer(&server, &c, id).await;
    assert_eq!(status, 200, "{v}");
    server.stop().await;
}

#[tokio::test]
async fn an_expired_challenge_is_refused() {
    let server = TestServer::spawn().await;
    let anna = registered(&server).await;
    let c = challenge(&server, &anna).await;
    server.clock.advance_ms(61_000);
    let (status, v) = answer(&server, &c, &anna).await;
    assert_eq!((status, problem(&v)), (401, "challenge-expired"));
    server.stop().await;
}

#[tokio::test]
async fn unknown_keys_get_no_challenge() {
    let server = TestServer::spawn().await;
    let stranger = Identity::generate("Stranger");
    let (status, v) = post(
        &server,
        "/v1/auth/challenge",
        json!({"signing_key": stranger.public().signing_key}),
    )
    .await;
    assert_eq!((status, problem(&v)), (401, "unknown-key"));
    let (status, v) = post(
        &server,
        "/v1/auth/challenge",
        json!({"signing_key": "not base64!"}),
    )
    .await;
    assert_eq!((status, problem(&v)), (400, "malformed-request"));
    server.stop().await;
}

#[tokio::test]
async fn expired_and_unknown_tokens_are_refused_and_the_client_logs_in_again() {
    let server = TestServer::spawn().await;
    let admin = server.admin().await;
    admin.client.whoami().await.unwrap();
    let token = admin.client.http().current_token().await.unwrap();

    server.clock.advance_ms(16 * 60_000);
    let (status, ctype, body) = admin
        .client
        .http()
        .raw(
            Method::GET,
            "/v1/whoami",
            Some(&token),
            "application/json",
            vec![],
        )
        .await
        .unwrap();
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        (status, ctype.as_str(), problem(&v)),
        (401, "application/problem+json", "token-expired")
    );

    let (status, _, body) = admin
        .client
        .http()
        .raw(
            Method::GET,
            "/v1/whoami",
            Some("made-up-token"),
            "application/json",
            vec![],
        )
        .await
        .unwrap();
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!((status, problem(&v)), (401, "unauthenticated"));

    // The field read finds its caller in the same statement as the field
    // (`store::read_snapshot`): the same answers, and before anything about
    // what was asked (a household, a field, a query string, all bad here).
    let read = |path: String, token: String| {
        let client = admin.client.http().clone();
        async move {
            let (status, _, body) = client
                .raw(Method::GET, &path, Some(&token), "application/json", vec![])
                .await
                .unwrap();
            let v: Value = serde_json::from_slice(&body).unwrap();
            (status, problem(&v).to_owned())
        }
    };
    let field = format!(
        "/v1/households/h-{}/fields/financien/situatie",
        "0".repeat(32)
    );
    for path in [
        field.clone(),
        "/v1/households/nee/fields/financien/situatie".to_owned(),
        "/v1/households/h-0/fields/geen-sectie/x".to_owned(),
        format!("{field}?version=een"),
    ] {
        assert_eq!(
            read(path.clone(), token.clone()).await,
            (401, "token-expired".to_owned()),
            "{path}"
        );
        assert_eq!(
            read(path.clone(), "made-up-token".into()).await,
            (401, "unauthenticated".to_owned()),
            "{path}"
        );
    }

    // The client library notices the expiry and logs in again by itself.
    assert_eq!(admin.client.whoami().await.unwrap().principal_id, admin.id);
    assert_ne!(admin.client.http().current_token().await.unwrap(), token);
    server.stop().await;
}

/// Expired challenges and tokens are deleted (at start-up and then every ten
/// minutes), so the tables every login writes to do not grow without end;
/// tokens still valid, and expired ones younger than a day, stay.
#[tokio::test]
async fn expired_logins_are_swept() {
    let server = TestServer::spawn().await;
    let admin = server.admin().await;
    admin.client.whoami().await.unwrap(); // a challenge used and a token issued
                                          // A challenge asked for and never answered.
    challenge(&server, admin.client.identity()).await;
    let db = server.db().await;
    let count = |sql: &'static str| {
        let db = db.clone();
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(&db)
                .await
                .unwrap()
        }
    };
    assert!(count("SELECT COUNT(*) FROM challenges").await >= 1);
    assert!(count("SELECT COUNT(*) FROM tokens").await >= 1);
    // A start-up an hour later: the challenge is gone, the (expired) token
    // stays a day so a late caller hears "expired".
    server.clock.advance_ms(3_600_000);
    server.start_up_again().await;
    assert_eq!(count("SELECT COUNT(*) FROM challenges").await, 0);
    assert!(count("SELECT COUNT(*) FROM tokens").await >= 1);
    // Two days later the token is gone too.
    server.clock.advance_ms(2 * 86_400_000);
    server.start_up_again().await;
    assert_eq!(count("SELECT COUNT(*) FROM tokens").await, 0);
    db.close().await;
    server.stop().await;
}
