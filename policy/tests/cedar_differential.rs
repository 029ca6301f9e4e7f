//! Second opinion on the evaluator (issue 4 item 9a): the same rules, written
//! again as Cedar policies and run by Amazon's Cedar engine, must reach the
//! same allow/deny on thousands of random worlds and requests.
//!
//! The translation below is written from the rules in DESIGN.md and issue 4,
//! not from evaluator.rs, so a mistake would have to be made twice, in two
//! languages, to go unnoticed:
//!
//! * a member may do anything to a resource of their household;
//! * a grant (not revoked) permits its grantee its actions (write brings read)
//!   on fields in scope, within `[from, until)`, and reading the household
//!   itself (listing) in the same window; a grant listing `coordinate`
//!   permits coordinating the household (never a field) in that window;
//! * a private observation: `forbid` anyone but its author; the author is
//!   permitted while a member or holding any grant active now;
//! * no permit, no access.
//!
//! Each resource is a Cedar entity carrying its household, path, section and
//! private-observation author, built per request.

use std::str::FromStr;

use cedar_policy::{Authorizer, Context, Entities, EntityUid, PolicySet, RestrictedExpression};
use kluis_policy::{
    evaluate, Action, Facts, FieldPath, GrantFact, GrantId, HouseholdId, PrincipalId, Purpose,
    Request, Scope,
};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

const WORLDS: usize = 300;
const REQUESTS_PER_WORLD: usize = 20;

const SELECTORS: &[&str] = &[
    "financien/*",
    "wonen/*",
    "observaties/*",
    "financien/situatie",
    "financien/doelen/1",
    "wonen/situatie",
];
const PATHS: &[&str] = &[
    "financien",
    "financien/situatie",
    "financien/doelen",
    "financien/doelen/1",
    "wonen/situatie",
    "wonen/afspraken/2",
    "observaties/2026-01-01-a1b2",
    "justitie/situatie",
];

fn cedar_principal(p: &PrincipalId) -> String {
    format!("Principal::\"{p}\"")
}

fn cedar_action(a: Action) -> String {
    format!("Action::\"{a}\"")
}

/// One household's facts as a Cedar policy set.
fn to_cedar(facts: &Facts) -> PolicySet {
    let h = facts.household;
    let mut src = String::new();
    for m in &facts.members {
        src += &format!(
            "permit(principal == {}, action, resource) when {{ resource.household == \"{h}\" }};\n",
            cedar_principal(m)
        );
    }
    for g in &facts.grants {
        if g.revoked || g.household != h {
            continue; // a revoked or foreign grant permits nothing
        }
        let who = cedar_principal(&g.grantee);
        let window = format!(
            "context.now >= {} && context.now < {}",
            g.valid_from_ms, g.valid_until_ms
        );
        let mut actions = Vec::new();
        if g.actions.contains(&Action::Read) || g.actions.contains(&Action::Write) {
            actions.push(cedar_action(Action::Read));
        }
        if g.actions.contains(&Action::Write) {
            actions.push(cedar_action(Action::Write));
        }
        let in_scope: Vec<String> = g
            .scope
            .selectors()
            .iter()
            .map(|s| {
                let text = s.to_string();
                match text.strip_suffix("/*") {
                    Some(section) => format!("resource.section == \"{section}\""),
                    None => format!("resource.path == \"{text}\""),
                }
            })
            .collect();
        if !actions.is_empty() {
            src += &format!(
            "permit(principal == {who}, action in [{}], resource is Field) when {{ resource.household == \"{h}\" && {window} && ({}) }};\n",
            actions.join(", "),
            in_scope.join(" || ")
        );
        }
        src += &format!(
            "permit(principal == {who}, action == {}, resource is Household) when {{ resource.household == \"{h}\" && {window} }};\n",
            cedar_action(Action::Read)
        );
        if g.actions.contains(&Action::Coordinate) {
            src += &format!(
                "permit(principal == {who}, action == {}, resource is Household) when {{ resource.household == \"{h}\" && {window} }};\n",
                cedar_action(Action::Coordinate)
            );
        }
        src += &format!(
            "permit(principal == {who}, action, resource) when {{ resource.household == \"{h}\" && resource.private && resource.author == principal && {window} }};\n"
        );
    }
    src += "forbid(principal, action, resource) when { resource.private && resource.author != principal };\n";
    PolicySet::from_str(&src).unwrap_or_else(|e| panic!("{e:?}\n{src}"))
}

