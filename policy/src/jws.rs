//! Signed statements as JWS compact serializations (RFC 7515), EdDSA with
//! Ed25519 (RFC 8037): the consent receipt.
//!
//! The protected header is exactly
//! `{"alg":"EdDSA","typ":"kluis-grant+jwt","kid":"<issuer id>","jwk":{"kty":"OKP","crv":"Ed25519","x":"<key>"}}`
//! (`kluis-revocation+jwt` for revocations: explicit typing per RFC 8725 §3.11,
//! so a token of one kind is never accepted as the other). The embedded key lets
//! a partner organisation check a receipt with any JOSE library and no call to
//! kluis; that alone proves only "whoever holds this key signed it". Who the key
//! belongs to is settled by comparing it with the key kluis registered for the
//! issuer: pass that as `expected_key`. The server always does.
//!
//! Parsing is strict because the input is hostile: a size cap, three unpadded
//! base64url parts, `alg` EdDSA only (never `none`, never HMAC with the public
//! key as secret), no header field beyond the four above (so no `crit`
//! extension we would silently ignore), duplicate JSON keys refused, the
//! signature checked before the payload is even parsed.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::signature::{Ed25519KeyPair, KeyPair, UnparsedPublicKey, ED25519};
use serde::{Deserialize, Serialize};

use crate::ids::PrincipalId;
use crate::statement::{
    GrantClaims, GrantStatement, RevocationClaims, RevocationStatement, StatementError,
};

/// The largest JWS accepted. The largest valid grant (64 selectors of 128
/// bytes) is about 12 KiB; see the test `the_largest_possible_grant_fits_the_size_cap`.
pub const MAX_JWS_BYTES: usize = 16 * 1024;
/// The `typ` header of a grant.
pub const GRANT_TYP: &str = "kluis-grant+jwt";
/// The `typ` header of a revocation.
pub const REVOCATION_TYP: &str = "kluis-revocation+jwt";

/// Why a JWS was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwsError {
    #[error("the signed statement is larger than {MAX_JWS_BYTES} bytes")]
    TooLarge,
    #[error("not a JWS compact serialization (three base64url parts joined by '.')")]
    NotCompact,
    #[error("the JWS {0} is not unpadded base64url")]
    BadBase64(&'static str),
    #[error("the JWS header is not valid: {0}")]
    BadHeader(String),
    #[error("the JWS uses algorithm '{0}'; only EdDSA is accepted")]
    UnsupportedAlgorithm(String),
    #[error("the JWS is of type '{found}', expected '{expected}'")]
    WrongType {
        expected: &'static str,
        found: String,
    },
    #[error("the JWS header key is not an Ed25519 OKP key")]
    BadKey,
    #[error("the signature does not verify")]
    BadSignature,
    #[error(
        "the statement was signed with a different key than the one registered for its issuer"
    )]
    UnexpectedKey,
    #[error("the header 'kid' does not name the statement's issuer")]
    KidMismatch,
    #[error("the statement is not valid: {0}")]
    BadPayload(String),
    #[error("the statement is not valid: {0}")]
    Invalid(#[from] StatementError),
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    alg: String,
    typ: String,
    kid: String,
    jwk: Jwk,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Jwk {
    kty: String,
    crv: String,
    x: String,
}

/// A grant whose signature checked out and whose content makes sense.
/// Only [`verify_grant`] makes one, so holding one is proof of that.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedGrant {
    statement: GrantStatement,
    signer_key: [u8; 32],
    jws: String,
}

impl VerifiedGrant {
    pub fn statement(&self) -> &GrantStatement {
        &self.statement
    }
    /// The Ed25519 public key that signed it (the header's `jwk`).
    pub fn signer_key(&self) -> &[u8; 32] {
        &self.signer_key
    }
    /// The JWS exactly as received: the receipt to store and hand out.
    pub fn jws(&self) -> &str {
        &self.jws
    }
    pub fn into_statement(self) -> GrantStatement {
        self.statement
    }
}

