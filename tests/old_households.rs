//! Households created before kluis signed versions (migration 0007): their
//! creation statement is version 1 and their versions carry no signature.
//! They keep working, a device marks their unsigned versions as such, every
//! new version is signed, and the attacks of `device_trust.rs` are refused
//! for them too. Runs on SQLite and PostgreSQL like the rest of the suite.
//!
//! "Old" is made the way the old code stored it: the household's statement
//! is replaced by the version 1 text (signed by its creator, as the old
//! client did) and the versions' signature columns are emptied, as the
//! migration leaves them.

mod common;

use common::{TestServer, User};
use kluis_policy::{FieldPath, HouseholdId};
use kluis_vault::client::{Authorship, ClientError};
use kluis_vault::keys::{envelope, Identity};
use kluis_vault::role::Role;
use kluis_vault::wire::household::create_statement_v1;
use sqlx::Row;

fn path(p: &str) -> FieldPath {
    FieldPath::parse(p).unwrap()
}

/// The household's recipient and the time its creation statement was signed.
async fn creation_of(db: &sqlx::AnyPool, h: HouseholdId) -> (String, i64) {
    let row = sqlx::query("SELECT recipient, statement FROM households WHERE id = $1")
        .bind(h.to_string())
        .fetch_one(db)
        .await
        .unwrap();
    let statement: String = row.get("statement");
    let signed_at = statement
        .lines()
        .find_map(|l| l.strip_prefix("signed-at-ms: "))
        .unwrap()
        .parse()
        .unwrap();
    (row.get("recipient"), signed_at)
}

struct Old {
    server: TestServer,
    pro: User,
    anna: User,
    h: HouseholdId,
}

async fn old_household() -> Old {
    let server = TestServer::spawn().await;
    let admin = server.admin().await;
    let pro = server
        .enrol(&admin, Role::Professional, "Piet", Some("Wijkteam"))
        .await;
    let anna = server.enrol(&pro, Role::Client, "Anna", None).await;
    let h = anna.client.create_household().await.unwrap();
    let p = path("financien/situatie");
    anna.client.set_field(h, &p, b"schuld").await.unwrap();
    anna.client
        .set_field(h, &p, b"minder schuld")
        .await
        .unwrap();

    let db = server.db().await;
    let (recipient, signed_at) = creation_of(&db, h).await;
    let old = create_statement_v1(h, &recipient, anna.id, signed_at);
    let signature = anna.client.identity().sign(old.as_bytes()).to_vec();
    sqlx::query("UPDATE households SET statement = $1, signature = $2 WHERE id = $3")
        .bind(old.clone())
        .bind(signature.clone())
        .bind(h.to_string())
        .execute(&db)
        .await
        .unwrap();
    // The creator's own membership row carries the creation statement too.
    sqlx::query("UPDATE household_members SET statement = $1, signature = $2 WHERE household_id = $3 AND principal_id = $4")
        .bind(old)
        .bind(signature)
        .bind(h.to_string())
        .bind(anna.id.to_string())
        .execute(&db)
        .await
        .unwrap();
    sqlx::query("UPDATE field_versions SET statement = NULL, signature = NULL, writer_grant = NULL WHERE household_id = $1")
        .bind(h.to_string())
        .execute(&db)
        .await
        .unwrap();
    db.close().await;
    Old {
        server,
        pro,
        anna,
        h,
    }
}

fn refused<T: std::fmt::Debug>(result: Result<T, ClientError>, needle: &str) {
    match result {
        Err(ClientError::Refused(text)) => {
            assert!(
                text.contains(needle),
                "refusal should mention {needle:?}: {text}"
            )
        }
        other => panic!("expected a refusal mentioning {needle:?}, got {other:?}"),
    }
}

#[tokio::test]
async fn old_versions_read_marked_unsigned_and_new_ones_are_signed() {
    let o = old_household().await;
    let p = path("financien/situatie");
    let device = o.anna.client.via(&o.server.url).unwrap();
    let v2 = device.get_field(o.h, &p, None).await.unwrap();
    assert_eq!(v2.value.as_slice(), b"minder schuld");
    assert_eq!(v2.authorship, Authorship::Unsigned { writer: o.anna.id });
    let history = device.field_history(o.h, &p).await.unwrap();
    assert!(history
        .iter()
        .all(|(_, by)| matches!(by, Authorship::Unsigned { .. })));

    // A new version in an old household is signed.
    device.set_field(o.h, &p, b"afbetaald").await.unwrap();
    let v3 = device.get_field(o.h, &p, None).await.unwrap();
    assert!(matches!(v3.authorship, Authorship::Signed { writer, .. } if writer == o.anna.id));
    let history = device.field_history(o.h, &p).await.unwrap();
    let signed: Vec<bool> = history
        .iter()
        .map(|(_, by)| matches!(by, Authorship::Signed { .. }))
        .collect();
    assert_eq!(signed, vec![false, false, true]);
}

