//! The batched read statement: for each of up to `MAX` waiting reads, one
//! row with the token and its person, the household's policy generation
//! and the asked field, all in one `SELECT`. No members or grants: those
//! come from the policy cache when it holds them for this same generation
//! (`super::load`).
//!
//! Why a batch: at 64 readers most of a read's cost on PostgreSQL was the
//! statement's fixed part (a round trip over the socket, the backend
//! waking, the executor set up for seven joined tables), not the handful of
//! index lookups it does. The reads waiting for a lane (`super::lanes`) go
//! together: the reads are rows of a `VALUES` list (`a`), and the
//! statement joins each to its token, household and field. One statement
//! is one snapshot, so each read still rests on one moment; reads of
//! different callers and households share nothing but the statement.
//!
//! Reads are kept apart by construction: every join starts from the read's
//! own row of `a` (its token's hash, its household, its path), and each
//! answer goes back by that row's number (`asked`). An unknown token joins
//! no row, and that read reads nothing else. The caller's envelope is the
//! one for the token's own person (`t.principal_id`), as in `whole`.
//!
//! The version is the newest, or the one asked by number with the newest
//! beside it (privacy is decided on the newest version, whichever is
//! asked). PostgreSQL finds it with a `LATERAL` subquery; SQLite has no
//! `LATERAL` and finds the row by its `rowid` instead, the same lookup.

use sqlx::any::AnyRow;
use sqlx::AnyConnection;
use sqlx::Row;

use super::super::fields::{self, HOUSEHOLD_READER};
use super::super::{Backend, StoreError};
use super::{joins_of_v, private_author, readable, Asked, Field, VERSION};

/// The most reads one statement takes. 16 reads (65 parameters) keep
/// the statement small to plan and parse; at 64 readers a batch holds 5
/// to 8 (BENCHMARKS.md), so the bound is seldom reached.
pub const MAX: usize = 16;

/// A version of the field of `a`: the one that is read (`Side::Read`,
/// joined as `v`), or the newest beside an older one asked by number
/// (`Side::Newest`, as `nv`).
fn version_join(backend: Backend, side: Side) -> String {
    let (alias, columns, gate, on) = match side {
        Side::Read => (
            "v",
            "*",
            "f.version <= COALESCE(a.version, 9223372036854775807) AND ",
            "(a.version IS NULL OR v.version = a.version)",
        ),
        // Inside the subquery, not in `ON`: PostgreSQL then skips the
        // lookup (a one-time filter) for a read of the newest version,
        // the common case, instead of fetching the row and dropping it.
        Side::Newest => (
            "nv",
            "f.version, f.private_author",
            "a.version IS NOT NULL AND ",
            "TRUE",
        ),
    };
    let latest = format!("WHERE {gate}f.household_id = a.h AND f.path = a.path");
    let order = "ORDER BY f.version DESC, f.key_gen DESC LIMIT 1";
    match backend {
        Backend::Postgres => format!(
            "LEFT JOIN LATERAL (SELECT {columns} FROM field_versions f {latest} {order}) {alias} \
             ON {on}"
        ),
        Backend::Sqlite => format!(
            "LEFT JOIN field_versions {alias} ON {alias}.rowid = \
             (SELECT f.rowid FROM field_versions f {latest} {order}) AND {on}"
        ),
    }
}

/// Which version a `version_join` finds.
#[derive(Clone, Copy)]
enum Side {
    /// The version read: the newest, or the one asked by number.
    Read,
    /// The newest version, needed only when an older one is asked.
    Newest,
}

