//! The device trusts no key the server hands it. Each test plays an attacker
//! with write access to the database: it swaps a key (or invents a member)
//! directly in the tables, and shows that the device refuses, says what is
//! wrong, and that no envelope written afterwards opens with the attacker's
//! key. Runs on SQLite and PostgreSQL like the rest of the suite.

mod common;

use common::cli::{enrol_three, Kluis};
use common::{finance_grant, TestServer, User};
use kluis_policy::{FieldPath, HouseholdId};
use kluis_vault::client::ClientError;
use kluis_vault::keys::envelope;
use kluis_vault::keys::Identity;
use kluis_vault::role::Role;

fn path(p: &str) -> FieldPath {
    FieldPath::parse(p).unwrap()
}

struct World {
    server: TestServer,
    pro: User,
    anna: User,
    h: HouseholdId,
    attacker: Identity,
}

async fn world() -> World {
    let server = TestServer::spawn().await;
    let admin = server.admin().await;
    let pro = server
        .enrol(
            &admin,
            Role::Professional,
            "Piet de Coach",
            Some("Wijkteam"),
        )
        .await;
    let anna = server.enrol(&pro, Role::Client, "Anna", None).await;
    let h = anna.client.create_household().await.unwrap();
    anna.client
        .set_field(h, &path("financien/situatie"), b"schuld")
        .await
        .unwrap();
    World {
        server,
        pro,
        anna,
        h,
        attacker: Identity::generate("Mallory"),
    }
}

impl World {
    async fn sql(&self, statement: &str, args: &[&str]) {
        let db = self.server.db().await;
        let mut q = sqlx::query(statement);
        for a in args {
            q = q.bind(a.to_string());
        }
        let done = q.execute(&db).await.expect("the attacker's statement runs");
        assert!(
            done.rows_affected() > 0,
            "the attack changed nothing: {statement}"
        );
    }

    /// Every envelope in the database, tried with the attacker's key.
    async fn attacker_opens_any_envelope(&self) -> bool {
        use sqlx::Row;
        let db = self.server.db().await;
        let rows = sqlx::query("SELECT envelope FROM envelopes")
            .fetch_all(&db)
            .await
            .unwrap();
        assert!(!rows.is_empty());
        rows.iter().any(|r| {
            let env: Vec<u8> = r.get("envelope");
            envelope::open(self.attacker.age_identity(), &env).is_ok()
        })
    }
}

fn refused(result: Result<impl std::fmt::Debug, ClientError>, needle: &str) -> String {
    match result {
        Err(ClientError::Refused(text)) => {
            assert!(
                text.contains(needle),
                "refusal should mention {needle:?}: {text}"
            );
            text
        }
        other => panic!("expected a refusal mentioning {needle:?}, got {other:?}"),
    }
}

#[tokio::test]
async fn a_household_key_swapped_in_the_database_is_refused() {
    let w = world().await;
    let evil = w.attacker.public().age_recipient;
    w.sql(
        "UPDATE households SET recipient = $1 WHERE id = $2",
        &[&evil, &w.h.to_string()],
    )
    .await;

    // The device that made the household, and a fresh session of it.
    let p = path("financien/schulden");
    refused(
        w.anna.client.set_field(w.h, &p, b"geheim").await,
        "household",
    );
    let fresh = w.anna.client.via(&w.server.url).unwrap();
    refused(fresh.set_field(w.h, &p, b"geheim").await, "household");
    assert!(!w.attacker_opens_any_envelope().await);
    assert!(
        w.anna.client.field_history(w.h, &p).await.is_err() || {
            w.anna
                .client
                .field_history(w.h, &p)
                .await
                .unwrap()
                .is_empty()
        }
    );
}

