//! Field versions (ciphertext) and their envelopes.
//!
//! A version's key is (household, path, version, key generation), and an
//! envelope names the generation it opens: a re-key (`replace_generation`)
//! inserts the new generation beside the old one and deletes the old one
//! only when the new one is complete, in one transaction. Outside that
//! transaction every version has exactly one generation, so "the version"
//! below is always that one; the queries still prefer the newest
//! generation where two could meet.

use kluis_policy::{FieldPath, GrantId, HouseholdId, PrincipalId};
use sqlx::Row;

use super::{StoreError, Tx};

/// The reader name of the household's own recipient in `envelopes`.
pub const HOUSEHOLD_READER: &str = "household";

pub struct NewVersion<'a> {
    pub household: HouseholdId,
    pub path: &'a FieldPath,
    pub version: i64,
    pub key_gen: i64,
    pub ciphertext: &'a [u8],
    pub size_bucket: i64,
    pub author: PrincipalId,
    pub author_role: &'a str,
    pub private_author: Option<PrincipalId>,
    pub now_ms: i64,
    /// The writer's signed statement (`wire::version`) and signature.
    pub proof: StoredProof<'a>,
}

/// A version's signature as it is written.
#[derive(Clone, Copy)]
pub struct StoredProof<'a> {
    pub statement: &'a str,
    pub signature: &'a [u8],
    pub writer_grant: Option<GrantId>,
}

/// A version's signature as it is read, with the grant it names.
#[derive(Debug, Clone)]
pub struct Proof {
    pub statement: String,
    pub signature: Vec<u8>,
    /// The signed grant (JWS) a professional wrote on.
    pub writer_grant: Option<String>,
}

/// A version's metadata: everything but the ciphertext.
#[derive(Debug, Clone)]
pub struct VersionInfo {
    pub path: FieldPath,
    pub version: i64,
    pub key_gen: i64,
    pub size_bucket: i64,
    pub author: String,
    pub author_role: String,
    pub private_author: Option<PrincipalId>,
    pub created_ms: i64,
    /// `None` for versions from before kluis signed versions.
    pub proof: Option<Proof>,
}

pub(super) fn corrupt(what: &str) -> StoreError {
    StoreError::Unavailable(sqlx::Error::Decode(format!("bad stored {what}").into()))
}

pub(super) fn info(row: &sqlx::any::AnyRow) -> Result<VersionInfo, StoreError> {
    let path: String = row.try_get("path")?;
    let private: Option<String> = row.try_get("private_author")?;
    let statement: Option<String> = row.try_get("statement")?;
    let signature: Option<Vec<u8>> = row.try_get("signature")?;
    Ok(VersionInfo {
        path: FieldPath::parse(&path).map_err(|_| corrupt("path"))?,
        version: row.try_get("version")?,
        key_gen: row.try_get("key_gen")?,
        size_bucket: row.try_get("size_bucket")?,
        author: row.try_get("author_id")?,
        author_role: row.try_get("author_role")?,
        private_author: private
            .map(|p| PrincipalId::parse(&p).map_err(|_| corrupt("author")))
            .transpose()?,
        created_ms: row.try_get("created_ms")?,
        proof: match (statement, signature) {
            (Some(statement), Some(signature)) => Some(Proof {
                statement,
                signature,
                writer_grant: row.try_get("writer_grant_jws")?,
            }),
            _ => None,
        },
    })
}

/// A version's metadata, with its signature and the grant the signature
/// names (one join, so a read stays one round trip).
const INFO: &str = "f.path, f.version, f.key_gen, f.size_bucket, f.author_id, f.author_role, \
     f.private_author, f.created_ms, f.statement, f.signature, wg.jws AS writer_grant_jws";
const FROM: &str = "field_versions f LEFT JOIN grants wg ON wg.id = f.writer_grant";

/// The newest version of a field, if any.
pub async fn current(
    tx: &mut Tx,
    h: HouseholdId,
    path: &FieldPath,
) -> Result<Option<VersionInfo>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {INFO} FROM {FROM} WHERE f.household_id = $1 AND f.path = $2 ORDER BY f.version DESC, f.key_gen DESC LIMIT 1"
    ))
    .bind(h.to_string())
    .bind(path.as_str())
    .fetch_optional(&mut **tx)
    .await?;
    row.as_ref().map(info).transpose()
}