/// The statement for `n` reads. `$1` is the household's reader name; read
/// `i` (from 0) binds household, path, token hash and version (or NULL for
/// the newest) as `$(2+4i)` to `$(5+4i)`.
fn statement(backend: Backend, n: usize) -> String {
    let rows: Vec<String> = (0..n)
        .map(|i| {
            let p = 2 + 4 * i;
            format!(
                "(CAST({i} AS BIGINT), ${p}, ${}, ${}, ${})",
                p + 1,
                p + 2,
                p + 3
            )
        })
        .collect();
    let mut columns: Vec<String> = [
        "a.i AS asked",
        "t.expires_ms",
        "t.last_used_ms",
        "p.id",
        "p.name",
        "p.role",
        "p.org",
        "p.signing_key",
        "p.age_recipient",
        "p.disabled_ms",
        "hh.policy_gen",
        "v.ciphertext",
        "eh.envelope AS household_envelope",
        "ec.envelope AS own_envelope",
        "nv.version AS newest_version",
        "nv.private_author AS newest_private_author",
    ]
    .map(String::from)
    .to_vec();
    columns.extend(
        VERSION
            .iter()
            .map(|(name, expr)| format!("{expr} AS {name}")),
    );
    format!(
        "WITH a (i, h, path, hash, version) AS (VALUES {}) \
         SELECT {} FROM a JOIN tokens t ON t.hash = a.hash \
         LEFT JOIN principals p ON p.id = t.principal_id \
         LEFT JOIN households hh ON hh.id = a.h \
         {} {} {}",
        rows.join(", "),
        columns.join(", "),
        version_join(backend, Side::Read),
        joins_of_v("$1", "t.principal_id"),
        version_join(backend, Side::Newest),
    )
}

/// The statement for each engine and batch size, each built the first
/// time it is needed (one process may use both engines: `kluis bench`).
static TEXT: [[std::sync::OnceLock<String>; MAX]; 2] =
    [const { [const { std::sync::OnceLock::new() }; MAX] }; 2];

fn text(backend: Backend, n: usize) -> &'static str {
    let engine = usize::from(backend == Backend::Postgres);
    TEXT[engine][n - 1].get_or_init(|| statement(backend, n))
}

/// Run the statement on `conn` for the reads `asked` (1 to `MAX` of them):
/// each read's own answer, in their order. `Err` only when the statement
/// itself failed; a row that does not decode fails its own read alone.
pub async fn run(
    conn: &mut AnyConnection,
    backend: Backend,
    asked: &[&Asked],
) -> Result<Vec<Result<Field, StoreError>>, StoreError> {
    assert!(
        (1..=MAX).contains(&asked.len()),
        "a batch of 1 to MAX reads"
    );
    let mut q = sqlx::query(text(backend, asked.len())).bind(HOUSEHOLD_READER);
    for read in asked {
        q = q
            .bind(read.h.to_string())
            .bind(read.path.as_str())
            .bind(read.hash.as_slice())
            .bind(read.version);
    }
    let rows = q.fetch_all(conn).await?;
    let mut answers: Vec<Option<Result<Field, StoreError>>> = asked.iter().map(|_| None).collect();
    for row in rows {
        let i = usize::try_from(row.try_get::<i64, _>("asked")?)
            .ok()
            .filter(|&i| i < asked.len())
            .ok_or_else(|| fields::corrupt("read batch row"))?;
        let answer = match answers[i] {
            // Every join is on a key, so a second row for one read means
            // the database lost a key: that read is refused.
            Some(_) => Err(fields::corrupt("read batch row")),
            None => field_of(row, asked[i].version),
        };
        answers[i] = Some(answer);
    }
    Ok(answers
        .into_iter()
        .zip(asked)
        // No row: no such token.
        .map(|(answer, read)| {
            answer.unwrap_or_else(|| Ok(Field::new(None, None, None, read.version, None)))
        })
        .collect())
}

/// What one read's row says.
fn field_of(row: AnyRow, version: Option<i64>) -> Result<Field, StoreError> {
    let found = match row.try_get::<Option<String>, _>("path")? {
        Some(_) => Some(readable(&row)?),
        None => None,
    };
    let newest = match version {
        Some(_) => {
            let newest: Option<i64> = row.try_get("newest_version")?;
            let author = private_author(&row, "newest_private_author")?;
            newest.map(|_| author)
        }
        None => None,
    };
    let generation = row.try_get("policy_gen")?;
    Ok(Field::new(Some(row), generation, found, version, newest))
}
