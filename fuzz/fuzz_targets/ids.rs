//! Identifiers and codes, `kluis_policy::{PrincipalId, HouseholdId, GrantId,
//! Purpose, Action}` and the grantee fingerprint shape: every id in a URL,
//! body or statement is parsed by these.
//!
//! Checks: never panics; strict round trip (a value that parses prints as
//! exactly the input, so one id has one spelling); the JSON string form
//! decides exactly as `parse`; ids of one kind never parse as another.
#![no_main]

use std::fmt::Display;
use std::str::FromStr;

use kluis_policy::{
    is_well_formed_fingerprint, Action, GrantId, HouseholdId, PrincipalId, Purpose,
};
use libfuzzer_sys::fuzz_target;
use serde::de::DeserializeOwned;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let p = strict::<PrincipalId>(&text);
    let h = strict::<HouseholdId>(&text);
    let g = strict::<GrantId>(&text);
    assert!(
        u8::from(p) + u8::from(h) + u8::from(g) <= 1,
        "one text, two id kinds"
    );
    strict::<Purpose>(&text);
    if let Ok(a) = Action::parse(&text) {
        assert_eq!(a.code(), text);
        assert_eq!(a.to_string(), text);
    }
    if is_well_formed_fingerprint(&text) {
        assert_eq!(text.len(), 39);
    }
});

/// Parses `text` as `T` by text and by JSON; both agree, and a value that
/// parses prints as the input. Returns whether it parsed.
fn strict<T>(text: &str) -> bool
where
    T: FromStr + Display + DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let parsed = T::from_str(text).ok();
    if let Some(v) = &parsed {
        assert_eq!(v.to_string(), text);
    }
    let json = serde_json::to_string(text).expect("a string serialises");
    assert_eq!(serde_json::from_str::<T>(&json).ok(), parsed);
    parsed.is_some()
}
