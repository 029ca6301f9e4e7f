//! The recovery blob: a person's keystore secrets wrapped with the key a
//! recovery code derives (`keys::recovery_code`), for the server to keep.
//!
//! `base64url(0x01 ‖ nonce (12) ‖ AES-256-GCM(secrets JSON))`, the
//! associated data binding the scheme's name and the lookup id, so a blob
//! filed under another code's id does not open.
//!
//! Why AES-256-GCM with a key straight from HKDF, and not age with a
//! passphrase (scrypt) recipient like the keystore file: the code is 130
//! random bits, so there is nothing to slow down. An operator (or anyone
//! with a copy of the database) who wants to open a blob must guess the
//! code, 2^130 tries, which no work factor would change. A passphrase is
//! different: people choose guessable ones, and a copy of the blob lets an
//! attacker try guesses offline, as fast as they can pay for, with nobody
//! noticing and no rate limit. That is why the server is given a blob under
//! the code and never one under the passphrase.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use zeroize::Zeroizing;

use super::keystore::{identity_from_json, secrets_json};
use super::recovery_code::RecoveryCode;
use super::Identity;

/// The format's first byte.
const VERSION: u8 = 1;
/// Bound into every blob with its lookup id.
const AAD_LABEL: &str = "kluis recovery blob v1";
/// The longest blob anyone accepts, in base64 characters: a keystore's
/// secrets are a few hundred bytes, so a larger one is hostile.
pub const MAX_BLOB_CHARS: usize = 4096;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RecoveryBlobError {
    #[error("the recovery data is damaged or was not made with this code")]
    Opening,
}

/// What is sent to the server: the id to file it under, and the blob.
pub struct SealedRecovery {
    pub lookup_id: String,
    pub blob: String,
}

fn key_and_aad(code: &RecoveryCode) -> (LessSafeKey, String) {
    let derived = code.derive();
    let key = UnboundKey::new(&AES_256_GCM, &derived.wrapping_key[..])
        .expect("32 bytes is an AES-256 key");
    (
        LessSafeKey::new(key),
        format!("{AAD_LABEL}\n{}", derived.lookup_id),
    )
}

/// Wrap `identity`'s secrets with the key `code` derives.
pub fn seal(identity: &Identity, code: &RecoveryCode) -> SealedRecovery {
    let (key, aad) = key_and_aad(code);
    let nonce: [u8; NONCE_LEN] = rand::random();
    let mut data = secrets_json(identity);
    key.seal_in_place_append_tag(
        Nonce::assume_unique_for_key(nonce),
        Aad::from(aad.as_bytes()),
        &mut *data,
    )
    .expect("a keystore's secrets are far below AES-GCM's limit");
    let mut out = Vec::with_capacity(1 + NONCE_LEN + data.len());
    out.push(VERSION);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&data);
    SealedRecovery {
        lookup_id: code.derive().lookup_id,
        blob: B64.encode(out),
    }
}

/// Open a blob with the code it was made with.
pub fn open(code: &RecoveryCode, blob: &str) -> Result<Identity, RecoveryBlobError> {
    if blob.len() > MAX_BLOB_CHARS {
        return Err(RecoveryBlobError::Opening);
    }
    let raw = B64.decode(blob).map_err(|_| RecoveryBlobError::Opening)?;
    if raw.len() < 1 + NONCE_LEN + AES_256_GCM.tag_len() || raw[0] != VERSION {
        return Err(RecoveryBlobError::Opening);
    }
    let nonce: [u8; NONCE_LEN] = raw[1..1 + NONCE_LEN].try_into().expect("sliced to length");
    let (key, aad) = key_and_aad(code);
    let mut data = Zeroizing::new(raw[1 + NONCE_LEN..].to_vec());
    let plain = key
        .open_in_place(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad.as_bytes()),
            &mut data,
        )
        .map_err(|_| RecoveryBlobError::Opening)?;
    identity_from_json(plain).map_err(|_| RecoveryBlobError::Opening)
}

/// Is `text` shaped like a blob (base64url, not too long)? For the server,
/// which cannot check more.
pub fn well_formed(text: &str) -> bool {
    text.len() <= MAX_BLOB_CHARS
        && B64
            .decode(text)
            .is_ok_and(|raw| raw.len() > 1 + NONCE_LEN + AES_256_GCM.tag_len() && raw[0] == VERSION)
}

/// Is `text` shaped like a lookup id (64 lowercase hex digits)?
pub fn lookup_id_well_formed(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A code, what it derives and a blob made with it, shared with the web
    /// app's test (web/test/crypto/recovery.test.ts): both sides derive
    /// the same values and open the same blob.
    const SHARED: &str = include_str!("recovery_cases.json");

    #[test]
    fn the_shared_case_opens_here() {
        let case: serde_json::Value = serde_json::from_str(SHARED).unwrap();
        let code = RecoveryCode::parse(case["code"].as_str().unwrap()).unwrap();
        let derived = code.derive();
        assert_eq!(derived.lookup_id, case["lookup_id"].as_str().unwrap());
        assert_eq!(
            hex::encode(*derived.wrapping_key),
            case["wrapping_key"].as_str().unwrap()
        );
        let id = open(&code, case["blob"].as_str().unwrap()).unwrap();
        assert_eq!(id.name(), case["name"].as_str().unwrap());
        assert_eq!(serde_json::to_value(id.public()).unwrap(), case["keys"]);
    }

    /// Writes `recovery_cases.json` afresh (run by hand, with --ignored).
    #[test]
    #[ignore]
    fn write_the_shared_case() {
        let id = Identity::generate("Anna de Vries");
        let code = RecoveryCode::generate();
        let sealed = seal(&id, &code);
        let case = serde_json::json!({
            "code": code.to_string(),
            "lookup_id": sealed.lookup_id,
            "wrapping_key": hex::encode(*code.derive().wrapping_key),
            "blob": sealed.blob,
            "name": id.name(),
            "keys": id.public(),
        });
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/keys/recovery_cases.json");
        std::fs::write(path, serde_json::to_string_pretty(&case).unwrap() + "\n").unwrap();
    }

    #[test]
    fn the_code_opens_its_blob_and_nothing_else_does() {
        let id = Identity::generate("Anna");
        let code = RecoveryCode::generate();
        let sealed = seal(&id, &code);
        assert!(well_formed(&sealed.blob));
        assert!(lookup_id_well_formed(&sealed.lookup_id));
        assert_eq!(sealed.lookup_id, code.derive().lookup_id);
        let back = open(&code, &sealed.blob).unwrap();
        assert_eq!(back.public(), id.public());
        assert_eq!(back.name(), "Anna");

        let other = RecoveryCode::generate();
        assert_eq!(
            open(&other, &sealed.blob).err(),
            Some(RecoveryBlobError::Opening)
        );
        // One flipped bit anywhere and it does not open.
        let mut raw = B64.decode(&sealed.blob).unwrap();
        let last = raw.len() - 1;
        raw[last] ^= 1;
        assert!(open(&code, &B64.encode(&raw)).is_err());
        assert!(open(&code, "not base64!").is_err());
        assert!(open(&code, &"A".repeat(MAX_BLOB_CHARS + 1)).is_err());
        // The secrets are not in the blob in the clear.
        let plain = String::from_utf8_lossy(&raw).into_owned();
        assert!(!plain.contains(id.age_secret().as_str()));
    }
}
