//! The whole read statement: the caller, the household's members, the
//! caller's grants, the field, and the household's policy generation, in
//! one `SELECT`. Used when the policy cache has nothing for this
//! generation (`super::load`); its members and grants then fill the cache.
//!
//! As separate queries this was six round trips to the database (the
//! token, then `BEGIN`, three `SELECT`s, `ROLLBACK`), each a hop to sqlx's
//! SQLite thread or over PostgreSQL's socket; at 64 readers those hops were
//! much of the server's work (BENCHMARKS.md, issue 18).
//!
//! Here they are one `SELECT` of `UNION ALL` branches, one row kind per
//! branch (`k`), each branch filling its own columns and leaving the others
//! NULL. A single statement reads one snapshot on both engines (PostgreSQL's
//! statement snapshot, SQLite's implicit read transaction), so the decision
//! still rests on members, grants and field as they were at one moment.
//! The NULLs are cast to their column's type because PostgreSQL resolves
//! the types of a chain of `UNION`s pair by pair, and an untyped NULL column
//! in the first pair would become `text`.
//!
//! The branch's columns carry the names `fields::info`,
//! `grants::fact_from_row` and `sessions::judge` read, so those decoders
//! serve here unchanged (the grant's and the person's `id` share a column).
//! The token is looked up once, in the `WITH` clause (`t`); the caller's
//! id inside the statement is that row's person, so nothing about anyone
//! else is read, and nothing read is used before `judge` has accepted the
//! token. (Three lookups of the token, one per use, cost PostgreSQL about
//! 7 % more start-up per read; BENCHMARKS.md.)

use std::sync::{Arc, OnceLock};

use kluis_policy::PrincipalId;
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, AnyConnection, Row};

use super::super::fields::{self, HOUSEHOLD_READER};
use super::super::grants;
use super::super::policy_cache::Policy;
use super::super::StoreError;
use super::{joins_of_v, private_author, readable, Asked, Field, VERSION};

/// Row kinds (column `k`), in the order the statement returns them.
const FIELD: i64 = 0;
const NEWEST: i64 = 1;
const MEMBER: i64 = 2;
const GRANT: i64 = 3;
const TOKEN: i64 = 4;

/// What the whole statement found.
pub struct Whole {
    pub field: Field,
    pub policy: Policy,
}

/// Every column of the statement after `k`: name and SQL type.
const COLUMNS: &[(&str, &str)] = &[
    ("o1", "BIGINT"),
    ("o2", "TEXT"),
    // FIELD and NEWEST (`fields::info`, `Readable`)
    ("path", "TEXT"),
    ("version", "BIGINT"),
    ("key_gen", "BIGINT"),
    ("size_bucket", "BIGINT"),
    ("author_id", "TEXT"),
    ("author_role", "TEXT"),
    ("private_author", "TEXT"),
    ("created_ms", "BIGINT"),
    ("statement", "TEXT"),
    ("signature", "BYTEA"),
    ("writer_grant_jws", "TEXT"),
    ("ciphertext", "BYTEA"),
    ("household_envelope", "BYTEA"),
    ("own_envelope", "BYTEA"),
    // MEMBER
    ("principal_id", "TEXT"),
    // GRANT (`grants::fact_from_row`); TOKEN's person id too
    ("id", "TEXT"),
    ("household_id", "TEXT"),
    ("grantee", "TEXT"),
    ("scope", "TEXT"),
    ("actions", "TEXT"),
    ("purpose", "TEXT"),
    ("valid_from_ms", "BIGINT"),
    ("valid_until_ms", "BIGINT"),
    ("revoked_ms", "BIGINT"),
    // TOKEN (`sessions::judge`, `principals::from_row`)
    ("expires_ms", "BIGINT"),
    ("last_used_ms", "BIGINT"),
    ("name", "TEXT"),
    ("role", "TEXT"),
    ("org", "TEXT"),
    ("signing_key", "BYTEA"),
    ("age_recipient", "TEXT"),
    ("disabled_ms", "BIGINT"),
    ("policy_gen", "BIGINT"),
];

/// A statement's text for the newest version and for an exact one, each
/// built the first time it is needed.
struct Texts([OnceLock<String>; 2]);

impl Texts {
    const fn new() -> Self {
        Self([OnceLock::new(), OnceLock::new()])
    }

    fn get(&'static self, exact: bool, build: fn(bool) -> String) -> &'static str {
        self.0[usize::from(exact)].get_or_init(|| build(exact))
    }
}

/// The asked version of `$2` in household `$1` as a subquery of `columns`:
/// the newest (`exact == false`) or version `$5`.
fn version_of(exact: bool, columns: &str) -> String {
    let which = if exact {
        "AND f.version = $5 ORDER BY f.key_gen DESC LIMIT 1"
    } else {
        "ORDER BY f.version DESC, f.key_gen DESC LIMIT 1"
    };
    format!(
        "(SELECT {columns} FROM field_versions f WHERE f.household_id = $1 AND f.path = $2 {which})"
    )
}

/// `text` with what is `asked` bound: `$1` household, `$2` path, `$3` the
/// household's reader name, `$4` the token's hash, `$5` the version.
fn bind<'q>(asked: &'q Asked, text: &'q str) -> Query<'q, Any, AnyArguments<'q>> {
    let q = sqlx::query(text)
        .bind(asked.h.to_string())
        .bind(asked.path.as_str())
        .bind(HOUSEHOLD_READER)
        .bind(asked.hash.as_slice());
    match asked.version {
        Some(v) => q.bind(v),
        None => q,
    }
}

