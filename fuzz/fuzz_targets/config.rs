//! Configuration and time text: the retention schedule and its ISO 8601
//! terms (`vault::retention`), the plan template (`vault::template`), and
//! the dates of log queries and CLI arguments (`vault::clock::parse_time`).
//! Configuration is written by an operator, not an attacker, but a typo
//! must give an error, never a crash at start-up.
//!
//! Modes (first byte % 4): 0 a term (`P15Y`); 1 a schedule (TOML); 2 a plan
//! template (TOML); 3 a date or RFC 3339 time.
//!
//! Checks: never panics; a term that parses has each part at most 1000 and
//! adds to any representable time without overflow (it may run past the
//! calendar, which is `None`); every class of a parsed schedule has a
//! valid name; every section of a parsed template is a one-segment path
//! with names of 1 to 80 characters and no control characters;
//! a parsed time prints and stays in range.
#![no_main]

use kluis_policy::FieldPath;
use kluis_vault::clock::{parse_time, rfc3339};
use kluis_vault::retention::{Schedule, Term};
use kluis_vault::template::{PlanTemplate, MAX_NAME_CHARS};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    match mode % 4 {
        0 => {
            if let Ok(t) = Term::parse(&text) {
                assert!(t.years <= 1000 && t.months <= 1000 && t.days <= 1000);
                for from in [0, i64::MIN, i64::MAX, 1_780_000_000_000, -1] {
                    let _ = t.after(from);
                }
            }
        }
        1 => {
            if let Ok(s) = Schedule::parse(&text) {
                for c in s.classes() {
                    assert!(!c.is_empty());
                    assert!(s.term(c).is_some());
                }
            }
        }
        2 => {
            if let Ok(t) = PlanTemplate::parse(&text) {
                for s in t.sections() {
                    let p = FieldPath::parse(s).expect("a section is a path");
                    assert_eq!(p.segments().count(), 1);
                    assert!(t.has_section(s));
                }
                for s in t.named_sections() {
                    for name in [&s.name, &s.name_en] {
                        let n = name.chars().count();
                        assert!((1..=MAX_NAME_CHARS).contains(&n), "{name:?}");
                        assert!(!name.chars().any(char::is_control), "{name:?}");
                    }
                }
            }
        }
        _ => {
            if let Some(ms) = parse_time(&text) {
                let printed = rfc3339(ms);
                assert!(!printed.starts_with('@'), "{text:?} parsed to {ms}");
            }
        }
    }
});
