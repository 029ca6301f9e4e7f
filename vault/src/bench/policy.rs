//! `policy_vs_cedar`: access decisions per second of `kluis_policy::evaluate`
//! against Cedar deciding the same requests over the same grants.
//!
//! The grants are translated to Cedar policies once per household and each
//! request to a Cedar request and entity set before timing starts, so Cedar
//! is timed on its decision alone, the same as the evaluator (which gets
//! its facts ready-made from the vault). Before timing, both engines must
//! agree on every request; a disagreement is an error, not a figure.
//!
//! The translation follows the rules in DESIGN.md: members may do anything
//! in their household; an unrevoked grant permits its grantee its actions
//! (write brings read) on fields in scope within `[from, until)`, and
//! reading the household itself in that window; a private observation is
//! forbidden to all but its author, who needs membership or a grant active
//! now. (policy/tests/cedar_differential.rs checks the same rules on random
//! worlds with a separate translation.)

use std::collections::{HashMap, HashSet};
use std::hint::black_box;
use std::str::FromStr;

use cedar_policy::{
    Authorizer, Context, Entities, Entity, EntityUid, PolicySet, RestrictedExpression,
};
use kluis_policy::{
    evaluate, Action, Facts, FieldPath, GrantFact, GrantId, HouseholdId, PrincipalId, Purpose,
    Request, Scope, Selector,
};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use super::{compare, Budget, Figure};

const HOUSEHOLDS: usize = 40;
const REQUESTS_PER_HOUSEHOLD: usize = 25;

const SCOPES: &[&str] = &[
    "financien/*",
    "financien/*,wonen/*",
    "wonen/situatie",
    "gezondheid/*,werk/doelen",
    "werk/*,financien/schulden",
    "observaties/*",
    "algemeen/*,financien/*,wonen/*",
];
const PATHS: &[&str] = &[
    "algemeen/naam",
    "financien/situatie",
    "financien/schulden",
    "financien/doelen/1",
    "wonen/situatie",
    "wonen/afspraken/2",
    "gezondheid/situatie",
    "werk/doelen",
    "observaties/2026-03-01-a1b2",
];

/// One request, ready for both engines.
struct Case {
    request: Request,
    facts: Facts,
    cedar_request: cedar_policy::Request,
    entities: Entities,
    policies: usize,
}

pub fn run(budget: &Budget) -> anyhow::Result<Figure> {
    let cases = workload()?;
    let (cases, policy_sets) = cases;
    let authorizer = Authorizer::new();
    // The two engines must agree before either is timed.
    for (i, c) in cases.iter().enumerate() {
        let ours = evaluate(&c.request, &c.facts).is_allowed();
        let response =
            authorizer.is_authorized(&c.cedar_request, &policy_sets[c.policies], &c.entities);
        if response.diagnostics().errors().next().is_some() {
            anyhow::bail!("policy_vs_cedar: Cedar reported errors on request {i}");
        }
        let theirs = response.decision() == cedar_policy::Decision::Allow;
        if ours != theirs {
            anyhow::bail!(
                "policy_vs_cedar: the evaluator and Cedar disagree on request {i} ({:?})",
                c.request
            );
        }
    }
    let n = cases.len() as u64;
    let ours = || {
        for c in &cases {
            black_box(evaluate(black_box(&c.request), &c.facts));
        }
        n
    };
    let cedar = || {
        for c in &cases {
            black_box(authorizer.is_authorized(
                black_box(&c.cedar_request),
                &policy_sets[c.policies],
                &c.entities,
            ));
        }
        n
    };
    let (value, base) = compare(budget, ours, cedar);
    Ok(Figure::new(
        "policy_vs_cedar",
        "decisions/s",
        value,
        base,
        format!("kluis_policy::evaluate, {n} requests over {HOUSEHOLDS} households' grants"),
        "cedar-policy Authorizer on the same requests and grants",
    ))
}