/// A revocation whose signature checked out and whose content makes sense.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedRevocation {
    statement: RevocationStatement,
    signer_key: [u8; 32],
    jws: String,
}

impl VerifiedRevocation {
    pub fn statement(&self) -> &RevocationStatement {
        &self.statement
    }
    pub fn signer_key(&self) -> &[u8; 32] {
        &self.signer_key
    }
    pub fn jws(&self) -> &str {
        &self.jws
    }
    /// Whether this revocation withdraws `grant`: same grant id and same
    /// household. (That the signer is a member is for the server to check.)
    pub fn revokes(&self, grant: &GrantStatement) -> bool {
        self.statement.grant == grant.id && self.statement.household == grant.household
    }
}

/// Signs a grant. Refuses a statement that does not validate, so kluis never
/// issues a receipt it would itself reject.
pub fn sign_grant(statement: &GrantStatement, key: &Ed25519KeyPair) -> Result<String, JwsError> {
    statement.validate()?;
    sign(GRANT_TYP, &statement.issuer, &statement.to_claims(), key)
}

/// Signs a revocation.
pub fn sign_revocation(
    statement: &RevocationStatement,
    key: &Ed25519KeyPair,
) -> Result<String, JwsError> {
    statement.validate()?;
    sign(
        REVOCATION_TYP,
        &statement.issuer,
        &statement.to_claims(),
        key,
    )
}

/// Verifies a grant receipt: signature, header, and content. With
/// `expected_key`, also that the signer is that key (the issuer's registered
/// key); without it, only that the receipt is intact and self-consistent.
/// Does not check the time: see [`GrantStatement::validity_at`].
pub fn verify_grant(jws: &str, expected_key: Option<&[u8; 32]>) -> Result<VerifiedGrant, JwsError> {
    let (payload, signer_key, kid) = verify_compact(jws, GRANT_TYP, expected_key)?;
    let claims: GrantClaims =
        serde_json::from_slice(&payload).map_err(|e| JwsError::BadPayload(e.to_string()))?;
    let statement = GrantStatement::from_claims(claims)?;
    if kid != statement.issuer {
        return Err(JwsError::KidMismatch);
    }
    Ok(VerifiedGrant {
        statement,
        signer_key,
        jws: jws.to_owned(),
    })
}

/// Verifies a revocation, like [`verify_grant`].
pub fn verify_revocation(
    jws: &str,
    expected_key: Option<&[u8; 32]>,
) -> Result<VerifiedRevocation, JwsError> {
    let (payload, signer_key, kid) = verify_compact(jws, REVOCATION_TYP, expected_key)?;
    let claims: RevocationClaims =
        serde_json::from_slice(&payload).map_err(|e| JwsError::BadPayload(e.to_string()))?;
    let statement = RevocationStatement::from_claims(claims)?;
    if kid != statement.issuer {
        return Err(JwsError::KidMismatch);
    }
    Ok(VerifiedRevocation {
        statement,
        signer_key,
        jws: jws.to_owned(),
    })
}

fn sign<T: Serialize>(
    typ: &str,
    issuer: &PrincipalId,
    claims: &T,
    key: &Ed25519KeyPair,
) -> Result<String, JwsError> {
    let header = Header {
        alg: "EdDSA".to_owned(),
        typ: typ.to_owned(),
        kid: issuer.to_string(),
        jwk: Jwk {
            kty: "OKP".to_owned(),
            crv: "Ed25519".to_owned(),
            x: URL_SAFE_NO_PAD.encode(key.public_key().as_ref()),
        },
    };
    // Serializing these plain structs cannot fail; map rather than unwrap anyway.
    let header = serde_json::to_vec(&header).map_err(|e| JwsError::BadHeader(e.to_string()))?;
    let payload = serde_json::to_vec(claims).map_err(|e| JwsError::BadPayload(e.to_string()))?;
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(payload)
    );
    let signature = key.sign(signing_input.as_bytes());
    let jws = format!(
        "{signing_input}.{}",
        URL_SAFE_NO_PAD.encode(signature.as_ref())
    );
    if jws.len() > MAX_JWS_BYTES {
        return Err(JwsError::TooLarge);
    }
    Ok(jws)
}