#[tokio::test]
async fn an_unsigned_version_above_a_signed_one_is_refused() {
    use kluis_vault::keys::seal;
    let o = old_household().await;
    let p = path("financien/situatie");
    let device = o.anna.client.via(&o.server.url).unwrap();
    device.set_field(o.h, &p, b"afbetaald").await.unwrap();
    device.get_field(o.h, &p, None).await.unwrap();

    // The server adds an unsigned version 4, as if written before signing.
    let db = o.server.db().await;
    let recipient: String = sqlx::query("SELECT recipient FROM households WHERE id = $1")
        .bind(o.h.to_string())
        .fetch_one(&db)
        .await
        .unwrap()
        .get("recipient");
    let key = seal::new_key();
    let binding = seal::Binding {
        household: o.h,
        path: &p,
        version: 4,
        key_gen: 1,
    };
    let ct = seal::seal(&key, &binding, b"nieuwe schuld");
    sqlx::query(
        "INSERT INTO field_versions (household_id, path, version, key_gen, ciphertext, size_bucket, \
         author_id, author_role, private_author, created_ms) VALUES ($1, $2, 4, 1, $3, $4, $5, 'client', NULL, $6)",
    )
    .bind(o.h.to_string())
    .bind(p.as_str())
    .bind(ct.clone())
    .bind(ct.len() as i64)
    .bind(o.anna.id.to_string())
    .bind(common::chrono_now_ms())
    .execute(&db)
    .await
    .unwrap();
    sqlx::query("INSERT INTO envelopes (household_id, path, version, key_gen, reader, envelope) VALUES ($1, $2, 4, 1, 'household', $3)")
        .bind(o.h.to_string())
        .bind(p.as_str())
        .bind(envelope::seal(&recipient, &key[..]).unwrap())
        .execute(&db)
        .await
        .unwrap();
    db.close().await;
    refused(
        device.get_field(o.h, &p, None).await,
        "saw version 3 signed",
    );
    // The versions from before stay readable, marked unsigned.
    let v1 = device.get_field(o.h, &p, Some(1)).await.unwrap();
    assert!(matches!(v1.authorship, Authorship::Unsigned { .. }));
}

#[tokio::test]
async fn the_household_key_swap_is_refused_in_an_old_household_too() {
    let o = old_household().await;
    let attacker = Identity::generate("Mallory");
    let db = o.server.db().await;
    sqlx::query("UPDATE households SET recipient = $1 WHERE id = $2")
        .bind(attacker.public().age_recipient)
        .bind(o.h.to_string())
        .execute(&db)
        .await
        .unwrap();
    db.close().await;
    let device = o.anna.client.via(&o.server.url).unwrap();
    refused(
        device.set_field(o.h, &path("financien/wensen"), b"x").await,
        "not the one its creator signed",
    );
}

#[tokio::test]
async fn an_old_statement_on_a_new_household_is_refused() {
    // A server cannot turn a new household into an old one to slip in
    // unsigned versions: the creator signed the version 2 statement, and a
    // version 1 text carries no valid signature of theirs.
    let server = TestServer::spawn().await;
    let admin = server.admin().await;
    let anna = server.enrol(&admin, Role::Client, "Anna", None).await;
    let h = anna.client.create_household().await.unwrap();
    let db = server.db().await;
    let (recipient, signed_at) = creation_of(&db, h).await;
    sqlx::query("UPDATE households SET statement = $1 WHERE id = $2")
        .bind(create_statement_v1(h, &recipient, anna.id, signed_at))
        .bind(h.to_string())
        .execute(&db)
        .await
        .unwrap();
    db.close().await;
    let device = anna.client.via(&server.url).unwrap();
    refused(
        device.set_field(h, &path("financien/wensen"), b"x").await,
        "does not carry a valid signature",
    );
}

