//! The directory of professionals: whom a household can share with.
//!
//! Only people with role `professional` who are not disabled are ever
//! listed, so the search cannot be used to find clients, auditors or
//! administrators. Names and organisations are matched as substrings,
//! ignoring case and accents, against copies folded when they were stored
//! (`name_folded`, `org_folded`, migration 0014, by `fold`): SQLite and
//! PostgreSQL disagree on what `LOWER` and `LIKE` fold; folding here gives
//! one answer on both. The query text is a literal, never a pattern: `%`, `_` and `\` in
//! it are escaped.

use sqlx::Row;
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

use super::principals::{self, Principal};
use super::{Store, StoreError};
use crate::role::Role;

/// How the directory compares and orders text: compatibility-decomposed
/// (NFKD), accents dropped, lowercase. So "omer" finds "Ömer", typed on a
/// phone without accents, and "Ömer" sorts among the o's, not after z.
pub fn fold(text: &str) -> String {
    text.nfkd()
        .filter(|&c| !is_combining_mark(c))
        .collect::<String>()
        .to_lowercase()
}

/// A `LIKE ... ESCAPE '\'` pattern matching `text` anywhere, literally.
pub fn contains_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in fold(text).chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// Professionals (not disabled) whose name or organisation contains
/// `query` (folded), ordered by folded name and then id, at most `limit`.
pub async fn search(store: &Store, query: &str, limit: u32) -> Result<Vec<Principal>, StoreError> {
    let pattern = contains_pattern(query);
    let rows = sqlx::query(&format!(
        "SELECT {} FROM principals p \
         WHERE p.role = $1 AND p.disabled_ms IS NULL \
         AND (p.name_folded LIKE $2 ESCAPE '\\' OR p.org_folded LIKE $3 ESCAPE '\\') \
         ORDER BY p.name_folded, p.id LIMIT $4",
        principals::COLUMNS_OF_P
    ))
    .bind(Role::Professional.as_str())
    .bind(&pattern)
    .bind(&pattern)
    .bind(i64::from(limit))
    .fetch_all(store.pool())
    .await?;
    rows.iter().map(principals::from_row).collect()
}

/// At start-up: fold the names of people stored before migration 0014.
/// Returns how many were filled in.
pub async fn backfill(store: &Store) -> Result<usize, StoreError> {
    let mut tx = store.begin().await?;
    let rows = sqlx::query("SELECT id, name, org FROM principals WHERE name_folded IS NULL")
        .fetch_all(&mut *tx)
        .await?;
    for row in &rows {
        let id: String = row.try_get("id")?;
        let name: String = row.try_get("name")?;
        let org: Option<String> = row.try_get("org")?;
        sqlx::query("UPDATE principals SET name_folded = $1, org_folded = $2 WHERE id = $3")
            .bind(fold(&name))
            .bind(org.as_deref().map(fold))
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(rows.len())
}

/// Everyone (any role, disabled too) whose name or organisation contains
/// `query` (folded), ordered by folded name and then id, at most `limit`:
/// the administrators' list of people (`api::people`).
pub async fn everyone(
    store: &Store,
    query: &str,
    limit: u32,
) -> Result<Vec<Principal>, StoreError> {
    let pattern = contains_pattern(query);
    let rows = sqlx::query(&format!(
        "SELECT {} FROM principals p \
         WHERE (p.name_folded LIKE $1 ESCAPE '\\' OR p.org_folded LIKE $2 ESCAPE '\\') \
         ORDER BY p.name_folded, p.id LIMIT $3",
        principals::COLUMNS_OF_P
    ))
    .bind(&pattern)
    .bind(&pattern)
    .bind(i64::from(limit))
    .fetch_all(store.pool())
    .await?;
    rows.iter().map(principals::from_row).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_are_literal_and_folded() {
        assert_eq!(contains_pattern(""), "%%");
        assert_eq!(contains_pattern("Ömer Çelik"), "%omer celik%");
        assert_eq!(fold("Zoë ﬁ"), "zoe fi");
        // A full-width percent folds to '%', which is then escaped.
        assert_eq!(contains_pattern("\u{FF05}"), "%\\%%");
        assert_eq!(contains_pattern("100%_a\\b"), "%100\\%\\_a\\\\b%");
    }
}