#[tokio::test]
async fn a_grantee_key_swapped_after_the_device_saw_it_is_refused() {
    let w = world().await;
    // Anna's device has seen Piet before (it pins on first use).
    let seen = w.anna.client.trusted_keys(w.pro.id).await.unwrap();
    assert_eq!(
        seen.fingerprint,
        w.pro.client.identity().public().fingerprint().unwrap()
    );

    let evil = w.attacker.public().age_recipient;
    w.sql(
        "UPDATE principals SET age_recipient = $1 WHERE id = $2",
        &[&evil, &w.pro.id.to_string()],
    )
    .await;
    // A new session of the same device: it fetches Piet's keys again and
    // checks them against the device's pin.
    let session = w.anna.client.via(&w.server.url).unwrap();
    let text = refused(
        session.grant(w.h, finance_grant(&w.pro)).await,
        "Piet de Coach",
    );
    assert!(text.contains("other keys"), "{text}");
    assert!(
        w.anna.client.grants(w.h).await.unwrap().is_empty(),
        "nothing was sent"
    );
    assert!(!w.attacker_opens_any_envelope().await);
}

#[tokio::test]
async fn a_grantee_key_swapped_before_first_contact_is_caught_by_the_fingerprint() {
    let w = world().await;
    let real = w.pro.client.identity().public().fingerprint().unwrap();
    let evil = w.attacker.public().age_recipient;
    w.sql(
        "UPDATE principals SET age_recipient = $1 WHERE id = $2",
        &[&evil, &w.pro.id.to_string()],
    )
    .await;
    // A device that never saw Piet, told his fingerprint out of band.
    let fresh = w.anna.client.via(&w.server.url).unwrap();
    refused(
        fresh
            .grant_expecting(w.h, finance_grant(&w.pro), Some(&real.to_uppercase()))
            .await,
        "not the",
    );
    assert!(
        w.anna.client.grants(w.h).await.unwrap().is_empty(),
        "nothing was sent"
    );
    assert!(!w.attacker_opens_any_envelope().await);

    // The same with the real keys goes through (the check can pass).
    let w2 = world().await;
    let real = w2.pro.client.identity().public().fingerprint().unwrap();
    w2.anna
        .client
        .grant_expecting(w2.h, finance_grant(&w2.pro), Some(&real))
        .await
        .expect("the right fingerprint is accepted");
}

#[tokio::test]
async fn keys_swapped_before_first_contact_are_refused_by_the_key_directory() {
    let w = world().await;
    let bert = w.server.enrol(&w.pro, Role::Client, "Bert", None).await;
    let evil = w.attacker.public().age_recipient;
    for who in [w.pro.id, bert.id] {
        w.sql(
            "UPDATE principals SET age_recipient = $1 WHERE id = $2",
            &[&evil, &who.to_string()],
        )
        .await;
    }
    // No fingerprint given, no key seen before: the directory refuses.
    let fresh = w.anna.client.via(&w.server.url).unwrap();
    let text = refused(
        fresh.grant(w.h, finance_grant(&w.pro)).await,
        "not the ones in the key directory",
    );
    assert!(text.contains("Piet de Coach"), "{text}");
    refused(
        fresh.add_member(w.h, bert.id).await,
        "not the ones in the key directory",
    );
    assert!(w.anna.client.grants(w.h).await.unwrap().is_empty());
    assert_eq!(w.anna.client.household(w.h).await.unwrap().members.len(), 1);
    assert!(!w.attacker_opens_any_envelope().await);
}

#[tokio::test]
async fn keys_without_a_directory_entry_are_refused() {
    let w = world().await;
    w.sql(
        "DELETE FROM key_entries WHERE principal_id = $1",
        &[&w.pro.id.to_string()],
    )
    .await;
    refused(
        w.anna.client.grant(w.h, finance_grant(&w.pro)).await,
        "no key directory entry",
    );
}