pub async fn version(
    tx: &mut Tx,
    h: HouseholdId,
    path: &FieldPath,
    version: i64,
) -> Result<Option<(VersionInfo, Vec<u8>)>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {INFO}, f.ciphertext FROM {FROM} WHERE f.household_id = $1 AND f.path = $2 AND f.version = $3 \
         ORDER BY f.key_gen DESC LIMIT 1"
    ))
    .bind(h.to_string())
    .bind(path.as_str())
    .bind(version)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some((info(&row)?, row.try_get("ciphertext")?)))
}

/// A version as a reader gets it: metadata, ciphertext, and the two
/// envelopes that can open it for this caller (the household's, for members,
/// and the caller's own).
#[derive(Clone)]
pub struct Readable {
    pub info: VersionInfo,
    pub ciphertext: Vec<u8>,
    pub household_envelope: Option<Vec<u8>>,
    pub own_envelope: Option<Vec<u8>>,
}

/// The newest version of every field of a household.
pub async fn list_current(tx: &mut Tx, h: HouseholdId) -> Result<Vec<VersionInfo>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {INFO} FROM {FROM} WHERE f.household_id = $1 AND f.version = \
         (SELECT MAX(version) FROM field_versions g WHERE g.household_id = f.household_id AND g.path = f.path) \
         ORDER BY f.path"
    ))
    .bind(h.to_string())
    .fetch_all(&mut **tx)
    .await?;
    rows.iter().map(info).collect()
}

/// Every version of one field, oldest first.
pub async fn history(
    tx: &mut Tx,
    h: HouseholdId,
    path: &FieldPath,
) -> Result<Vec<VersionInfo>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {INFO} FROM {FROM} WHERE f.household_id = $1 AND f.path = $2 ORDER BY f.version"
    ))
    .bind(h.to_string())
    .bind(path.as_str())
    .fetch_all(&mut **tx)
    .await?;
    rows.iter().map(info).collect()
}

pub async fn count_fields(tx: &mut Tx, h: HouseholdId) -> Result<i64, StoreError> {
    let row =
        sqlx::query("SELECT COUNT(DISTINCT path) AS n FROM field_versions WHERE household_id = $1")
            .bind(h.to_string())
            .fetch_one(&mut **tx)
            .await?;
    Ok(row.try_get("n")?)
}

pub async fn insert_version(tx: &mut Tx, v: NewVersion<'_>) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO field_versions (household_id, path, version, key_gen, ciphertext, size_bucket, author_id, author_role, private_author, created_ms, statement, signature, writer_grant) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(v.household.to_string())
    .bind(v.path.as_str())
    .bind(v.version)
    .bind(v.key_gen)
    .bind(v.ciphertext.to_vec())
    .bind(v.size_bucket)
    .bind(v.author.to_string())
    .bind(v.author_role)
    .bind(v.private_author.map(|p| p.to_string()))
    .bind(v.now_ms)
    .bind(v.proof.statement)
    .bind(v.proof.signature.to_vec())
    .bind(v.proof.writer_grant.map(|g| g.to_string()))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// One key generation of one version: what an envelope opens.
#[derive(Debug, Clone, Copy)]
pub struct Generation<'a> {
    pub household: HouseholdId,
    pub path: &'a FieldPath,
    pub version: i64,
    pub key_gen: i64,
}

