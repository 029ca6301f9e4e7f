//! Recovery codes as people type them (`keys::recovery_code`), and
//! recovery blobs as a server that is not trusted hands them back
//! (`keys::recovery_blob::open`), with the server's own shape checks.
//!
//! The first byte picks the mode (% 3): 0 the rest as a typed code, 1 the
//! rest as a blob opened with a fixed code, 2 the rest as the JSON bodies
//! of `PUT /v1/recovery` and `POST /v1/recovery/fetch`.
//!
//! Checks: never panics; a code that parses prints as a code that parses
//! to the same code; no blob opens with a code it was not made with.
#![no_main]

use kluis_vault::keys::recovery_blob::{lookup_id_well_formed, open, well_formed};
use kluis_vault::keys::RecoveryCode;
use kluis_vault::wire::recovery::{FetchRecovery, StoreRecovery};
use libfuzzer_sys::fuzz_target;

/// A fixed, public, test-only code.
const CODE: &str = "7AXH-Q9E8-2B61-WDEB-38M6-B075-Y1HV";

fuzz_target!(|data: &[u8]| {
    let Some((&kind, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    match kind % 3 {
        0 => {
            if let Ok(code) = RecoveryCode::parse(&text) {
                let printed = code.to_string();
                assert_eq!(RecoveryCode::parse(&printed).ok(), Some(code));
            }
        }
        1 => {
            let code = RecoveryCode::parse(CODE).expect("a valid code");
            let _ = well_formed(&text);
            // A fuzzer-made blob would have to forge AES-GCM's tag.
            assert!(open(&code, &text).is_err());
        }
        _ => {
            if let Ok(r) = serde_json::from_slice::<StoreRecovery>(rest) {
                let _ = (lookup_id_well_formed(&r.lookup_id), well_formed(&r.blob));
            }
            if let Ok(r) = serde_json::from_slice::<FetchRecovery>(rest) {
                let _ = lookup_id_well_formed(&r.lookup_id);
            }
        }
    }
});