#[tokio::test]
async fn a_changed_log_entry_breaks_the_key_directory() {
    use sqlx::Row;
    let w = world().await;
    // The device pins a checkpoint while looking up Piet.
    w.anna.client.trusted_keys(w.pro.id).await.unwrap();
    let bert = w.server.enrol(&w.pro, Role::Client, "Bert", None).await;
    // The attacker rewrites Bert's registration to the attacker's keys and
    // points his row at them: the entry now "registers" the swapped keys.
    let db = w.server.db().await;
    let seq: i64 = sqlx::query("SELECT seq FROM key_entries WHERE principal_id = $1")
        .bind(bert.id.to_string())
        .fetch_one(&db)
        .await
        .unwrap()
        .get("seq");
    let leaf: Vec<u8> = sqlx::query("SELECT leaf FROM log_entries WHERE seq = $1")
        .bind(seq)
        .fetch_one(&db)
        .await
        .unwrap()
        .get("leaf");
    let mut entry = kluis_audit::Entry::decode(&leaf).unwrap();
    let evil = w.attacker.public();
    let evil_key = kluis_vault::keys::identity::decode_signing_key(&evil.signing_key).unwrap();
    entry.fields = vec![kluis_audit::directory::key_commitment(
        &evil_key,
        &evil.age_recipient,
    )];
    sqlx::query("UPDATE log_entries SET leaf = $1 WHERE seq = $2")
        .bind(entry.encode().unwrap())
        .bind(seq)
        .execute(&db)
        .await
        .unwrap();
    sqlx::query("UPDATE principals SET signing_key = $1, age_recipient = $2 WHERE id = $3")
        .bind(evil_key.to_vec())
        .bind(evil.age_recipient.clone())
        .bind(bert.id.to_string())
        .execute(&db)
        .await
        .unwrap();
    db.close().await;
    // A device with a pinned checkpoint: the log is no longer the one it saw.
    let text = refused(
        w.anna.client.add_member(w.h, bert.id).await,
        "not a continuation",
    );
    assert!(text.contains("Bert"), "{text}");
    assert_eq!(w.anna.client.household(w.h).await.unwrap().members.len(), 1);
    // A device meeting the log for the first time: the entry is not in the
    // tree the log key signed.
    refused(w.pro.client.trusted_keys(bert.id).await, "not in the log");
}

#[tokio::test]
async fn a_new_members_key_swapped_before_add_member_is_refused() {
    let w = world().await;
    let bert = w.server.enrol(&w.pro, Role::Client, "Bert", None).await;
    let real = bert.client.identity().public().fingerprint().unwrap();
    let evil = w.attacker.public().age_recipient;
    w.sql(
        "UPDATE principals SET age_recipient = $1 WHERE id = $2",
        &[&evil, &bert.id.to_string()],
    )
    .await;
    refused(
        w.anna
            .client
            .add_member_expecting(w.h, bert.id, Some(&real))
            .await,
        "Bert",
    );
    let info = w.anna.client.household(w.h).await.unwrap();
    assert_eq!(info.members.len(), 1, "nothing was sent");
}

#[tokio::test]
async fn a_members_signing_key_swapped_is_refused() {
    let w = world().await;
    let bert = w.server.enrol(&w.pro, Role::Client, "Bert", None).await;
    w.anna.client.add_member(w.h, bert.id).await.unwrap();
    w.anna
        .client
        .grant(w.h, finance_grant(&w.pro))
        .await
        .unwrap();
    // Bert's signing key becomes the attacker's, so a grant the attacker
    // signs "as Bert" would verify against what the server says.
    let evil = kluis_vault::keys::identity::decode_signing_key(&w.attacker.public().signing_key)
        .unwrap()
        .to_vec();
    let db = w.server.db().await;
    let done =
        sqlx::query("UPDATE principals SET signing_key = $1, age_recipient = $2 WHERE id = $3")
            .bind(evil)
            .bind(w.attacker.public().age_recipient)
            .bind(bert.id.to_string())
            .execute(&db)
            .await
            .unwrap();
    assert_eq!(done.rows_affected(), 1);
    // Anna's next session checks the members against her device's pins
    // before it trusts any grant they signed: Bert's key is refused.
    let session = w.anna.client.via(&w.server.url).unwrap();
    refused(
        session.set_field(w.h, &path("financien/nieuw"), b"x").await,
        "Bert",
    );
    assert!(!w.attacker_opens_any_envelope().await);
}

