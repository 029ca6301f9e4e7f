//! Administrator actions on accounts, through the real binary: disable a
//! person (they cannot log in, their sessions end at once, their invites
//! stop working), enable them again, end someone's sessions (a lost phone),
//! and end one's own (`kluis logout --all`). Each is logged with the
//! administrator as actor and the person as subject, and reads as a plain
//! sentence in the person's household history and in the auditor's query.
//!
//! None of this existed before: every step here fails on the code before it.

mod common;

use common::cli::{enrol_three, keystore_in, Kluis};
use common::TestServer;
use serde_json::{json, Value};

async fn status_of(url: &str, token: &str) -> (u16, Value) {
    let r = reqwest::Client::new()
        .get(format!("{url}/v1/whoami"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_disables_enables_and_signs_out_a_person() {
    let server = TestServer::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let k = Kluis::new(&server.url);
    let e = enrol_three(&k, &server, &dir);
    let (admin, pro, anna) = (&e.admin.0, &e.pro.0, &e.client.0);
    let anna_id = e.client.1.to_string();
    let pro_id = e.pro.1.to_string();
    let (auditor, _) = k.enrol(&dir, admin, "auditor", "Privacy", Some("Gemeente"));
    let h = k.with(anna, &["household", "create"]).value().to_owned();
    // An invite the professional made and nobody used yet.
    let bram_code = k.invite(pro, "client", "Bram", None);
    // A session of Anna's for other tools, which must end at once.
    let token = k.with(anna, &["login"]).value().to_owned();
    assert_eq!(status_of(&server.url, &token).await.0, 200);
    let db = server.db().await;
    let anna_tokens: Vec<(Vec<u8>, String, i64)> =
        sqlx::query_as("SELECT hash, principal_id, expires_ms FROM tokens WHERE principal_id = $1")
            .bind(&anna_id)
            .fetch_all(&db)
            .await
            .unwrap();

    // Only administrators: the professional is refused (and that is logged).
    let refused = k.with(pro, &["person", "disable", &anna_id, "--reason", "test"]);
    assert!(
        refused.failure().contains("only administrators"),
        "{refused:?}"
    );
    // An administrator cannot lock themselves out.
    let own = k.with(
        admin,
        &["person", "disable", &e.admin.1.to_string(), "--reason", "x"],
    );
    assert!(own.failure().contains("your own account"), "{own:?}");

    let done = k.with(
        admin,
        &[
            "person",
            "disable",
            &anna_id,
            "--reason",
            "telefoon gestolen",
        ],
    );
    assert!(done.text().starts_with("Disabled Anna"), "{done:?}");
    let status = k
        .with(
            admin,
            &["--json", "person", "disable", &anna_id, "--reason", "again"],
        )
        .failure()
        .to_owned();
    assert!(status.contains("already disabled"), "{status}");

    // Her session ended at once, and she cannot log in again.
    assert_eq!(status_of(&server.url, &token).await.0, 401);
    let line = k.with(anna, &["whoami"]).failure().to_owned();
    assert!(line.contains("disabled"), "{line}");
    let anna_key = {
        let ks = kluis_vault::keys::Keystore::open(anna, common::cli::PASSPHRASE).unwrap();
        ks.public().signing_key
    };
    let r = reqwest::Client::new()
        .post(format!("{}/v1/auth/challenge", server.url))
        .json(&json!({ "signing_key": anna_key }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    assert_eq!(
        r.headers()["content-type"].to_str().unwrap(),
        "application/problem+json"
    );
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["type"], "urn:kluis:problem:account-disabled");
    // A token that survived (made in the same instant as the disable, or put
    // back by someone with the database) is refused too: the account is
    // checked on every request, not only the token.
    for (hash, principal, expires) in &anna_tokens {
        sqlx::query("INSERT INTO tokens (hash, principal_id, expires_ms) VALUES ($1, $2, $3)")
            .bind(hash)
            .bind(principal)
            .bind(expires)
            .execute(&db)
            .await
            .unwrap();
    }
    let (status, v) = status_of(&server.url, &token).await;
    assert_eq!(
        (status, v["type"].as_str()),
        (403, Some("urn:kluis:problem:account-disabled"))
    );
    // The field read, which finds its caller in the same statement as the
    // field (`store::read_snapshot`), refuses it alike.
    let r = reqwest::Client::new()
        .get(format!(
            "{}/v1/households/h-{}/fields/financien/situatie",
            server.url,
            "0".repeat(32)
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["type"], "urn:kluis:problem:account-disabled");

    sqlx::query("DELETE FROM tokens WHERE principal_id = $1")
        .bind(&anna_id)
        .execute(&db)
        .await
        .unwrap();

    // Enabled again: she logs in; the ended session stays ended.
    let done = k.with(admin, &["person", "enable", &anna_id]);
    assert!(done.text().starts_with("Enabled Anna"), "{done:?}");
    assert_eq!(k.whoami(anna)["principal_id"], anna_id.as_str());
    assert_eq!(status_of(&server.url, &token).await.0, 401);

    // A lost phone: her sessions end, she is not disabled.
    let token = k.with(anna, &["login"]).value().to_owned();
    let done = k.with(admin, &["person", "sign-out", &anna_id]);
    assert!(done.text().contains("of Anna"), "{done:?}");
    assert_eq!(status_of(&server.url, &token).await.0, 401);
    let token = k.with(anna, &["login"]).value().to_owned();
    let done = k.with(anna, &["logout", "--all"]);
    assert!(done.text().starts_with("Signed out everywhere"), "{done:?}");
    assert_eq!(status_of(&server.url, &token).await.0, 401);
    let bare = k.with(anna, &["logout"]);
    assert!(bare.failure().contains("--all"), "{bare:?}");
    let other = k.with(pro, &["person", "sign-out", &anna_id]);
    assert!(other.failure().contains("only administrators"), "{other:?}");

    // The professional is disabled: the invite he made stops working.
    k.with(
        admin,
        &["person", "disable", &pro_id, "--reason", "uit dienst"],
    )
    .text();
    let bram = keystore_in(&dir, "bram");
    k.keys_new(&bram, "Bram");
    let line = k
        .with(&bram, &["register", "--invite", &bram_code])
        .failure()
        .to_owned();
    assert!(line.contains("can no longer invite"), "{line}");

    // Anna's household history tells her, in plain sentences.
    let history = k.with(anna, &["access-log", &h]).text().to_owned();
    for sentence in [
        "(admin) disabled the account of Anna (reason: telefoon gestolen) — allowed, as admin",
        "(admin) enabled the account of Anna again — allowed, as admin",
        "(admin) ended all sessions of Anna — allowed, as admin",
        "Anna (member) ended all their own sessions (signed out everywhere) — allowed",
        "Wijkteam Noord (professional) tried to disable the account of Anna — refused (role)",
        "Wijkteam Noord (professional) tried to end all sessions of Anna — refused (role)",
    ] {
        assert!(history.contains(sentence), "{sentence}\n{history}");
    }
    // The professional is no member: his account events are not hers.
    assert!(!history.contains("uit dienst"), "{history}");
    let extract = k
        .with(anna, &["access-log", &h, "--extract"])
        .text()
        .to_owned();
    assert!(!extract.contains("principal."), "{extract}");

    // The auditor's query shows them, each with its sentence.
    let found = k
        .with(
            &auditor,
            &["audit", "query", "--event", "principal.disable"],
        )
        .text()
        .to_owned();
    assert!(
        found.contains(&format!(
            "= {} (admin) disabled the account of {anna_id} (reason: telefoon gestolen)",
            e.admin.1
        )),
        "{found}"
    );
    assert!(
        found.contains(&format!(
            "disabled the account of {pro_id} (reason: uit dienst)"
        )),
        "{found}"
    );
    assert!(
        found.contains(&format!(
            "= {pro_id} (professional) tried to disable the account of {anna_id}"
        )),
        "{found}"
    );
    let signed_out = k
        .with(
            &auditor,
            &["--json", "audit", "query", "--event", "principal.sign-out"],
        )
        .json();
    let entries = signed_out["entries"].as_array().unwrap();
    assert!(
        entries.iter().any(|x| x["actor"] == anna_id.as_str()
            && x["fields"] == json!([anna_id])
            && x["household"].is_null()
            && x["outcome"] == "allowed"),
        "{signed_out}"
    );
    db.close().await;
    server.stop().await;
}
