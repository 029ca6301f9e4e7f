//! The evaluator: one function that answers every dossier access question.
//!
//! "May this principal do this to this part of this household's plan, right
//! now?" The vault gathers the facts (members, the household's grants with
//! their revocation state, whether the field is a private observation and by
//! whom) and asks; every endpoint asks here, so there is one place where the
//! rules live and one place to test them. The rules, in order:
//!
//! 1. Facts about another household than the request's: deny. Grant facts for
//!    another household are ignored.
//! 2. A private observation is for its author only, whatever any membership or
//!    grant says. The author too must still be involved (a member, or holding
//!    an active grant of any scope): a professional's access, even to their own
//!    note, ends when their involvement ends.
//! 3. A member may do everything on their own household.
//! 4. A grantee may do what an active grant covers: from `valid_from_ms`
//!    inclusive to `valid_until_ms` exclusive, not revoked, path in scope,
//!    action granted (write implies read).
//! 5. A household-level request (no path: listing the plan, seeing that the
//!    household exists) is a read for members and for grantees with any active
//!    grant; the vault then shows a grantee only the paths [`visible`] allows.
//!    A household-level write (adding members, granting, revoking) is for
//!    members only. Coordinating the case (closing it for retention) is for
//!    members and for grantees whose active grant lists `coordinate`; on a
//!    field it is never granted.
//! 6. Anything else: deny.
//!
//! Time is Unix milliseconds (`now_ms`), passed in: the crate has no clock.
//! Statements carry seconds; [`GrantFact::from_statement`] converts.

use std::fmt;

use crate::action::Action;
use crate::ids::{GrantId, HouseholdId, PrincipalId};
use crate::path::FieldPath;
use crate::purpose::Purpose;
use crate::selector::Scope;
use crate::statement::GrantStatement;

/// The question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub principal: PrincipalId,
    pub household: HouseholdId,
    /// The field, or `None` for a household-level request such as a listing.
    pub path: Option<FieldPath>,
    pub action: Action,
    pub now_ms: i64,
}

/// What the vault knows about the household, for one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    /// The household these facts describe.
    pub household: HouseholdId,
    pub members: Vec<PrincipalId>,
    /// The household's grants, revoked ones included (marked so).
    pub grants: Vec<GrantFact>,
    /// `Some(author)` when the requested field is a private observation.
    /// Must be `None` for household-level requests; if set anyway, the
    /// private-observation rule applies (failing closed).
    pub private_author: Option<PrincipalId>,
}

/// A grant as the evaluator needs it: verified and stored by the vault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantFact {
    pub id: GrantId,
    pub household: HouseholdId,
    pub grantee: PrincipalId,
    pub scope: Scope,
    pub actions: Vec<Action>,
    pub purpose: Purpose,
    /// First millisecond of validity.
    pub valid_from_ms: i64,
    /// First millisecond no longer valid.
    pub valid_until_ms: i64,
    pub revoked: bool,
}

impl GrantFact {
    /// The fact for a verified grant statement (seconds become milliseconds).
    pub fn from_statement(s: &GrantStatement, revoked: bool) -> Self {
        GrantFact {
            id: s.id,
            household: s.household,
            grantee: s.grantee,
            scope: s.scope.clone(),
            actions: s.actions.clone(),
            purpose: s.purpose,
            valid_from_ms: s.not_before.saturating_mul(1000),
            valid_until_ms: s.expires.saturating_mul(1000),
            revoked,
        }
    }

    /// Not revoked and inside its validity period at `now_ms`.
    pub fn is_active(&self, now_ms: i64) -> bool {
        self.time_problem(now_ms).is_none()
    }

    fn time_problem(&self, now_ms: i64) -> Option<DenyReason> {
        if self.revoked {
            Some(DenyReason::Revoked)
        } else if now_ms < self.valid_from_ms {
            Some(DenyReason::NotYetValid)
        } else if now_ms >= self.valid_until_ms {
            Some(DenyReason::Expired)
        } else {
            None
        }
    }
}

