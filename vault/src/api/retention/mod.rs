//! Retention (Archiefwet) and erasure (AVG art. 17). None of it reads content.
//!
//! Who may do what, and why:
//! - **Closing and reopening** a case: an administrator, or the household's
//!   coordinating professional (casushouder): a professional whose grant,
//!   signed by a household member, lists `coordinate`. Closing starts the
//!   retention clock, so it is not for any professional with some access. A
//!   closed case is not closed again (under another class) without reopening.
//! - **Legal holds**: administrators only; a release names the hold it ends
//!   and why.
//! - **Erasure and destruction** delete for good, so they need two
//!   administrators: one proposes, another approves (`proposals.rs`). The
//!   proposal and the deletion are both in the log, each under its own actor.

mod closing;
mod destruction;
mod erasure;
mod holds;
mod proposals;

pub use closing::*;
pub use destruction::*;
pub use erasure::*;
pub use holds::*;
pub use proposals::*;

use kluis_audit::{Action as LogAction, EventType, Flags};
use kluis_policy::{DenyReason, HouseholdId};

use super::problem::{ApiResult, Problem};
use super::record::{denial, LoggedTx, Record, RequestMeta};
use crate::clock::rfc3339;
use crate::role::Role;
use crate::server::AppState;
use crate::store::principals::Principal;
use crate::store::retention;
use crate::wire::retention::{HoldInfo, RetentionStatus};

/// How long a proposal waits for a second administrator.
pub const PROPOSAL_LIFETIME_MS: i64 = 14 * 86_400_000;

/// An administrator's entry: authorised by role, not by consent.
fn admin_record(record: Record, caller: &Principal) -> Record {
    let mut r = record.basis(&format!("role:{}", caller.role));
    r.flags = Flags {
        authorised: true,
        involved: false,
        consent: false,
        emergency: false,
    };
    r
}

async fn status_of(ltx: &mut LoggedTx, h: HouseholdId) -> ApiResult<RetentionStatus> {
    let s = retention::status(ltx.tx().await?, h)
        .await?
        .ok_or_else(|| denial(DenyReason::NotInvolved))?;
    Ok(RetentionStatus {
        household_id: h,
        closed_at: s.closed_ms.map(rfc3339),
        class: s.class,
        due_at: s.due_ms.map(rfc3339),
        holds: holds_of(ltx, h).await?,
        destroyed_at: s.destroyed_ms.map(rfc3339),
    })
}

async fn holds_of(ltx: &mut LoggedTx, h: HouseholdId) -> ApiResult<Vec<HoldInfo>> {
    Ok(retention::active_holds(ltx.tx().await?, h)
        .await?
        .into_iter()
        .map(hold_info)
        .collect())
}

fn hold_info(h: retention::ActiveHold) -> HoldInfo {
    HoldInfo {
        id: h.id,
        reason: h.reason,
        placed_by: h.placed_by,
        placed_at: rfc3339(h.placed_ms),
    }
}

/// Admins only: anyone else is refused, and the refusal logged.
async fn admin_only(
    state: &AppState,
    meta: &RequestMeta,
    caller: &Principal,
    event: EventType,
    household: Option<HouseholdId>,
    what: &str,
) -> ApiResult<LoggedTx> {
    let ltx = LoggedTx::begin(state).await?;
    if caller.role != Role::Admin {
        let record = Record::new(event, LogAction::Execute, household).denied("role");
        return Err(ltx
            .refuse(
                state,
                meta,
                caller,
                record,
                Problem::forbidden(format!("only administrators {what}")),
            )
            .await);
    }
    Ok(ltx)
}

/// The household, if it exists and was not destroyed; otherwise the
/// refusal is logged and answered as for a household nobody knows.
async fn existing(
    state: &AppState,
    meta: &RequestMeta,
    caller: &Principal,
    mut ltx: LoggedTx,
    h: HouseholdId,
    record: &Record,
) -> ApiResult<(LoggedTx, retention::Status)> {
    match retention::status(ltx.tx().await?, h)
        .await?
        .filter(|s| s.destroyed_ms.is_none())
    {
        Some(status) => Ok((ltx, status)),
        None => Err(ltx
            .refuse(
                state,
                meta,
                caller,
                record.clone().failed("no_such_household"),
                denial(DenyReason::NotInvolved),
            )
            .await),
    }
}

/// Take the deleted bytes out of the database files; the deletion itself
/// is committed already, so a failure here is for the operator's log.
async fn scrub(state: &AppState) {
    if let Err(e) = retention::scrub(&state.store).await {
        tracing::warn!(error = %e, "could not scrub the database files after a deletion; it will happen at the next checkpoint or vacuum");
    }
}
