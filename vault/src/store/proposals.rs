//! Proposals: an erasure or destruction one administrator asks for and a
//! second administrator approves (or turns down). Nothing is deleted until a
//! second person has looked; the `proposals` table remembers who asked, for
//! what, until when, and who decided.

use kluis_policy::{HouseholdId, ProposalId};
use sqlx::Row;

use super::{StoreError, Tx};

/// What a proposal asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProposalKind {
    /// Erase one household before its term ends, on a legal basis.
    Erase,
    /// Destroy the households on the destruction list as it was proposed.
    Destroy,
}

impl ProposalKind {
    pub fn code(self) -> &'static str {
        match self {
            ProposalKind::Erase => "erase",
            ProposalKind::Destroy => "destroy",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        match text {
            "erase" => Some(ProposalKind::Erase),
            "destroy" => Some(ProposalKind::Destroy),
            _ => None,
        }
    }
}

/// How a proposal was decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Approved,
    Rejected,
}

impl Decision {
    pub fn code(self) -> &'static str {
        match self {
            Decision::Approved => "approved",
            Decision::Rejected => "rejected",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        match text {
            "approved" => Some(Decision::Approved),
            "rejected" => Some(Decision::Rejected),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Proposal {
    pub id: ProposalId,
    pub kind: ProposalKind,
    /// Erase: the legal basis. Destroy: the archivist who approved the list.
    pub basis: String,
    pub households: Vec<HouseholdId>,
    pub proposed_by: String,
    pub proposed_ms: i64,
    pub expires_ms: i64,
    pub decision: Option<(Decision, String, i64)>,
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Unavailable(sqlx::Error::Decode(
        format!("bad stored proposal {what}").into(),
    ))
}

pub struct NewProposal<'a> {
    pub kind: ProposalKind,
    pub basis: &'a str,
    pub households: &'a [HouseholdId],
    pub proposed_by: &'a str,
    pub now_ms: i64,
    pub expires_ms: i64,
}

/// Store a new proposal; returns its id.
pub async fn insert(tx: &mut Tx, p: &NewProposal<'_>) -> Result<ProposalId, StoreError> {
    let id = ProposalId::random();
    let households: Vec<String> = p.households.iter().map(|h| h.to_string()).collect();
    sqlx::query(
        "INSERT INTO proposals (id, kind, basis, households, proposed_by, proposed_ms, expires_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id.to_string())
    .bind(p.kind.code())
    .bind(p.basis)
    .bind(households.join(" "))
    .bind(p.proposed_by)
    .bind(p.now_ms)
    .bind(p.expires_ms)
    .execute(&mut **tx)
    .await?;
    Ok(id)
}

const COLUMNS: &str = "id, kind, basis, households, proposed_by, proposed_ms, expires_ms, \
                       decision, decided_by, decided_ms";

fn from_row(row: &sqlx::any::AnyRow) -> Result<Proposal, StoreError> {
    let kind: String = row.try_get("kind")?;
    let households: String = row.try_get("households")?;
    let decision: Option<String> = row.try_get("decision")?;
    let decision = match decision {
        None => None,
        Some(d) => Some((
            Decision::parse(&d).ok_or_else(|| corrupt("decision"))?,
            row.try_get::<Option<String>, _>("decided_by")?
                .ok_or_else(|| corrupt("decider"))?,
            row.try_get::<Option<i64>, _>("decided_ms")?
                .ok_or_else(|| corrupt("decision time"))?,
        )),
    };
    Ok(Proposal {
        id: ProposalId::parse(&row.try_get::<String, _>("id")?).map_err(|_| corrupt("id"))?,
        kind: ProposalKind::parse(&kind).ok_or_else(|| corrupt("kind"))?,
        basis: row.try_get("basis")?,
        households: households
            .split_whitespace()
            .map(|h| HouseholdId::parse(h).map_err(|_| corrupt("household")))
            .collect::<Result<_, _>>()?,
        proposed_by: row.try_get("proposed_by")?,
        proposed_ms: row.try_get("proposed_ms")?,
        expires_ms: row.try_get("expires_ms")?,
        decision,
    })
}

pub async fn get(tx: &mut Tx, id: ProposalId) -> Result<Option<Proposal>, StoreError> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM proposals WHERE id = $1"))
        .bind(id.to_string())
        .fetch_optional(&mut **tx)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Proposals not decided and not expired at `now_ms`, oldest first.
pub async fn waiting(tx: &mut Tx, now_ms: i64) -> Result<Vec<Proposal>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM proposals WHERE decided_ms IS NULL AND expires_ms > $1 \
         ORDER BY proposed_ms, id"
    ))
    .bind(now_ms)
    .fetch_all(&mut **tx)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Record the decision; false if someone decided it first (the caller's
/// transaction then must not carry anything out).
pub async fn decide(
    tx: &mut Tx,
    id: ProposalId,
    decision: Decision,
    by: &str,
    now_ms: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE proposals SET decision = $1, decided_by = $2, decided_ms = $3 \
         WHERE id = $4 AND decided_ms IS NULL",
    )
    .bind(decision.code())
    .bind(by)
    .bind(now_ms)
    .bind(id.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}
