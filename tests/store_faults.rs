//! The store's transactions after the database refused a write.
//!
//! These drive `Store` (the layer every request commits through) into
//! SQLite's "database or disk is full" with `max_page_count`, which is
//! deterministic, and check what an outside reader and an outside writer
//! see afterwards. With sqlx's own transactions, which the store used
//! before, this sequence reported three commits as successful that never
//! reached the database, and left the idle pool holding SQLite's write
//! lock (see `vault/src/store/transaction.rs` for the mechanism). The
//! PostgreSQL side of these faults (restarts, outages, cut connections) is
//! in the fault suite, `tests/faults.rs`.

mod common;

use kluis_vault::store::Store;
use sqlx::{Connection, Executor};

/// A store on a fresh SQLite file with a scratch table to fill, or `None`
/// when the suite runs against PostgreSQL (no page limit there).
async fn sqlite_store(dir: &tempfile::TempDir) -> Option<(Store, String)> {
    let (url, backend) = common::fresh_database_url(dir.path()).await;
    if backend != "sqlite" {
        eprintln!(
            "store_faults: SQLite only (page limits); PostgreSQL faults are in tests/faults.rs"
        );
        return None;
    }
    let store = Store::open(&url).await.expect("open store");
    store
        .pool()
        .execute("CREATE TABLE filler (n INTEGER, b BLOB)")
        .await
        .unwrap();
    Some((store, url))
}

async fn page_count(store: &Store) -> u64 {
    let n: i64 = sqlx::query_scalar("SELECT page_count FROM pragma_page_count()")
        .fetch_one(store.pool())
        .await
        .unwrap();
    n as u64
}

/// Fill the database in committed transactions until a write is refused;
/// returns how many commits were confirmed.
async fn fill_until_full(store: &Store) -> usize {
    store.set_page_limit(page_count(store).await + 40);
    for i in 0.. {
        let mut tx = store.begin().await.expect("begin");
        let inserted = sqlx::query("INSERT INTO filler (n, b) VALUES ($1, zeroblob(8000))")
            .bind(i as i64)
            .execute(&mut *tx)
            .await;
        match inserted {
            Ok(_) => tx.commit().await.expect("commit while there is room"),
            Err(e) => {
                assert!(e.to_string().contains("full"), "unexpected error: {e}");
                return i;
            }
        }
        assert!(i < 1000, "the page limit never made the database full");
    }
    unreachable!()
}

/// An independent connection: what another process would see.
async fn outside(url: &str) -> sqlx::SqliteConnection {
    let path = url
        .trim_start_matches("sqlite://")
        .split('?')
        .next()
        .unwrap();
    sqlx::SqliteConnection::connect(&format!("sqlite://{path}"))
        .await
        .unwrap()
}

#[tokio::test]
async fn commits_after_a_full_database_are_real_and_no_lock_stays_behind() {
    let dir = tempfile::tempdir().unwrap();
    let Some((store, url)) = sqlite_store(&dir).await else {
        return;
    };
    let confirmed = fill_until_full(&store).await;
    assert!(confirmed > 0);

    // A read snapshot ends, as the read path's do, while still full.
    let tx = store.begin().await.unwrap();
    tx.rollback().await;
    // A write that fails mid-transaction and is dropped, as a handler's `?`
    // does.
    {
        let mut tx = store.begin().await.unwrap();
        let err = sqlx::query("INSERT INTO filler (n, b) VALUES (-1, zeroblob(300000))")
            .execute(&mut *tx)
            .await;
        assert!(err.is_err(), "the database should still be full");
    }

    // Space comes back. Every commit confirmed from now on must be on disk.
    store.set_page_limit(1 << 30);
    for marker in 0..3i64 {
        let mut tx = store.begin().await.unwrap();
        sqlx::query("INSERT INTO filler (n, b) VALUES ($1, x'01')")
            .bind(1000 + marker)
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.expect("commit after space came back");
        // And a read snapshot between writes, as requests interleave.
        store.begin().await.unwrap().rollback().await;
    }

    let mut other = outside(&url).await;
    let seen: Vec<i64> = sqlx::query_scalar("SELECT n FROM filler WHERE n >= 1000 ORDER BY n")
        .fetch_all(&mut other)
        .await
        .unwrap();
    assert_eq!(
        seen,
        vec![1000, 1001, 1002],
        "an outside reader must see every confirmed commit"
    );
    let filled: i64 = sqlx::query_scalar("SELECT count(*) FROM filler WHERE n >= 0 AND n < 1000")
        .fetch_one(&mut other)
        .await
        .unwrap();
    assert_eq!(filled as usize, confirmed, "commits before the fault stay");

    // The idle store holds no lock: another writer gets in at once.
    other
        .execute("PRAGMA busy_timeout = 200; BEGIN IMMEDIATE")
        .await
        .expect("the idle server must not hold SQLite's write lock");
    other.execute("ROLLBACK").await.unwrap();
}

#[tokio::test]
async fn a_transaction_dropped_mid_write_leaves_nothing_and_frees_the_lock() {
    let dir = tempfile::tempdir().unwrap();
    let Some((store, url)) = sqlite_store(&dir).await else {
        return;
    };
    {
        let mut tx = store.begin().await.unwrap();
        sqlx::query("INSERT INTO filler (n, b) VALUES (7, x'07')")
            .execute(&mut *tx)
            .await
            .unwrap();
        // Dropped without commit: an error path or a cancelled request.
    }
    let mut other = outside(&url).await;
    // The rollback runs in the background; the lock must be free soon.
    let mut free = false;
    for _ in 0..50 {
        if other
            .execute("PRAGMA busy_timeout = 100; BEGIN IMMEDIATE")
            .await
            .is_ok()
        {
            free = true;
            break;
        }
    }
    assert!(free, "a dropped transaction kept SQLite's write lock");
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM filler")
        .fetch_one(&mut other)
        .await
        .unwrap();
    assert_eq!(n, 0, "a dropped transaction must leave nothing");
    other.execute("ROLLBACK").await.unwrap();
}
