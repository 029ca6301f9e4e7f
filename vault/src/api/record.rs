//! Turning a request and its decision into an access log entry.
//!
//! Handlers say what happened (`Record`); this module adds who, when, from
//! where (sealed), and appends it in the request's transaction. A decision
//! that is not logged is not given: if the append fails, the transaction
//! fails and the caller gets 503.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use kluis_audit::{Action, Entry, EventType, Flags, Outcome};
use kluis_policy::{Basis, Decision, DenyReason, HouseholdId};

use super::idempotency::{Answer, Idem};
use super::problem::{Kind, Problem};
use super::refusals::Refused;
use crate::clock::rfc3339;
use crate::server::AppState;
use crate::store::log::{self, Head};
use crate::store::principals::Principal;
use crate::store::retention;
use crate::store::{StoreError, Tx};

/// Who sent the request and how: kept only sealed, per household.
#[derive(Debug, Clone)]
pub struct RequestMeta {
    pub request_id: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

impl FromRequestParts<AppState> for RequestMeta {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _state: &AppState) -> Result<Self, Problem> {
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string());
        let user_agent = parts
            .headers
            .get(axum::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.chars().take(200).collect());
        Ok(Self {
            request_id: hex::encode(rand::random::<[u8; 8]>()),
            ip,
            user_agent,
        })
    }
}

/// How a request names a field in the log: by its path when the field
/// exists (or an allowed writer is creating it), otherwise only by its
/// section, which the plan template knows. So a refused caller cannot put
/// text of their own ("justitie/aangifte-tegen-u") into a household's
/// history: it reads "justitie".
pub fn field_for_log(path: &kluis_policy::FieldPath, known: bool) -> String {
    if known {
        path.to_string()
    } else {
        path.section().to_owned()
    }
}

/// What happened, in the log's terms.
#[derive(Debug, Clone)]
pub struct Record {
    pub event: EventType,
    pub action: Action,
    pub outcome: Outcome,
    pub household: Option<HouseholdId>,
    pub fields: Vec<String>,
    pub basis: Option<String>,
    pub purpose: Option<String>,
    pub reason: Option<String>,
    pub flags: Flags,
    /// When the decision was made, if not when the entry is appended (a
    /// batch of reads is decided at one instant; see `api::log_writer`).
    pub time_ms: Option<i64>,
}

impl Record {
    pub fn new(event: EventType, action: Action, household: Option<HouseholdId>) -> Self {
        Self {
            event,
            action,
            outcome: Outcome::Allowed,
            household,
            fields: Vec::new(),
            basis: None,
            purpose: None,
            reason: None,
            flags: Flags::default(),
            time_ms: None,
        }
    }

    /// The same record about household `h` (one entry per household).
    pub fn with_household(mut self, h: HouseholdId) -> Self {
        self.household = Some(h);
        self
    }

    pub fn field(mut self, path: &impl ToString) -> Self {
        self.fields.push(path.to_string());
        self
    }

    /// Take outcome, basis, purpose, reason and flags from a policy decision.
    pub fn decision(mut self, d: &Decision) -> Self {
        match d {
            Decision::Allow(basis) => {
                self.outcome = Outcome::Allowed;
                self.flags = Flags {
                    authorised: true,
                    involved: true,
                    consent: true,
                    emergency: false,
                };
                match basis {
                    Basis::Membership => {
                        self.basis = Some(kluis_audit::MEMBERSHIP_BASIS.to_owned())
                    }
                    Basis::Author => self.basis = Some("author".to_owned()),
                    Basis::Grant { id, purpose } => {
                        self.basis = Some(id.to_string());
                        self.purpose = Some(purpose.code().to_owned());
                    }
                }
            }
            Decision::Deny(reason) => {
                self.outcome = Outcome::Denied;
                self.reason = Some(reason.code().to_owned());
            }
        }
        self
    }

    pub fn denied(mut self, reason: &str) -> Self {
        self.outcome = Outcome::Denied;
        self.reason = Some(reason.to_owned());
        self
    }

    pub fn failed(mut self, reason: &str) -> Self {
        self.outcome = Outcome::Error;
        self.reason = Some(reason.to_owned());
        self
    }

    pub fn basis(mut self, basis: &str) -> Self {
        self.basis = Some(basis.to_owned());
        self.flags = Flags {
            authorised: true,
            involved: true,
            consent: true,
            emergency: false,
        };
        self
    }
}

