//! The group-commit writer's check of reads answered from `super::recent`:
//! is what each rested on still so, in the transaction that will log it?
//!
//! One statement for up to `MAX` reads, as the read batch (`super::batch`):
//! the reads are rows of a `VALUES` list, and a row comes back, by its
//! number, only for a read whose token is still there for the same person
//! and not expired at the writer's `now`, whose person is not disabled,
//! whose household is still at the same policy generation, and whose
//! version is still there with the same key generation and no newer
//! version or other generation beside it. It runs after the log lock is
//! taken, so no change to any of these commits before the read's entry
//! does (`super::recent` says why these are all the read rests on).

use sqlx::Row;

use super::super::transaction::Tx;
use super::super::StoreError;
use super::recent::Confirm;

/// The most reads one statement checks (8 parameters each).
pub const MAX: usize = 32;

/// The statement for `n` reads. `$1` is the writer's `now`; read `i` (from
/// 0) binds token hash, person, household, generation, path, version and
/// key generation as `$(2+7i)` to `$(8+7i)`.
fn statement(n: usize) -> String {
    let rows: Vec<String> = (0..n)
        .map(|i| {
            let p = 2 + 7 * i;
            let params: Vec<String> = (p..p + 7).map(|k| format!("${k}")).collect();
            format!("(CAST({i} AS BIGINT), {})", params.join(", "))
        })
        .collect();
    format!(
        "WITH a (i, hash, person, h, gen, path, version, key_gen) AS (VALUES {}) \
         SELECT a.i AS asked FROM a \
         JOIN tokens t ON t.hash = a.hash AND t.principal_id = a.person AND t.expires_ms > $1 \
         JOIN principals p ON p.id = a.person AND p.disabled_ms IS NULL \
         JOIN households hh ON hh.id = a.h AND hh.policy_gen = a.gen AND hh.destroyed_ms IS NULL \
         WHERE EXISTS (SELECT 1 FROM field_versions v WHERE v.household_id = a.h \
           AND v.path = a.path AND v.version = a.version AND v.key_gen = a.key_gen) \
         AND NOT EXISTS (SELECT 1 FROM field_versions f WHERE f.household_id = a.h \
           AND f.path = a.path AND (f.version > a.version \
             OR (f.version = a.version AND f.key_gen <> a.key_gen)))",
        rows.join(", "),
    )
}

/// The statement for each batch size, built the first time it is needed
/// (the same text serves both engines).
static TEXT: [std::sync::OnceLock<String>; MAX] = [const { std::sync::OnceLock::new() }; MAX];

/// For each of `reads`, in order, whether what it rested on is still so.
pub async fn still(tx: &mut Tx, reads: &[&Confirm], now_ms: i64) -> Result<Vec<bool>, StoreError> {
    let mut holds = Vec::with_capacity(reads.len());
    for chunk in reads.chunks(MAX) {
        let text = TEXT[chunk.len() - 1].get_or_init(|| statement(chunk.len()));
        let mut q = sqlx::query(text).bind(now_ms);
        for c in chunk {
            q = q
                .bind(c.key.hash.as_slice())
                .bind(c.person.to_string())
                .bind(c.key.h.to_string())
                .bind(c.generation)
                .bind(c.key.path.as_str())
                .bind(c.version)
                .bind(c.key_gen);
        }
        let rows = q.fetch_all(&mut **tx).await?;
        let mut here = vec![false; chunk.len()];
        for row in rows {
            let i: i64 = row.try_get("asked")?;
            if let Some(slot) = usize::try_from(i).ok().and_then(|i| here.get_mut(i)) {
                *slot = true;
            }
        }
        holds.extend(here);
    }
    Ok(holds)
}
