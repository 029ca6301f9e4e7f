//! Second opinion on the consent receipt (issue 4 item 9b): a receipt made by
//! `sign_grant` must verify with an independent JOSE implementation
//! (`jsonwebtoken`, RustCrypto's Ed25519, not ring) using only what the
//! receipt itself carries (the header's JWK), the way a partner organisation
//! would check it, and a tampered receipt must fail there too.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
use kluis_policy::{
    key_fingerprint, sign_grant, sign_revocation, verify_grant, Action, GrantId, GrantStatement,
    HouseholdId, PrincipalId, Purpose, RevocationStatement, Scope,
};
use ring::rand::SystemRandom;
use ring::signature::{Ed25519KeyPair, KeyPair};

fn keypair() -> Ed25519KeyPair {
    let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap();
    Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap()
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn grant(issued_at: i64) -> GrantStatement {
    GrantStatement {
        id: GrantId::random(),
        issuer: PrincipalId::random(),
        grantee: PrincipalId::random(),
        grantee_fingerprint: key_fingerprint(&[3; 32], "age1example"),
        household: HouseholdId::random(),
        scope: Scope::parse("financien/*,wonen/situatie").unwrap(),
        actions: vec![Action::Read],
        purpose: Purpose::Schuldhulp,
        issued_at,
        not_before: issued_at,
        expires: issued_at + 365 * 86400,
    }
}

/// What a partner organisation does: take the key from the receipt's own
/// header, require EdDSA, and check the registered claims.
fn partner_verify(
    jws: &str,
    issuer: &PrincipalId,
) -> jsonwebtoken::errors::Result<serde_json::Value> {
    let header = decode_header(jws)?;
    assert_eq!(header.alg, Algorithm::EdDSA);
    let jwk = header.jwk.expect("the receipt carries its signer's key");
    let key = DecodingKey::from_jwk(&jwk)?;
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.validate_nbf = true;
    validation.set_required_spec_claims(&["exp", "nbf", "iss", "sub"]);
    validation.set_issuer(&[issuer.to_string()]);
    decode::<serde_json::Value>(jws, &key, &validation).map(|data| data.claims)
}

#[test]
fn a_receipt_verifies_with_an_independent_jose_library() {
    let key = keypair();
    let g = grant(now_secs() - 60);
    let jws = sign_grant(&g, &key).unwrap();

    let header = decode_header(&jws).unwrap();
    assert_eq!(header.typ.as_deref(), Some("kluis-grant+jwt"));
    assert_eq!(header.kid.as_deref(), Some(g.issuer.to_string().as_str()));

    let claims = partner_verify(&jws, &g.issuer).unwrap();
    assert_eq!(claims["iss"], g.issuer.to_string());
    assert_eq!(claims["sub"], g.grantee.to_string());
    assert_eq!(claims["jti"], g.id.to_string());
    assert_eq!(claims["household"], g.household.to_string());
    assert_eq!(claims["kluis"], "grant/1");
    assert_eq!(claims["purpose"], "schuldhulp");
    assert_eq!(
        claims["scope"],
        serde_json::json!(["financien/*", "wonen/situatie"])
    );
    assert_eq!(claims["actions"], serde_json::json!(["read"]));
    assert_eq!(claims["exp"], g.expires);

    // The key in the header is the signer's: the same bytes ring produced.
    let x = URL_SAFE_NO_PAD.encode(key.public_key().as_ref());
    let jwk = serde_json::to_value(decode_header(&jws).unwrap().jwk.unwrap()).unwrap();
    assert_eq!(jwk["x"], x);
    assert_eq!(jwk["crv"], "Ed25519");

    // And a key given out of band (as the registered key) works the same.
    let out_of_band = DecodingKey::from_ed_components(&x).unwrap();
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.set_required_spec_claims(&["exp"]);
    assert!(decode::<serde_json::Value>(&jws, &out_of_band, &validation).is_ok());
}

#[test]
fn a_tampered_receipt_is_rejected_by_the_independent_library() {
    let key = keypair();
    let g = grant(now_secs() - 60);
    let jws = sign_grant(&g, &key).unwrap();
    let parts: Vec<&str> = jws.split('.').collect();

    // Widen the scope in the payload, keep the signature.
    let mut claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    claims["scope"] = serde_json::json!(["financien/*", "justitie/*"]);
    let widened = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap()),
        parts[2]
    );
    assert!(partner_verify(&widened, &g.issuer).is_err());
    assert!(verify_grant(&widened, None).is_err());

    // Swap in another signer's key in the header, keep the signature.
    let mut header: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
    header["jwk"]["x"] = URL_SAFE_NO_PAD
        .encode(keypair().public_key().as_ref())
        .into();
    let swapped = format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&header).unwrap()),
        parts[1],
        parts[2]
    );
    assert!(partner_verify(&swapped, &g.issuer).is_err());
    assert!(verify_grant(&swapped, None).is_err());

    // Flip one bit of the signature.
    let mut sig = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
    sig[10] ^= 0x01;
    let flipped = format!("{}.{}.{}", parts[0], parts[1], URL_SAFE_NO_PAD.encode(sig));
    assert!(partner_verify(&flipped, &g.issuer).is_err());
    assert!(verify_grant(&flipped, None).is_err());

    // The untouched receipt still passes both, so the failures above are the
    // tampering, not the harness.
    assert!(partner_verify(&jws, &g.issuer).is_ok());
    assert!(verify_grant(&jws, None).is_ok());
}

#[test]
fn the_independent_library_sees_an_expired_receipt_as_expired() {
    let key = keypair();
    let g = grant(now_secs() - 2 * 365 * 86400);
    let jws = sign_grant(&g, &key).unwrap();
    let err = partner_verify(&jws, &g.issuer).unwrap_err();
    assert_eq!(
        *err.kind(),
        jsonwebtoken::errors::ErrorKind::ExpiredSignature
    );
    // Ours verifies the signature and leaves time to `validity_at`.
    let v = verify_grant(&jws, None).unwrap();
    assert_eq!(
        v.statement().validity_at(now_secs()),
        kluis_policy::Validity::Expired
    );
}

#[test]
fn a_revocation_verifies_with_the_independent_library_too() {
    let key = keypair();
    let r = RevocationStatement {
        id: GrantId::random(),
        issuer: PrincipalId::random(),
        grant: GrantId::random(),
        household: HouseholdId::random(),
        issued_at: now_secs(),
    };
    let jws = sign_revocation(&r, &key).unwrap();
    let jwk = decode_header(&jws).unwrap().jwk.unwrap();
    let mut validation = Validation::new(Algorithm::EdDSA);
    // A revocation has no end: it carries no exp.
    validation.set_required_spec_claims::<&str>(&[]);
    validation.validate_exp = false;
    let claims =
        decode::<serde_json::Value>(&jws, &DecodingKey::from_jwk(&jwk).unwrap(), &validation)
            .unwrap()
            .claims;
    assert_eq!(claims["grant"], r.grant.to_string());
    assert_eq!(claims["kluis"], "revocation/1");
}