/// Append `record` for `caller` to the log, in `tx`.
pub async fn append(
    tx: &mut Tx,
    head: &mut Head,
    state: &AppState,
    meta: &RequestMeta,
    caller: Option<&Principal>,
    record: Record,
) -> Result<u64, StoreError> {
    let household = record.household.map(|h| h.to_string());
    let seq = head.size;
    // Identifying details are sealed under the household's log key, so they
    // can be destroyed at retention while the leaf (which holds only their
    // hash) keeps the tree verifiable.
    // The record of a destruction or erasure is written in the transaction
    // that deletes the household's data; its log key goes once that commits
    // (`HouseholdLogKeys::forget_destroyed`), so nothing is sealed under it.
    let deleting = matches!(record.event, EventType::Destruction | EventType::Erasure);
    let (payload, commitment) = match &household {
        Some(h) if !deleting => {
            // The key is made with the household and destroyed with it:
            // entries about a destroyed household carry no sealed details.
            let id = record.household.expect("household set");
            let key = match state.log_keys.get(id)? {
                Some(k) => Some(k),
                None if record.event == EventType::HouseholdCreate
                    && record.outcome == Outcome::Allowed =>
                {
                    Some(state.log_keys.create(id)?)
                }
                None => None,
            };
            match key {
                Some(key) => {
                    let details =
                        serde_json::json!({ "ip": meta.ip, "user_agent": meta.user_agent });
                    let sealed =
                        kluis_audit::seal_payload(&key, h, seq, details.to_string().as_bytes())
                            .map_err(|e| {
                                StoreError::Unavailable(sqlx::Error::Protocol(e.to_string()))
                            })?;
                    let c = kluis_audit::commitment(&sealed);
                    (Some(sealed), Some(c))
                }
                None => (None, None),
            }
        }
        _ => (None, None),
    };
    let mut entry = Entry {
        version: kluis_audit::entry::VERSION,
        seq,
        time_ms: record.time_ms.unwrap_or_else(|| state.clock.now_ms()),
        event: record.event,
        action: record.action,
        outcome: record.outcome,
        flags: record.flags,
        actor: caller.map(|c| c.id.to_string()),
        actor_role: caller.map(|c| c.role.as_str().to_owned()),
        actor_org: caller.and_then(|c| c.org.clone()),
        on_behalf_of: None,
        household,
        fields: record.fields,
        basis: record.basis,
        purpose: record.purpose,
        request_id: meta.request_id.clone(),
        instance: state.instance.clone(),
        reason: record.reason,
        payload_commitment: commitment,
    };
    log::append(tx, head, &mut entry, payload).await
}

/// A transaction that holds the log lock: every dossier request runs in one,
/// records its decision in it, and commits the decision with its effects.
pub struct LoggedTx {
    tx: Tx,
    head: Head,
}

impl LoggedTx {
    pub async fn begin(state: &AppState) -> Result<Self, StoreError> {
        let mut tx = state.store.begin().await?;
        let head = log::lock(&mut tx).await?;
        Ok(Self { tx, head })
    }

    /// The same on the connection reserved for the group-commit writer
    /// (`api::log_writer`; see `Store::begin_writer`).
    pub async fn begin_writer(state: &AppState) -> Result<Self, StoreError> {
        let mut tx = state.store.begin_writer().await?;
        let head = log::lock(&mut tx).await?;
        Ok(Self { tx, head })
    }

    /// The transaction, for the request's own queries. Appended entries
    /// are written first (they are buffered, see `store::log::Head`), so
    /// the transaction holds everything recorded so far.
    pub async fn tx(&mut self) -> Result<&mut Tx, StoreError> {
        log::settle(&mut self.tx, &mut self.head).await?;
        Ok(&mut self.tx)
    }

    pub async fn record(
        &mut self,
        state: &AppState,
        meta: &RequestMeta,
        caller: Option<&Principal>,
        record: Record,
    ) -> Result<u64, StoreError> {
        append(&mut self.tx, &mut self.head, state, meta, caller, record).await
    }

    /// The tree head including the entries recorded so far, for signing a
    /// checkpoint that covers this request's own entry.
    pub fn head(&self) -> &Head {
        &self.head
    }

    /// Write the new tree head and commit: the entries and the change they
    /// record become durable together.
    pub async fn commit(mut self) -> Result<(), StoreError> {
        log::finish(&mut self.tx, &mut self.head).await?;
        self.tx.commit().await?;
        Ok(())
    }

    /// Commit with the request's answer, stored under its idempotency key
    /// in the same transaction (see `api::idempotency`).
    pub async fn commit_answer(
        mut self,
        state: &AppState,
        idem: &Idem,
        answer: Answer,
    ) -> Result<Answer, Problem> {
        log::finish(&mut self.tx, &mut self.head).await?;
        super::idempotency::commit_answer(self.tx, state, idem, answer).await
    }

    /// End without committing: nothing was recorded that must be kept
    /// (asking for a write plan, for example). The log lock is released.
    pub async fn rollback(self) {
        self.tx.rollback().await;
    }

    /// Go on when `decision` allows; otherwise log the refusal, commit it
    /// and hand back the answer (see `denial`).
    pub async fn allowed(
        self,
        state: &AppState,
        meta: &RequestMeta,
        caller: &Principal,
        decision: &Decision,
        record: &Record,
    ) -> Result<Self, Problem> {
        match decision {
            Decision::Allow(_) => Ok(self),
            Decision::Deny(reason) => Err(self
                .refuse(state, meta, caller, record.clone(), denial(*reason))
                .await),
        }
    }

