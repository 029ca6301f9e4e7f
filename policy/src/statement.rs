//! Grant and revocation statements: what a household member signs.
//!
//! A statement is a JWT claims set (RFC 7519) so that any JOSE library can read
//! it: the registered claims `iss`, `sub`, `jti`, `iat`, `nbf`, `exp` mean what
//! the RFC says, and kluis adds its own claims beside them. `kluis` names the
//! statement kind and version (`grant/1`, `revocation/1`), so a revocation can
//! never be replayed as a grant, whatever a JOSE library does with `typ`.
//!
//! Times are JWT NumericDate: whole seconds since the Unix epoch, UTC.
//!
//! **A grant must end** (`exp` is required). The AVG asks for consent that is
//! specific, and the domain says access ends when involvement ends; support
//! decisions are time-bound. An open-ended grant would be forgotten and outlive
//! the support. The CLI defaults `--until` to one year from now; a grant may
//! run at most [`MAX_GRANT_SECS`] (five years), after which the household signs
//! again. A grant may start later than it is signed (`nbf` > `iat`) but never
//! earlier: consent does not reach back in time.
//!
//! The public structs use readable names; the private `*Claims` structs are the
//! wire format, parsed with `deny_unknown_fields` so a statement means exactly
//! what its fields say and nothing a future field might add.

use serde::{Deserialize, Serialize};

use crate::action::Action;
use crate::fingerprint::is_well_formed_fingerprint;
use crate::ids::{GrantId, HouseholdId, PrincipalId};
use crate::purpose::Purpose;
use crate::selector::Scope;

/// The `kluis` claim of a grant.
pub const GRANT_KIND: &str = "grant/1";
/// The `kluis` claim of a revocation.
pub const REVOCATION_KIND: &str = "revocation/1";
/// The longest a grant may run: five years (of 366 days), in seconds.
pub const MAX_GRANT_SECS: i64 = 5 * 366 * 24 * 3600;
/// The latest time a statement may name: 9999-12-31T23:59:59Z. Keeps every
/// time convertible to milliseconds without overflow and printable as a date.
pub const MAX_TIME_SECS: i64 = 253_402_300_799;

/// A household member's consent: `grantee` may do `actions` on the fields in
/// `scope` of `household` for `purpose`, from `not_before` until `expires`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantStatement {
    /// `jti`: the grant id, chosen by the signer's client.
    pub id: GrantId,
    /// `iss`: the household member who signs.
    pub issuer: PrincipalId,
    /// `sub`: the professional who receives access.
    pub grantee: PrincipalId,
    /// `grantee_fpr`: the fingerprint of the grantee's keys the member saw.
    pub grantee_fingerprint: String,
    pub household: HouseholdId,
    pub scope: Scope,
    /// Non-empty, no repeats. `write` implies `read`.
    pub actions: Vec<Action>,
    pub purpose: Purpose,
    /// `iat`, seconds.
    pub issued_at: i64,
    /// `nbf`, seconds: the first second the grant is active.
    pub not_before: i64,
    /// `exp`, seconds: the first second the grant is no longer active.
    pub expires: i64,
}

/// A household member's withdrawal of a grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevocationStatement {
    /// `jti`: a fresh id for this revocation (not the grant's).
    pub id: GrantId,
    /// `iss`: the household member who signs.
    pub issuer: PrincipalId,
    /// `grant`: the grant withdrawn.
    pub grant: GrantId,
    pub household: HouseholdId,
    /// `iat`, seconds. A revocation takes effect when the server accepts it,
    /// not at `iat`: a client cannot backdate the end of access.
    pub issued_at: i64,
}

/// Where a grant stands at a given moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validity {
    NotYetValid,
    Active,
    Expired,
}

/// Why a statement is not internally consistent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatementError {
    #[error("statement kind is '{found}', expected '{expected}'")]
    WrongKind {
        expected: &'static str,
        found: String,
    },
    #[error("a time in the statement is before 1970 or after the year 9999")]
    TimeOutOfRange,
    #[error("the grant starts before it was signed; consent does not reach back in time")]
    StartsBeforeIssued,
    #[error("the grant ends before or when it starts")]
    EndsBeforeStart,
    #[error("the grant runs longer than five years; sign a new one when it ends")]
    TooLong,
    #[error("a household member cannot grant access to themselves")]
    SelfGrant,
    #[error("the grantee's key fingerprint is not eight groups of four hex digits")]
    BadFingerprint,
    #[error("a grant allows at least one action")]
    NoActions,
    #[error("action '{0}' appears twice in the grant")]
    DuplicateAction(Action),
    #[error("a revocation cannot use the id of the grant it revokes")]
    RevocationReusesGrantId,
}

