//! Everything a field read decides on, in one statement, and usually one
//! it shares with the other reads waiting at the same moment.
//!
//! A read needs its caller (the bearer token and its person), the
//! household's members, the caller's own grants there, and the version with
//! its ciphertext and the two envelopes that can open it for the caller
//! (and, for an older version, whether the newest one is a private
//! observation). All of it must come from one snapshot.
//!
//! - `batch`: per read one row, the token with its person, the household's
//!   policy generation and the field, for every read waiting, in one
//!   statement run by a lane (`lanes`). When the policy cache
//!   (`store::policy_cache`) holds members and grants taken at that same
//!   generation, they are the snapshot's own, and this is the read's only
//!   statement.
//! - `whole`: everything for one read, members and grants included, in one
//!   `SELECT`. Run when the cache has nothing for this generation: a change
//!   since, another caller, a new process. Its result is used as it is, so
//!   the read still rests on one snapshot, and its members and grants fill
//!   the cache. It runs on a pooled connection: it is rare once the cache
//!   is warm.
//! - `recent`: no statement at all, for a session reading again the newest
//!   version of a field it read less than a minute ago. What the read
//!   rested on is confirmed by the group-commit writer before the read is
//!   logged or served (`confirm`).

mod batch;
pub mod confirm;
mod lanes;
pub mod recent;
mod whole;

pub(crate) use lanes::Lanes;
pub use recent::{Confirm, Recent};

use std::sync::Arc;

use kluis_policy::{FieldPath, GrantFact, HouseholdId, PrincipalId};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::fields::{self, Readable};
use super::policy_cache::Policy;
use super::sessions::{self, TokenLookup};
use super::{secret_hash, Store, StoreError};

/// What one read decides on.
pub struct ReadSnapshot {
    /// The bearer token's person, or why there is none.
    pub caller: TokenLookup,
    pub members: Vec<PrincipalId>,
    /// The caller's own grants in this household, revoked ones included:
    /// all a decision about the caller needs (the evaluator never looks at
    /// anyone else's), so a read's cost does not grow with the grants the
    /// household gave others.
    pub grants: Vec<GrantFact>,
    /// The asked version (or the newest), with what opens it.
    pub found: Option<Readable>,
    /// The newest version's private author, if it is a private observation.
    pub newest_private_author: Option<PrincipalId>,
    /// Whether the field has any version at all.
    pub field_exists: bool,
    /// Whether members and grants came from the policy cache (for tests
    /// and metrics; the decision does not depend on it).
    pub cached: bool,
    /// How many reads shared the statement that found the field (for
    /// metrics; 0 for a read from `recent`).
    pub batch: usize,
    /// For a read from `recent`: what the writer must find unchanged before
    /// it logs the read. Such a snapshot is only used to serve: anything
    /// else is decided again with `fresh` (`api::field_read::read`).
    pub confirm: Option<Confirm>,
}

/// What both statements find besides members and grants.
#[derive(Clone)]
pub struct Field {
    /// The token's row (`sessions::judge` reads it), if the token exists.
    token: Option<AnyRow>,
    /// The household's policy generation, if the household exists.
    generation: Option<i64>,
    found: Option<Readable>,
    newest_private_author: Option<PrincipalId>,
    field_exists: bool,
    /// How many reads shared the statement (set by the lane).
    batch: usize,
}

impl Field {
    /// What a statement found: the token's row, the household's generation,
    /// the asked version, and, for a version asked by number (`version`),
    /// the newest version (`Some(its private author)`, `None` when the
    /// field has no version). For the newest version, the asked one is it.
    fn new(
        token: Option<AnyRow>,
        generation: Option<i64>,
        found: Option<Readable>,
        version: Option<i64>,
        newest: Option<Option<PrincipalId>>,
    ) -> Self {
        let (newest_private_author, field_exists) = match version {
            None => (
                found.as_ref().and_then(|f| f.info.private_author),
                found.is_some(),
            ),
            Some(_) => (newest.flatten(), newest.is_some()),
        };
        Self {
            token,
            generation,
            found,
            newest_private_author,
            field_exists,
            batch: 1,
        }
    }

    /// The token's person as stored, before `judge` has said anything about
    /// the token: only a key for the cache.
    fn person(&self) -> Result<Option<PrincipalId>, StoreError> {
        let Some(row) = &self.token else {
            return Ok(None);
        };
        let id: Option<String> = row.try_get("id")?;
        Ok(id.and_then(|id| PrincipalId::parse(&id).ok()))
    }
}

/// What a read asks for: `path` (or its `version`) in household `h`, as
/// the holder of the token whose hash is `hash`.
struct Asked {
    hash: Vec<u8>,
    h: HouseholdId,
    path: FieldPath,
    version: Option<i64>,
}

/// The version columns of `field_versions v` joined with its writer's
/// grant, named as `fields::info` reads them.
const VERSION: &[(&str, &str)] = &[
    ("path", "v.path"),
    ("version", "v.version"),
    ("key_gen", "v.key_gen"),
    ("size_bucket", "v.size_bucket"),
    ("author_id", "v.author_id"),
    ("author_role", "v.author_role"),
    ("private_author", "v.private_author"),
    ("created_ms", "v.created_ms"),
    ("statement", "v.statement"),
    ("signature", "v.signature"),
    ("writer_grant_jws", "wg.jws"),
];