fn decode(part: &str, name: &'static str) -> Result<Vec<u8>, JwsError> {
    // The engine refuses padding and non-canonical trailing bits, so each
    // signature and statement has exactly one encoding.
    URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| JwsError::BadBase64(name))
}

/// Checks everything but the payload's content. Returns the payload bytes,
/// the signer's key and the header's `kid`.
fn verify_compact(
    jws: &str,
    typ: &'static str,
    expected_key: Option<&[u8; 32]>,
) -> Result<(Vec<u8>, [u8; 32], PrincipalId), JwsError> {
    if jws.len() > MAX_JWS_BYTES {
        return Err(JwsError::TooLarge);
    }
    let parts: Vec<&str> = jws.split('.').collect();
    let [header_b64, payload_b64, signature_b64] = parts[..] else {
        return Err(JwsError::NotCompact);
    };
    let header: Header = serde_json::from_slice(&decode(header_b64, "header")?)
        .map_err(|e| JwsError::BadHeader(e.to_string()))?;
    if header.alg != "EdDSA" {
        return Err(JwsError::UnsupportedAlgorithm(
            header.alg.chars().take(40).collect(),
        ));
    }
    if header.typ != typ {
        return Err(JwsError::WrongType {
            expected: typ,
            found: header.typ.chars().take(40).collect(),
        });
    }
    if header.jwk.kty != "OKP" || header.jwk.crv != "Ed25519" {
        return Err(JwsError::BadKey);
    }
    let signer_key: [u8; 32] = decode(&header.jwk.x, "key")?
        .try_into()
        .map_err(|_| JwsError::BadKey)?;
    let kid = PrincipalId::parse(&header.kid).map_err(|e| JwsError::BadHeader(e.to_string()))?;
    let signature = decode(signature_b64, "signature")?;
    let payload = decode(payload_b64, "payload")?;
    let signing_input = &jws[..header_b64.len() + 1 + payload_b64.len()];
    UnparsedPublicKey::new(&ED25519, &signer_key)
        .verify(signing_input.as_bytes(), &signature)
        .map_err(|_| JwsError::BadSignature)?;
    if let Some(expected) = expected_key {
        if expected != &signer_key {
            return Err(JwsError::UnexpectedKey);
        }
    }
    Ok((payload, signer_key, kid))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{GrantId, HouseholdId};
    use crate::statement::tests::{grant, T0};
    use proptest::prelude::*;
    use ring::rand::SystemRandom;

    fn keypair() -> Ed25519KeyPair {
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap();
        Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap()
    }

    fn pubkey(k: &Ed25519KeyPair) -> [u8; 32] {
        k.public_key().as_ref().try_into().unwrap()
    }

    /// Re-signs arbitrary header and payload JSON with `key`, to build
    /// correctly signed but hostile tokens.
    fn forge(header: &serde_json::Value, payload: &[u8], key: &Ed25519KeyPair) -> String {
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(header).unwrap()),
            URL_SAFE_NO_PAD.encode(payload)
        );
        let sig = key.sign(input.as_bytes());
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig.as_ref()))
    }

    fn parts(jws: &str) -> (serde_json::Value, Vec<u8>) {
        let p: Vec<&str> = jws.split('.').collect();
        (
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p[0]).unwrap()).unwrap(),
            URL_SAFE_NO_PAD.decode(p[1]).unwrap(),
        )
    }

    #[test]
    fn a_signed_grant_verifies_with_and_without_the_expected_key() {
        let key = keypair();
        let g = grant();
        let jws = sign_grant(&g, &key).unwrap();
        let v = verify_grant(&jws, Some(&pubkey(&key))).unwrap();
        assert_eq!(v.statement(), &g);
        assert_eq!(v.signer_key(), &pubkey(&key));
        assert_eq!(v.jws(), jws);
        assert_eq!(verify_grant(&jws, None).unwrap(), v);
    }

    #[test]
    fn the_header_is_exactly_the_documented_one() {
        let key = keypair();
        let g = grant();
        let (header, _) = parts(&sign_grant(&g, &key).unwrap());
        assert_eq!(
            header,
            serde_json::json!({
                "alg": "EdDSA",
                "typ": "kluis-grant+jwt",
                "kid": g.issuer.to_string(),
                "jwk": {"kty": "OKP", "crv": "Ed25519", "x": URL_SAFE_NO_PAD.encode(pubkey(&key))},
            })
        );
    }

    #[test]
    fn another_key_is_refused_when_a_key_is_expected() {
        let key = keypair();
        let jws = sign_grant(&grant(), &key).unwrap();
        assert_eq!(
            verify_grant(&jws, Some(&pubkey(&keypair()))).unwrap_err(),
            JwsError::UnexpectedKey
        );
    }

    #[test]
    fn tampering_anywhere_breaks_the_signature() {
        let key = keypair();
        let jws = sign_grant(&grant(), &key).unwrap();
        let (header, payload) = parts(&jws);
        // A payload edit, re-encoded but not re-signed.
        let mut claims: serde_json::Value = serde_json::from_slice(&payload).unwrap();
        claims["scope"] = serde_json::json!(["financien/*", "justitie/*"]);
        let p: Vec<&str> = jws.split('.').collect();
        let edited = format!(
            "{}.{}.{}",
            p[0],
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap()),
            p[2]
        );
        assert_eq!(
            verify_grant(&edited, None).unwrap_err(),
            JwsError::BadSignature
        );
        // A header swapped for another key's, signature unchanged.
        let mut h = header.clone();
        h["jwk"]["x"] = URL_SAFE_NO_PAD.encode(pubkey(&keypair())).into();
        let swapped = format!(
            "{}.{}.{}",
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&h).unwrap()),
            p[1],
            p[2]
        );
        assert_eq!(
            verify_grant(&swapped, None).unwrap_err(),
            JwsError::BadSignature
        );
        // Every single-character change of the signature.
        let sig = p[2].as_bytes();
        for i in 0..sig.len() {
            let mut s = sig.to_vec();
            s[i] = if s[i] == b'A' { b'B' } else { b'A' };
            let t = format!("{}.{}.{}", p[0], p[1], String::from_utf8(s).unwrap());
            assert!(verify_grant(&t, None).is_err(), "byte {i}");
        }
    }

    #[test]
    fn algorithm_none_and_others_are_refused() {
        let key = keypair();
        let jws = sign_grant(&grant(), &key).unwrap();
        let (header, payload) = parts(&jws);
        for alg in ["none", "HS256", "RS256", "ES256", "eddsa", "Ed25519"] {
            let mut h = header.clone();
            h["alg"] = alg.into();
            let t = forge(&h, &payload, &key);
            assert_eq!(
                verify_grant(&t, None).unwrap_err(),
                JwsError::UnsupportedAlgorithm(alg.into())
            );
        }
        let p: Vec<&str> = jws.split('.').collect();
        let mut h = header;
        h["alg"] = "none".into();
        let unsigned = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&h).unwrap()),
            p[1]
        );
        assert!(verify_grant(&unsigned, None).is_err());
    }

    #[test]
    fn hostile_headers_are_refused_even_when_correctly_signed() {
        let key = keypair();
        let g = grant();
        let (header, payload) = parts(&sign_grant(&g, &key).unwrap());
        type Case = (serde_json::Value, fn(&JwsError) -> bool);
        let mut cases: Vec<Case> = Vec::new();
        let mut h = header.clone();
        h["crit"] = serde_json::json!(["exp"]);
        cases.push((h, |e| matches!(e, JwsError::BadHeader(_))));
        let mut h = header.clone();
        h["jwk"]["crv"] = "Ed448".into();
        cases.push((h, |e| *e == JwsError::BadKey));
        let mut h = header.clone();
        h["jwk"]["kty"] = "EC".into();
        cases.push((h, |e| *e == JwsError::BadKey));
        let mut h = header.clone();
        h["jwk"]["d"] = "secret".into();
        cases.push((h, |e| matches!(e, JwsError::BadHeader(_))));
        let mut h = header.clone();
        h["typ"] = "kluis-revocation+jwt".into();
        cases.push((h, |e| matches!(e, JwsError::WrongType { .. })));
        let mut h = header.clone();
        h["typ"] = "JWT".into();
        cases.push((h, |e| matches!(e, JwsError::WrongType { .. })));
        let mut h = header.clone();
        h["kid"] = PrincipalId::random().to_string().into();
        cases.push((h, |e| *e == JwsError::KidMismatch));
        let mut h = header.clone();
        h["kid"] = "alice".into();
        cases.push((h, |e| matches!(e, JwsError::BadHeader(_))));
        let mut h = header.clone();
        h.as_object_mut().unwrap().remove("jwk");
        cases.push((h, |e| matches!(e, JwsError::BadHeader(_))));
        for (h, ok) in cases {
            let err = verify_grant(&forge(&h, &payload, &key), None).unwrap_err();
            assert!(ok(&err), "{h}: {err:?}");
        }
    }

    #[test]
    fn duplicate_json_keys_are_refused() {
        let key = keypair();
        let jws = sign_grant(&grant(), &key).unwrap();
        let (header, payload) = parts(&jws);
        let text = String::from_utf8(payload).unwrap();
        let doubled = text.replacen("\"purpose\":", "\"purpose\":\"onderzoek\",\"purpose\":", 1);
        let err = verify_grant(&forge(&header, doubled.as_bytes(), &key), None).unwrap_err();
        assert!(matches!(err, JwsError::BadPayload(_)), "{err:?}");
    }

    #[test]
    fn malformed_compact_forms_are_refused() {
        let key = keypair();
        let jws = sign_grant(&grant(), &key).unwrap();
        let p: Vec<&str> = jws.split('.').collect();
        assert_eq!(verify_grant("", None).unwrap_err(), JwsError::NotCompact);
        assert_eq!(
            verify_grant(&format!("{}.{}", p[0], p[1]), None).unwrap_err(),
            JwsError::NotCompact
        );
        assert_eq!(
            verify_grant(&format!("{jws}."), None).unwrap_err(),
            JwsError::NotCompact
        );
        assert_eq!(
            verify_grant(&format!("{}=.{}.{}", p[0], p[1], p[2]), None).unwrap_err(),
            JwsError::BadBase64("header")
        );
        assert_eq!(
            verify_grant(&format!("{}.{}.{}==", p[0], p[1], p[2]), None).unwrap_err(),
            JwsError::BadBase64("signature")
        );
        let std_b64 = jws.replace('-', "+").replace('_', "/");
        if std_b64 != jws {
            assert!(verify_grant(&std_b64, None).is_err());
        }
        assert_eq!(
            verify_grant(&"a".repeat(MAX_JWS_BYTES + 1), None).unwrap_err(),
            JwsError::TooLarge
        );
        assert!(verify_grant(&format!(" {jws}"), None).is_err());
        assert!(verify_grant(&format!("{jws}\n"), None).is_err());
    }

    #[test]
    fn a_signed_but_inconsistent_payload_is_refused() {
        let key = keypair();
        let g = grant();
        let (header, _) = parts(&sign_grant(&g, &key).unwrap());
        let mut claims = serde_json::to_value(g.to_claims()).unwrap();
        claims["exp"] = claims["nbf"].clone();
        let err = verify_grant(
            &forge(&header, &serde_json::to_vec(&claims).unwrap(), &key),
            None,
        )
        .unwrap_err();
        assert_eq!(err, JwsError::Invalid(StatementError::EndsBeforeStart));
        for (claim, value) in [
            ("purpose", serde_json::json!("marketing")),
            ("scope", serde_json::json!([])),
            ("scope", serde_json::json!(["*"])),
            (
                "sub",
                serde_json::json!("h-00000000000000000000000000000000"),
            ),
            ("actions", serde_json::json!(["delete"])),
            ("extra", serde_json::json!(1)),
        ] {
            let mut c = serde_json::to_value(g.to_claims()).unwrap();
            c[claim] = value;
            let err = verify_grant(
                &forge(&header, &serde_json::to_vec(&c).unwrap(), &key),
                None,
            )
            .unwrap_err();
            assert!(matches!(err, JwsError::BadPayload(_)), "{claim}: {err:?}");
        }
    }

    #[test]
    fn the_largest_possible_grant_fits_the_size_cap() {
        let key = keypair();
        let mut g = grant();
        // 64 distinct exact paths of the maximum 128 bytes each.
        let selectors: Vec<String> = (0..64)
            .map(|i| format!("{:0>40}/{:0>40}/{:0>44}", i, "b", "c"))
            .collect();
        assert!(selectors.iter().all(|s| s.len() == 126));
        let long: Vec<String> = selectors.iter().map(|s| format!("{s}aa")).collect();
        g.scope = crate::selector::Scope::parse(&long.join(",")).unwrap();
        g.actions = vec![crate::action::Action::Read, crate::action::Action::Write];
        let jws = sign_grant(&g, &key).unwrap();
        assert!(jws.len() <= MAX_JWS_BYTES, "{}", jws.len());
        assert_eq!(verify_grant(&jws, None).unwrap().statement(), &g);
    }

    #[test]
    fn invalid_statements_are_not_signed() {
        let mut g = grant();
        g.expires = g.not_before;
        assert_eq!(
            sign_grant(&g, &keypair()).unwrap_err(),
            JwsError::Invalid(StatementError::EndsBeforeStart)
        );
    }

    #[test]
    fn revocations_sign_verify_and_never_pass_as_grants() {
        let key = keypair();
        let g = grant();
        let r = RevocationStatement {
            id: GrantId::random(),
            issuer: g.issuer,
            grant: g.id,
            household: g.household,
            issued_at: T0 + 100,
        };
        let jws = sign_revocation(&r, &key).unwrap();
        let v = verify_revocation(&jws, Some(&pubkey(&key))).unwrap();
        assert_eq!(v.statement(), &r);
        assert!(v.revokes(&g));
        let mut other = g.clone();
        other.household = HouseholdId::random();
        assert!(!v.revokes(&other));
        assert!(matches!(
            verify_grant(&jws, None).unwrap_err(),
            JwsError::WrongType { .. }
        ));
        let grant_jws = sign_grant(&g, &key).unwrap();
        assert!(matches!(
            verify_revocation(&grant_jws, None).unwrap_err(),
            JwsError::WrongType { .. }
        ));
        // Same typ forged onto a grant payload: the payload shape refuses it.
        let (mut header, payload) = parts(&grant_jws);
        header["typ"] = REVOCATION_TYP.into();
        assert!(matches!(
            verify_revocation(&forge(&header, &payload, &key), None).unwrap_err(),
            JwsError::BadPayload(_)
        ));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn arbitrary_text_never_panics_or_verifies(s in "[A-Za-z0-9_.=-]{0,400}") {
            prop_assert!(verify_grant(&s, None).is_err());
            prop_assert!(verify_revocation(&s, None).is_err());
        }
    }
}
