//! Grant and revocation statements as compact JWS (EdDSA), `kluis_policy::jws`.
//!
//! Modes (first byte % 4): 0 the rest is a JWS as received; 1 / 2 the rest
//! is the claims JSON of a grant / revocation, signed here with the fixed
//! member key under the header kluis writes; 3 the rest is `header 0x00
//! payload`, both chosen by the fuzzer, signed with the fixed key.
//!
//! Checks: never panics; no JWS verifies as both a grant and a revocation;
//! a statement that verifies validates, keeps the JWS exactly as received,
//! verifies the same with its signer key expected and fails with another
//! key expected; and when the fixed key signed it, signing the parsed
//! statement again gives the same header and claims (as JSON values) and
//! verifies to the same statement: nothing is accepted that kluis would
//! write differently.
#![no_main]

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use kluis_fuzz::{header_json, issuer_of, jws_key, jws_public, sign_jws, split_nul};
use kluis_policy::jws::{GRANT_TYP, REVOCATION_TYP};
use kluis_policy::{
    sign_grant, sign_revocation, verify_grant, verify_revocation, GrantFact, JwsError,
};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let jws = match mode % 4 {
        0 => String::from_utf8_lossy(rest).into_owned(),
        1 => sign_jws(&header_json(GRANT_TYP, &issuer_of(rest)), rest),
        2 => sign_jws(&header_json(REVOCATION_TYP, &issuer_of(rest)), rest),
        _ => {
            let (header, payload) = split_nul(rest);
            sign_jws(header, payload)
        }
    };
    let grant = check_grant(&jws);
    let revocation = check_revocation(&jws);
    assert!(
        !(grant && revocation),
        "one JWS verified as both a grant and a revocation: {jws}"
    );
});

/// Header and payload of a JWS that verified, as JSON values.
fn parts(jws: &str) -> (Value, Value) {
    let p: Vec<&str> = jws.split('.').collect();
    let json = |s: &str| -> Value {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(s).expect("verified base64"))
            .expect("verified JSON")
    };
    (json(p[0]), json(p[1]))
}

fn other_key(k: &[u8; 32]) -> [u8; 32] {
    let mut o = *k;
    o[0] ^= 1;
    o
}

fn check_grant(jws: &str) -> bool {
    let Ok(v) = verify_grant(jws, None) else {
        return false;
    };
    assert_eq!(v.jws(), jws);
    assert_eq!(v.statement().validate(), Ok(()));
    assert_eq!(verify_grant(jws, Some(v.signer_key())).as_ref(), Ok(&v));
    assert_eq!(
        verify_grant(jws, Some(&other_key(v.signer_key()))).unwrap_err(),
        JwsError::UnexpectedKey
    );
    // The evaluator's view of it never overflows.
    let fact = GrantFact::from_statement(v.statement(), false);
    let _ = fact.is_active(v.statement().not_before.saturating_mul(1000));
    if *v.signer_key() == jws_public() {
        let again = sign_grant(v.statement(), jws_key()).expect("a verified grant re-signs");
        let v2 = verify_grant(&again, Some(&jws_public())).expect("re-signed grant verifies");
        assert_eq!(v2.statement(), v.statement());
        assert_eq!(parts(&again), parts(jws), "accepted a non-canonical grant");
    }
    true
}

fn check_revocation(jws: &str) -> bool {
    let Ok(v) = verify_revocation(jws, None) else {
        return false;
    };
    assert_eq!(v.jws(), jws);
    assert_eq!(v.statement().validate(), Ok(()));
    assert_eq!(
        verify_revocation(jws, Some(v.signer_key())).as_ref(),
        Ok(&v)
    );
    assert_eq!(
        verify_revocation(jws, Some(&other_key(v.signer_key()))).unwrap_err(),
        JwsError::UnexpectedKey
    );
    if *v.signer_key() == jws_public() {
        let again =
            sign_revocation(v.statement(), jws_key()).expect("a verified revocation re-signs");
        let v2 =
            verify_revocation(&again, Some(&jws_public())).expect("re-signed revocation verifies");
        assert_eq!(v2.statement(), v.statement());
        assert_eq!(
            parts(&again),
            parts(jws),
            "accepted a non-canonical revocation"
        );
    }
    true
}
