//! Sealing field content: AES-256-GCM from ring under a fresh 256-bit key per
//! field version (and per re-key generation).
//!
//! The associated data binds the household, the field path, the version and
//! the key generation, so a ciphertext copied to another field, household or
//! version fails to open instead of showing the wrong text. The plaintext is
//! padded to a size bucket first, so stored sizes say little about content.
//!
//! Sealed layout: `nonce (12) || AES-GCM(padded) || tag (16)`, where
//! `padded = u32 big-endian length || content || zeros` up to the bucket.

use kluis_policy::{FieldPath, HouseholdId};
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use zeroize::Zeroizing;

pub use super::plaintext::Plaintext;

/// Where a sealed value belongs; all of it is authenticated.
#[derive(Debug, Clone, Copy)]
pub struct Binding<'a> {
    pub household: HouseholdId,
    pub path: &'a FieldPath,
    pub version: i64,
    pub key_gen: i64,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SealError {
    #[error(
        "this value does not open here: it was sealed for another field, household, version or key"
    )]
    WrongPlaceOrKey,
    #[error("the sealed value is malformed")]
    Malformed,
}

pub const SMALLEST_BUCKET: usize = 256;
const OVERHEAD: usize = NONCE_LEN + 16;

/// The padded size for `len` content bytes: powers of two from 256 bytes.
pub fn bucket(len: usize) -> usize {
    (len + 4).max(SMALLEST_BUCKET).next_power_of_two()
}

/// The bucket a sealed value was padded to, from its stored length.
pub fn bucket_of_sealed(sealed_len: usize) -> usize {
    sealed_len.saturating_sub(OVERHEAD)
}

/// A fresh random field key.
pub fn new_key() -> Zeroizing<[u8; 32]> {
    Zeroizing::new(rand::random())
}

/// The longest associated data: the label, the household id, the path
/// (at most `MAX_PATH_BYTES`) with its length, version and key generation.
const MAX_AAD: usize = 15 + 16 + 2 + kluis_policy::path::MAX_PATH_BYTES + 8 + 8;

/// The associated data, built on the stack: sealing and opening allocate
/// only the buffer that holds the value.
struct AadBytes {
    bytes: [u8; MAX_AAD],
    len: usize,
}

impl AadBytes {
    fn new(b: &Binding<'_>) -> Self {
        let path = b.path.as_str().as_bytes();
        let mut out = Self {
            bytes: [0; MAX_AAD],
            len: 0,
        };
        for part in [
            &b"kluis-field/v1\0"[..],
            b.household.as_bytes(),
            &(path.len() as u16).to_be_bytes(),
            path,
            &b.version.to_be_bytes(),
            &b.key_gen.to_be_bytes(),
        ] {
            out.bytes[out.len..out.len + part.len()].copy_from_slice(part);
            out.len += part.len();
        }
        out
    }

    fn aad(&self) -> Aad<&[u8]> {
        Aad::from(&self.bytes[..self.len])
    }
}

/// The AES-256-GCM key schedule for one value's key: once per `seal` and
/// once per `open` (a value is sealed and opened on different devices).
fn cipher(key: &[u8; 32]) -> LessSafeKey {
    LessSafeKey::new(UnboundKey::new(&AES_256_GCM, key).expect("32-byte key"))
}

pub fn seal(key: &[u8; 32], binding: &Binding<'_>, content: &[u8]) -> Vec<u8> {
    let size = bucket(content.len());
    // Pad straight into the output after the nonce and encrypt there in
    // place: the plaintext never sits in a second buffer that would need
    // wiping, and nothing is copied twice.
    let nonce_bytes: [u8; NONCE_LEN] = rand::random();
    let mut out = Vec::with_capacity(size + OVERHEAD);
    out.extend_from_slice(&nonce_bytes);
    out.extend_from_slice(&(content.len() as u32).to_be_bytes());
    out.extend_from_slice(content);
    out.resize(NONCE_LEN + size, 0);
    let tag = cipher(key)
        .seal_in_place_separate_tag(
            Nonce::assume_unique_for_key(nonce_bytes),
            AadBytes::new(binding).aad(),
            &mut out[NONCE_LEN..],
        )
        .expect("sealing cannot fail for in-range sizes");
    out.extend_from_slice(tag.as_ref());
    out
}

/// Opens a sealed value that is only borrowed: copies it once, then as
/// [`open_owned`].
pub fn open(key: &[u8; 32], binding: &Binding<'_>, sealed: &[u8]) -> Result<Plaintext, SealError> {
    open_owned(key, binding, sealed.to_vec())
}