#[tokio::test]
async fn people_registered_before_the_key_directory_are_registered_at_start_up() {
    let server = TestServer::spawn().await;
    let admin = server.admin().await;
    let pro = server
        .enrol(&admin, Role::Professional, "Piet", Some("Wijkteam"))
        .await;
    let anna = server.enrol(&pro, Role::Client, "Anna", None).await;
    let h = anna.client.create_household().await.unwrap();
    // As the database was before the key directory: no entries.
    let db = server.db().await;
    sqlx::query("DELETE FROM key_entries")
        .execute(&db)
        .await
        .unwrap();
    let refusal = anna.client.trusted_keys(pro.id).await.unwrap_err();
    assert!(
        refusal.to_string().contains("no key directory entry"),
        "{refusal}"
    );

    server.start_up_again().await;
    let registered: i64 = sqlx::query("SELECT COUNT(*) AS n FROM key_entries")
        .fetch_one(&db)
        .await
        .unwrap()
        .get("n");
    assert_eq!(registered, 3, "the admin, Piet and Anna");
    // A second start-up registers nobody twice.
    server.start_up_again().await;
    let again: i64 = sqlx::query("SELECT COUNT(*) AS n FROM key_entries")
        .fetch_one(&db)
        .await
        .unwrap()
        .get("n");
    assert_eq!(again, 3);
    db.close().await;

    anna.client.trusted_keys(pro.id).await.unwrap();
    let grant = kluis_vault::client::GrantRequest {
        grantee: pro.id,
        scope: kluis_policy::Scope::parse("financien/*").unwrap(),
        write: false,
        coordinate: false,
        purpose: kluis_policy::Purpose::Schuldhulp,
        until_ms: Some(common::chrono_now_ms() + 86_400_000),
    };
    anna.client.grant(h, grant).await.unwrap();
    // The entries say why they came late.
    let auditor = server
        .enrol(&admin, Role::Auditor, "Auditor", Some("Gemeente"))
        .await;
    let entries = auditor
        .client
        .log_query(&kluis_vault::client::LogFilter {
            actor: Some(pro.id),
            ..Default::default()
        })
        .await
        .unwrap();
    let keys: Vec<_> = entries
        .iter()
        .filter(|e| e.entry.event.code() == "principal.keys")
        .collect();
    assert_eq!(keys.len(), 2, "at registration, and again at start-up");
    assert_eq!(
        keys[1].entry.reason.as_deref(),
        Some("registered before the key directory")
    );
}

#[tokio::test]
async fn a_members_key_swapped_in_an_old_household_is_refused_on_a_new_device() {
    // Old member additions name no fingerprint, so before the key
    // directory a device that never saw a member had nothing to check
    // their keys against. Now the directory refuses the swap.
    let o = old_household().await;
    let bert = o.server.enrol(&o.pro, Role::Client, "Bert", None).await;
    o.anna.client.add_member(o.h, bert.id).await.unwrap();
    let db = o.server.db().await;
    // Make the addition an old one (version 1, no fingerprint).
    let signed_at: i64 = 1_700_000_000_000;
    let old =
        kluis_vault::wire::household::member_statement(o.h, bert.id, None, o.anna.id, signed_at);
    sqlx::query("UPDATE household_members SET statement = $1, signature = $2 WHERE household_id = $3 AND principal_id = $4")
        .bind(old.clone())
        .bind(o.anna.client.identity().sign(old.as_bytes()).to_vec())
        .bind(o.h.to_string())
        .bind(bert.id.to_string())
        .execute(&db)
        .await
        .unwrap();
    let attacker = Identity::generate("Mallory");
    let evil_key =
        kluis_vault::keys::identity::decode_signing_key(&attacker.public().signing_key).unwrap();
    sqlx::query("UPDATE principals SET signing_key = $1, age_recipient = $2 WHERE id = $3")
        .bind(evil_key.to_vec())
        .bind(attacker.public().age_recipient)
        .bind(bert.id.to_string())
        .execute(&db)
        .await
        .unwrap();
    db.close().await;
    // Anna on a new device (nothing pinned): the directory names Bert.
    let keystore_dir = tempfile::tempdir().unwrap();
    let keystore = keystore_dir.path().join("anna.kluis");
    let device = o
        .anna
        .client
        .via(&o.server.url)
        .unwrap()
        .on_device(&keystore);
    match device.set_field(o.h, &path("financien/nieuw"), b"x").await {
        Err(ClientError::Refused(text)) => {
            assert!(
                text.contains("Bert") && text.contains("key directory"),
                "{text}"
            )
        }
        other => panic!("expected a refusal naming Bert, got {other:?}"),
    }
}