fn check_time(t: i64) -> Result<(), StatementError> {
    if (0..=MAX_TIME_SECS).contains(&t) {
        Ok(())
    } else {
        Err(StatementError::TimeOutOfRange)
    }
}

impl GrantStatement {
    /// Checks what no signature can: that the statement makes sense. Run on
    /// signing (so kluis never signs nonsense) and on verifying.
    pub fn validate(&self) -> Result<(), StatementError> {
        for t in [self.issued_at, self.not_before, self.expires] {
            check_time(t)?;
        }
        if self.not_before < self.issued_at {
            return Err(StatementError::StartsBeforeIssued);
        }
        if self.expires <= self.not_before {
            return Err(StatementError::EndsBeforeStart);
        }
        if self.expires - self.not_before > MAX_GRANT_SECS {
            return Err(StatementError::TooLong);
        }
        if self.issuer == self.grantee {
            return Err(StatementError::SelfGrant);
        }
        if !is_well_formed_fingerprint(&self.grantee_fingerprint) {
            return Err(StatementError::BadFingerprint);
        }
        if self.actions.is_empty() {
            return Err(StatementError::NoActions);
        }
        for (i, a) in self.actions.iter().enumerate() {
            if self.actions[..i].contains(a) {
                return Err(StatementError::DuplicateAction(*a));
            }
        }
        Ok(())
    }

    /// Where the grant stands at `now_secs` (Unix seconds): active from
    /// `not_before` inclusive until `expires` exclusive. Ignores revocation,
    /// which is a fact the server holds, not part of the statement.
    pub fn validity_at(&self, now_secs: i64) -> Validity {
        if now_secs < self.not_before {
            Validity::NotYetValid
        } else if now_secs >= self.expires {
            Validity::Expired
        } else {
            Validity::Active
        }
    }

    pub(crate) fn to_claims(&self) -> GrantClaims {
        GrantClaims {
            iss: self.issuer,
            sub: self.grantee,
            jti: self.id,
            iat: self.issued_at,
            nbf: self.not_before,
            exp: self.expires,
            kluis: GRANT_KIND.to_owned(),
            household: self.household,
            grantee_fpr: self.grantee_fingerprint.clone(),
            scope: self.scope.clone(),
            actions: self.actions.clone(),
            purpose: self.purpose,
        }
    }

    pub(crate) fn from_claims(c: GrantClaims) -> Result<Self, StatementError> {
        if c.kluis != GRANT_KIND {
            return Err(StatementError::WrongKind {
                expected: GRANT_KIND,
                found: c.kluis.chars().take(40).collect(),
            });
        }
        let s = GrantStatement {
            id: c.jti,
            issuer: c.iss,
            grantee: c.sub,
            grantee_fingerprint: c.grantee_fpr,
            household: c.household,
            scope: c.scope,
            actions: c.actions,
            purpose: c.purpose,
            issued_at: c.iat,
            not_before: c.nbf,
            expires: c.exp,
        };
        s.validate()?;
        Ok(s)
    }
}

impl RevocationStatement {
    pub fn validate(&self) -> Result<(), StatementError> {
        check_time(self.issued_at)?;
        if self.id == self.grant {
            return Err(StatementError::RevocationReusesGrantId);
        }
        Ok(())
    }

    pub(crate) fn to_claims(&self) -> RevocationClaims {
        RevocationClaims {
            iss: self.issuer,
            jti: self.id,
            iat: self.issued_at,
            kluis: REVOCATION_KIND.to_owned(),
            grant: self.grant,
            household: self.household,
        }
    }

    pub(crate) fn from_claims(c: RevocationClaims) -> Result<Self, StatementError> {
        if c.kluis != REVOCATION_KIND {
            return Err(StatementError::WrongKind {
                expected: REVOCATION_KIND,
                found: c.kluis.chars().take(40).collect(),
            });
        }
        let s = RevocationStatement {
            id: c.jti,
            issuer: c.iss,
            grant: c.grant,
            household: c.household,
            issued_at: c.iat,
        };
        s.validate()?;
        Ok(s)
    }
}

/// The JWS payload of a grant. Field order is the serialization order.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct GrantClaims {
    iss: PrincipalId,
    sub: PrincipalId,
    jti: GrantId,
    iat: i64,
    nbf: i64,
    exp: i64,
    kluis: String,
    household: HouseholdId,
    grantee_fpr: String,
    scope: Scope,
    actions: Vec<Action>,
    purpose: Purpose,
}

