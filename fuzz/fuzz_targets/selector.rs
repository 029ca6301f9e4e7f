//! Field selectors and scopes, `kluis_policy::{Selector, Scope}`: the CLI's
//! comma list (`Scope::parse`) and the JSON array inside signed grants.
//!
//! Checks: never panics; strict round trip: a selector that parses prints
//! as exactly the input; a scope that parses prints as a list that parses
//! back to an equal scope (only spaces around commas may differ), holds 1 to
//! 64 distinct selectors, and its JSON form round-trips; a JSON scope that
//! parses holds the same and prints to a text form that parses back equal;
//! `matches` agrees with the selector's meaning.
#![no_main]

use kluis_policy::selector::MAX_SELECTORS;
use kluis_policy::{FieldPath, Scope, Selector};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(s) = Selector::parse(&text) {
        assert_eq!(s.to_string(), text);
        assert_eq!(Selector::parse(&s.to_string()).as_ref(), Ok(&s));
        check_matches(&s);
    }
    if let Ok(scope) = Scope::parse(&text) {
        check_scope(&scope);
        let squeezed: String = text.split(',').map(str::trim).collect::<Vec<_>>().join(",");
        assert_eq!(scope.to_string(), squeezed);
    }
    if let Ok(scope) = serde_json::from_slice::<Scope>(data) {
        check_scope(&scope);
    }
});

fn check_scope(scope: &Scope) {
    let n = scope.selectors().len();
    assert!((1..=MAX_SELECTORS).contains(&n));
    for (i, s) in scope.selectors().iter().enumerate() {
        assert!(!scope.selectors()[..i].contains(s), "duplicate accepted");
        check_matches(s);
    }
    assert_eq!(Scope::parse(&scope.to_string()).as_ref(), Ok(scope));
    let json = serde_json::to_string(scope).expect("serialises");
    assert_eq!(
        serde_json::from_str::<Scope>(&json).ok().as_ref(),
        Some(scope)
    );
}

fn check_matches(s: &Selector) {
    match s {
        Selector::Exact(p) => {
            assert!(s.matches(p));
            if let Ok(longer) = FieldPath::parse(&format!("{p}/x")) {
                assert!(!s.matches(&longer));
            }
        }
        Selector::Section(section) => {
            assert_eq!(section.segments().count(), 1);
            assert!(s.matches(section));
            if let Ok(inside) = FieldPath::parse(&format!("{section}/x")) {
                assert!(s.matches(&inside));
            }
            if let Ok(other) = FieldPath::parse(&format!("{section}x")) {
                assert!(!s.matches(&other));
            }
        }
    }
}