/// The answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow(Basis),
    Deny(DenyReason),
}

impl Decision {
    pub fn is_allowed(&self) -> bool {
        matches!(self, Decision::Allow(_))
    }
}

/// Why an access is allowed: what the log records as its basis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// The principal is a member of the household.
    Membership,
    /// The household's consent: this grant.
    Grant { id: GrantId, purpose: Purpose },
    /// The principal wrote this private observation (and is still involved).
    Author,
}

impl Basis {
    /// A stable code for logs and APIs.
    pub fn code(&self) -> &'static str {
        match self {
            Basis::Membership => "membership",
            Basis::Grant { .. } => "grant",
            Basis::Author => "author",
        }
    }
}

/// Why an access is denied. When several grants fail for different reasons,
/// the one that came closest is reported (see [`DenyReason::closeness`]), so
/// "your grant expired" wins over "that field is not in any of your grants".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DenyReason {
    /// The facts describe another household than the request names.
    WrongHousehold,
    /// Neither a member nor holder of any grant on this household.
    NotInvolved,
    /// No grant of the principal covers this field.
    OutOfScope,
    /// The covering grant has not started yet.
    NotYetValid,
    /// The covering grant has ended.
    Expired,
    /// The covering grant was withdrawn.
    Revoked,
    /// A covering, active grant does not allow this action (read-only grant).
    ActionNotGranted,
    /// Only members may do this to the household as a whole.
    MembersOnly,
    /// The field is someone else's private observation.
    PrivateObservation,
}

impl DenyReason {
    /// A stable code for logs and APIs.
    pub fn code(&self) -> &'static str {
        match self {
            DenyReason::WrongHousehold => "wrong_household",
            DenyReason::NotInvolved => "not_involved",
            DenyReason::OutOfScope => "out_of_scope",
            DenyReason::NotYetValid => "not_yet_valid",
            DenyReason::Expired => "expired",
            DenyReason::Revoked => "revoked",
            DenyReason::ActionNotGranted => "action_not_granted",
            DenyReason::MembersOnly => "members_only",
            DenyReason::PrivateObservation => "private_observation",
        }
    }

    /// How far a grant got before failing: scope is checked first, then
    /// time and revocation, then the action.
    fn closeness(&self) -> u8 {
        match self {
            DenyReason::OutOfScope => 1,
            DenyReason::NotYetValid => 2,
            DenyReason::Expired => 3,
            DenyReason::Revoked => 4,
            DenyReason::ActionNotGranted => 5,
            _ => 0,
        }
    }
}

impl fmt::Display for DenyReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Answers a request from the facts. See the module documentation for the rules.
pub fn evaluate(request: &Request, facts: &Facts) -> Decision {
    decide(request, facts, facts.private_author.as_ref())
}

/// Whether `principal` may read `path` (a field listed in the household's
/// plan) at `now_ms`. `private_author` is that field's author if it is a
/// private observation; it replaces `facts.private_author`, so a listing can
/// filter many fields against one set of facts.
pub fn visible(
    facts: &Facts,
    principal: &PrincipalId,
    path: &FieldPath,
    private_author: Option<&PrincipalId>,
    now_ms: i64,
) -> bool {
    let request = Request {
        principal: *principal,
        household: facts.household,
        path: Some(path.clone()),
        action: Action::Read,
        now_ms,
    };
    decide(&request, facts, private_author).is_allowed()
}

