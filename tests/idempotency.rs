//! Safe retries with `Idempotency-Key`: a write whose answer was lost is
//! sent again and takes effect once; a key replays only its own request,
//! only for its own caller.

mod common;

use common::proxy::LossyProxy;
use common::{TestServer, User};
use kluis_policy::{FieldPath, HouseholdId};
use kluis_vault::role::Role;

fn path(p: &str) -> FieldPath {
    FieldPath::parse(p).unwrap()
}

async fn client_with_household(server: &TestServer) -> (User, HouseholdId) {
    let admin = server.admin().await;
    let pro = server
        .enrol(&admin, Role::Professional, "Piet", Some("Wijkteam"))
        .await;
    let anna = server.enrol(&pro, Role::Client, "Anna", None).await;
    let h = anna.client.create_household().await.unwrap();
    (anna, h)
}

async fn bearer(user: &User) -> String {
    user.client.login_token().await.unwrap().token
}

/// PUT a sealed first version of `p` with `key` (if any); returns status,
/// the replay header and the body.
async fn put_version(
    server: &TestServer,
    user: &User,
    h: HouseholdId,
    p: &FieldPath,
    body: &kluis_vault::wire::plan::WriteField,
    key: Option<&str>,
) -> (u16, Option<String>, serde_json::Value) {
    let mut req = reqwest::Client::new()
        .put(format!("{}/v1/households/{h}/fields/{p}", server.url))
        .bearer_auth(bearer(user).await)
        .json(body);
    if let Some(key) = key {
        req = req.header("Idempotency-Key", key);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let replayed = resp
        .headers()
        .get("idempotent-replayed")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, replayed, resp.json().await.unwrap())
}

#[tokio::test]
async fn a_write_whose_answer_was_lost_is_retried_and_takes_effect_once() {
    // Every client reaches the server through the proxy, which is the
    // server's public address (logins are bound to it).
    let mut proxy = LossyProxy::bind().await;
    let public = proxy.url.clone();
    let mut server = TestServer::spawn_with(|c| c.public_urls = vec![public]).await;
    proxy.start(&server.url);
    server.url = proxy.url.clone();
    let (anna, h) = client_with_household(&server).await;
    let via_proxy = anna.client.via(&proxy.url).unwrap();
    let p = path("financien/situatie");

    proxy.lose_next_answer_to("PUT /v1/households/");
    let written = via_proxy
        .set_field(h, &p, b"schuld bij de energieleverancier")
        .await
        .expect("the client retries with the same key and learns the outcome");
    assert_eq!(proxy.answers_lost(), 1, "the first answer was really lost");
    assert_eq!(
        written.version, 1,
        "the retry reports the first attempt's version"
    );

    let history = anna.client.field_history(h, &p).await.unwrap();
    assert_eq!(history.len(), 1, "the write took effect exactly once");
    let field = anna.client.get_field(h, &p, None).await.unwrap();
    assert_eq!(field.value.as_slice(), b"schuld bij de energieleverancier");
}

#[tokio::test]
async fn a_repeated_key_replays_the_first_answer_and_changes_nothing() {
    let server = TestServer::spawn().await;
    let (anna, h) = client_with_household(&server).await;
    let p = path("huisvesting/situatie");
    let plan = anna.client.write_plan(h, &p).await.unwrap();
    let body = anna
        .client
        .seal_for(h, &plan, b"huur achterstand")
        .await
        .unwrap();

    let first = put_version(&server, &anna, h, &p, &body, Some("actie-1")).await;
    assert_eq!(first.0, 201);
    assert_eq!(first.1, None, "a first attempt is not a replay");
    let again = put_version(&server, &anna, h, &p, &body, Some("actie-1")).await;
    assert_eq!(again.0, 201, "the retry gets the original status");
    assert_eq!(again.1.as_deref(), Some("true"));
    assert_eq!(again.2, first.2, "and the original body");
    assert_eq!(anna.client.field_history(h, &p).await.unwrap().len(), 1);

    // Without a key the same upload is a stale write: this is what a
    // client that lost its answer would otherwise have seen.
    let blind = put_version(&server, &anna, h, &p, &body, None).await;
    assert_eq!(blind.0, 409);
    assert_eq!(anna.client.field_history(h, &p).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_key_reused_for_another_request_is_refused() {
    let server = TestServer::spawn().await;
    let (anna, h) = client_with_household(&server).await;
    let p = path("huisvesting/situatie");
    let plan = anna.client.write_plan(h, &p).await.unwrap();
    let body = anna.client.seal_for(h, &plan, b"eerste").await.unwrap();
    assert_eq!(
        put_version(&server, &anna, h, &p, &body, Some("k-7"))
            .await
            .0,
        201
    );

    let q = path("huisvesting/wensen");
    let plan = anna.client.write_plan(h, &q).await.unwrap();
    let other = anna.client.seal_for(h, &plan, b"andere").await.unwrap();
    let (status, _, problem) = put_version(&server, &anna, h, &q, &other, Some("k-7")).await;
    assert_eq!(status, 422);
    assert_eq!(problem["type"], "urn:kluis:problem:idempotency-key-reused");
    let paths: Vec<String> = anna
        .client
        .list_fields(h)
        .await
        .unwrap()
        .into_iter()
        .map(|f| f.path.to_string())
        .collect();
    assert!(
        !paths.contains(&q.to_string()),
        "nothing was written: {paths:?}"
    );
}

#[tokio::test]
async fn keys_belong_to_their_caller_and_must_be_well_formed() {
    let server = TestServer::spawn().await;
    let admin = server.admin().await;
    let pro = server
        .enrol(&admin, Role::Professional, "Piet", Some("Wijkteam"))
        .await;
    let invite = |user: &User, key: String| {
        let url = format!("{}/v1/invites", server.url);
        let user_client = user.client.clone();
        async move {
            let token = user_client.login_token().await.unwrap().token;
            let resp = reqwest::Client::new()
                .post(url)
                .bearer_auth(token)
                .header("Idempotency-Key", key)
                .json(&serde_json::json!({"role": "client", "name": "Anna"}))
                .send()
                .await
                .unwrap();
            let status = resp.status().as_u16();
            let ctype = resp.headers()["content-type"].to_str().unwrap().to_owned();
            (
                status,
                ctype,
                resp.json::<serde_json::Value>().await.unwrap(),
            )
        }
    };
    let (s1, _, a) = invite(&admin, "gedeeld".into()).await;
    let (s2, _, b) = invite(&pro, "gedeeld".into()).await;
    assert_eq!((s1, s2), (201, 201));
    assert_ne!(a["code"], b["code"], "another caller's key is not a replay");
    let (s3, _, c) = invite(&admin, "gedeeld".into()).await;
    assert_eq!(s3, 201);
    assert_eq!(c["code"], a["code"], "the same caller's retry is");

    let (status, ctype, problem) = invite(&admin, "x".repeat(256)).await;
    assert_eq!(status, 400);
    assert_eq!(ctype, "application/problem+json");
    assert_eq!(problem["type"], "urn:kluis:problem:malformed-request");
}