    /// Go on with `result`'s value, or refuse with its problem, logged as
    /// this request failing for `why`.
    pub async fn or_refuse<T>(
        self,
        state: &AppState,
        meta: &RequestMeta,
        caller: &Principal,
        record: &Record,
        why: &str,
        result: Result<T, Problem>,
    ) -> Result<(Self, T), Problem> {
        match result {
            Ok(value) => Ok((self, value)),
            Err(problem) => Err(self
                .refuse(state, meta, caller, record.clone().failed(why), problem)
                .await),
        }
    }

    /// Record a refusal, commit it (nothing else was changed) and hand back
    /// the problem to answer with. If the refusal cannot be logged the
    /// caller gets 503 instead.
    pub async fn refuse(
        self,
        state: &AppState,
        meta: &RequestMeta,
        caller: &Principal,
        record: Record,
        problem: Problem,
    ) -> Problem {
        self.refuse_as(state, meta, Some(caller), record, problem)
            .await
    }

    /// `refuse` for a caller who may be unknown (`None`: a login naming a
    /// key or challenge nobody has). Unknown callers are rate-limited by
    /// their address, known ones as themselves (see `api::refusals`).
    pub async fn refuse_as(
        mut self,
        state: &AppState,
        meta: &RequestMeta,
        caller: Option<&Principal>,
        record: Record,
        problem: Problem,
    ) -> Problem {
        let who = match caller {
            Some(p) => Refused::Person(p.id),
            None => Refused::address(meta.ip.as_deref()),
        };
        let allowed = match state.refusals.check(who) {
            Ok(allowed) => allowed,
            Err(limited) => {
                self.rollback().await;
                return limited;
            }
        };
        let household = record.household;
        let logged = async {
            // A destroyed household says so, instead of "not found": its
            // record of destruction is not a secret, its content is gone.
            let mut problem = problem;
            if let (Kind::HouseholdNotFound, Some(h)) = (problem.kind, household) {
                if let Some(at) = retention::status(self.tx().await?, h)
                    .await?
                    .and_then(|s| s.destroyed_ms)
                {
                    problem = Problem::new(
                        Kind::HouseholdDestroyed,
                        format!("this household's dossier was destroyed on {} at the end of its retention period", rfc3339(at)),
                    );
                }
            }
            self.record(state, meta, caller, record).await?;
            self.commit().await?;
            Ok::<_, StoreError>(problem)
        };
        match logged.await {
            Ok(problem) => problem,
            Err(e) => {
                // Not logged: the caller hears 503, and it does not count
                // as one of their refusals.
                state.refusals.refund(allowed);
                e.into()
            }
        }
    }
}

/// The answer to a denial. Someone with no tie to the household learns
/// nothing, not even whether it exists: the same 404 as for an id nobody
/// uses. Someone involved hears plainly what they may not do.
pub fn denial(reason: DenyReason) -> Problem {
    match reason {
        DenyReason::NotInvolved | DenyReason::WrongHousehold => Problem::new(
            Kind::HouseholdNotFound,
            "no household with this id, or you have no access to it",
        ),
        DenyReason::OutOfScope => Problem::forbidden("no grant of yours covers this field"),
        DenyReason::NotYetValid => {
            Problem::forbidden("your grant for this field has not started yet")
        }
        DenyReason::Expired => Problem::forbidden("your grant for this field has ended"),
        DenyReason::Revoked => {
            Problem::forbidden("the household withdrew your grant for this field")
        }
        DenyReason::ActionNotGranted => {
            Problem::forbidden("your grant lets you read this field, not change it")
        }
        DenyReason::MembersOnly => Problem::forbidden("only household members may do this"),
        DenyReason::PrivateObservation => {
            Problem::forbidden("this is a private observation: only its author can read it")
        }
    }
}

/// Log a refusal in a transaction of its own (for handlers that decided
/// outside a `LoggedTx`, like reads) and hand back the problem.
pub async fn refuse_now(
    state: &AppState,
    meta: &RequestMeta,
    caller: &Principal,
    record: Record,
    problem: Problem,
) -> Problem {
    match LoggedTx::begin(state).await {
        Ok(ltx) => ltx.refuse(state, meta, caller, record, problem).await,
        Err(e) => e.into(),
    }
}

/// `refuse_now` for a caller nobody knows (see `LoggedTx::refuse_as`): the
/// entry names no actor and no household.
pub async fn refuse_unknown_now(
    state: &AppState,
    meta: &RequestMeta,
    record: Record,
    problem: Problem,
) -> Problem {
    match LoggedTx::begin(state).await {
        Ok(ltx) => ltx.refuse_as(state, meta, None, record, problem).await,
        Err(e) => e.into(),
    }
}