/// The grantees who must be able to read a new version of `path`: every
/// non-member whose active grant covers it, each with the lowest such grant
/// id (the vault sends that grant's JWS so the writer can check it), sorted by
/// principal. Members are left out: they read through the household
/// recipient. A private observation has no readers but its author.
pub fn required_readers(
    facts: &Facts,
    path: &FieldPath,
    now_ms: i64,
) -> Vec<(PrincipalId, GrantId)> {
    if facts.private_author.is_some() {
        return Vec::new();
    }
    let mut readers: Vec<(PrincipalId, GrantId)> = Vec::new();
    for g in facts.grants.iter().filter(|g| {
        g.household == facts.household
            && !facts.members.contains(&g.grantee)
            && g.is_active(now_ms)
            && g.scope.covers(path)
            && Action::Read.granted_by(&g.actions)
    }) {
        match readers.iter_mut().find(|(p, _)| *p == g.grantee) {
            Some((_, id)) => *id = (*id).min(g.id),
            None => readers.push((g.grantee, g.id)),
        }
    }
    readers.sort();
    readers
}

fn decide(request: &Request, facts: &Facts, private_author: Option<&PrincipalId>) -> Decision {
    if request.household != facts.household {
        return Decision::Deny(DenyReason::WrongHousehold);
    }
    let now = request.now_ms;
    let is_member = facts.members.contains(&request.principal);
    let own_grants = || {
        facts
            .grants
            .iter()
            .filter(|g| g.household == facts.household && g.grantee == request.principal)
    };

    if let Some(author) = private_author {
        if *author != request.principal {
            return Decision::Deny(DenyReason::PrivateObservation);
        }
        if is_member {
            return Decision::Allow(Basis::Author);
        }
        return match best(own_grants().map(|g| (g, g.time_problem(now)))) {
            Ok(_) => Decision::Allow(Basis::Author),
            Err(reason) => Decision::Deny(reason),
        };
    }

    if is_member {
        return Decision::Allow(Basis::Membership);
    }

    let outcome = match &request.path {
        // The household itself: listing it (read) needs any grant in force;
        // coordinating the case needs a grant in force that lists it.
        None => best(own_grants().map(|g| {
            let problem = g.time_problem(now).or_else(|| {
                (request.action == Action::Coordinate && !Action::Coordinate.granted_by(&g.actions))
                    .then_some(DenyReason::ActionNotGranted)
            });
            (g, problem)
        })),
        Some(path) => best(own_grants().map(|g| {
            let problem = if !g.scope.covers(path) {
                Some(DenyReason::OutOfScope)
            } else if let Some(p) = g.time_problem(now) {
                Some(p)
            } else if request.action == Action::Coordinate || !request.action.granted_by(&g.actions)
            {
                Some(DenyReason::ActionNotGranted)
            } else {
                None
            };
            (g, problem)
        })),
    };
    match outcome {
        Ok(_) if request.path.is_none() && request.action == Action::Write => {
            Decision::Deny(DenyReason::MembersOnly)
        }
        Ok(g) => Decision::Allow(Basis::Grant {
            id: g.id,
            purpose: g.purpose,
        }),
        Err(reason) => Decision::Deny(reason),
    }
}