pub async fn insert_envelope(
    tx: &mut Tx,
    at: Generation<'_>,
    reader: &str,
    envelope: &[u8],
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO envelopes (household_id, path, version, key_gen, reader, envelope) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(at.household.to_string())
        .bind(at.path.as_str())
        .bind(at.version)
        .bind(at.key_gen)
        .bind(reader)
        .bind(envelope.to_vec())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The readers holding an envelope for one generation of one version.
pub async fn readers_of(tx: &mut Tx, at: Generation<'_>) -> Result<Vec<String>, StoreError> {
    let rows = sqlx::query(
        "SELECT reader FROM envelopes WHERE household_id = $1 AND path = $2 AND version = $3 AND key_gen = $4 ORDER BY reader",
    )
    .bind(at.household.to_string())
    .bind(at.path.as_str())
    .bind(at.version)
    .bind(at.key_gen)
    .fetch_all(&mut **tx)
    .await?;
    rows.iter().map(|r| Ok(r.try_get("reader")?)).collect()
}

/// An envelope `reader` holds, by the version and generation it opens.
pub struct HeldEnvelope {
    pub path: FieldPath,
    pub version: i64,
    pub key_gen: i64,
}

/// Every envelope `reader` holds in a household, leaving out private
/// observations `reader` wrote: that envelope is their note's only key,
/// which no withdrawal of consent may take away.
pub async fn shared_envelopes_of_reader(
    tx: &mut Tx,
    h: HouseholdId,
    reader: &str,
) -> Result<Vec<HeldEnvelope>, StoreError> {
    let rows = sqlx::query(
        "SELECT e.path, e.version, e.key_gen FROM envelopes e JOIN field_versions f \
         ON f.household_id = e.household_id AND f.path = e.path AND f.version = e.version \
         AND f.key_gen = e.key_gen \
         WHERE e.household_id = $1 AND e.reader = $2 \
         AND (f.private_author IS NULL OR f.private_author <> $2)",
    )
    .bind(h.to_string())
    .bind(reader)
    .fetch_all(&mut **tx)
    .await?;
    rows.iter()
        .map(|r| {
            let p: String = r.try_get("path")?;
            Ok(HeldEnvelope {
                path: FieldPath::parse(&p).map_err(|_| corrupt("path"))?,
                version: r.try_get("version")?,
                key_gen: r.try_get("key_gen")?,
            })
        })
        .collect()
}

pub async fn delete_envelope(
    tx: &mut Tx,
    at: Generation<'_>,
    reader: &str,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM envelopes WHERE household_id = $1 AND path = $2 AND version = $3 AND key_gen = $4 AND reader = $5")
        .bind(at.household.to_string())
        .bind(at.path.as_str())
        .bind(at.version)
        .bind(at.key_gen)
        .bind(reader)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A re-key of one version: its content sealed under a new key generation.
pub struct NewGeneration<'a> {
    /// The generation that is stored now, and is replaced.
    pub old: Generation<'a>,
    pub key_gen: i64,
    pub ciphertext: &'a [u8],
    /// The re-keying member's signature; the grant the writer wrote on stays.
    pub proof: StoredProof<'a>,
    /// The envelopes of the new key, already checked to be exactly the
    /// readers `required` names.
    pub envelopes: &'a [(String, Vec<u8>)],
}

/// Replace a version's generation with a new one, never in place: insert
/// the new generation's row and envelopes beside the old, check that every
/// reader in `required` holds an envelope of it (and nobody else), and
/// only then delete the old generation's envelopes and row. The caller's
/// transaction makes it one step: whatever fails before the commit leaves
/// the old generation as it was. `Ok(false)`: the new generation is not
/// complete, and the caller must roll back.
pub async fn replace_generation(
    tx: &mut Tx,
    new: NewGeneration<'_>,
    required: &std::collections::BTreeSet<String>,
) -> Result<bool, StoreError> {
    let old = new.old;
    // Everything but the ciphertext and the signature stays the version's:
    // who wrote it, when, on which grant, its size bucket.
    let copied = sqlx::query(
        "INSERT INTO field_versions (household_id, path, version, key_gen, ciphertext, size_bucket, \
         author_id, author_role, private_author, created_ms, statement, signature, writer_grant) \
         SELECT household_id, path, version, $1, $2, size_bucket, author_id, author_role, \
         private_author, created_ms, $3, $4, writer_grant FROM field_versions \
         WHERE household_id = $5 AND path = $6 AND version = $7 AND key_gen = $8",
    )
    .bind(new.key_gen)
    .bind(new.ciphertext.to_vec())
    .bind(new.proof.statement)
    .bind(new.proof.signature.to_vec())
    .bind(old.household.to_string())
    .bind(old.path.as_str())
    .bind(old.version)
    .bind(old.key_gen)
    .execute(&mut **tx)
    .await?;
    if copied.rows_affected() != 1 {
        return Ok(false);
    }
    let fresh = Generation {
        key_gen: new.key_gen,
        ..old
    };
    for (reader, env) in new.envelopes {
        insert_envelope(tx, fresh, reader, env).await?;
    }
    let held: std::collections::BTreeSet<String> =
        readers_of(tx, fresh).await?.into_iter().collect();
    if &held != required {
        return Ok(false);
    }
    for sql in [
        "DELETE FROM envelopes WHERE household_id = $1 AND path = $2 AND version = $3 AND key_gen = $4",
        "DELETE FROM field_versions WHERE household_id = $1 AND path = $2 AND version = $3 AND key_gen = $4",
    ] {
        sqlx::query(sql)
            .bind(old.household.to_string())
            .bind(old.path.as_str())
            .bind(old.version)
            .bind(old.key_gen)
            .execute(&mut **tx)
            .await?;
    }
    Ok(true)
}