#[tokio::test]
async fn a_member_the_server_invents_is_refused() {
    let w = world().await;
    let mallory = w.server.enrol(&w.pro, Role::Client, "Mallory", None).await;
    // The server adds a member without any member's signature.
    w.sql(
        "INSERT INTO household_members (household_id, principal_id, added_by, added_ms, statement, signature, identity_envelope) \
         SELECT id, $1, created_by, created_ms + 1, 'kluis-household-member-add/v1', signature, signature FROM households WHERE id = $2",
        &[&mallory.id.to_string(), &w.h.to_string()],
    )
    .await;
    refused(
        w.anna
            .client
            .set_field(w.h, &path("financien/nieuw"), b"x")
            .await,
        "signature",
    );
    assert!(!w.attacker_opens_any_envelope().await);
}

#[test]
fn the_cli_checks_fingerprints_before_it_sends_anything() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt.block_on(TestServer::spawn());
    let dir = tempfile::tempdir().unwrap();
    let kluis = Kluis::new(&server.url);
    let e = enrol_three(&kluis, &server, &dir);
    let h = kluis
        .with(&e.client.0, &["household", "create"])
        .value()
        .to_owned();

    // Each side prints its own fingerprint, computed from its keystore.
    let pro_fp = kluis.whoami(&e.pro.0)["fingerprint"]
        .as_str()
        .unwrap()
        .to_owned();
    let wrong = "0000 0000 0000 0000 0000 0000 0000 0000";
    let pro = e.pro.1.to_string();
    let grant_expecting = |fp: &str| {
        kluis.with(
            &e.client.0,
            &[
                "grant",
                &h,
                "--to",
                &pro,
                "--fields",
                "financien/*",
                "--purpose",
                "schuldhulp",
                "--expect-fingerprint",
                fp,
            ],
        )
    };
    let run = grant_expecting(wrong);
    let err = run.failure();
    assert!(
        err.contains(&pro_fp) && err.contains("nothing was sent"),
        "{err}"
    );
    let listed = kluis.with(&e.client.0, &["grants", &h, "--json"]).json();
    assert_eq!(
        listed["grants"].as_array().map_or(99, |a| a.len()),
        0,
        "{listed}"
    );

    let ok = grant_expecting(&pro_fp);
    assert!(ok.value().starts_with("g-"), "{}", ok.text());
    // The pin is kept beside the keystore, for the next command.
    let pins = dir.path().join("client.keystore.trusted-keys.json");
    let text = std::fs::read_to_string(&pins).expect("pins file beside the keystore");
    assert!(text.contains(&pro_fp), "{text}");
}

#[tokio::test]
async fn a_real_key_change_is_accepted_only_with_the_new_fingerprint() {
    let w = world().await;
    w.anna.client.trusted_keys(w.pro.id).await.unwrap();
    // Piet made a new keystore (played here by the database: there is no
    // key change over the API yet).
    let new = Identity::generate("Piet de Coach");
    let new_fp = new.public().fingerprint().unwrap();
    let signing = kluis_vault::keys::identity::decode_signing_key(&new.public().signing_key)
        .unwrap()
        .to_vec();
    let db = w.server.db().await;
    sqlx::query("UPDATE principals SET signing_key = $1, age_recipient = $2 WHERE id = $3")
        .bind(signing)
        .bind(new.public().age_recipient)
        .bind(w.pro.id.to_string())
        .execute(&db)
        .await
        .unwrap();
    // Not registered in the key directory, the new keys are refused outright.
    let session = w.anna.client.via(&w.server.url).unwrap();
    refused(
        session.trust_keys(w.pro.id, &new_fp).await,
        "not the ones in the key directory",
    );
    // Registered (here: the start-up of a server process registers keys
    // the directory lacks), they are public in the log, and a device that
    // knew the old ones still asks its person to confirm.
    sqlx::query("DELETE FROM key_entries WHERE principal_id = $1")
        .bind(w.pro.id.to_string())
        .execute(&db)
        .await
        .unwrap();
    w.server.start_up_again().await;

    let session = w.anna.client.via(&w.server.url).unwrap();
    refused(
        session.grant(w.h, finance_grant(&w.pro)).await,
        "kluis keys trust",
    );
    // A fingerprint that is not the new keys' is not accepted...
    let old_fp = w.pro.client.identity().public().fingerprint().unwrap();
    refused(session.trust_keys(w.pro.id, &old_fp).await, "not the");
    // ...the one Piet reads out from his new keystore is, and then the
    // grant goes to exactly those keys.
    session.trust_keys(w.pro.id, &new_fp).await.unwrap();
    let grant = session.grant(w.h, finance_grant(&w.pro)).await.unwrap();
    let signed = kluis_policy::verify_grant(&grant.jws, None).unwrap();
    assert_eq!(signed.statement().grantee_fingerprint, new_fp);
}