/// The caller's id: the person of the token whose hash is `$4` (the `WITH`
/// clause's `t`, see `statement`).
const CALLER: &str = "(SELECT t.principal_id FROM t)";

/// One branch, its rows of `kind`: `given` maps some columns to
/// expressions; every other column is a NULL of its type.
fn branch(kind: i64, given: &[(&str, &str)], from: &str) -> String {
    let mut select = vec![format!("CAST({kind} AS BIGINT) AS k")];
    select.extend(
        COLUMNS
            .iter()
            .map(|(name, ty)| match given.iter().find(|(n, _)| n == name) {
                Some((_, expr)) => format!("{expr} AS {name}"),
                None => format!("CAST(NULL AS {ty}) AS {name}"),
            }),
    );
    format!("SELECT {} FROM {from}", select.join(", "))
}

/// The statement, for the newest version (`exact == false`) or version `$5`.
/// `$1` household, `$2` path, `$3` the household's reader name, `$4` the
/// token's hash.
fn statement(exact: bool) -> String {
    let mut field = VERSION.to_vec();
    field.extend_from_slice(&[
        ("ciphertext", "v.ciphertext"),
        ("household_envelope", "eh.envelope"),
        ("own_envelope", "ec.envelope"),
    ]);
    let field_from = format!(
        "{} AS v {}",
        version_of(exact, "*"),
        joins_of_v("$3", CALLER)
    );
    let mut branches = vec![branch(FIELD, &field, &field_from)];
    if exact {
        // Privacy is decided on the newest version, whichever is asked.
        branches.push(branch(
            NEWEST,
            &[("private_author", "v.private_author")],
            &format!("{} AS v", version_of(false, "f.private_author")),
        ));
    }
    branches.push(branch(
        MEMBER,
        &[
            ("o1", "added_ms"),
            ("o2", "principal_id"),
            ("principal_id", "principal_id"),
        ],
        "household_members WHERE household_id = $1",
    ));
    branches.push(branch(
        GRANT,
        &[
            ("o1", "created_ms"),
            ("o2", "id"),
            ("id", "id"),
            ("household_id", "household_id"),
            ("grantee", "grantee"),
            ("scope", "scope"),
            ("actions", "actions"),
            ("purpose", "purpose"),
            ("valid_from_ms", "valid_from_ms"),
            ("valid_until_ms", "valid_until_ms"),
            ("revoked_ms", "revoked_ms"),
        ],
        &format!("grants WHERE household_id = $1 AND grantee = {CALLER}"),
    ));
    branches.push(branch(
        TOKEN,
        &[
            ("expires_ms", "t.expires_ms"),
            ("last_used_ms", "t.last_used_ms"),
            ("id", "p.id"),
            ("name", "p.name"),
            ("role", "p.role"),
            ("org", "p.org"),
            ("signing_key", "p.signing_key"),
            ("age_recipient", "p.age_recipient"),
            ("disabled_ms", "p.disabled_ms"),
            (
                "policy_gen",
                "(SELECT h.policy_gen FROM households h WHERE h.id = $1)",
            ),
        ],
        "t LEFT JOIN principals p ON p.id = t.principal_id",
    ));
    // No ORDER BY: on PostgreSQL a sort node over the whole union was a
    // good part of the statement's start-up cost; `load` puts members and
    // grants in order (`o1`, `o2`) itself.
    format!(
        "WITH t AS (SELECT principal_id, expires_ms, last_used_ms FROM tokens WHERE hash = $4) {}",
        branches.join(" UNION ALL ")
    )
}

/// The statement's two variants, each built once.
static TEXT: Texts = Texts::new();

/// Run the whole statement on `conn` for what is `asked`.
pub async fn run(conn: &mut AnyConnection, asked: &Asked) -> Result<Whole, StoreError> {
    let version = asked.version;
    let q = bind(asked, TEXT.get(version.is_some(), statement));
    let rows = q.fetch_all(conn).await?;
    let mut found = None;
    // `Some` once the NEWEST row was seen: that version's private author.
    let mut newest: Option<Option<PrincipalId>> = None;
    let mut token = None;
    // Members in the order they were added, grants in the order they were
    // given (as `households::member_ids` and `grants::facts` list them).
    let order = |row: &AnyRow| -> Result<(Option<i64>, Option<String>), StoreError> {
        Ok((row.try_get("o1")?, row.try_get("o2")?))
    };
    let mut members = Vec::new();
    let mut granted = Vec::new();
    for row in rows {
        match row.try_get::<i64, _>("k")? {
            FIELD => found = Some(readable(&row)?),
            NEWEST => newest = Some(private_author(&row, "private_author")?),
            MEMBER => {
                let p: String = row.try_get("principal_id")?;
                let id = PrincipalId::parse(&p).map_err(|_| fields::corrupt("member id"))?;
                members.push((order(&row)?, id));
            }
            GRANT => granted.push((order(&row)?, grants::fact_from_row(&row)?)),
            TOKEN => token = Some(row),
            _ => return Err(fields::corrupt("read snapshot row")),
        }
    }
    members.sort_by(|a, b| a.0.cmp(&b.0));
    granted.sort_by(|a, b| a.0.cmp(&b.0));
    let generation = match &token {
        Some(row) => row.try_get("policy_gen")?,
        None => None,
    };
    Ok(Whole {
        field: Field::new(token, generation, found, version, newest),
        policy: Policy {
            members: members.into_iter().map(|(_, m)| m).collect::<Arc<[_]>>(),
            grants: granted.into_iter().map(|(_, g)| g).collect::<Arc<[_]>>(),
        },
    })
}
