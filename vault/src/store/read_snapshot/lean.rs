//! The lean read statement: one row with the token and its person, the
//! household's policy generation and the field, joined on the token. No
//! members or grants: those come from the policy cache when it holds them
//! for this same generation (`super::load`).
//!
//! No token, no row: a read with an unknown token reads nothing else.
//! The caller's envelope is the one for the token's own person
//! (`t.principal_id`), as in `whole`.

use sqlx::AnyConnection;
use sqlx::Row;

use super::super::StoreError;
use super::{joins_of_v, private_author, readable, version_of, Asked, Field, Texts, VERSION};

/// The statement, for the newest version (`exact == false`) or version
/// `$5` (then with the newest version's number and private author beside
/// it: privacy is decided on the newest version, whichever is asked).
/// `$1` household, `$2` path, `$3` the household's reader name, `$4` the
/// token's hash.
fn statement(exact: bool) -> String {
    let mut columns: Vec<String> = [
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
    ]
    .map(String::from)
    .to_vec();
    columns.extend(
        VERSION
            .iter()
            .map(|(name, expr)| format!("{expr} AS {name}")),
    );
    let mut from = format!(
        "tokens t LEFT JOIN principals p ON p.id = t.principal_id \
         LEFT JOIN households hh ON hh.id = $1 \
         LEFT JOIN {} v ON 1 = 1 {}",
        version_of(exact, "*"),
        joins_of_v("t.principal_id"),
    );
    if exact {
        columns.push("nv.version AS newest_version".into());
        columns.push("nv.private_author AS newest_private_author".into());
        from.push_str(&format!(
            " LEFT JOIN {} nv ON 1 = 1",
            version_of(false, "f.version, f.private_author")
        ));
    }
    format!(
        "SELECT {} FROM {from} WHERE t.hash = $4",
        columns.join(", ")
    )
}

/// The statement's two variants, each built once.
static TEXT: Texts = Texts::new();

/// Run the lean statement on `conn` for what is `asked`.
pub async fn run(conn: &mut AnyConnection, asked: &Asked<'_>) -> Result<Field, StoreError> {
    let version = asked.version;
    let q = asked.query(TEXT.get(version.is_some(), statement));
    let Some(row) = q.fetch_optional(conn).await? else {
        return Ok(Field::new(None, None, None, version, None));
    };
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
