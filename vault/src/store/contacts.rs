//! Trusted contacts and their requests (migration 0019). What the rows mean
//! is in `api::contacts`; here only the SQL.

use kluis_policy::{ContactRequestId, HouseholdId, PrincipalId};
use sqlx::Row;

use super::{StoreError, Tx};

pub struct NewContact<'a> {
    pub household: HouseholdId,
    pub contact: PrincipalId,
    pub named_by: PrincipalId,
    pub now_ms: i64,
    pub wait_ms: i64,
    pub statement: &'a str,
    pub signature: &'a [u8],
    pub identity_envelope: &'a [u8],
}

pub struct Contact {
    pub household: HouseholdId,
    pub contact: PrincipalId,
    pub named_by: PrincipalId,
    pub named_ms: i64,
    pub wait_ms: i64,
    pub statement: String,
    pub signature: Vec<u8>,
    pub identity_envelope: Vec<u8>,
}

pub struct Request {
    pub id: ContactRequestId,
    pub household: HouseholdId,
    pub contact: PrincipalId,
    pub requested_ms: i64,
    pub release_ms: i64,
    pub state: String,
    pub ended_ms: Option<i64>,
}

pub const WAITING: &str = "waiting";
pub const REFUSED: &str = "refused";
pub const RELEASED: &str = "released";
pub const REMOVED: &str = "removed";

fn corrupt(what: &str) -> StoreError {
    StoreError::Unavailable(sqlx::Error::Decode(format!("bad stored {what}").into()))
}

const CONTACT_COLUMNS: &str =
    "household_id, contact_id, named_by, named_ms, wait_ms, statement, signature, identity_envelope";

fn contact_from(row: &sqlx::any::AnyRow) -> Result<Contact, StoreError> {
    let household: String = row.try_get("household_id")?;
    let contact: String = row.try_get("contact_id")?;
    let named_by: String = row.try_get("named_by")?;
    Ok(Contact {
        household: HouseholdId::parse(&household).map_err(|_| corrupt("household id"))?,
        contact: PrincipalId::parse(&contact).map_err(|_| corrupt("contact id"))?,
        named_by: PrincipalId::parse(&named_by).map_err(|_| corrupt("principal id"))?,
        named_ms: row.try_get("named_ms")?,
        wait_ms: row.try_get("wait_ms")?,
        statement: row.try_get("statement")?,
        signature: row.try_get("signature")?,
        identity_envelope: row.try_get("identity_envelope")?,
    })
}

const REQUEST_COLUMNS: &str =
    "id, household_id, contact_id, requested_ms, release_ms, state, ended_ms";

fn request_from(row: &sqlx::any::AnyRow) -> Result<Request, StoreError> {
    let id: String = row.try_get("id")?;
    let household: String = row.try_get("household_id")?;
    let contact: String = row.try_get("contact_id")?;
    Ok(Request {
        id: ContactRequestId::parse(&id).map_err(|_| corrupt("request id"))?,
        household: HouseholdId::parse(&household).map_err(|_| corrupt("household id"))?,
        contact: PrincipalId::parse(&contact).map_err(|_| corrupt("contact id"))?,
        requested_ms: row.try_get("requested_ms")?,
        release_ms: row.try_get("release_ms")?,
        state: row.try_get("state")?,
        ended_ms: row.try_get("ended_ms")?,
    })
}