#[tokio::test]
async fn a_version_deleted_after_the_device_saw_it_is_noticed() {
    let w = world().await;
    let p = path("financien/situatie");
    let v2 = w
        .anna
        .client
        .set_field(w.h, &p, b"afbetaald")
        .await
        .unwrap();
    assert_eq!(v2.version, 2);
    // The server hides the newest version: it serves version 1 as current.
    for table in ["envelopes", "field_versions"] {
        w.sql(
            &format!("DELETE FROM {table} WHERE household_id = $1 AND path = $2 AND version = 2"),
            &[&w.h.to_string(), p.as_str()],
        )
        .await;
    }
    let session = w.anna.client.via(&w.server.url).unwrap();
    refused(session.get_field(w.h, &p, None).await, "hiding");
    // Asking for version 1 by number is still fine: it is what it says.
    let old = session.get_field(w.h, &p, Some(1)).await.unwrap();
    assert_eq!(old.value.as_slice(), b"schuld");
}

#[tokio::test]
async fn the_devices_own_writes_during_a_read_are_no_rollback() {
    let w = world().await;
    let p = path("financien/situatie");
    let writer = {
        let (c, h, p) = (w.anna.client.clone(), w.h, p.clone());
        tokio::spawn(async move {
            for i in 0..15 {
                c.set_field(h, &p, format!("stand {i}").as_bytes())
                    .await
                    .unwrap();
            }
        })
    };
    let reader = {
        let (c, h, p) = (w.anna.client.clone(), w.h, p.clone());
        tokio::spawn(async move {
            for _ in 0..30 {
                // A read that a write of this same device overtakes is
                // older than what the device then knows, but it is no
                // sign of the server hiding anything.
                c.get_field(h, &p, None).await.expect("no false rollback");
            }
        })
    };
    writer.await.unwrap();
    reader.await.unwrap();
}

#[tokio::test]
async fn keys_refused_at_first_contact_are_not_remembered() {
    let w = world().await;
    let real = w.pro.client.identity().public().fingerprint().unwrap();
    let real_recipient = w.pro.client.identity().public().age_recipient;
    let evil = w.attacker.public().age_recipient;
    w.sql(
        "UPDATE principals SET age_recipient = $1 WHERE id = $2",
        &[&evil, &w.pro.id.to_string()],
    )
    .await;
    let fresh = w.anna.client.via(&w.server.url).unwrap();
    refused(
        fresh
            .grant_expecting(w.h, finance_grant(&w.pro), Some(&real))
            .await,
        "not the",
    );
    // The server gives the real keys again: the device did not pin the
    // attacker's, so the grant goes through to the real ones.
    w.sql(
        "UPDATE principals SET age_recipient = $1 WHERE id = $2",
        &[&real_recipient, &w.pro.id.to_string()],
    )
    .await;
    let grant = fresh
        .grant_expecting(w.h, finance_grant(&w.pro), Some(&real))
        .await
        .expect("the real keys are accepted");
    let signed = kluis_policy::verify_grant(&grant.jws, None).unwrap();
    assert_eq!(signed.statement().grantee_fingerprint, real);
    assert!(!w.attacker_opens_any_envelope().await);
}

/// What an attacker with the database writes as a new version of `path`:
/// a value sealed under a key of their own, enveloped to the household's
/// public recipient (which anyone can read), with whatever statement and
/// signature they can come up with.
struct Forged<'a> {
    path: &'a FieldPath,
    version: i64,
    value: &'a [u8],
    author: kluis_policy::PrincipalId,
    proof: Option<(String, Vec<u8>, Option<String>)>,
}

