//! Key rotation and re-enrolment in the database (`api::rotation`,
//! `api::enrol`): what envelopes a person holds, swapping their keys, and
//! the keys they retired.

use kluis_policy::{FieldPath, HouseholdId, PrincipalId};
use sqlx::Row;

use super::{Store, StoreError, Tx};
use crate::wire::rotation::Retirement;

fn corrupt(what: &str) -> StoreError {
    StoreError::Unavailable(sqlx::Error::Decode(format!("bad stored {what}").into()))
}

/// Every envelope to `principal`'s keys: the household identities of the
/// households they are a member of, and the field keys enveloped to them
/// (private observations they wrote, fields a grant lets them read).
#[derive(Debug, Default)]
pub struct Held {
    pub households: Vec<(HouseholdId, Vec<u8>)>,
    pub fields: Vec<(HeldField, Vec<u8>)>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct HeldField {
    pub household: HouseholdId,
    pub path: FieldPath,
    pub version: i64,
    pub key_gen: i64,
}

pub async fn held(tx: &mut Tx, principal: PrincipalId) -> Result<Held, StoreError> {
    let id = principal.to_string();
    let rows = sqlx::query(
        "SELECT household_id, identity_envelope FROM household_members WHERE principal_id = $1 \
         ORDER BY household_id",
    )
    .bind(&id)
    .fetch_all(&mut **tx)
    .await?;
    let mut held = Held::default();
    for r in &rows {
        let h: String = r.try_get("household_id")?;
        let h = HouseholdId::parse(&h).map_err(|_| corrupt("household id"))?;
        held.households.push((h, r.try_get("identity_envelope")?));
    }
    let rows = sqlx::query(
        "SELECT household_id, path, version, key_gen, envelope FROM envelopes WHERE reader = $1 \
         ORDER BY household_id, path, version, key_gen",
    )
    .bind(&id)
    .fetch_all(&mut **tx)
    .await?;
    for r in &rows {
        let h: String = r.try_get("household_id")?;
        let p: String = r.try_get("path")?;
        let envelope: Vec<u8> = r.try_get("envelope")?;
        held.fields.push((
            HeldField {
                household: HouseholdId::parse(&h).map_err(|_| corrupt("household id"))?,
                path: FieldPath::parse(&p).map_err(|_| corrupt("path"))?,
                version: r.try_get("version")?,
                key_gen: r.try_get("key_gen")?,
            },
            envelope,
        ));
    }
    Ok(held)
}

/// Replace `principal`'s household identity envelope in `h`: `false` if
/// they hold none there (the caller rolls back).
pub async fn replace_household_envelope(
    tx: &mut Tx,
    principal: PrincipalId,
    h: HouseholdId,
    envelope: &[u8],
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE household_members SET identity_envelope = $1 WHERE household_id = $2 AND principal_id = $3",
    )
    .bind(envelope.to_vec())
    .bind(h.to_string())
    .bind(principal.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Replace the field key envelope `principal` holds at `at`: `false` if
/// they hold none there.
pub async fn replace_field_envelope(
    tx: &mut Tx,
    principal: PrincipalId,
    at: &HeldField,
    envelope: &[u8],
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE envelopes SET envelope = $1 WHERE household_id = $2 AND path = $3 AND version = $4 \
         AND key_gen = $5 AND reader = $6",
    )
    .bind(envelope.to_vec())
    .bind(at.household.to_string())
    .bind(at.path.as_str())
    .bind(at.version)
    .bind(at.key_gen)
    .bind(principal.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Keys a person no longer uses.
#[derive(Debug, Clone)]
pub struct Retired {
    pub signing_key: [u8; 32],
    pub age_recipient: String,
    pub retired_ms: i64,
    pub how: Retirement,
    pub statement: Option<String>,
    pub old_signature: Option<Vec<u8>>,
    pub new_signature: Option<Vec<u8>>,
}

/// Whether `key` is anyone's retired signing key (a new key must be new).
pub async fn is_retired(tx: &mut Tx, key: &[u8; 32]) -> Result<bool, StoreError> {
    let row = sqlx::query("SELECT 1 AS one FROM retired_keys WHERE signing_key = $1")
        .bind(key.to_vec())
        .fetch_optional(&mut **tx)
        .await?;
    Ok(row.is_some())
}

/// Give `principal` new keys, retiring the ones they had (`seq`: the key
/// directory entry of the new keys). `false` when the new signing key is
/// someone's already, or was ever used.
pub async fn swap_keys(
    tx: &mut Tx,
    principal: PrincipalId,
    seq: u64,
    new_signing_key: &[u8; 32],
    new_age_recipient: &str,
    retired: &Retired,
) -> Result<bool, StoreError> {
    let taken = sqlx::query("SELECT 1 AS one FROM principals WHERE signing_key = $1")
        .bind(new_signing_key.to_vec())
        .fetch_optional(&mut **tx)
        .await?;
    if taken.is_some() || is_retired(tx, new_signing_key).await? {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO retired_keys (principal_id, seq, signing_key, age_recipient, retired_ms, how, \
         statement, old_signature, new_signature) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(principal.to_string())
    .bind(seq as i64)
    .bind(retired.signing_key.to_vec())
    .bind(&retired.age_recipient)
    .bind(retired.retired_ms)
    .bind(match retired.how {
        Retirement::Rotation => "rotation",
        Retirement::Reenrolment => "reenrolment",
    })
    .bind(retired.statement.as_deref())
    .bind(retired.old_signature.clone())
    .bind(retired.new_signature.clone())
    .execute(&mut **tx)
    .await?;
    sqlx::query("UPDATE principals SET signing_key = $1, age_recipient = $2 WHERE id = $3")
        .bind(new_signing_key.to_vec())
        .bind(new_age_recipient)
        .bind(principal.to_string())
        .execute(&mut **tx)
        .await?;
    Ok(true)
}

/// Forget every copy of `principal`'s keystore the server holds (the
/// recovery blob and every passkey's copy: they wrap the retired keys), in the
/// transaction that retires the keys those copies hold.
pub async fn forget_server_held_keystores(
    tx: &mut Tx,
    principal: PrincipalId,
) -> Result<(), StoreError> {
    for table in ["recovery_blobs", "passkey_keystores"] {
        sqlx::query(&format!("DELETE FROM {table} WHERE principal_id = $1"))
            .bind(principal.to_string())
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// `principal`'s retired keys, oldest first.
pub async fn earlier(store: &Store, principal: PrincipalId) -> Result<Vec<Retired>, StoreError> {
    let rows = sqlx::query(
        "SELECT signing_key, age_recipient, retired_ms, how, statement, old_signature, new_signature \
         FROM retired_keys WHERE principal_id = $1 ORDER BY seq",
    )
    .bind(principal.to_string())
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|r| {
            let key: Vec<u8> = r.try_get("signing_key")?;
            let how: String = r.try_get("how")?;
            Ok(Retired {
                signing_key: key.try_into().map_err(|_| corrupt("signing key"))?,
                age_recipient: r.try_get("age_recipient")?,
                retired_ms: r.try_get("retired_ms")?,
                how: match how.as_str() {
                    "rotation" => Retirement::Rotation,
                    "reenrolment" => Retirement::Reenrolment,
                    _ => return Err(corrupt("retirement")),
                },
                statement: r.try_get("statement")?,
                old_signature: r.try_get("old_signature")?,
                new_signature: r.try_get("new_signature")?,
            })
        })
        .collect()
}

/// Mark the invite with `code` as a re-enrolment of `person`.
pub async fn mark_reenrol(tx: &mut Tx, code: &str, person: PrincipalId) -> Result<(), StoreError> {
    sqlx::query("UPDATE invites SET reenrol = $1 WHERE code_hash = $2")
        .bind(person.to_string())
        .bind(super::secret_hash(code))
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The person whose keys the invite with `code` replaces, if it is a
/// re-enrolment invite.
pub async fn reenrol_of(tx: &mut Tx, code: &str) -> Result<Option<PrincipalId>, StoreError> {
    let row = sqlx::query("SELECT reenrol FROM invites WHERE code_hash = $1")
        .bind(super::secret_hash(code))
        .fetch_optional(&mut **tx)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let id: Option<String> = row.try_get("reenrol")?;
    id.map(|id| PrincipalId::parse(&id).map_err(|_| corrupt("re-enrolment id")))
        .transpose()
}

/// Replace member `principal`'s statement and household identity envelope
/// in `h` with a readmission (`false`: not a member).
pub async fn readmit(
    tx: &mut Tx,
    h: HouseholdId,
    principal: PrincipalId,
    by: PrincipalId,
    statement: &str,
    signature: &[u8],
    envelope: &[u8],
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE household_members SET added_by = $1, statement = $2, signature = $3, identity_envelope = $4 \
         WHERE household_id = $5 AND principal_id = $6",
    )
    .bind(by.to_string())
    .bind(statement)
    .bind(signature.to_vec())
    .bind(envelope.to_vec())
    .bind(h.to_string())
    .bind(principal.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}