fn cedar_allows(policies: &PolicySet, req: &Request, private_author: Option<&PrincipalId>) -> bool {
    let nobody = "p-00000000000000000000000000000000".to_string();
    let author = private_author.map(|a| a.to_string()).unwrap_or(nobody);
    let (uid, entity) = match &req.path {
        Some(p) => {
            let id = format!("{}/{p}", req.household);
            (
                format!("Field::\"{id}\""),
                serde_json::json!({
                    "uid": {"type": "Field", "id": id},
                    "attrs": {
                        "household": req.household.to_string(),
                        "path": p.as_str(),
                        "section": p.section(),
                        "private": private_author.is_some(),
                        "author": {"__entity": {"type": "Principal", "id": author}},
                    },
                    "parents": [],
                }),
            )
        }
        None => (
            format!("Household::\"{}\"", req.household),
            serde_json::json!({
                "uid": {"type": "Household", "id": req.household.to_string()},
                "attrs": {
                    "household": req.household.to_string(),
                    "private": private_author.is_some(),
                    "author": {"__entity": {"type": "Principal", "id": author}},
                },
                "parents": [],
            }),
        ),
    };
    let entities = Entities::from_json_value(serde_json::json!([entity]), None).unwrap();
    let context = Context::from_pairs([(
        "now".to_string(),
        RestrictedExpression::new_long(req.now_ms),
    )])
    .unwrap();
    let request = cedar_policy::Request::new(
        EntityUid::from_str(&cedar_principal(&req.principal)).unwrap(),
        EntityUid::from_str(&cedar_action(req.action)).unwrap(),
        EntityUid::from_str(&uid).unwrap(),
        context,
        None,
    )
    .unwrap();
    let response = Authorizer::new().is_authorized(&request, policies, &entities);
    let errors: Vec<_> = response.diagnostics().errors().collect();
    assert!(errors.is_empty(), "cedar evaluation errors: {errors:?}");
    response.decision() == cedar_policy::Decision::Allow
}

fn random_world(rng: &mut StdRng, people: &[PrincipalId], h: HouseholdId) -> Facts {
    let members: Vec<PrincipalId> = people
        .iter()
        .filter(|_| rng.gen_bool(0.25))
        .copied()
        .collect();
    let grants = (0..rng.gen_range(0..6))
        .map(|_| {
            let n = rng.gen_range(1..=3);
            let scope: Vec<&str> = SELECTORS.choose_multiple(rng, n).copied().collect();
            let from = rng.gen_range(0..100);
            GrantFact {
                id: GrantId::from_bytes(rng.gen()),
                // Now and then a grant of another household slips in.
                household: if rng.gen_bool(0.1) {
                    HouseholdId::from_bytes(rng.gen())
                } else {
                    h
                },
                grantee: *people.choose(rng).unwrap(),
                scope: Scope::parse(&scope.join(",")).unwrap(),
                actions: [
                    vec![Action::Read],
                    vec![Action::Write],
                    vec![Action::Read, Action::Write],
                    vec![Action::Read, Action::Coordinate],
                    vec![Action::Coordinate],
                ]
                .choose(rng)
                .unwrap()
                .clone(),
                purpose: *Purpose::ALL.choose(rng).unwrap(),
                valid_from_ms: from,
                valid_until_ms: from + rng.gen_range(1..100),
                revoked: rng.gen_bool(0.2),
            }
        })
        .collect();
    Facts {
        household: h,
        members,
        grants,
        private_author: None,
    }
}

#[test]
fn the_evaluator_and_cedar_agree_on_random_worlds() {
    let mut rng = StdRng::seed_from_u64(0x6b6c756973);
    let people: Vec<PrincipalId> = (0..4).map(|_| PrincipalId::from_bytes(rng.gen())).collect();
    let outsider = PrincipalId::from_bytes(rng.gen());
    let h = HouseholdId::from_bytes(rng.gen());
    let other_h = HouseholdId::from_bytes(rng.gen());
    let (mut allowed, mut denied) = (0usize, 0usize);

    for world in 0..WORLDS {
        let mut facts = random_world(&mut rng, &people, h);
        let policies = to_cedar(&facts);
        for _ in 0..REQUESTS_PER_WORLD {
            let principal = if rng.gen_bool(0.1) {
                outsider
            } else {
                *people.choose(&mut rng).unwrap()
            };
            let path = if rng.gen_bool(0.15) {
                None
            } else {
                Some(FieldPath::parse(PATHS.choose(&mut rng).unwrap()).unwrap())
            };
            facts.private_author = if path.is_some() && rng.gen_bool(0.2) {
                Some(*people.choose(&mut rng).unwrap())
            } else {
                None
            };
            let req = Request {
                principal,
                household: if rng.gen_bool(0.05) { other_h } else { h },
                path,
                action: *[Action::Read, Action::Write, Action::Coordinate]
                    .choose(&mut rng)
                    .unwrap(),
                now_ms: rng.gen_range(-10..210),
            };
            let ours = evaluate(&req, &facts);
            let theirs = cedar_allows(&policies, &req, facts.private_author.as_ref());
            assert_eq!(
                ours.is_allowed(),
                theirs,
                "world {world}: evaluator says {ours:?}, Cedar says allow={theirs}\nrequest {req:?}\nfacts {facts:#?}"
            );
            if theirs {
                allowed += 1;
            } else {
                denied += 1;
            }
        }
    }
    // A differential test where one side always denies proves nothing.
    let total = allowed + denied;
    assert!(allowed * 10 > total, "only {allowed} of {total} allowed");
    assert!(denied * 10 > total, "only {denied} of {total} denied");
}