impl World {
    async fn insert_version(&self, f: Forged<'_>) {
        use kluis_vault::keys::seal;
        let db = self.server.db().await;
        let recipient: String = {
            use sqlx::Row;
            sqlx::query("SELECT recipient FROM households WHERE id = $1")
                .bind(self.h.to_string())
                .fetch_one(&db)
                .await
                .unwrap()
                .get("recipient")
        };
        let key = seal::new_key();
        let binding = seal::Binding {
            household: self.h,
            path: f.path,
            version: f.version,
            key_gen: 1,
        };
        let ct = seal::seal(&key, &binding, f.value);
        let (statement, signature, grant) = match f.proof {
            Some((s, sig, g)) => (Some(s), Some(sig), g),
            None => (None, None, None),
        };
        sqlx::query(
            "INSERT INTO field_versions (household_id, path, version, key_gen, ciphertext, size_bucket, \
             author_id, author_role, private_author, created_ms, statement, signature, writer_grant) \
             VALUES ($1, $2, $3, 1, $4, $5, $6, 'client', NULL, $7, $8, $9, $10)",
        )
        .bind(self.h.to_string())
        .bind(f.path.as_str())
        .bind(f.version)
        .bind(ct.clone())
        .bind(ct.len() as i64)
        .bind(f.author.to_string())
        .bind(common::chrono_now_ms())
        .bind(statement)
        .bind(signature)
        .bind(grant)
        .execute(&db)
        .await
        .expect("the attacker's version goes in");
        sqlx::query(
            "INSERT INTO envelopes (household_id, path, version, key_gen, reader, envelope) VALUES ($1, $2, $3, 1, 'household', $4)",
        )
        .bind(self.h.to_string())
        .bind(f.path.as_str())
        .bind(f.version)
        .bind(envelope::seal(&recipient, &key[..]).unwrap())
        .execute(&db)
        .await
        .unwrap();
        db.close().await;
    }

    /// The stored ciphertext of one version.
    async fn ciphertext_of(&self, p: &FieldPath, version: i64) -> Vec<u8> {
        use sqlx::Row;
        let db = self.server.db().await;
        let ct = sqlx::query(
            "SELECT ciphertext FROM field_versions WHERE household_id = $1 AND path = $2 AND version = $3",
        )
        .bind(self.h.to_string())
        .bind(p.as_str())
        .bind(version)
        .fetch_one(&db)
        .await
        .unwrap()
        .get("ciphertext");
        db.close().await;
        ct
    }

    /// The stored statement and signature of one version.
    async fn proof_of(&self, p: &FieldPath, version: i64) -> (String, Vec<u8>) {
        use sqlx::Row;
        let db = self.server.db().await;
        let row = sqlx::query(
            "SELECT statement, signature FROM field_versions WHERE household_id = $1 AND path = $2 AND version = $3",
        )
        .bind(self.h.to_string())
        .bind(p.as_str())
        .bind(version)
        .fetch_one(&db)
        .await
        .unwrap();
        (row.get("statement"), row.get("signature"))
    }
}

#[tokio::test]
async fn a_version_inserted_by_the_server_is_refused() {
    let w = world().await;
    let p = path("financien/situatie");
    // Unsigned, on top of Anna's version 1.
    w.insert_version(Forged {
        path: &p,
        version: 2,
        value: b"alle schulden kwijtgescholden",
        author: w.anna.id,
        proof: None,
    })
    .await;
    let fresh = w.anna.client.via(&w.server.url).unwrap();
    refused(fresh.get_field(w.h, &p, None).await, "carries no signature");
    refused(fresh.field_history(w.h, &p).await, "carries no signature");
    // The real version 1 still reads, signed by Anna.
    let v1 = fresh.get_field(w.h, &p, Some(1)).await.unwrap();
    assert_eq!(v1.value.as_slice(), b"schuld");
    assert_eq!(v1.authorship.writer(), w.anna.id);
}

