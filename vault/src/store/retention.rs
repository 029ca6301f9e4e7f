//! Retention state per household: closing, legal holds, destruction.

use kluis_policy::HouseholdId;
use sqlx::Row;

use super::{Backend, Store, StoreError, Tx};

#[derive(Debug, Clone)]
pub struct Status {
    pub closed_ms: Option<i64>,
    pub class: Option<String>,
    pub due_ms: Option<i64>,
    pub destroyed_ms: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct Due {
    pub household: HouseholdId,
    pub class: String,
    pub closed_ms: i64,
    pub due_ms: i64,
    pub holds: Vec<ActiveHold>,
}

fn corrupt() -> StoreError {
    StoreError::Unavailable(sqlx::Error::Decode("bad stored household id".into()))
}

pub async fn status(tx: &mut Tx, h: HouseholdId) -> Result<Option<Status>, StoreError> {
    let row = sqlx::query(
        "SELECT closed_ms, retention_class, due_ms, destroyed_ms FROM households WHERE id = $1",
    )
    .bind(h.to_string())
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(Status {
        closed_ms: row.try_get("closed_ms")?,
        class: row.try_get("retention_class")?,
        due_ms: row.try_get("due_ms")?,
        destroyed_ms: row.try_get("destroyed_ms")?,
    }))
}

pub async fn close(
    tx: &mut Tx,
    h: HouseholdId,
    class: &str,
    closed_ms: i64,
    due_ms: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE households SET closed_ms = $1, retention_class = $2, due_ms = $3 WHERE id = $4",
    )
    .bind(closed_ms)
    .bind(class)
    .bind(due_ms)
    .bind(h.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn reopen(tx: &mut Tx, h: HouseholdId) -> Result<(), StoreError> {
    sqlx::query("UPDATE households SET closed_ms = NULL, retention_class = NULL, due_ms = NULL WHERE id = $1")
        .bind(h.to_string())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn place_hold(
    tx: &mut Tx,
    h: HouseholdId,
    reason: &str,
    by: &str,
    now_ms: i64,
) -> Result<String, StoreError> {
    let id = hex::encode(rand::random::<[u8; 8]>());
    sqlx::query("INSERT INTO legal_holds (id, household_id, reason, placed_by, placed_ms) VALUES ($1, $2, $3, $4, $5)")
        .bind(&id)
        .bind(h.to_string())
        .bind(reason)
        .bind(by)
        .bind(now_ms)
        .execute(&mut **tx)
        .await?;
    Ok(id)
}

/// Release one active hold of household `h`, saying why; false if there is
/// no such active hold (released already, or another household's).
pub async fn release_hold(
    tx: &mut Tx,
    h: HouseholdId,
    hold: &str,
    reason: &str,
    by: &str,
    now_ms: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE legal_holds SET released_by = $1, released_ms = $2, release_reason = $3 \
         WHERE id = $4 AND household_id = $5 AND released_ms IS NULL",
    )
    .bind(by)
    .bind(now_ms)
    .bind(reason)
    .bind(hold)
    .bind(h.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// An active legal hold.
#[derive(Debug, Clone)]
pub struct ActiveHold {
    pub id: String,
    pub reason: String,
    pub placed_by: String,
    pub placed_ms: i64,
}

pub async fn active_holds(tx: &mut Tx, h: HouseholdId) -> Result<Vec<ActiveHold>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, reason, placed_by, placed_ms FROM legal_holds \
         WHERE household_id = $1 AND released_ms IS NULL ORDER BY placed_ms, id",
    )
    .bind(h.to_string())
    .fetch_all(&mut **tx)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ActiveHold {
                id: r.try_get("id")?,
                reason: r.try_get("reason")?,
                placed_by: r.try_get("placed_by")?,
                placed_ms: r.try_get("placed_ms")?,
            })
        })
        .collect()
}

/// Closed, not destroyed households whose term ends by `as_of_ms`.
pub async fn due(tx: &mut Tx, as_of_ms: i64) -> Result<Vec<Due>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, retention_class, closed_ms, due_ms FROM households \
         WHERE closed_ms IS NOT NULL AND destroyed_ms IS NULL AND due_ms <= $1 ORDER BY due_ms, id",
    )
    .bind(as_of_ms)
    .fetch_all(&mut **tx)
    .await?;
    let mut out = Vec::new();
    for row in rows {
        let h = HouseholdId::parse(&row.try_get::<String, _>("id")?).map_err(|_| corrupt())?;
        out.push(Due {
            household: h,
            class: row.try_get("retention_class")?,
            closed_ms: row.try_get("closed_ms")?,
            due_ms: row.try_get("due_ms")?,
            holds: active_holds(tx, h).await?,
        });
    }
    Ok(out)
}

/// Crypto-shredding: delete every ciphertext, envelope, grant, membership
/// (with its household-identity envelope), trusted contact (whose held
/// envelope is the household identity too) and their requests, the household's log key and the
/// sealed payloads of its log entries. The household row stays as the
/// record that it existed and when it was destroyed; the log's leaves stay,
/// so the tree still verifies.
/// After a destruction or erasure has committed: make the deleted bytes go
/// from the database files too. SQLite overwrites deleted content itself
/// (`secure_delete`), but the old pages also sit in the write-ahead log
/// until a checkpoint: checkpoint and truncate it. PostgreSQL keeps dead
/// rows until a vacuum: vacuum the tables that held the household.
pub async fn scrub(store: &Store) -> Result<(), StoreError> {
    let statements: &[&str] = match store.backend() {
        Backend::Sqlite => &["PRAGMA wal_checkpoint(TRUNCATE)"],
        Backend::Postgres => &[
            "VACUUM field_versions",
            "VACUUM envelopes",
            "VACUUM household_members",
            "VACUUM trusted_contacts",
            "VACUUM household_log_keys",
            "VACUUM log_entries",
        ],
    };
    for statement in statements {
        sqlx::query(statement).execute(store.pool()).await?;
    }
    Ok(())
}

pub async fn destroy(tx: &mut Tx, h: HouseholdId, now_ms: i64) -> Result<(), StoreError> {
    let id = h.to_string();
    for sql in [
        "DELETE FROM envelopes WHERE household_id = $1",
        "DELETE FROM field_versions WHERE household_id = $1",
        "DELETE FROM needs_rekey WHERE household_id = $1",
        "DELETE FROM grants WHERE household_id = $1",
        "DELETE FROM household_members WHERE household_id = $1",
        // A trusted contact's envelope is the household key too.
        "DELETE FROM trusted_contacts WHERE household_id = $1",
        "DELETE FROM contact_requests WHERE household_id = $1",
        "DELETE FROM household_log_keys WHERE household_id = $1",
        "UPDATE log_entries SET payload = NULL WHERE household_id = $1",
    ] {
        sqlx::query(sql).bind(&id).execute(&mut **tx).await?;
    }
    sqlx::query("UPDATE households SET destroyed_ms = $1 WHERE id = $2")
        .bind(now_ms)
        .bind(&id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
