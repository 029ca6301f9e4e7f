//! Someone with write access to the database tampers with the access log:
//! changes a byte, deletes a row, swaps two rows, inserts a row, or restores
//! an older copy. The auditor's verification (the client library function
//! `kluis audit verify` calls) must catch every one of them, both with a
//! checkpoint kept from before (consistency) and from scratch (replay).

mod audit_support;
mod common;

use audit_support::{world, World};
use kluis_audit::{Entry, VerifyError};
use kluis_vault::client::AuditFailure;
use sqlx::{AnyPool, Row};

/// A workload, then a first verification that pins key and checkpoint.
async fn verified_world() -> World {
    let w = world().await;
    w.workload(1).await;
    w.workload(2).await;
    w.verify("kept").await.expect("the untouched log verifies");
    w
}

async fn leaf(db: &AnyPool, seq: i64) -> Vec<u8> {
    sqlx::query("SELECT leaf FROM log_entries WHERE seq = $1")
        .bind(seq)
        .fetch_one(db)
        .await
        .unwrap()
        .get("leaf")
}

async fn set_leaf(db: &AnyPool, seq: i64, leaf: Vec<u8>) {
    let done = sqlx::query("UPDATE log_entries SET leaf = $1 WHERE seq = $2")
        .bind(leaf)
        .bind(seq)
        .execute(db)
        .await
        .unwrap();
    assert_eq!(done.rows_affected(), 1);
}

/// Both the kept checkpoint and a fresh auditor must notice.
async fn assert_detected(w: &World, what: &str) -> (AuditFailure, AuditFailure) {
    let with_pin = w.verify("kept").await.expect_err(&format!(
        "{what}: verification with a kept checkpoint passed"
    ));
    let fresh = w
        .verify(&format!("fresh-{}", rand::random::<u32>()))
        .await
        .expect_err(&format!("{what}: a fresh replay passed"));
    eprintln!("{what}: kept → {with_pin}; fresh → {fresh}");
    (with_pin, fresh)
}

#[tokio::test]
async fn a_changed_leaf_byte_is_detected() {
    let w = verified_world().await;
    let db = w.server.db().await;
    let mut bytes = leaf(&db, 5).await;
    // A byte of the timestamp: the entry still decodes, only the hash changes.
    bytes[16] ^= 0x01;
    assert!(Entry::decode(&bytes).is_ok());
    set_leaf(&db, 5, bytes).await;
    let (kept, fresh) = assert_detected(&w, "changed byte").await;
    assert!(matches!(kept, AuditFailure::Log(VerifyError::Fork { .. })));
    assert!(matches!(
        fresh,
        AuditFailure::Log(VerifyError::RootMismatch { .. })
    ));
    db.close().await;
    w.server.stop().await;
}

#[tokio::test]
async fn a_deleted_row_is_detected() {
    let w = verified_world().await;
    let db = w.server.db().await;
    sqlx::query("DELETE FROM log_entries WHERE seq = 4")
        .execute(&db)
        .await
        .unwrap();
    let (_, fresh) = assert_detected(&w, "deleted row").await;
    assert!(
        matches!(
            fresh,
            AuditFailure::Log(VerifyError::Missing { expected: 4, .. })
        ),
        "{fresh}"
    );
    db.close().await;
    w.server.stop().await;
}

#[tokio::test]
async fn swapped_rows_are_detected() {
    let w = verified_world().await;
    let db = w.server.db().await;
    let (a, b) = (leaf(&db, 3).await, leaf(&db, 6).await);
    set_leaf(&db, 3, b).await;
    set_leaf(&db, 6, a).await;
    let (_, fresh) = assert_detected(&w, "reordered rows").await;
    assert!(
        matches!(
            fresh,
            AuditFailure::Log(VerifyError::WrongPosition {
                position: 3,
                claimed: 6
            })
        ),
        "{fresh}"
    );
    db.close().await;
    w.server.stop().await;
}