#[tokio::test]
async fn a_version_with_a_signature_copied_from_another_is_refused() {
    let w = world().await;
    let p = path("financien/situatie");
    let (statement, signature) = w.proof_of(&p, 1).await;
    // Anna's real signature of version 1, on a new version 2 and on a
    // version 1 of another field.
    w.insert_version(Forged {
        path: &p,
        version: 2,
        value: b"vals",
        author: w.anna.id,
        proof: Some((statement.clone(), signature.clone(), None)),
    })
    .await;
    let other = path("financien/wensen");
    w.insert_version(Forged {
        path: &other,
        version: 1,
        value: b"vals",
        author: w.anna.id,
        proof: Some((statement.clone(), signature.clone(), None)),
    })
    .await;
    refused(
        w.anna.client.get_field(w.h, &p, None).await,
        "signature was made for another version",
    );
    refused(
        w.anna.client.get_field(w.h, &other, None).await,
        "signature was made for another version",
    );
    // The statement made to fit, but then Anna's signature does not verify.
    let ct_hash_line = statement
        .lines()
        .find(|l| l.starts_with("ciphertext-sha256: "))
        .unwrap()
        .to_owned();
    let ct = w.ciphertext_of(&p, 2).await;
    let db = w.server.db().await;
    let fitted = statement.replace("version: 1\n", "version: 2\n").replace(
        &ct_hash_line,
        &format!(
            "ciphertext-sha256: {}",
            kluis_vault::wire::version::ciphertext_sha256(&ct)
        ),
    );
    sqlx::query("UPDATE field_versions SET statement = $1 WHERE household_id = $2 AND path = $3 AND version = 2")
        .bind(fitted)
        .bind(w.h.to_string())
        .bind(p.as_str())
        .execute(&db)
        .await
        .unwrap();
    db.close().await;
    // In a new session: the server answers a session's repeated read for a
    // minute from what it kept of the last one (`read_snapshot::recent`),
    // and a row changed in place leaves nothing its check sees. What the
    // database now says must be refused by the device all the same.
    let anna_again = w.anna.client.via(&w.server.url).unwrap();
    refused(
        anna_again.get_field(w.h, &p, None).await,
        "is not a valid signature of Anna",
    );
}

#[tokio::test]
async fn a_version_signed_by_a_professional_without_write_access_is_refused() {
    use kluis_vault::wire::version::{ciphertext_sha256, VersionStatement};
    let w = world().await;
    let p = path("financien/situatie");
    let grant = w
        .anna
        .client
        .grant(w.h, finance_grant(&w.pro))
        .await
        .unwrap();
    // The professional may only read. They cannot write through the server:
    let refusal = w
        .pro
        .client
        .set_field(w.h, &p, b"mijn versie")
        .await
        .unwrap_err();
    assert!(
        matches!(refusal, ClientError::Problem { status: 403, .. }),
        "{refusal}"
    );
    // So the server's operator, working with them, puts a version signed
    // by the professional straight into the database.
    w.insert_version(Forged {
        path: &p,
        version: 2,
        value: b"placeholder",
        author: w.pro.id,
        proof: None,
    })
    .await;
    let ct = w.ciphertext_of(&p, 2).await;
    let db = w.server.db().await;
    let statement = VersionStatement {
        household: w.h,
        path: p.clone(),
        version: 2,
        key_gen: 1,
        ciphertext_sha256: ciphertext_sha256(&ct),
        readers: ["household".to_owned()].into(),
        writer: w.pro.id,
        grant: Some(grant.grant_id),
        signer: w.pro.id,
        private: false,
        signed_at_ms: common::chrono_now_ms(),
    }
    .text();
    let signature = w.pro.client.identity().sign(statement.as_bytes()).to_vec();
    sqlx::query(
        "UPDATE field_versions SET statement = $1, signature = $2, writer_grant = $3 \
         WHERE household_id = $4 AND path = $5 AND version = 2",
    )
    .bind(statement)
    .bind(signature)
    .bind(grant.grant_id.to_string())
    .bind(w.h.to_string())
    .bind(p.as_str())
    .execute(&db)
    .await
    .unwrap();
    db.close().await;
    refused(
        w.anna.client.get_field(w.h, &p, None).await,
        "no grant signed by a member let them write it",
    );
}
