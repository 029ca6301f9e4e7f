//! The log store buffers appended rows and writes them in multi-row INSERTs
//! (`store::log::Head`). These tests go through the real store on a fresh
//! database (SQLite, or PostgreSQL with `KLUIS_TEST_DATABASE_URL`) and read
//! back what was written with the same queries `audit verify` uses, so a
//! lost, duplicated, reordered or misplaced row shows up as a wrong leaf or
//! a wrong root.

mod common;

use kluis_audit::{merkle, Action, Entry, EventType, Flags, Frontier, Outcome};
use kluis_vault::store::{log, log_read, Store};
use sqlx::Row;

fn entry(household: Option<&str>, i: u64) -> Entry {
    Entry {
        version: kluis_audit::entry::VERSION,
        seq: 0,
        time_ms: 1_760_000_000_000 + i as i64,
        event: EventType::FieldRead,
        action: Action::Read,
        outcome: Outcome::Allowed,
        flags: Flags::default(),
        actor: Some(kluis_policy::PrincipalId::random().to_string()),
        actor_role: Some("client".to_owned()),
        actor_org: None,
        on_behalf_of: None,
        household: household.map(str::to_owned),
        fields: vec![format!("veld/{i}")],
        basis: None,
        purpose: None,
        request_id: format!("{i:016x}"),
        instance: "test".to_owned(),
        reason: None,
        payload_commitment: None,
    }
}

async fn fresh_store(dir: &tempfile::TempDir) -> Store {
    let (url, _) = common::fresh_database_url(dir.path()).await;
    let store = Store::open(&url).await.expect("open store");
    log::init(&store).await.expect("init log");
    store
}

/// Appends `count` entries in one transaction (every third with a payload,
/// every fifth without a household); returns the leaves as encoded.
async fn append_in_one_tx(store: &Store, count: u64, first_seq: u64) -> Vec<Vec<u8>> {
    let household = kluis_policy::HouseholdId::random().to_string();
    let mut tx = store.begin().await.unwrap();
    let mut head = log::lock(&mut tx).await.unwrap();
    assert_eq!(head.size, first_seq);
    let mut leaves = Vec::new();
    for i in 0..count {
        let mut e = entry((!i.is_multiple_of(5)).then_some(household.as_str()), i);
        let payload = (i.is_multiple_of(3)).then(|| format!("payload {i}").into_bytes());
        let seq = log::append(&mut tx, &mut head, &mut e, payload)
            .await
            .unwrap();
        assert_eq!(seq, first_seq + i);
        leaves.push(e.encode().unwrap());
    }
    log::finish(&mut tx, &mut head).await.unwrap();
    tx.commit().await.unwrap();
    leaves
}

async fn stored_leaves(store: &Store) -> Vec<(u64, Vec<u8>)> {
    log_read::leaves(store, 0, u64::MAX, 100_000).await.unwrap()
}

async fn stored_root(store: &Store) -> (u64, kluis_audit::Hash) {
    let mut tx = store.begin().await.unwrap();
    let head = log::lock(&mut tx).await.unwrap();
    let out = (head.size, head.root());
    tx.rollback().await;
    out
}

fn root_of(leaves: &[Vec<u8>]) -> kluis_audit::Hash {
    let mut f = Frontier::new();
    for l in leaves {
        f.append(merkle::leaf_hash(l)).unwrap();
    }
    f.root()
}

#[tokio::test]
async fn a_long_transaction_writes_every_row_once_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let store = fresh_store(&dir).await;
    // 1100 entries: one flush at 1024 inside `append`, then 76 = 64 + 8 + 4
    // at `finish`; then a second transaction of 1, then one of 129 = 128 + 1.
    let mut written = append_in_one_tx(&store, 1100, 0).await;
    written.extend(append_in_one_tx(&store, 1, 1100).await);
    written.extend(append_in_one_tx(&store, 129, 1101).await);

    let stored = stored_leaves(&store).await;
    assert_eq!(stored.len(), written.len());
    for (i, ((seq, leaf), expected)) in stored.iter().zip(&written).enumerate() {
        assert_eq!(*seq, i as u64, "rows are contiguous");
        assert_eq!(
            leaf, expected,
            "row {i} holds the leaf appended as entry {i}"
        );
    }
    let (size, root) = stored_root(&store).await;
    assert_eq!(size, written.len() as u64);
    assert_eq!(root, root_of(&written), "the stored head matches the rows");

    // Payloads and households went to the right rows.
    let rows = sqlx::query("SELECT seq, household_id, payload FROM log_entries ORDER BY seq")
        .fetch_all(store.pool())
        .await
        .unwrap();
    let ranges = [(0u64, 1100u64), (1100, 1101), (1101, 1230)];
    for row in rows {
        let seq = row.get::<i64, _>("seq") as u64;
        let (start, _) = ranges
            .iter()
            .find(|(s, e)| (*s..*e).contains(&seq))
            .unwrap();
        let i = seq - start;
        let household: Option<String> = row.get("household_id");
        let payload: Option<Vec<u8>> = row.get("payload");
        assert_eq!(
            household.is_some(),
            !i.is_multiple_of(5),
            "household of row {seq}"
        );
        assert_eq!(
            payload,
            (i.is_multiple_of(3)).then(|| format!("payload {i}").into_bytes()),
            "payload of row {seq}"
        );
    }
}

#[tokio::test]
async fn a_rolled_back_transaction_leaves_no_buffered_row_behind() {
    let dir = tempfile::tempdir().unwrap();
    let store = fresh_store(&dir).await;
    let written = append_in_one_tx(&store, 3, 0).await;

    // 1030 appends (so 1024 were already written by the mid-way flush),
    // then a rollback: none of them may remain.
    let mut tx = store.begin().await.unwrap();
    let mut head = log::lock(&mut tx).await.unwrap();
    for i in 0..1030 {
        log::append(&mut tx, &mut head, &mut entry(None, i), None)
            .await
            .unwrap();
    }
    tx.rollback().await;

    let stored = stored_leaves(&store).await;
    assert_eq!(stored.len(), 3);
    assert_eq!(stored_root(&store).await, (3, root_of(&written)));
}

#[tokio::test]
async fn settling_makes_buffered_rows_visible_to_the_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let store = fresh_store(&dir).await;
    let mut tx = store.begin().await.unwrap();
    let mut head = log::lock(&mut tx).await.unwrap();
    for i in 0..7 {
        log::append(&mut tx, &mut head, &mut entry(None, i), None)
            .await
            .unwrap();
    }
    log::settle(&mut tx, &mut head).await.unwrap();
    let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM log_entries")
        .fetch_one(&mut *tx)
        .await
        .unwrap()
        .get("n");
    assert_eq!(n, 7, "after settle the transaction sees every appended row");
    log::finish(&mut tx, &mut head).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(stored_leaves(&store).await.len(), 7);
}
