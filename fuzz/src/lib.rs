//! Helpers shared by the fuzz targets and the seed generator.
//!
//! A fuzzer cannot forge an Ed25519 signature, so a target that only fed
//! raw bytes to `verify_grant` or `LogVerifier::open` would never get past
//! the signature check. The targets therefore also take the fuzzer's bytes
//! as the *content* (claims, checkpoint body) and sign it here with fixed,
//! public test keys, so the parsing behind the signature is fuzzed too.
//!
//! Input framing: the first byte of every input picks a mode (`byte % n`);
//! the rest is the mode's input. Seeds in `fuzz/seeds/<target>/` use the
//! same framing (see `seeds.py`).

use std::sync::OnceLock;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use kluis_audit::{LogSigner, LogVerifier};
use ring::signature::{Ed25519KeyPair, KeyPair};

/// The Ed25519 seed of the member who signs fuzzer-made statements.
pub const JWS_SEED: [u8; 32] = [0x11; 32];
/// The Ed25519 seed of the log key that signs fuzzer-made checkpoints.
pub const LOG_SEED: [u8; 32] = [0x22; 32];
/// The log key name (and checkpoint origin) of the fuzz log.
pub const LOG_NAME: &str = "kluis.example/fuzz-log";
/// The age identity envelopes are opened with (secret key bytes 0x42 * 32).
pub const AGE_IDENTITY: &str =
    "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX";
/// The AES-256 field key sealed values are opened with.
pub const FIELD_KEY: [u8; 32] = [0x33; 32];
/// The household and field the fuzz seal binds (key generation 1, version 1).
pub const FIELD_HOUSEHOLD: [u8; 16] = [0x44; 16];
pub const FIELD_PATH: &str = "financien/situatie";

/// The member key pair (built once per process).
pub fn jws_key() -> &'static Ed25519KeyPair {
    static KEY: OnceLock<Ed25519KeyPair> = OnceLock::new();
    KEY.get_or_init(|| Ed25519KeyPair::from_seed_unchecked(&JWS_SEED).expect("valid seed"))
}

/// The member's public key.
pub fn jws_public() -> [u8; 32] {
    jws_key()
        .public_key()
        .as_ref()
        .try_into()
        .expect("32 bytes")
}

/// The log signer (built once per process).
pub fn log_signer() -> &'static LogSigner {
    static SIGNER: OnceLock<LogSigner> = OnceLock::new();
    SIGNER.get_or_init(|| LogSigner::from_seed(LOG_NAME, &LOG_SEED).expect("valid name and seed"))
}

/// The verifier of [`log_signer`].
pub fn log_verifier() -> &'static LogVerifier {
    static VERIFIER: OnceLock<LogVerifier> = OnceLock::new();
    VERIFIER.get_or_init(|| log_signer().verifier())
}

/// The age identity of [`AGE_IDENTITY`].
pub fn age_identity() -> age::x25519::Identity {
    AGE_IDENTITY.parse().expect("valid age identity")
}

/// The protected header kluis writes for a statement of type `typ` signed
/// by [`jws_key`] for issuer `kid`.
pub fn header_json(typ: &str, kid: &str) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "alg": "EdDSA",
        "typ": typ,
        "kid": kid,
        "jwk": {"kty": "OKP", "crv": "Ed25519", "x": URL_SAFE_NO_PAD.encode(jws_public())},
    }))
    .expect("plain JSON")
}

/// A JWS compact serialization of exactly these header and payload bytes,
/// signed by [`jws_key`].
pub fn sign_jws(header: &[u8], payload: &[u8]) -> String {
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(payload)
    );
    let sig = jws_key().sign(input.as_bytes());
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig.as_ref()))
}

/// The `iss` of a claims set, if the bytes are JSON with a string `iss`
/// (so the header's `kid` can match it and verification gets further).
pub fn issuer_of(payload: &[u8]) -> String {
    serde_json::from_slice::<serde_json::Value>(payload)
        .ok()
        .and_then(|v| v.get("iss").and_then(|i| i.as_str()).map(str::to_owned))
        .unwrap_or_else(|| "p-00000000000000000000000000000000".to_owned())
}

/// Splits `data` at the first 0x00 byte (or returns `data` and an empty tail).
pub fn split_nul(data: &[u8]) -> (&[u8], &[u8]) {
    match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[]),
    }
}
