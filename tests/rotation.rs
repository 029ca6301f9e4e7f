//! Key rotation (`kluis keys rotate`, `POST /v1/keys/rotate`) against the
//! real server and binary, on SQLite and PostgreSQL: every household and
//! private observation stays readable with the new keys (after the device
//! forgot everything it remembered), other members' and professionals'
//! devices accept the new keys because the old key signed them over, the
//! old key can no longer log in or sign anything, a statement signed with
//! the retired key after the rotation is refused by devices even when the
//! database holds it, and a rotation that leaves out one envelope is
//! refused and changes nothing.

mod common;

use std::path::{Path, PathBuf};

use std::sync::Arc;

use common::cli::{enrol_three, Kluis};
use common::proxy::LossyProxy;
use common::{TestServer, User};
use kluis_policy::{FieldPath, Purpose, Scope};
use kluis_vault::client::{Client, ClientError, GrantRequest};
use kluis_vault::keys::{envelope, Identity};
use kluis_vault::role::Role;
use kluis_vault::wire::household::member_statement;

fn get(k: &Kluis, ks: &Path, h: &str, field: &str) -> String {
    let run = k.with(ks, &["plan", "get", h, field]);
    String::from_utf8(run.output().to_vec()).unwrap()
}

fn set(k: &Kluis, ks: &Path, h: &str, field: &str, value: &str) {
    k.with(ks, &["plan", "set", h, field, "--value", value])
        .value();
}

/// Forget everything the device remembered beside the keystore: pins,
/// versions seen, the log pin.
fn forget_device(ks: &Path) {
    for suffix in [
        ".trusted-keys.json",
        ".seen-versions.json",
        ".audit-state.json",
    ] {
        let mut name = ks.as_os_str().to_owned();
        name.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(name));
    }
}

