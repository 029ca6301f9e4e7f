//! Consent for kluis.
//!
//! This crate answers one question, "may this principal do this to this part of
//! this household's plan, right now?", and defines the signed statements
//! (grants, revocations) that the answer rests on. It does no I/O: the vault
//! hands it facts (memberships, grants, the time) and it returns a decision.
//!
//! Times: statements carry JWT NumericDate seconds; the evaluator takes Unix
//! milliseconds (`now_ms`). [`GrantFact::from_statement`] converts.

#![forbid(unsafe_code)]

pub mod action;
pub mod evaluator;
pub mod fingerprint;
pub mod ids;
pub mod jws;
pub mod path;
pub mod purpose;
pub mod selector;
pub mod statement;

pub use action::{Action, ActionError};
pub use evaluator::{
    evaluate, required_readers, visible, Basis, Decision, DenyReason, Facts, GrantFact, Request,
};
pub use fingerprint::{is_well_formed_fingerprint, key_fingerprint};
pub use ids::{ContactRequestId, GrantId, HouseholdId, IdError, PrincipalId, ProposalId};
pub use jws::{
    sign_grant, sign_revocation, verify_grant, verify_revocation, JwsError, VerifiedGrant,
    VerifiedRevocation,
};
pub use path::{FieldPath, PathError};
pub use purpose::{Purpose, PurposeError};
pub use selector::{Scope, Selector, SelectorError};
pub use statement::{GrantStatement, RevocationStatement, StatementError, Validity};