/// The grant that passes (lowest id, so the answer does not depend on the
/// order the vault listed the grants in), or the closest reason none does.
fn best<'a>(
    checked: impl Iterator<Item = (&'a GrantFact, Option<DenyReason>)>,
) -> Result<&'a GrantFact, DenyReason> {
    let mut passing: Option<&GrantFact> = None;
    let mut reason = DenyReason::NotInvolved;
    for (g, problem) in checked {
        match problem {
            None => {
                if passing.is_none_or(|p| g.id < p.id) {
                    passing = Some(g);
                }
            }
            Some(r) => {
                if r.closeness() > reason.closeness() {
                    reason = r;
                }
            }
        }
    }
    passing.ok_or(reason)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use Action::*;
    use DenyReason::*;

    const NOW: i64 = 1_780_000_000_000;

    fn path(s: &str) -> FieldPath {
        FieldPath::parse(s).unwrap()
    }

    fn grant(h: HouseholdId, to: PrincipalId, scope: &str, actions: &[Action]) -> GrantFact {
        GrantFact {
            id: GrantId::random(),
            household: h,
            grantee: to,
            scope: Scope::parse(scope).unwrap(),
            actions: actions.to_vec(),
            purpose: Purpose::Schuldhulp,
            valid_from_ms: NOW - 1000,
            valid_until_ms: NOW + 1000,
            revoked: false,
        }
    }

    struct World {
        h: HouseholdId,
        member: PrincipalId,
        pro: PrincipalId,
        facts: Facts,
    }

    fn world() -> World {
        let h = HouseholdId::random();
        let member = PrincipalId::random();
        let pro = PrincipalId::random();
        let facts = Facts {
            household: h,
            members: vec![member],
            grants: vec![grant(h, pro, "financien/*,wonen/situatie", &[Read])],
            private_author: None,
        };
        World {
            h,
            member,
            pro,
            facts,
        }
    }

    fn ask(w: &World, who: PrincipalId, p: Option<&str>, action: Action, now: i64) -> Decision {
        evaluate(
            &Request {
                principal: who,
                household: w.h,
                path: p.map(path),
                action,
                now_ms: now,
            },
            &w.facts,
        )
    }

    #[test]
    fn members_may_do_everything_on_their_household() {
        let w = world();
        for p in [None, Some("financien/situatie"), Some("justitie/x/y")] {
            for a in [Read, Write] {
                assert_eq!(
                    ask(&w, w.member, p, a, NOW),
                    Decision::Allow(Basis::Membership)
                );
            }
        }
    }

    #[test]
    fn strangers_are_denied_by_default() {
        let w = world();
        let stranger = PrincipalId::random();
        for p in [None, Some("financien/situatie")] {
            for a in [Read, Write] {
                assert_eq!(ask(&w, stranger, p, a, NOW), Decision::Deny(NotInvolved));
            }
        }
    }

    #[test]
    fn members_of_another_household_are_strangers_here() {
        let w = world();
        let mut other = world();
        other.h = w.h;
        other.facts.household = w.h;
        assert_eq!(
            ask(&other, w.member, Some("financien"), Read, NOW),
            Decision::Deny(NotInvolved)
        );
    }

    #[test]
    fn facts_for_another_household_deny_everything() {
        let w = world();
        let req = Request {
            principal: w.member,
            household: HouseholdId::random(),
            path: None,
            action: Read,
            now_ms: NOW,
        };
        assert_eq!(evaluate(&req, &w.facts), Decision::Deny(WrongHousehold));
    }

    #[test]
    fn grants_for_another_household_are_ignored() {
        let mut w = world();
        let stray = grant(HouseholdId::random(), w.pro, "justitie/*", &[Read, Write]);
        w.facts.grants.push(stray);
        assert_eq!(
            ask(&w, w.pro, Some("justitie/x"), Read, NOW),
            Decision::Deny(OutOfScope)
        );
        assert!(required_readers(&w.facts, &path("justitie/x"), NOW).is_empty());
    }

    #[test]
    fn a_grantee_reads_what_the_grant_covers_and_nothing_else() {
        let w = world();
        let g = &w.facts.grants[0];
        let allow = Decision::Allow(Basis::Grant {
            id: g.id,
            purpose: Purpose::Schuldhulp,
        });
        assert_eq!(ask(&w, w.pro, Some("financien/situatie"), Read, NOW), allow);
        assert_eq!(
            ask(&w, w.pro, Some("financien/later/added"), Read, NOW),
            allow
        );
        assert_eq!(ask(&w, w.pro, Some("wonen/situatie"), Read, NOW), allow);
        assert_eq!(
            ask(&w, w.pro, Some("wonen/doelen"), Read, NOW),
            Decision::Deny(OutOfScope)
        );
        assert_eq!(
            ask(&w, w.pro, Some("justitie"), Read, NOW),
            Decision::Deny(OutOfScope)
        );
    }

    #[test]
    fn read_grants_do_not_allow_writing_but_write_grants_allow_both() {
        let mut w = world();
        assert_eq!(
            ask(&w, w.pro, Some("financien/situatie"), Write, NOW),
            Decision::Deny(ActionNotGranted)
        );
        w.facts.grants[0].actions = vec![Write];
        assert!(ask(&w, w.pro, Some("financien/situatie"), Write, NOW).is_allowed());
        assert!(ask(&w, w.pro, Some("financien/situatie"), Read, NOW).is_allowed());
        assert_eq!(
            ask(&w, w.pro, Some("wonen/doelen"), Write, NOW),
            Decision::Deny(OutOfScope)
        );
    }

    #[test]
    fn validity_is_from_inclusive_until_exclusive() {
        let w = world();
        let g = &w.facts.grants[0];
        let p = Some("financien/situatie");
        assert_eq!(
            ask(&w, w.pro, p, Read, g.valid_from_ms - 1),
            Decision::Deny(NotYetValid)
        );
        assert!(ask(&w, w.pro, p, Read, g.valid_from_ms).is_allowed());
        assert!(ask(&w, w.pro, p, Read, g.valid_until_ms - 1).is_allowed());
        assert_eq!(
            ask(&w, w.pro, p, Read, g.valid_until_ms),
            Decision::Deny(Expired)
        );
        assert_eq!(ask(&w, w.pro, p, Read, i64::MAX), Decision::Deny(Expired));
        assert_eq!(
            ask(&w, w.pro, p, Read, i64::MIN),
            Decision::Deny(NotYetValid)
        );
    }

    #[test]
    fn revocation_denies_at_once() {
        let mut w = world();
        w.facts.grants[0].revoked = true;
        for p in [None, Some("financien/situatie")] {
            assert_eq!(ask(&w, w.pro, p, Read, NOW), Decision::Deny(Revoked));
        }
        assert_eq!(
            ask(&w, w.pro, Some("justitie"), Read, NOW),
            Decision::Deny(OutOfScope)
        );
    }

    #[test]
    fn another_active_grant_still_counts_after_one_is_revoked() {
        let mut w = world();
        w.facts.grants[0].revoked = true;
        let second = grant(w.h, w.pro, "financien/situatie", &[Read]);
        let id = second.id;
        w.facts.grants.push(second);
        assert_eq!(
            ask(&w, w.pro, Some("financien/situatie"), Read, NOW),
            Decision::Allow(Basis::Grant {
                id,
                purpose: Purpose::Schuldhulp
            })
        );
        assert_eq!(
            ask(&w, w.pro, Some("financien/doelen"), Read, NOW),
            Decision::Deny(Revoked)
        );
    }

    #[test]
    fn the_closest_reason_is_reported() {
        let mut w = world();
        let mut expired = grant(w.h, w.pro, "justitie/*", &[Read]);
        expired.valid_until_ms = NOW - 1;
        w.facts.grants.push(expired);
        // Out of scope of the active grant, in scope of the expired one.
        assert_eq!(
            ask(&w, w.pro, Some("justitie/x"), Read, NOW),
            Decision::Deny(Expired)
        );
        // In scope and active but read-only beats expired.
        let mut rw_expired = grant(w.h, w.pro, "financien/*", &[Write]);
        rw_expired.valid_until_ms = NOW - 1;
        w.facts.grants.push(rw_expired);
        assert_eq!(
            ask(&w, w.pro, Some("financien/x"), Write, NOW),
            Decision::Deny(ActionNotGranted)
        );
    }

    #[test]
    fn the_lowest_grant_id_is_the_basis_whatever_the_order() {
        let mut w = world();
        w.facts
            .grants
            .push(grant(w.h, w.pro, "financien/*", &[Read]));
        let lowest = w.facts.grants.iter().map(|g| g.id).min().unwrap();
        let a = ask(&w, w.pro, Some("financien/x"), Read, NOW);
        w.facts.grants.reverse();
        assert_eq!(ask(&w, w.pro, Some("financien/x"), Read, NOW), a);
        assert_eq!(
            a,
            Decision::Allow(Basis::Grant {
                id: lowest,
                purpose: Purpose::Schuldhulp
            })
        );
    }

    #[test]
    fn household_level_reads_need_any_active_grant_and_writes_membership() {
        let mut w = world();
        assert!(ask(&w, w.pro, None, Read, NOW).is_allowed());
        assert_eq!(
            ask(&w, w.pro, None, Write, NOW),
            Decision::Deny(MembersOnly)
        );
        assert_eq!(
            ask(&w, w.pro, None, Read, NOW + 1000),
            Decision::Deny(Expired)
        );
        assert_eq!(
            ask(&w, w.pro, None, Write, NOW + 1000),
            Decision::Deny(Expired)
        );
        w.facts.grants[0].actions = vec![Write];
        assert_eq!(
            ask(&w, w.pro, None, Write, NOW),
            Decision::Deny(MembersOnly)
        );
    }

    #[test]
    fn private_observations_are_for_their_author_only() {
        let mut w = world();
        let author = PrincipalId::random();
        w.facts.grants.push(grant(w.h, author, "wonen/*", &[Read]));
        w.facts
            .grants
            .push(grant(w.h, w.pro, "observaties/*", &[Read, Write]));
        w.facts.private_author = Some(author);
        let p = Some("observaties/2026-11-23-a1b2");
        for a in [Read, Write] {
            assert_eq!(ask(&w, author, p, a, NOW), Decision::Allow(Basis::Author));
            assert_eq!(
                ask(&w, w.member, p, a, NOW),
                Decision::Deny(PrivateObservation)
            );
            assert_eq!(
                ask(&w, w.pro, p, a, NOW),
                Decision::Deny(PrivateObservation)
            );
            let stranger = PrincipalId::random();
            assert_eq!(
                ask(&w, stranger, p, a, NOW),
                Decision::Deny(PrivateObservation)
            );
        }
        assert!(required_readers(&w.facts, &path("observaties/2026-11-23-a1b2"), NOW).is_empty());
    }

    #[test]
    fn the_author_loses_access_when_involvement_ends() {
        let mut w = world();
        w.facts.private_author = Some(w.pro);
        let p = Some("observaties/x");
        assert_eq!(ask(&w, w.pro, p, Read, NOW), Decision::Allow(Basis::Author));
        assert_eq!(ask(&w, w.pro, p, Read, NOW + 1000), Decision::Deny(Expired));
        w.facts.grants[0].revoked = true;
        assert_eq!(ask(&w, w.pro, p, Read, NOW), Decision::Deny(Revoked));
        w.facts.grants.clear();
        assert_eq!(ask(&w, w.pro, p, Read, NOW), Decision::Deny(NotInvolved));
        // A member author stays involved.
        w.facts.private_author = Some(w.member);
        assert_eq!(
            ask(&w, w.member, p, Read, NOW),
            Decision::Allow(Basis::Author)
        );
    }

    #[test]
    fn visible_filters_a_listing_with_per_field_authors() {
        let w = world();
        let other = PrincipalId::random();
        assert!(visible(&w.facts, &w.pro, &path("financien/a"), None, NOW));
        assert!(!visible(&w.facts, &w.pro, &path("justitie/a"), None, NOW));
        assert!(!visible(
            &w.facts,
            &w.pro,
            &path("financien/a"),
            Some(&other),
            NOW
        ));
        assert!(visible(
            &w.facts,
            &w.pro,
            &path("observaties/a"),
            Some(&w.pro),
            NOW
        ));
        assert!(visible(&w.facts, &w.member, &path("justitie/a"), None, NOW));
        assert!(!visible(
            &w.facts,
            &w.member,
            &path("observaties/a"),
            Some(&w.pro),
            NOW
        ));
    }

    #[test]
    fn required_readers_are_active_covering_non_member_grantees() {
        let mut w = world();
        let pro2 = PrincipalId::random();
        let pro3 = PrincipalId::random();
        let mut future = grant(w.h, pro3, "financien/*", &[Read]);
        future.valid_from_ms = NOW + 1;
        let mut revoked = grant(w.h, pro3, "financien/*", &[Read]);
        revoked.revoked = true;
        let g2a = grant(w.h, pro2, "financien/situatie", &[Write]);
        let g2b = grant(w.h, pro2, "financien/*", &[Read]);
        let member_grant = grant(w.h, w.member, "financien/*", &[Read]);
        w.facts
            .grants
            .extend([future, revoked, g2a.clone(), g2b.clone(), member_grant]);
        let got = required_readers(&w.facts, &path("financien/situatie"), NOW);
        let mut want = vec![(w.pro, w.facts.grants[0].id), (pro2, g2a.id.min(g2b.id))];
        want.sort();
        assert_eq!(got, want);
        assert_eq!(
            required_readers(&w.facts, &path("wonen/situatie"), NOW),
            vec![(w.pro, w.facts.grants[0].id)]
        );
        assert!(required_readers(&w.facts, &path("justitie"), NOW).is_empty());
        assert!(required_readers(&w.facts, &path("financien/situatie"), NOW + 1000).is_empty());
    }

    #[test]
    fn facts_from_statements_convert_seconds_to_milliseconds() {
        let s = crate::statement::tests::grant();
        let f = GrantFact::from_statement(&s, false);
        assert_eq!(f.valid_from_ms, s.not_before * 1000);
        assert_eq!(f.valid_until_ms, s.expires * 1000);
        assert!(f.is_active(s.not_before * 1000));
        assert!(!f.is_active(s.expires * 1000));
        assert!(!GrantFact::from_statement(&s, true).is_active(s.not_before * 1000));
    }

    // Property tests over small random worlds: three principals, two
    // sections, grants with random scope, actions, window and revocation.

    fn arb_world() -> impl Strategy<Value = (Facts, [PrincipalId; 3])> {
        let h = HouseholdId::from_bytes([1; 16]);
        let people = [
            PrincipalId::from_bytes([1; 16]),
            PrincipalId::from_bytes([2; 16]),
            PrincipalId::from_bytes([3; 16]),
        ];
        let arb_grant = (
            0usize..3,
            prop::sample::select(vec!["a/*", "b/*", "a/x", "b/x/y", "a/*,b/x"]),
            prop::sample::select(vec![vec![Read], vec![Write], vec![Read, Write]]),
            -5i64..5,
            0i64..10,
            any::<bool>(),
            any::<[u8; 16]>(),
        )
            .prop_map(
                move |(who, scope, actions, from, len, revoked, id)| GrantFact {
                    id: GrantId::from_bytes(id),
                    household: h,
                    grantee: people[who],
                    scope: Scope::parse(scope).unwrap(),
                    actions,
                    purpose: Purpose::Wmo,
                    valid_from_ms: from,
                    valid_until_ms: from + len,
                    revoked,
                },
            );
        (
            prop::collection::vec(arb_grant, 0..5),
            prop::option::of(0usize..3),
            prop::option::of(0usize..4),
        )
            .prop_map(move |(grants, member, author)| {
                (
                    Facts {
                        household: h,
                        members: member.map(|m| people[m]).into_iter().collect(),
                        grants,
                        private_author: author.map(|a| {
                            if a == 3 {
                                PrincipalId::from_bytes([9; 16])
                            } else {
                                people[a]
                            }
                        }),
                    },
                    people,
                )
            })
    }

    fn arb_request() -> impl Strategy<Value = (usize, Option<FieldPath>, Action, i64)> {
        (
            0usize..3,
            prop::option::of(prop::sample::select(vec![
                "a", "a/x", "a/y", "b/x", "b/x/y", "c",
            ]))
            .prop_map(|p| p.map(path)),
            prop::sample::select(vec![Read, Write]),
            -8i64..12,
        )
    }

    proptest! {
        #[test]
        fn no_membership_and_no_active_grant_means_deny(
            (facts, people) in arb_world(), (who, p, action, now) in arb_request()
        ) {
            let principal = people[who];
            let req = Request { principal, household: facts.household, path: p, action, now_ms: now };
            let involved = facts.members.contains(&principal)
                || facts.grants.iter().any(|g| g.grantee == principal && g.is_active(now));
            if !involved {
                prop_assert!(!evaluate(&req, &facts).is_allowed());
            }
        }

        #[test]
        fn private_observations_only_ever_open_to_their_author(
            (facts, people) in arb_world(), (who, p, action, now) in arb_request()
        ) {
            let principal = people[who];
            let req = Request { principal, household: facts.household, path: p, action, now_ms: now };
            if let Some(author) = facts.private_author {
                let d = evaluate(&req, &facts);
                if principal != author {
                    prop_assert_eq!(d, Decision::Deny(PrivateObservation));
                } else if d.is_allowed() {
                    prop_assert_eq!(d, Decision::Allow(Basis::Author));
                }
            }
        }

        #[test]
        fn a_decision_depends_only_on_the_callers_own_grants(
            (facts, people) in arb_world(), (who, p, action, now) in arb_request()
        ) {
            // The vault's read path loads only the caller's grants; this is
            // what makes that the same decision.
            let principal = people[who];
            let req = Request { principal, household: facts.household, path: p, action, now_ms: now };
            let own = Facts {
                grants: facts.grants.iter().filter(|g| g.grantee == principal).cloned().collect(),
                ..facts.clone()
            };
            prop_assert_eq!(evaluate(&req, &facts), evaluate(&req, &own));
        }

        #[test]
        fn revoking_every_grant_leaves_only_members_and_authors(
            (mut facts, people) in arb_world(), (who, p, action, now) in arb_request()
        ) {
            for g in &mut facts.grants { g.revoked = true; }
            let principal = people[who];
            let req = Request { principal, household: facts.household, path: p, action, now_ms: now };
            let d = evaluate(&req, &facts);
            prop_assert_eq!(d.is_allowed(), facts.members.contains(&principal)
                && facts.private_author.is_none_or(|a| a == principal));
        }

        #[test]
        fn an_allowed_grant_basis_names_an_active_covering_grant(
            (facts, people) in arb_world(), (who, p, action, now) in arb_request()
        ) {
            let req = Request { principal: people[who], household: facts.household, path: p.clone(), action, now_ms: now };
            if let Decision::Allow(Basis::Grant { id, .. }) = evaluate(&req, &facts) {
                let g = facts.grants.iter().find(|g| g.id == id).unwrap();
                prop_assert!(g.grantee == people[who] && g.is_active(now));
                if let Some(p) = &p {
                    prop_assert!(g.scope.covers(p) && action.granted_by(&g.actions));
                } else {
                    prop_assert_eq!(action, Read);
                }
            }
        }

        #[test]
        fn required_readers_can_read_what_they_are_sent(
            (facts, people) in arb_world(), (_, p, _, now) in arb_request()
        ) {
            if let Some(p) = p {
                let readers = required_readers(&facts, &p, now);
                for (r, _) in &readers {
                    prop_assert!(visible(&facts, r, &p, facts.private_author.as_ref(), now));
                }
                // And every non-member who may read is among them.
                for who in people {
                    if !facts.members.contains(&who)
                        && facts.private_author.is_none()
                        && visible(&facts, &who, &p, None, now)
                    {
                        prop_assert!(readers.iter().any(|(r, _)| *r == who));
                    }
                }
            }
        }
    }
}