fn rotate(k: &Kluis, ks: &Path, code_out: &Path) -> String {
    k.with(
        ks,
        &[
            "keys",
            "rotate",
            "--work-factor",
            "10",
            "--recovery-code-out",
            code_out.to_str().unwrap(),
        ],
    )
    .value()
    .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotation_keeps_every_household_and_observation_readable_and_retires_the_old_key() {
    let server = TestServer::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let k = Kluis::new(&server.url);
    let e = enrol_three(&k, &server, &dir);
    let (admin, pro, anna) = (&e.admin.0, &e.pro.0, &e.client.0);
    let pro_id = e.pro.1.to_string();
    let (auditor, _) = k.enrol(&dir, admin, "auditor", "Privacy", Some("Gemeente"));
    let (bram, bram_id) = k.enrol(&dir, pro, "client", "Bram", None);

    // Two households of Anna's; Bram is a member of the first; Piet may
    // read its finances and keeps a private note there.
    let h1 = k.with(anna, &["household", "create"]).value().to_owned();
    let h2 = k.with(anna, &["household", "create"]).value().to_owned();
    set(&k, anna, &h1, "financien/situatie", "schuld bij de energie");
    set(&k, anna, &h2, "huisvesting/situatie", "huurachterstand");
    k.with(
        anna,
        &["household", "add-member", &h1, &bram_id.to_string()],
    )
    .value();
    k.with(
        anna,
        &[
            "grant",
            &h1,
            "--to",
            &pro_id,
            "--fields",
            "financien/*",
            "--purpose",
            "schuldhulp",
        ],
    )
    .value();
    let note = k
        .with(
            pro,
            &["observe", &h1, "--text", "eerst vertrouwen", "--private"],
        )
        .value()
        .to_owned();
    // Bram's and Piet's devices pin Anna's keys now.
    assert_eq!(
        get(&k, &bram, &h1, "financien/situatie"),
        "schuld bij de energie"
    );
    assert_eq!(
        get(&k, pro, &h1, "financien/situatie"),
        "schuld bij de energie"
    );

    // Anna rotates; her old keystore is kept aside to try later.
    let old_anna = dir.path().join("anna-old.keystore");
    std::fs::copy(anna, &old_anna).unwrap();
    let old_fp = k.whoami(anna)["fingerprint"].as_str().unwrap().to_owned();
    let code_file = dir.path().join("anna.code");
    let new_fp = rotate(&k, anna, &code_file);
    assert_ne!(new_fp, old_fp);
    assert_eq!(k.whoami(anna)["fingerprint"], new_fp.as_str());
    assert!(!PathBuf::from(format!("{}.rotating", anna.display())).exists());

    // Anna's device, having forgotten everything, reads both households.
    forget_device(anna);
    assert_eq!(
        get(&k, anna, &h1, "financien/situatie"),
        "schuld bij de energie"
    );
    assert_eq!(
        get(&k, anna, &h2, "huisvesting/situatie"),
        "huurachterstand"
    );
    // Bram's device pinned the old keys: it accepts the new ones because
    // the old key signed them over, reads, and writes to Anna's new keys.
    assert_eq!(
        get(&k, &bram, &h1, "financien/situatie"),
        "schuld bij de energie"
    );
    set(&k, &bram, &h1, "financien/situatie", "regeling getroffen");
    assert_eq!(
        get(&k, anna, &h1, "financien/situatie"),
        "regeling getroffen"
    );
    // Piet still reads on the grant Anna signed with her old key.
    assert_eq!(
        get(&k, pro, &h1, "financien/situatie"),
        "regeling getroffen"
    );

    // Piet rotates too: his private note and his grant's keys come along.
    let piet_code = dir.path().join("piet.code");
    rotate(&k, pro, &piet_code);
    forget_device(pro);
    assert_eq!(get(&k, pro, &h1, &note), "eerst vertrouwen");
    assert_eq!(
        get(&k, pro, &h1, "financien/situatie"),
        "regeling getroffen"
    );
    // A write after both rotations reaches Piet through a grant naming his
    // old fingerprint, signed with Anna's old key.
    set(&k, anna, &h1, "financien/situatie", "afgelost");
    assert_eq!(get(&k, pro, &h1, "financien/situatie"), "afgelost");
    assert_eq!(get(&k, &bram, &h1, "financien/situatie"), "afgelost");

    // The old key cannot log in any more.
    let refused = k.with(&old_anna, &["whoami"]);
    assert!(refused.failure().contains("not registered"), "{refused:?}");

    // The new recovery code brings back the new keys, not the old ones.
    let code = std::fs::read_to_string(&code_file).unwrap();
    let again = dir.path().join("anna-again.keystore");
    let recovered = k.with(
        &again,
        &[
            "keys",
            "recover",
            "--code",
            code.trim(),
            "--work-factor",
            "10",
        ],
    );
    assert_eq!(recovered.value(), new_fp, "{recovered:?}");

    // The household sees it; the log still verifies.
    let history = k.with(&bram, &["access-log", &h1]).text().to_owned();
    assert!(history.contains("made new keys"), "{history}");
    k.with(&auditor, &["audit", "verify"]).text();
}

/// A new client for the keys `c` uses: a device that remembers nothing.
fn fresh(server: &TestServer, c: &Client) -> Client {
    Client::new(&server.url, c.shared_identity()).unwrap()
}

async fn rotate_in_process(server: &TestServer, user: &User) -> User {
    let new = Arc::new(Identity::generate("Anna"));
    user.client.rotate_keys(&new, None).await.expect("rotation");
    User {
        id: user.id,
        client: Client::new(&server.url, new).unwrap(),
        role: user.role,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotation_missing_one_envelope_is_refused_and_changes_nothing() {
    let server = TestServer::spawn().await;
    let admin = server.admin().await;
    let pro = server
        .enrol(&admin, Role::Professional, "Piet", Some("Wijkteam"))
        .await;
    let anna = server.enrol(&pro, Role::Client, "Anna", None).await;
    let p = FieldPath::parse("financien/situatie").unwrap();
    for _ in 0..2 {
        let h = anna.client.create_household().await.unwrap();
        anna.client.set_field(h, &p, b"schuld").await.unwrap();
    }
    let new = Identity::generate("Anna");
    let mut body = anna.client.rotation_request(&new, None).await.unwrap();
    assert_eq!(body.households.len(), 2);
    let dropped = body.households.pop().unwrap();
    let sent: Result<serde_json::Value, _> = anna
        .client
        .http()
        .post(anna.client.identity(), "/v1/keys/rotate", &body)
        .await;
    let err = sent.expect_err("refused");
    assert_eq!(err.kind(), Some("envelope-mismatch"), "{err}");
    // An envelope for a household that is not hers is refused too.
    body.households.push(dropped.clone());
    let mut other = body.clone();
    other.households[0].household_id = kluis_policy::HouseholdId::random();
    let sent: Result<serde_json::Value, _> = anna
        .client
        .http()
        .post(anna.client.identity(), "/v1/keys/rotate", &other)
        .await;
    assert_eq!(sent.expect_err("refused").kind(), Some("envelope-mismatch"));
    // Nothing changed: the old keys log in and read both households.
    let fresh = fresh(&server, &anna.client);
    for h in fresh.households().await.unwrap() {
        assert_eq!(
            &*fresh.get_field(h, &p, None).await.unwrap().value,
            b"schuld"
        );
    }
    // The new keys were not registered.
    let new_client = Client::new(&server.url, Arc::new(new)).unwrap();
    assert_eq!(
        new_client.login().await.expect_err("not registered").kind(),
        Some("unknown-key")
    );
    // Both refusals are logged, about Anna.
    let db = server.db().await;
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM log_entries WHERE subject_id = $1")
        .bind(anna.id.to_string())
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(n, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_retired_key_signs_nothing_that_counts_after_the_rotation() {
    let server = TestServer::spawn().await;
    let admin = server.admin().await;
    let pro = server
        .enrol(&admin, Role::Professional, "Piet", Some("Wijkteam"))
        .await;
    let anna = server.enrol(&pro, Role::Client, "Anna", None).await;
    let bram = server.enrol(&pro, Role::Client, "Bram", None).await;
    let mallory = server.enrol(&pro, Role::Client, "Mallory", None).await;
    let h = anna.client.create_household().await.unwrap();
    let p = FieldPath::parse("financien/situatie").unwrap();
    anna.client.set_field(h, &p, b"schuld").await.unwrap();
    anna.client.add_member(h, bram.id).await.unwrap();
    bram.client.get_field(h, &p, None).await.unwrap();
    let old = anna.client.shared_identity();
    let anna2 = rotate_in_process(&server, &anna).await;

    // The old key cannot log in.
    let old_client = Client::new(&server.url, old.clone()).unwrap();
    let login = old_client.login().await.expect_err("retired");
    assert_eq!(login.kind(), Some("unknown-key"), "{login}");

    // Signed in with the new key, a grant signed by the old key is refused
    // by the server.
    let token = anna2.client.login_token().await.unwrap();
    old_client.http().set_token(Some(token.token)).await;
    let grant = old_client
        .grant(
            h,
            GrantRequest {
                grantee: pro.id,
                scope: Scope::parse("financien/*").unwrap(),
                write: false,
                coordinate: false,
                purpose: Purpose::Schuldhulp,
                until_ms: None,
            },
        )
        .await
        .expect_err("the server refuses a grant signed with a retired key");
    assert!(matches!(grant, ClientError::Problem { .. }), "{grant}");

    // The operator, with the stolen old key, puts a version signed by it
    // (dated now, after the rotation) into the database: refused.
    {
        use kluis_vault::keys::seal;
        use kluis_vault::wire::version::{ciphertext_sha256, VersionStatement};
        let db = server.db().await;
        let recipient: String =
            sqlx::query_scalar("SELECT recipient FROM households WHERE id = $1")
                .bind(h.to_string())
                .fetch_one(&db)
                .await
                .unwrap();
        let key = seal::new_key();
        let binding = seal::Binding {
            household: h,
            path: &p,
            version: 2,
            key_gen: 1,
        };
        let ct = seal::seal(&key, &binding, b"alles kwijtgescholden");
        let statement = VersionStatement {
            household: h,
            path: p.clone(),
            version: 2,
            key_gen: 1,
            ciphertext_sha256: ciphertext_sha256(&ct),
            readers: ["household".to_owned()].into(),
            writer: anna.id,
            grant: None,
            signer: anna.id,
            private: false,
            signed_at_ms: common::chrono_now_ms(),
        }
        .text();
        sqlx::query(
            "INSERT INTO field_versions (household_id, path, version, key_gen, ciphertext, size_bucket, \
             author_id, author_role, private_author, created_ms, statement, signature, writer_grant) \
             VALUES ($1, $2, 2, 1, $3, $4, $5, 'client', NULL, $6, $7, $8, NULL)",
        )
        .bind(h.to_string())
        .bind(p.as_str())
        .bind(ct.clone())
        .bind(ct.len() as i64)
        .bind(anna.id.to_string())
        .bind(common::chrono_now_ms())
        .bind(statement.clone())
        .bind(old.sign(statement.as_bytes()).to_vec())
        .execute(&db)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO envelopes (household_id, path, version, key_gen, reader, envelope) VALUES ($1, $2, 2, 1, 'household', $3)",
        )
        .bind(h.to_string())
        .bind(p.as_str())
        .bind(envelope::seal(&recipient, &key[..]).unwrap())
        .execute(&db)
        .await
        .unwrap();
        match fresh(&server, &bram.client).get_field(h, &p, None).await {
            Err(ClientError::Refused(text)) => assert!(text.contains("signature"), "{text}"),
            other => panic!("expected a refusal, got {other:?}"),
        }
        // Version 1, signed by the old key before the rotation, still reads.
        let v1 = fresh(&server, &bram.client)
            .get_field(h, &p, Some(1))
            .await
            .unwrap();
        assert_eq!(&*v1.value, b"schuld");
        db.close().await;
    }

    // The operator (with the stolen old key) adds Mallory to the household
    // in the database, with a member statement signed by the retired key,
    // dated now (after the rotation). Bram's device refuses the household.
    let now = common::chrono_now_ms();
    let mallory_keys = mallory.client.identity().public();
    let statement = member_statement(
        h,
        mallory.id,
        Some(&mallory_keys.fingerprint().unwrap()),
        anna.id,
        now,
    );
    let signature = old.sign(statement.as_bytes()).to_vec();
    let env = envelope::seal(&mallory_keys.age_recipient, b"not the household key").unwrap();
    let db = server.db().await;
    sqlx::query(
        "INSERT INTO household_members (household_id, principal_id, added_by, added_ms, statement, signature, identity_envelope) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(h.to_string())
    .bind(mallory.id.to_string())
    .bind(anna.id.to_string())
    .bind(now)
    .bind(statement)
    .bind(signature)
    .bind(env)
    .execute(&db)
    .await
    .unwrap();
    let fresh_bram = fresh(&server, &bram.client);
    let refused = fresh_bram.set_field(h, &p, b"nieuw").await;
    match refused {
        Err(ClientError::Refused(text)) => {
            assert!(text.contains("signature"), "{text}")
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// The answer to a rotation is lost after the server committed (a
/// connection cut, through a proxy). The rotation ended every session, so
/// the client's retry carries a token the server no longer knows and gets a
/// 401, which looks like a refusal. Taken for one, the CLI would delete the
/// only copy of the new keys after the old ones were retired. It must ask
/// instead: the new keys log in, so it puts the new keystore in place.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotation_whose_answer_was_lost_is_finished_by_the_device() {
    let mut proxy = LossyProxy::bind().await;
    let public = proxy.url.clone();
    let mut server = TestServer::spawn_with(|c| c.public_urls = vec![public]).await;
    proxy.start(&server.url);
    server.url = proxy.url.clone();
    let dir = tempfile::tempdir().unwrap();
    let k = Kluis::new(&server.url);
    let e = enrol_three(&k, &server, &dir);
    let anna = &e.client.0;
    let h = k.with(anna, &["household", "create"]).value().to_owned();
    set(&k, anna, &h, "financien/situatie", "schuld bij de energie");
    let old_fp = k.whoami(anna)["fingerprint"].as_str().unwrap().to_owned();

    proxy.lose_next_answer_to("POST /v1/keys/rotate");
    let new_fp = rotate(&k, anna, &dir.path().join("anna.code"));
    assert_eq!(proxy.answers_lost(), 1, "the answer was really lost");
    assert_ne!(new_fp, old_fp);
    assert!(
        !PathBuf::from(format!("{}.rotating", anna.display())).exists(),
        "the staged keystore was moved into place"
    );
    assert_eq!(k.whoami(anna)["fingerprint"], new_fp.as_str());
    assert_eq!(
        get(&k, anna, &h, "financien/situatie"),
        "schuld bij de energie"
    );
    // The code written out opens the new keys.
    let code = std::fs::read_to_string(dir.path().join("anna.code")).unwrap();
    let recovered = dir.path().join("anna-recovered.keystore");
    k.with(
        &recovered,
        &[
            "keys",
            "recover",
            "--code",
            code.trim(),
            "--work-factor",
            "10",
        ],
    )
    .value();
    assert_eq!(k.whoami(&recovered)["fingerprint"], new_fp.as_str());
}