/// Opens a sealed value in the buffer it came in (as the client's read path
/// has it, fresh from base64): decrypted in place, no copy. The buffer is
/// wiped when the result is dropped, and at once if it does not open.
pub fn open_owned(
    key: &[u8; 32],
    binding: &Binding<'_>,
    sealed: Vec<u8>,
) -> Result<Plaintext, SealError> {
    if sealed.len() < OVERHEAD + 4 {
        return Err(SealError::Malformed);
    }
    let nonce =
        Nonce::try_assume_unique_for_key(&sealed[..NONCE_LEN]).map_err(|_| SealError::Malformed)?;
    // Wrapped before decrypting, so every path out of here wipes it.
    let mut buf = Plaintext::new(sealed);
    let plain = cipher(key)
        .open_in_place(
            nonce,
            AadBytes::new(binding).aad(),
            &mut buf.buf_mut()[NONCE_LEN..],
        )
        .map_err(|_| SealError::WrongPlaceOrKey)?;
    let len = u32::from_be_bytes(plain[..4].try_into().expect("4 bytes")) as usize;
    if len > plain.len() - 4 {
        return Err(SealError::Malformed);
    }
    // The content is a window in the decrypted buffer (after the nonce and
    // the length): nothing is moved or copied.
    buf.show(NONCE_LEN + 4, len);
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(p: &str) -> FieldPath {
        FieldPath::parse(p).unwrap()
    }

    #[test]
    fn round_trips_and_pads() {
        let key = new_key();
        let h = HouseholdId::random();
        let p = path("financien/situatie");
        let b = Binding {
            household: h,
            path: &p,
            version: 1,
            key_gen: 0,
        };
        for content in [
            &b""[..],
            b"schulden bij de energieleverancier",
            &[0xff; 3000],
        ] {
            let sealed = seal(&key, &b, content);
            assert_eq!(sealed.len(), bucket(content.len()) + 28);
            assert_eq!(&open(&key, &b, &sealed).unwrap()[..], content);
        }
        assert_eq!(
            seal(&key, &b, b"a").len(),
            seal(&key, &b, &[1u8; 200]).len(),
            "same bucket, same size"
        );
    }

    #[test]
    fn the_format_is_unchanged_and_owned_buffers_open_in_place() {
        // The associated data as first specified (and as the web app's
        // `seal.ts` builds it), spelt out independently of `AadBytes`.
        let key = new_key();
        let h = HouseholdId::random();
        let p = path(&format!("{}/{}", "a".repeat(60), "b".repeat(67)));
        assert_eq!(p.as_str().len(), kluis_policy::path::MAX_PATH_BYTES);
        let b = Binding {
            household: h,
            path: &p,
            version: -7,
            key_gen: 1 << 40,
        };
        let mut aad = b"kluis-field/v1\0".to_vec();
        aad.extend_from_slice(h.as_bytes());
        aad.extend_from_slice(&(p.as_str().len() as u16).to_be_bytes());
        aad.extend_from_slice(p.as_str().as_bytes());
        aad.extend_from_slice(&b.version.to_be_bytes());
        aad.extend_from_slice(&b.key_gen.to_be_bytes());
        assert_eq!(AadBytes::new(&b).aad().as_ref(), &aad[..]);

        let sealed = seal(&key, &b, b"huurachterstand");
        let mut body = sealed[NONCE_LEN..].to_vec();
        let plain = cipher(&key)
            .open_in_place(
                Nonce::try_assume_unique_for_key(&sealed[..NONCE_LEN]).unwrap(),
                Aad::from(&aad[..]),
                &mut body,
            )
            .unwrap();
        assert_eq!(&plain[..4], &15u32.to_be_bytes());
        assert_eq!(&plain[4..19], b"huurachterstand");
        assert!(plain[19..].iter().all(|&z| z == 0));

        let opened = open_owned(&key, &b, sealed.clone()).unwrap();
        assert_eq!(&opened[..], b"huurachterstand");
        assert_eq!(&open(&key, &b, &sealed).unwrap()[..], &opened[..]);
        let mut flipped = sealed;
        flipped[NONCE_LEN + 3] ^= 1;
        assert_eq!(
            open_owned(&key, &b, flipped).unwrap_err(),
            SealError::WrongPlaceOrKey
        );
        assert_eq!(
            open_owned(&key, &b, vec![0; OVERHEAD + 3]).unwrap_err(),
            SealError::Malformed
        );
    }

    #[test]
    fn refuses_another_place_or_key() {
        let key = new_key();
        let h = HouseholdId::random();
        let p = path("financien/situatie");
        let q = path("financien/wensen");
        let b = Binding {
            household: h,
            path: &p,
            version: 3,
            key_gen: 1,
        };
        let sealed = seal(&key, &b, b"secret");
        for other in [
            Binding { path: &q, ..b },
            Binding {
                household: HouseholdId::random(),
                ..b
            },
            Binding { version: 2, ..b },
            Binding { key_gen: 2, ..b },
        ] {
            assert_eq!(
                open(&key, &other, &sealed).unwrap_err(),
                SealError::WrongPlaceOrKey
            );
        }
        assert_eq!(
            open(&new_key(), &b, &sealed).unwrap_err(),
            SealError::WrongPlaceOrKey
        );
        assert_eq!(open(&key, &b, b"short").unwrap_err(), SealError::Malformed);
    }
}