/// The JWS payload of a revocation.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RevocationClaims {
    iss: PrincipalId,
    jti: GrantId,
    iat: i64,
    kluis: String,
    grant: GrantId,
    household: HouseholdId,
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::fingerprint::key_fingerprint;

    pub(crate) const T0: i64 = 1_780_000_000; // 2026-05-28

    pub(crate) fn grant() -> GrantStatement {
        GrantStatement {
            id: GrantId::random(),
            issuer: PrincipalId::random(),
            grantee: PrincipalId::random(),
            grantee_fingerprint: key_fingerprint(&[1; 32], "age1example"),
            household: HouseholdId::random(),
            scope: Scope::parse("financien/*").unwrap(),
            actions: vec![Action::Read],
            purpose: Purpose::Schuldhulp,
            issued_at: T0,
            not_before: T0,
            expires: T0 + 365 * 86400,
        }
    }

    #[test]
    fn a_sensible_grant_validates() {
        assert_eq!(grant().validate(), Ok(()));
    }

    #[test]
    fn inconsistent_grants_are_refused() {
        use StatementError::*;
        type Case = (fn(&mut GrantStatement), StatementError);
        let cases: Vec<Case> = vec![
            (|g| g.expires = g.not_before, EndsBeforeStart),
            (|g| g.expires = g.not_before - 1, EndsBeforeStart),
            (|g| g.not_before = g.issued_at - 1, StartsBeforeIssued),
            (|g| g.expires = g.not_before + MAX_GRANT_SECS + 1, TooLong),
            (|g| g.issued_at = -1, TimeOutOfRange),
            (|g| g.expires = MAX_TIME_SECS + 1, TimeOutOfRange),
            (|g| g.grantee = g.issuer, SelfGrant),
            (|g| g.grantee_fingerprint = "abcd".into(), BadFingerprint),
            (|g| g.actions.clear(), NoActions),
            (
                |g| g.actions = vec![Action::Read, Action::Read],
                DuplicateAction(Action::Read),
            ),
        ];
        for (mutate, want) in cases {
            let mut g = grant();
            mutate(&mut g);
            assert_eq!(g.validate(), Err(want));
        }
        let mut g = grant();
        g.expires = g.not_before + MAX_GRANT_SECS;
        assert_eq!(g.validate(), Ok(()));
    }

    #[test]
    fn validity_is_half_open() {
        let mut g = grant();
        g.not_before = T0 + 10;
        g.expires = T0 + 20;
        assert_eq!(g.validity_at(T0 + 9), Validity::NotYetValid);
        assert_eq!(g.validity_at(T0 + 10), Validity::Active);
        assert_eq!(g.validity_at(T0 + 19), Validity::Active);
        assert_eq!(g.validity_at(T0 + 20), Validity::Expired);
    }

    #[test]
    fn claims_use_jwt_names_and_refuse_extras() {
        let g = grant();
        let json = serde_json::to_value(g.to_claims()).unwrap();
        for claim in [
            "iss",
            "sub",
            "jti",
            "iat",
            "nbf",
            "exp",
            "kluis",
            "household",
            "grantee_fpr",
            "scope",
            "actions",
            "purpose",
        ] {
            assert!(json.get(claim).is_some(), "{claim}");
        }
        assert_eq!(json["kluis"], "grant/1");
        let back: GrantClaims = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(GrantStatement::from_claims(back).unwrap(), g);

        let mut extra = json.clone();
        extra["admin"] = true.into();
        assert!(serde_json::from_value::<GrantClaims>(extra).is_err());
        let mut missing = json.clone();
        missing.as_object_mut().unwrap().remove("exp");
        assert!(serde_json::from_value::<GrantClaims>(missing).is_err());
        let mut fractional = json.clone();
        fractional["exp"] = serde_json::json!(1.5e9);
        assert!(serde_json::from_value::<GrantClaims>(fractional).is_err());
        let mut kind = json;
        kind["kluis"] = "revocation/1".into();
        let c: GrantClaims = serde_json::from_value(kind).unwrap();
        assert!(matches!(
            GrantStatement::from_claims(c),
            Err(StatementError::WrongKind { .. })
        ));
    }

    #[test]
    fn revocations_validate() {
        let r = RevocationStatement {
            id: GrantId::random(),
            issuer: PrincipalId::random(),
            grant: GrantId::random(),
            household: HouseholdId::random(),
            issued_at: T0,
        };
        assert_eq!(r.validate(), Ok(()));
        let back = RevocationStatement::from_claims(
            serde_json::from_value(serde_json::to_value(r.to_claims()).unwrap()).unwrap(),
        )
        .unwrap();
        assert_eq!(back, r);
        let same = RevocationStatement {
            id: r.grant,
            ..r.clone()
        };
        assert_eq!(
            same.validate(),
            Err(StatementError::RevocationReusesGrantId)
        );
    }
}
