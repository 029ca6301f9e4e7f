//! Self-sufficiency score documents (`vault::zrm`): the plaintext of a
//! `zrm/<domain>` field, written by another person's device, and the
//! `DOMAIN=SCORE` arguments of `kluis plan zrm`.
//!
//! Modes (first byte % 2): 0 `ZrmEntry::parse`; 1 `ZrmSetting`, `ZrmDate`,
//! `ZrmNote` from text.
//!
//! Checks: never panics; a parsed document is canonical (re-encodes to
//! exactly the input) with a score 1 to 5 and a note of at most 500
//! characters without control characters; a parsed setting's domain is
//! one path segment; a parsed date prints as the input.
#![no_main]

use kluis_vault::zrm::{ZrmDate, ZrmEntry, ZrmNote, ZrmSetting, MAX_NOTE_CHARS};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode % 2 == 0 {
        if let Ok(e) = ZrmEntry::parse(rest) {
            assert_eq!(e.to_bytes(), rest, "not canonical");
            assert!((1..=5).contains(&e.score.get()));
            let note = e.note.as_str();
            assert!(note.chars().count() <= MAX_NOTE_CHARS);
            assert!(!note.chars().any(char::is_control));
        }
        return;
    }
    let text = String::from_utf8_lossy(rest);
    if let Ok(s) = text.parse::<ZrmSetting>() {
        assert!(!s.domain.as_str().contains('/'));
        assert!(s.domain.path_in("zrm").is_ok());
    }
    if let Ok(d) = ZrmDate::parse(&text) {
        assert_eq!(d.to_string(), text);
    }
    let _ = ZrmNote::parse(&text);
});