#[tokio::test]
async fn an_inserted_row_is_detected() {
    let w = verified_world().await;
    let db = w.server.db().await;
    // Make room at 5 by moving every later row up one (in two steps, so no
    // two rows ever share a sequence number), then put a forged entry there:
    // a read that never happened.
    sqlx::query("UPDATE log_entries SET seq = seq + 1000000 WHERE seq >= 5")
        .execute(&db)
        .await
        .unwrap();
    sqlx::query("UPDATE log_entries SET seq = seq - 999999 WHERE seq >= 1000000")
        .execute(&db)
        .await
        .unwrap();
    let mut forged = Entry::decode(&leaf(&db, 4).await).unwrap();
    forged.seq = 5;
    forged.request_id = "forged".into();
    sqlx::query(
        "INSERT INTO log_entries (seq, household_id, time_ms, leaf) VALUES (5, $1, $2, $3)",
    )
    .bind(forged.household.clone())
    .bind(forged.time_ms)
    .bind(forged.encode().unwrap())
    .execute(&db)
    .await
    .unwrap();
    // A thorough attacker also rewrites the tree head to cover every row,
    // so the server keeps working and signs the forged tree.
    let leaves: Vec<kluis_audit::Hash> = sqlx::query("SELECT leaf FROM log_entries ORDER BY seq")
        .fetch_all(&db)
        .await
        .unwrap()
        .iter()
        .map(|r| kluis_audit::merkle::leaf_hash(&r.get::<Vec<u8>, _>("leaf")))
        .collect();
    let frontier = kluis_audit::Frontier::from_leaves(&leaves);
    sqlx::query("UPDATE log_head SET size = $1, frontier = $2 WHERE id = 1")
        .bind(leaves.len() as i64)
        .bind(frontier.to_bytes())
        .execute(&db)
        .await
        .unwrap();
    let (kept, fresh) = assert_detected(&w, "inserted row").await;
    assert!(
        matches!(kept, AuditFailure::Log(VerifyError::Fork { .. })),
        "{kept}"
    );
    assert!(
        matches!(
            fresh,
            AuditFailure::Log(VerifyError::WrongPosition {
                position: 6,
                claimed: 5
            })
        ),
        "{fresh}"
    );
    db.close().await;
    w.server.stop().await;
}

#[tokio::test]
async fn a_row_appended_behind_the_servers_back_stops_the_log() {
    // A row added after the tree head, without moving the head: the next
    // append collides with it, so every logged request (verification
    // included) fails closed rather than the row going unnoticed.
    let w = verified_world().await;
    let db = w.server.db().await;
    let size: i64 = sqlx::query_scalar("SELECT size FROM log_head")
        .fetch_one(&db)
        .await
        .unwrap();
    let mut forged = Entry::decode(&leaf(&db, size - 1).await).unwrap();
    forged.seq = size as u64;
    sqlx::query(
        "INSERT INTO log_entries (seq, household_id, time_ms, leaf) VALUES ($1, $2, $3, $4)",
    )
    .bind(size)
    .bind(forged.household.clone())
    .bind(forged.time_ms)
    .bind(forged.encode().unwrap())
    .execute(&db)
    .await
    .unwrap();
    let (kept, _) = assert_detected(&w, "appended row").await;
    match kept {
        AuditFailure::Client(e) => assert_eq!(e.status(), Some(503)),
        other => panic!("expected 503, got {other}"),
    }
    db.close().await;
    w.server.stop().await;
}

