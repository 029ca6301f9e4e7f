//! Sealing the directly identifying part of an entry (IP address, user
//! agent) under a per-household log key.
//!
//! NEN 7513 wants to know where an access came from, but such details are
//! personal data that must go when the household's retention period ends.
//! The tree cannot forget a leaf, so these details live outside it: sealed
//! with AES-256-GCM under the household's log key, while the leaf holds
//! only [`commitment`] (SHA-256 of the sealed bytes). Destroying the key
//! or the sealed bytes erases the details; the tree still verifies.
//!
//! Sealed format: 12-byte random nonce, then ciphertext and 16-byte tag.
//! The associated data binds the payload to its household and log
//! position, so a payload cannot be moved to another entry unnoticed:
//! `"kluis-log-payload-v1" || 0x00 || u16 BE len(household) || household
//! || u64 BE seq`.

use crate::merkle::Hash;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::digest::{digest, SHA256};
use ring::rand::{SecureRandom, SystemRandom};

const DOMAIN: &[u8] = b"kluis-log-payload-v1\0";

/// Why a payload could not be sealed or opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayloadError {
    #[error("the household id is longer than 65535 bytes")]
    HouseholdTooLong,
    #[error("no randomness available for the nonce")]
    Randomness,
    #[error("the payload is too large to seal")]
    TooLarge,
    #[error("the sealed payload does not open with this key, household and position")]
    Open,
}

fn aad(household: &str, seq: u64) -> Result<Vec<u8>, PayloadError> {
    let len = u16::try_from(household.len()).map_err(|_| PayloadError::HouseholdTooLong)?;
    let mut a = Vec::with_capacity(DOMAIN.len() + 2 + household.len() + 8);
    a.extend_from_slice(DOMAIN);
    a.extend_from_slice(&len.to_be_bytes());
    a.extend_from_slice(household.as_bytes());
    a.extend_from_slice(&seq.to_be_bytes());
    Ok(a)
}

fn key(log_key: &[u8; 32]) -> LessSafeKey {
    LessSafeKey::new(UnboundKey::new(&AES_256_GCM, log_key).expect("32-byte AES-256 key"))
}

/// Seals `plaintext` for entry `seq` of `household`. A fresh random nonce
/// per call is safe for the volumes one household's key sees.
pub fn seal_payload(
    log_key: &[u8; 32],
    household: &str,
    seq: u64,
    plaintext: &[u8],
) -> Result<Vec<u8>, PayloadError> {
    let aad = aad(household, seq)?;
    let mut nonce = [0u8; NONCE_LEN];
    SystemRandom::new()
        .fill(&mut nonce)
        .map_err(|_| PayloadError::Randomness)?;
    let mut out = Vec::with_capacity(NONCE_LEN + plaintext.len() + 16);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(plaintext);
    let mut body = out.split_off(NONCE_LEN);
    key(log_key)
        .seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad),
            &mut body,
        )
        .map_err(|_| PayloadError::TooLarge)?;
    out.extend_from_slice(&body);
    Ok(out)
}

/// Opens a payload sealed by [`seal_payload`] for the same key, household
/// and seq.
pub fn open_payload(
    log_key: &[u8; 32],
    household: &str,
    seq: u64,
    sealed: &[u8],
) -> Result<Vec<u8>, PayloadError> {
    let aad = aad(household, seq)?;
    if sealed.len() < NONCE_LEN + AES_256_GCM.tag_len() {
        return Err(PayloadError::Open);
    }
    let (nonce, body) = sealed.split_at(NONCE_LEN);
    let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| PayloadError::Open)?;
    let mut body = body.to_vec();
    let plain = key(log_key)
        .open_in_place(nonce, Aad::from(aad), &mut body)
        .map_err(|_| PayloadError::Open)?;
    Ok(plain.to_vec())
}

/// The value the log entry stores: SHA-256 of the sealed bytes. Anyone
/// holding the sealed bytes can check them against the entry without the
/// key; no one can learn the details from the commitment.
pub fn commitment(sealed: &[u8]) -> Hash {
    digest(&SHA256, sealed)
        .as_ref()
        .try_into()
        .expect("SHA-256 is 32 bytes")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const K: [u8; 32] = [3; 32];
    const DETAILS: &[u8] = b"ip=192.0.2.7 ua=Firefox/128";

    #[test]
    fn round_trip() {
        let sealed = seal_payload(&K, "hh-1", 9, DETAILS).unwrap();
        assert_eq!(sealed.len(), 12 + DETAILS.len() + 16);
        assert!(!sealed.windows(DETAILS.len()).any(|w| w == DETAILS));
        assert_eq!(open_payload(&K, "hh-1", 9, &sealed).unwrap(), DETAILS);
    }

    #[test]
    fn moved_to_another_seq_fails() {
        let sealed = seal_payload(&K, "hh-1", 9, DETAILS).unwrap();
        assert_eq!(
            open_payload(&K, "hh-1", 10, &sealed),
            Err(PayloadError::Open)
        );
    }

    #[test]
    fn moved_to_another_household_or_key_fails() {
        let sealed = seal_payload(&K, "hh-1", 9, DETAILS).unwrap();
        assert_eq!(
            open_payload(&K, "hh-2", 9, &sealed),
            Err(PayloadError::Open)
        );
        assert_eq!(
            open_payload(&[4; 32], "hh-1", 9, &sealed),
            Err(PayloadError::Open)
        );
        // Length-prefixing keeps ("hh-1", seq) apart from look-alike splits.
        assert_ne!(aad("a", 0x0100), aad("a\u{1}", 0));
    }

    #[test]
    fn nonces_are_fresh() {
        let a = seal_payload(&K, "hh-1", 9, DETAILS).unwrap();
        let b = seal_payload(&K, "hh-1", 9, DETAILS).unwrap();
        assert_ne!(a[..12], b[..12]);
        assert_ne!(commitment(&a), commitment(&b));
    }

    #[test]
    fn short_input_fails_without_panicking() {
        for n in 0..28 {
            assert_eq!(
                open_payload(&K, "hh", 0, &vec![0; n]),
                Err(PayloadError::Open)
            );
        }
    }

    #[test]
    fn commitment_is_sha256_of_sealed_bytes() {
        assert_eq!(
            hex::encode(commitment(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    proptest! {
        #[test]
        fn any_bit_flip_is_detected(
            plain in proptest::collection::vec(any::<u8>(), 0..64),
            at in any::<prop::sample::Index>(), bit in 0u8..8,
        ) {
            let mut sealed = seal_payload(&K, "hh", 1, &plain).unwrap();
            prop_assert_eq!(open_payload(&K, "hh", 1, &sealed).unwrap(), plain);
            let i = at.index(sealed.len());
            sealed[i] ^= 1 << bit;
            prop_assert_eq!(open_payload(&K, "hh", 1, &sealed), Err(PayloadError::Open));
        }
    }
}