/// Households with members and grants, and requests against them: a fixed
/// seed, so every run decides the same cases.
fn workload() -> anyhow::Result<(Vec<Case>, Vec<PolicySet>)> {
    let mut rng = StdRng::seed_from_u64(7);
    let professionals: Vec<PrincipalId> =
        (0..5).map(|_| PrincipalId::from_bytes(rng.gen())).collect();
    let outsider = PrincipalId::from_bytes(rng.gen());
    let mut cases = Vec::new();
    let mut policy_sets = Vec::new();
    for _ in 0..HOUSEHOLDS {
        let household = HouseholdId::from_bytes(rng.gen());
        let members: Vec<PrincipalId> = (0..rng.gen_range(1..=3))
            .map(|_| PrincipalId::from_bytes(rng.gen()))
            .collect();
        let grants = (0..rng.gen_range(1..=6))
            .map(|_| {
                let from = rng.gen_range(0..500);
                Ok(GrantFact {
                    id: GrantId::from_bytes(rng.gen()),
                    household,
                    grantee: *professionals.choose(&mut rng).expect("some"),
                    scope: Scope::parse(SCOPES.choose(&mut rng).expect("some"))?,
                    actions: if rng.gen_bool(0.3) {
                        vec![Action::Read, Action::Write]
                    } else {
                        vec![Action::Read]
                    },
                    purpose: *Purpose::ALL.choose(&mut rng).expect("some"),
                    valid_from_ms: from,
                    valid_until_ms: from + rng.gen_range(100..600),
                    revoked: rng.gen_bool(0.15),
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let facts = Facts {
            household,
            members: members.clone(),
            grants,
            private_author: None,
        };
        policy_sets.push(to_cedar(&facts)?);
        for _ in 0..REQUESTS_PER_HOUSEHOLD {
            let principal = match rng.gen_range(0..10) {
                0..=2 => *members.choose(&mut rng).expect("some"),
                3 => outsider,
                _ => *professionals.choose(&mut rng).expect("some"),
            };
            let path = if rng.gen_bool(0.1) {
                None
            } else {
                Some(FieldPath::parse(PATHS.choose(&mut rng).expect("some"))?)
            };
            let mut facts = facts.clone();
            facts.private_author = match &path {
                Some(p) if p.section() == "observaties" => {
                    Some(*professionals.choose(&mut rng).expect("some"))
                }
                _ => None,
            };
            let request = Request {
                principal,
                household,
                path,
                action: if rng.gen_bool(0.8) {
                    Action::Read
                } else {
                    Action::Write
                },
                now_ms: rng.gen_range(0..1000),
            };
            let (cedar_request, entities) = cedar_case(&request, facts.private_author)?;
            cases.push(Case {
                request,
                facts,
                cedar_request,
                entities,
                policies: policy_sets.len() - 1,
            });
        }
    }
    Ok((cases, policy_sets))
}

fn principal_uid(p: &PrincipalId) -> String {
    format!("Principal::{:?}", p.to_string())
}

fn action_uid(a: Action) -> String {
    format!("Action::{:?}", a.to_string())
}

fn quoted(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| format!("{s:?}")).collect();
    format!("[{}]", quoted.join(", "))
}

/// A household's members and grants as Cedar policies.
fn to_cedar(facts: &Facts) -> anyhow::Result<PolicySet> {
    let h = format!("{:?}", facts.household.to_string());
    let mut text = String::new();
    if !facts.members.is_empty() {
        let members: Vec<String> = facts.members.iter().map(principal_uid).collect();
        text.push_str(&format!(
            "permit (principal, action, resource) when {{ [{}].contains(principal) && resource.household == {h} }};\n",
            members.join(", ")
        ));
    }
    for g in facts
        .grants
        .iter()
        .filter(|g| !g.revoked && g.household == facts.household)
    {
        let who = principal_uid(&g.grantee);
        let window = format!(
            "context.now >= {} && context.now < {}",
            g.valid_from_ms, g.valid_until_ms
        );
        let (mut sections, mut exact) = (Vec::new(), Vec::new());
        for s in g.scope.selectors() {
            match s {
                Selector::Section(section) => sections.push(section.to_string()),
                Selector::Exact(path) => exact.push(path.to_string()),
            }
        }
        let in_scope = format!(
            "{}.contains(resource.section) || {}.contains(resource.path)",
            quoted(&sections),
            quoted(&exact)
        );
        let actions = if g.actions.contains(&Action::Write) {
            format!(
                "action in [{}, {}]",
                action_uid(Action::Read),
                action_uid(Action::Write)
            )
        } else {
            format!("action == {}", action_uid(Action::Read))
        };
        text.push_str(&format!(
            "permit (principal == {who}, {actions}, resource is Field) when {{ resource.household == {h} && {window} && ({in_scope}) }};\n\
             permit (principal == {who}, action == {}, resource is Household) when {{ resource.household == {h} && {window} }};\n\
             permit (principal == {who}, action, resource is Field) when {{ resource.household == {h} && {window} && resource.private && resource.author == principal }};\n",
            action_uid(Action::Read)
        ));
    }
    text.push_str(
        "forbid (principal, action, resource is Field) when { resource.private && resource.author != principal };\n",
    );
    PolicySet::from_str(&text).map_err(|e| anyhow::anyhow!("Cedar rejects the translation: {e}"))
}

/// A request as a Cedar request and the one entity it is about.
fn cedar_case(
    r: &Request,
    private_author: Option<PrincipalId>,
) -> anyhow::Result<(cedar_policy::Request, Entities)> {
    let uid = |text: String| {
        EntityUid::from_str(&text).map_err(|e| anyhow::anyhow!("bad Cedar uid {text}: {e}"))
    };
    let household = r.household.to_string();
    let mut attrs = HashMap::from([(
        "household".to_owned(),
        RestrictedExpression::new_string(household.clone()),
    )]);
    let resource = match &r.path {
        Some(path) => {
            attrs.insert(
                "path".to_owned(),
                RestrictedExpression::new_string(path.to_string()),
            );
            attrs.insert(
                "section".to_owned(),
                RestrictedExpression::new_string(path.section().to_owned()),
            );
            attrs.insert(
                "private".to_owned(),
                RestrictedExpression::new_bool(private_author.is_some()),
            );
            if let Some(author) = private_author {
                attrs.insert(
                    "author".to_owned(),
                    RestrictedExpression::new_entity_uid(uid(principal_uid(&author))?),
                );
            }
            uid(format!("Field::{:?}", format!("{household}/{path}")))?
        }
        None => uid(format!("Household::{household:?}"))?,
    };
    let entity = Entity::new(resource.clone(), attrs, HashSet::new())?;
    let entities = Entities::from_entities([entity], None)?;
    let context =
        Context::from_pairs([("now".to_owned(), RestrictedExpression::new_long(r.now_ms))])?;
    let request = cedar_policy::Request::new(
        uid(principal_uid(&r.principal))?,
        uid(action_uid(r.action))?,
        resource,
        context,
        None,
    )?;
    Ok((request, entities))
}