/// The version `v`'s writer grant (`wg`), its household envelope (`eh`,
/// `reader` being the parameter with the household's reader name) and the
/// envelope of `caller` (`ec`).
fn joins_of_v(reader: &str, caller: &str) -> String {
    format!(
        "LEFT JOIN grants wg ON wg.id = v.writer_grant \
         LEFT JOIN envelopes eh ON eh.household_id = v.household_id AND eh.path = v.path \
           AND eh.version = v.version AND eh.key_gen = v.key_gen AND eh.reader = {reader} \
         LEFT JOIN envelopes ec ON ec.household_id = v.household_id AND ec.path = v.path \
           AND ec.version = v.version AND ec.key_gen = v.key_gen AND ec.reader = {caller}"
    )
}

/// The version in a row with the `VERSION` columns, the ciphertext and both
/// envelopes.
fn readable(row: &AnyRow) -> Result<Readable, StoreError> {
    Ok(Readable {
        info: fields::info(row)?,
        ciphertext: row.try_get("ciphertext")?,
        household_envelope: row.try_get("household_envelope")?,
        own_envelope: row.try_get("own_envelope")?,
    })
}

/// The private author stored in `column`, if any.
fn private_author(row: &AnyRow, column: &str) -> Result<Option<PrincipalId>, StoreError> {
    let author: Option<String> = row.try_get(column)?;
    author
        .map(|p| PrincipalId::parse(&p).map_err(|_| fields::corrupt("author")))
        .transpose()
}

/// Read what the read of `path` (or of its `version`) in `h` by the holder
/// of `token` decides on; from `recent` when it holds this session's read
/// of the newest version and `fresh` is false.
pub async fn load(
    store: &Store,
    token: &str,
    now_ms: i64,
    h: HouseholdId,
    path: &FieldPath,
    version: Option<i64>,
    fresh: bool,
) -> Result<ReadSnapshot, StoreError> {
    let hash = secret_hash(token);
    let key = recent::Key {
        hash: hash.clone(),
        h,
        path: path.clone(),
    };
    if version.is_none() && !fresh {
        if let Some(snapshot) = store
            .recent()
            .get(&key, now_ms)
            .and_then(|kept| from_recent(key.clone(), &kept, now_ms).transpose())
        {
            return snapshot;
        }
    }
    let asked = Arc::new(Asked {
        hash,
        h,
        path: path.clone(),
        version,
    });
    let field = store.lanes().read(asked.clone()).await?;
    let batch = field.batch;
    let hit = match (field.person()?, field.generation) {
        (Some(person), Some(generation)) => store.policy_cache().get(h, person, generation),
        _ => None,
    };
    let (field, policy, cached) = match hit {
        Some(policy) => (field, policy, true),
        // No such token: `judge` refuses it, and nothing else is read.
        None if field.token.is_none() => (field, Policy::default(), false),
        None => {
            let mut conn = store.pool().acquire().await?;
            let whole = whole::run(&mut conn, &asked).await?;
            if let (Some(person), Some(generation)) =
                (whole.field.person()?, whole.field.generation)
            {
                store
                    .policy_cache()
                    .put(h, person, generation, whole.policy.clone());
            }
            (whole.field, whole.policy, false)
        }
    };
    let caller = sessions::judge(store, token, field.token.as_ref(), now_ms).await?;
    // Kept for the session's next read of the newest version: only one
    // that found its caller, household and version (`recent`), and only
    // for a member or a holder of a grant there, so that reads refused
    // anyway (someone else's household) do not fill the map.
    let involved = match &caller {
        TokenLookup::Valid(p) => policy.members.contains(&p.id) || !policy.grants.is_empty(),
        _ => false,
    };
    if version.is_none() && involved && field.generation.is_some() && field.found.is_some() {
        store.recent().put(
            key,
            recent::Kept {
                field: field.clone(),
                policy: policy.clone(),
                taken_ms: now_ms,
            },
        );
    }
    Ok(ReadSnapshot {
        caller,
        members: policy.members.to_vec(),
        grants: policy.grants.to_vec(),
        found: field.found,
        newest_private_author: field.newest_private_author,
        field_exists: field.field_exists,
        cached,
        batch,
        confirm: None,
    })
}

/// The snapshot a kept read gives at `now_ms`, with what the writer must
/// confirm; `None` when its token no longer passes on its own (expired),
/// and the read goes to the database.
fn from_recent(
    key: recent::Key,
    kept: &recent::Kept,
    now_ms: i64,
) -> Result<Option<ReadSnapshot>, StoreError> {
    // The last use was written by the read that was kept (or is not yet
    // due): it is not written again from a row read before that.
    let (caller, _) = sessions::judge_row(kept.field.token.as_ref(), now_ms)?;
    let (TokenLookup::Valid(person), Some(generation), Some(found)) =
        (&caller, kept.field.generation, &kept.field.found)
    else {
        return Ok(None);
    };
    let confirm = Confirm {
        person: person.id,
        generation,
        version: found.info.version,
        key_gen: found.info.key_gen,
        key,
    };
    let field = kept.field.clone();
    Ok(Some(ReadSnapshot {
        caller,
        members: kept.policy.members.to_vec(),
        grants: kept.policy.grants.to_vec(),
        found: field.found,
        newest_private_author: field.newest_private_author,
        field_exists: field.field_exists,
        cached: true,
        batch: 0,
        confirm: Some(confirm),
    }))
}