pub async fn insert(tx: &mut Tx, c: NewContact<'_>) -> Result<(), StoreError> {
    sqlx::query(&format!(
        "INSERT INTO trusted_contacts ({CONTACT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    ))
    .bind(c.household.to_string())
    .bind(c.contact.to_string())
    .bind(c.named_by.to_string())
    .bind(c.now_ms)
    .bind(c.wait_ms)
    .bind(c.statement)
    .bind(c.signature.to_vec())
    .bind(c.identity_envelope.to_vec())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn get(
    tx: &mut Tx,
    h: HouseholdId,
    contact: PrincipalId,
) -> Result<Option<Contact>, StoreError> {
    sqlx::query(&format!(
        "SELECT {CONTACT_COLUMNS} FROM trusted_contacts WHERE household_id = $1 AND contact_id = $2"
    ))
    .bind(h.to_string())
    .bind(contact.to_string())
    .fetch_optional(&mut **tx)
    .await?
    .as_ref()
    .map(contact_from)
    .transpose()
}

pub async fn of_household(tx: &mut Tx, h: HouseholdId) -> Result<Vec<Contact>, StoreError> {
    sqlx::query(&format!(
        "SELECT {CONTACT_COLUMNS} FROM trusted_contacts WHERE household_id = $1 \
         ORDER BY named_ms, contact_id"
    ))
    .bind(h.to_string())
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(contact_from)
    .collect()
}

/// The households that named `contact`.
pub async fn naming(tx: &mut Tx, contact: PrincipalId) -> Result<Vec<Contact>, StoreError> {
    sqlx::query(&format!(
        "SELECT {CONTACT_COLUMNS} FROM trusted_contacts WHERE contact_id = $1 \
         ORDER BY named_ms, household_id"
    ))
    .bind(contact.to_string())
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(contact_from)
    .collect()
}

/// Delete the contact (and so their envelope). True if there was one.
pub async fn delete(tx: &mut Tx, h: HouseholdId, contact: PrincipalId) -> Result<bool, StoreError> {
    let done =
        sqlx::query("DELETE FROM trusted_contacts WHERE household_id = $1 AND contact_id = $2")
            .bind(h.to_string())
            .bind(contact.to_string())
            .execute(&mut **tx)
            .await?;
    Ok(done.rows_affected() > 0)
}

pub async fn insert_request(tx: &mut Tx, r: &Request) -> Result<(), StoreError> {
    sqlx::query(&format!(
        "INSERT INTO contact_requests ({REQUEST_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
    ))
    .bind(r.id.to_string())
    .bind(r.household.to_string())
    .bind(r.contact.to_string())
    .bind(r.requested_ms)
    .bind(r.release_ms)
    .bind(r.state.as_str())
    .bind(r.ended_ms)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn request(
    tx: &mut Tx,
    h: HouseholdId,
    id: ContactRequestId,
) -> Result<Option<Request>, StoreError> {
    sqlx::query(&format!(
        "SELECT {REQUEST_COLUMNS} FROM contact_requests WHERE household_id = $1 AND id = $2"
    ))
    .bind(h.to_string())
    .bind(id.to_string())
    .fetch_optional(&mut **tx)
    .await?
    .as_ref()
    .map(request_from)
    .transpose()
}

/// The household's requests, newest first (at most 100).
pub async fn requests_of(tx: &mut Tx, h: HouseholdId) -> Result<Vec<Request>, StoreError> {
    sqlx::query(&format!(
        "SELECT {REQUEST_COLUMNS} FROM contact_requests WHERE household_id = $1 \
         ORDER BY requested_ms DESC, id LIMIT 100"
    ))
    .bind(h.to_string())
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(request_from)
    .collect()
}

/// `contact`'s newest request for `h`.
pub async fn newest_request(
    tx: &mut Tx,
    h: HouseholdId,
    contact: PrincipalId,
) -> Result<Option<Request>, StoreError> {
    sqlx::query(&format!(
        "SELECT {REQUEST_COLUMNS} FROM contact_requests WHERE household_id = $1 AND contact_id = $2 \
         ORDER BY requested_ms DESC, id LIMIT 1"
    ))
    .bind(h.to_string())
    .bind(contact.to_string())
    .fetch_optional(&mut **tx)
    .await?
    .as_ref()
    .map(request_from)
    .transpose()
}

/// End a waiting request (`state`: refused, released or removed). True if
/// it was still waiting.
pub async fn end_request(
    tx: &mut Tx,
    id: ContactRequestId,
    state: &str,
    now_ms: i64,
    by: PrincipalId,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE contact_requests SET state = $1, ended_ms = $2, ended_by = $3 \
         WHERE id = $4 AND state = $5",
    )
    .bind(state)
    .bind(now_ms)
    .bind(by.to_string())
    .bind(id.to_string())
    .bind(WAITING)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// End every waiting request of `contact` for `h` (the contact was removed).
pub async fn end_waiting_of(
    tx: &mut Tx,
    h: HouseholdId,
    contact: PrincipalId,
    now_ms: i64,
    by: PrincipalId,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE contact_requests SET state = $1, ended_ms = $2, ended_by = $3 \
         WHERE household_id = $4 AND contact_id = $5 AND state = $6",
    )
    .bind(REMOVED)
    .bind(now_ms)
    .bind(by.to_string())
    .bind(h.to_string())
    .bind(contact.to_string())
    .bind(WAITING)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
