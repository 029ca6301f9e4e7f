//! Proofs over a log longer than the stored subtrees' lowest height (256
//! leaves): made from `log_nodes`, they must equal the proofs computed from
//! every leaf, still verify for auditors and devices, and a wrong stored
//! node must make a proof fail, never pass. Runs on SQLite and PostgreSQL.

mod common;

use common::TestServer;
use kluis_audit::merkle::{consistency_proof, inclusion_proof, leaf_hash, Hash};
use kluis_policy::FieldPath;
use kluis_vault::role::Role;
use kluis_vault::store::log_read;

/// Every leaf hash of the log, read row by row.
async fn all_leaf_hashes(store: &kluis_vault::store::Store, size: u64) -> Vec<Hash> {
    let mut out = Vec::new();
    while (out.len() as u64) < size {
        let page = log_read::leaves(store, out.len() as u64, size, 1000)
            .await
            .unwrap();
        assert!(!page.is_empty());
        out.extend(page.iter().map(|(_, l)| leaf_hash(l)));
    }
    out
}

async fn log_size(store: &kluis_vault::store::Store) -> u64 {
    let mut tx = store.begin().await.unwrap();
    let (size, _) = kluis_vault::store::log::committed_head(&mut tx)
        .await
        .unwrap();
    tx.rollback().await;
    size
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proofs_from_stored_subtrees_equal_proofs_from_every_leaf() {
    let server = TestServer::spawn().await;
    let admin = server.admin().await;
    let pro = server
        .enrol(&admin, Role::Professional, "Piet", Some("Wijkteam"))
        .await;
    let anna = server.enrol(&pro, Role::Client, "Anna", None).await;
    let h = anna.client.create_household().await.unwrap();
    let p = FieldPath::parse("financien/situatie").unwrap();
    anna.client.set_field(h, &p, b"schuld").await.unwrap();
    // Every read is a log entry: well past two subtrees of 256.
    for _ in 0..600 {
        anna.client.get_field(h, &p, None).await.unwrap();
    }
    let store = &server.store;
    let size = log_size(store).await;
    assert!(size > 600, "{size}");
    let hashes = all_leaf_hashes(store, size).await;
    for index in [0, 1, 255, 256, 300, 511, 512, size - 1] {
        let stored = log_read::inclusion_proof(store, index, size)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            stored,
            inclusion_proof(&hashes, index as usize),
            "leaf {index}"
        );
    }
    for old in [1, 255, 256, 257, 512, 513, size - 1] {
        let stored = log_read::consistency_proof(store, old, size)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            stored,
            consistency_proof(&hashes, old as usize),
            "from {old}"
        );
    }

    // An auditor's full check and a device's key lookup both pass.
    let auditor = server
        .enrol(&admin, Role::Auditor, "Auditor", Some("Gemeente"))
        .await;
    let dir = tempfile::tempdir().unwrap();
    auditor
        .client
        .audit_verify(&dir.path().join("state"), |_, _| {})
        .await
        .unwrap();
    let fresh = anna.client.via(&server.url).unwrap();
    fresh.trusted_keys(admin.id).await.unwrap();

    // A stored node changed by hand: the proof no longer verifies, so the
    // device refuses the keys (it never accepts a proof it cannot check).
    let db = server.db().await;
    // (Piet's keys are leaf 3 or so: the subtree of leaves 256..512 is a
    // node of its proof.)
    sqlx::query("UPDATE log_nodes SET hash = $1 WHERE height = 8 AND idx = 1")
        .bind(vec![7u8; 32])
        .execute(&db)
        .await
        .unwrap();
    // Anna on a new device, which has not met Piet yet.
    let device_dir = tempfile::tempdir().unwrap();
    let device = anna
        .client
        .via(&server.url)
        .unwrap()
        .on_device(&device_dir.path().join("anna.kluis"));
    let refusal = device.trusted_keys(pro.id).await.unwrap_err();
    assert!(refusal.to_string().contains("not in the log"), "{refusal}");

    // Dropped nodes are indexed again at start-up, and proofs match again.
    sqlx::query("DELETE FROM log_nodes")
        .execute(&db)
        .await
        .unwrap();
    db.close().await;
    server.start_up_again().await;
    let size = log_size(store).await;
    let hashes = all_leaf_hashes(store, size).await;
    let stored = log_read::inclusion_proof(store, 3, size)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored, inclusion_proof(&hashes, 3));
    device.trusted_keys(pro.id).await.unwrap();
}