#[tokio::test]
async fn restoring_an_older_copy_is_caught_as_a_rollback() {
    let w = world().await;
    w.workload(1).await;
    // The "backup": the tree head at this moment.
    let db = w.server.db().await;
    let row = sqlx::query("SELECT size, frontier FROM log_head")
        .fetch_one(&db)
        .await
        .unwrap();
    let old_size: i64 = row.get("size");
    let old_frontier: Vec<u8> = row.get("frontier");
    w.workload(2).await;
    w.workload(3).await;
    let kept = w.verify("kept").await.expect("verifies before the restore");
    assert!(kept.checkpoint.size as i64 > old_size + 5);

    // Restore: the newer rows vanish and the head goes back.
    sqlx::query("DELETE FROM log_entries WHERE seq >= $1")
        .bind(old_size)
        .execute(&db)
        .await
        .unwrap();
    sqlx::query("UPDATE log_head SET size = $1, frontier = $2 WHERE id = 1")
        .bind(old_size)
        .bind(old_frontier)
        .execute(&db)
        .await
        .unwrap();
    let err = w.verify("kept").await.expect_err("rollback not noticed");
    assert!(
        matches!(err, AuditFailure::Log(VerifyError::Rollback { .. })),
        "{err}"
    );
    assert!(err.to_string().contains("rollback"));
    // The restored log is internally consistent, so only the kept
    // checkpoint can tell: a fresh auditor would accept it.
    w.verify("fresh").await.expect("consistent on its own");
    db.close().await;
    w.server.stop().await;
}

#[tokio::test]
async fn a_different_log_key_is_refused() {
    let w = verified_world().await;
    let state_path = w.state("kept");
    let mut state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&state_path).unwrap()).unwrap();
    let other = kluis_audit::LogSigner::from_private_key(
        &kluis_audit::LogSigner::generate_private_key("kluis-log-other").unwrap(),
    )
    .unwrap();
    state["verifier_key"] = other.verifier_key().into();
    std::fs::write(&state_path, serde_json::to_vec(&state).unwrap()).unwrap();
    let err = w.verify("kept").await.unwrap_err();
    assert!(matches!(err, AuditFailure::KeyChanged { .. }), "{err}");
    w.server.stop().await;
}

#[tokio::test]
async fn an_entry_hidden_from_the_household_by_its_column_is_detected() {
    let w = verified_world().await;
    let db = w.server.db().await;
    let history = w.anna.client.access_log(w.h).await.unwrap();
    let hidden = history.last().unwrap().seq as i64;
    // The leaf is untouched, so every proof still verifies; only the
    // column the household's view is selected by is emptied.
    let done = sqlx::query("UPDATE log_entries SET household_id = NULL WHERE seq = $1")
        .bind(hidden)
        .execute(&db)
        .await
        .unwrap();
    assert_eq!(done.rows_affected(), 1);
    let after = w.anna.client.access_log(w.h).await.unwrap();
    assert!(
        after.iter().all(|e| e.seq as i64 != hidden),
        "the entry is hidden"
    );
    // The auditor's check compares every row's columns with its leaf.
    let (kept, fresh) = assert_detected(&w, "hidden entry").await;
    for failure in [kept, fresh] {
        let text = failure.to_string();
        assert!(text.contains(&format!("log entry {hidden}")), "{text}");
        assert!(text.contains("hidden from a household"), "{text}");
    }
    db.close().await;
    w.server.stop().await;
}

#[tokio::test]
async fn an_account_event_hidden_from_the_household_by_its_column_is_detected() {
    let w = verified_world().await;
    // An administrator ends Anna's sessions (a lost phone): her household's
    // history shows it, found by the row's subject column.
    w.admin.client.end_sessions(w.anna.id).await.unwrap();
    let history = w.anna.client.access_log(w.h).await.unwrap();
    let event = history
        .iter()
        .find(|e| e.event == "principal.sign-out")
        .expect("the household sees what was done to its member's account")
        .seq as i64;
    let db = w.server.db().await;
    // The leaf is untouched; only the column the view finds it by is emptied.
    let done = sqlx::query("UPDATE log_entries SET subject_id = NULL WHERE seq = $1")
        .bind(event)
        .execute(&db)
        .await
        .unwrap();
    assert_eq!(done.rows_affected(), 1);
    let after = w.anna.client.access_log(w.h).await.unwrap();
    assert!(
        after.iter().all(|e| e.seq as i64 != event),
        "the entry is hidden"
    );
    let (kept, fresh) = assert_detected(&w, "hidden account event").await;
    for failure in [kept, fresh] {
        let text = failure.to_string();
        assert!(text.contains(&format!("log entry {event}")), "{text}");
        assert!(text.contains("subject column"), "{text}");
    }
    db.close().await;
    w.server.stop().await;
}
