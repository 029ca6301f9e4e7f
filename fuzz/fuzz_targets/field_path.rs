//! Field paths, `kluis_policy::FieldPath::parse` and its serde form: every
//! URL path, HTTP body and CLI argument naming a field goes through it.
//!
//! Checks: never panics; strict round trip: a path that parses prints as
//! exactly the input and parses back to an equal value; it keeps the
//! grammar (1 to 3 non-empty `a-z0-9-` segments, at most 128 bytes); its
//! JSON string form round-trips too, and JSON accepts what `parse` accepts.
#![no_main]

use kluis_policy::path::{MAX_PATH_BYTES, MAX_SEGMENTS};
use kluis_policy::FieldPath;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let parsed = FieldPath::parse(&text);
    if let Ok(p) = &parsed {
        assert_eq!(p.to_string(), text);
        assert_eq!(FieldPath::parse(&p.to_string()).as_ref(), Ok(p));
        assert!(p.as_str().len() <= MAX_PATH_BYTES);
        let segments: Vec<&str> = p.segments().collect();
        assert!((1..=MAX_SEGMENTS).contains(&segments.len()));
        assert_eq!(segments[0], p.section());
        assert!(segments.iter().all(|s| !s.is_empty()
            && s.bytes()
                .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'-'))));
        let json = serde_json::to_string(p).expect("serialises");
        assert_eq!(
            serde_json::from_str::<FieldPath>(&json).ok().as_ref(),
            Some(p)
        );
    }
    // JSON, including escapes, decides exactly as `parse` on the unescaped text.
    let json = serde_json::to_string(&*text).expect("a string serialises");
    assert_eq!(serde_json::from_str::<FieldPath>(&json).ok(), parsed.ok());
    if let Ok(p) = serde_json::from_slice::<FieldPath>(data) {
        assert_eq!(FieldPath::parse(p.as_str()).as_ref(), Ok(&p));
    }
});
