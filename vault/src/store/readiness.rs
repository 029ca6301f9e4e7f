//! The write probe behind `/readyz`: can this database commit right now?
//!
//! One autocommit upsert of a single row: the smallest write that still goes
//! through the whole commit path (on SQLite the WAL append and its fsync, on
//! PostgreSQL the WAL flush). It runs outside `Tx` on purpose, so a probe
//! that succeeds does not hide a failure of the requests' own commits (see
//! `Health`). On SQLite it also checks the room left under the database's
//! page limit, since an upsert that rewrites a page in place can succeed on
//! a database that can no longer grow.

use sqlx::Row;

use super::{Backend, Store};

/// Pages that must still be free (under `max_page_count`, counting the free
/// list) for SQLite to count as writable: 64 KiB at the default page size,
/// enough for one ordinary write with its log entry.
const MIN_FREE_PAGES: i64 = 16;

/// `Ok` when a write committed; otherwise why not, in plain words.
pub async fn probe(store: &Store, now_ms: i64) -> Result<(), String> {
    let mut conn = store.acquire().await.map_err(|e| e.to_string())?;
    if store.backend() == Backend::Sqlite {
        let row = sqlx::query(
            "SELECT (SELECT page_count FROM pragma_page_count()) AS used, \
                    (SELECT max_page_count FROM pragma_max_page_count()) AS max, \
                    (SELECT freelist_count FROM pragma_freelist_count()) AS free",
        )
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| e.to_string())?;
        let (used, max, free): (i64, i64, i64) = (
            row.try_get("used").map_err(|e| e.to_string())?,
            row.try_get("max").map_err(|e| e.to_string())?,
            row.try_get("free").map_err(|e| e.to_string())?,
        );
        if max - used + free < MIN_FREE_PAGES {
            return Err(format!(
                "the database is full: {used} of at most {max} pages in use"
            ));
        }
    }
    sqlx::query(
        "INSERT INTO readiness (id, checked_ms) VALUES (1, $1) \
         ON CONFLICT (id) DO UPDATE SET checked_ms = excluded.checked_ms",
    )
    .bind(now_ms)
    .execute(&mut *conn)
    .await
    .map_err(|e| format!("a test write did not commit: {e}"))?;
    Ok(())
}
