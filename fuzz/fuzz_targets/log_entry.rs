//! Log leaves, `kluis_audit::Entry` (canonical binary encoding, version 1),
//! the entries' JSON form that auditors export and read back, and the
//! stored Merkle frontier (`Frontier::from_bytes`).
//!
//! Modes (first byte % 3): 0 the rest is leaf bytes; 1 the rest is an
//! entry as JSON; 2 the rest is frontier bytes.
//!
//! Checks: never panics; the leaf encoding is canonical: bytes that decode
//! re-encode to exactly the same bytes; an entry that encodes decodes back
//! to an equal entry (the writer never writes a leaf no one can read); a
//! frontier that parses serialises back to the same bytes.
#![no_main]

use kluis_audit::{Entry, Frontier};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 3 {
        0 => {
            if let Ok(e) = Entry::decode(rest) {
                assert_eq!(
                    e.encode().as_deref(),
                    Ok(rest),
                    "non-canonical leaf accepted"
                );
                let _ = e.leaf_hash();
            }
        }
        1 => {
            if let Ok(e) = serde_json::from_slice::<Entry>(rest) {
                if let Ok(bytes) = e.encode() {
                    assert_eq!(Entry::decode(&bytes).as_ref(), Ok(&e));
                }
                let json = serde_json::to_vec(&e).expect("serialises");
                assert_eq!(serde_json::from_slice::<Entry>(&json).ok(), Some(e));
            }
        }
        _ => {
            if let Ok(f) = Frontier::from_bytes(rest) {
                assert_eq!(f.to_bytes(), rest);
                let _ = f.root();
                let mut g = f.clone();
                if g.append([7; 32]).is_ok() {
                    assert_eq!(g.size(), f.size() + 1);
                    assert_eq!(Frontier::from_bytes(&g.to_bytes()), Ok(g));
                }
            }
        }
    }
});
