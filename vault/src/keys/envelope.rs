//! Envelopes: a small secret (a field key, a household identity) wrapped with
//! age to exactly one X25519 recipient.
//!
//! One envelope per key and reader means adding a reader adds one row and
//! re-encrypts nothing. Envelopes arrive from the network, so `check` caps
//! their size and insists on exactly one X25519 stanza before anything else
//! looks at them.

use std::io::{Read, Write};
use std::str::FromStr;

use zeroize::Zeroizing;

/// An age header with one X25519 stanza plus a payload of up to 128 bytes
/// fits easily; anything larger is not one of ours.
pub const MAX_ENVELOPE_BYTES: usize = 1024;
const MAX_SECRET_BYTES: usize = 128;
const MAX_STANZAS: usize = 3;
const MAGIC: &[u8] = b"age-encryption.org/v1\n";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EnvelopeError {
    #[error("an envelope is at most {MAX_ENVELOPE_BYTES} bytes")]
    TooLarge,
    #[error("an envelope must be an age file with exactly one X25519 recipient")]
    Malformed,
    #[error("this envelope is not addressed to your key")]
    NotForMe,
    #[error("the recipient is not a valid age X25519 recipient")]
    BadRecipient,
}

/// Check an envelope's shape without opening it: size, age magic, exactly
/// one stanza and that it is X25519.
pub fn check(envelope: &[u8]) -> Result<(), EnvelopeError> {
    if envelope.len() > MAX_ENVELOPE_BYTES {
        return Err(EnvelopeError::TooLarge);
    }
    let rest = envelope
        .strip_prefix(MAGIC)
        .ok_or(EnvelopeError::Malformed)?;
    // The header is text up to the "---" MAC line; stanzas start with "-> ".
    let header_end = find(rest, b"\n---").ok_or(EnvelopeError::Malformed)?;
    let header = std::str::from_utf8(&rest[..header_end]).map_err(|_| EnvelopeError::Malformed)?;
    // age adds a random "grease" stanza now and then, which identities
    // skip; allow a few, but exactly one X25519 stanza.
    let stanzas: Vec<&str> = header.lines().filter(|l| l.starts_with("-> ")).collect();
    let x25519 = stanzas
        .iter()
        .filter(|l| l.starts_with("-> X25519 "))
        .count();
    if stanzas.len() > MAX_STANZAS || x25519 != 1 {
        return Err(EnvelopeError::Malformed);
    }
    age::Decryptor::new_buffered(envelope).map_err(|_| EnvelopeError::Malformed)?;
    Ok(())
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Wrap `secret` to `recipient` (an `age1…` string).
pub fn seal(recipient: &str, secret: &[u8]) -> Result<Vec<u8>, EnvelopeError> {
    let recipient =
        age::x25519::Recipient::from_str(recipient).map_err(|_| EnvelopeError::BadRecipient)?;
    let encryptor = age::Encryptor::with_recipients(std::iter::once(&recipient as _))
        .map_err(|_| EnvelopeError::BadRecipient)?;
    let mut out = Vec::with_capacity(256);
    let mut w = encryptor
        .wrap_output(&mut out)
        .map_err(|_| EnvelopeError::Malformed)?;
    w.write_all(secret).map_err(|_| EnvelopeError::Malformed)?;
    w.finish().map_err(|_| EnvelopeError::Malformed)?;
    Ok(out)
}

/// Open an envelope with `identity`.
pub fn open(
    identity: &age::x25519::Identity,
    envelope: &[u8],
) -> Result<Zeroizing<Vec<u8>>, EnvelopeError> {
    check(envelope)?;
    let decryptor = age::Decryptor::new_buffered(envelope).map_err(|_| EnvelopeError::Malformed)?;
    let mut reader = decryptor
        .decrypt(std::iter::once(identity as &dyn age::Identity))
        .map_err(|_| EnvelopeError::NotForMe)?;
    let mut out = Zeroizing::new(Vec::with_capacity(64));
    reader
        .by_ref()
        .take(MAX_SECRET_BYTES as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|_| EnvelopeError::Malformed)?;
    if out.len() > MAX_SECRET_BYTES {
        return Err(EnvelopeError::Malformed);
    }
    Ok(out)
}

/// Open an envelope that must hold a 256-bit key.
pub fn open_key(
    identity: &age::x25519::Identity,
    envelope: &[u8],
) -> Result<Zeroizing<[u8; 32]>, EnvelopeError> {
    let bytes = open(identity, envelope)?;
    let mut key = Zeroizing::new([0u8; 32]);
    if bytes.len() != 32 {
        return Err(EnvelopeError::Malformed);
    }
    key.copy_from_slice(&bytes);
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_only_for_the_recipient() {
        let me = age::x25519::Identity::generate();
        let other = age::x25519::Identity::generate();
        let env = seal(&me.to_public().to_string(), &[7u8; 32]).unwrap();
        assert!(check(&env).is_ok());
        assert!(env.len() <= MAX_ENVELOPE_BYTES);
        assert_eq!(*open_key(&me, &env).unwrap(), [7u8; 32]);
        assert_eq!(open_key(&other, &env).unwrap_err(), EnvelopeError::NotForMe);
    }

    #[test]
    fn accepts_grease_over_many_seals() {
        let me = age::x25519::Identity::generate();
        for _ in 0..200 {
            let env = seal(&me.to_public().to_string(), &[b'A'; 74]).unwrap();
            check(&env).unwrap();
        }
    }

    #[test]
    fn refuses_many_stanzas_big_inputs_and_garbage() {
        let a = age::x25519::Identity::generate().to_public();
        let b = age::x25519::Identity::generate().to_public();
        let enc = age::Encryptor::with_recipients([&a as &dyn age::Recipient, &b as _].into_iter())
            .unwrap();
        let mut two = Vec::new();
        let mut w = enc.wrap_output(&mut two).unwrap();
        w.write_all(&[1u8; 32]).unwrap();
        w.finish().unwrap();
        assert_eq!(check(&two), Err(EnvelopeError::Malformed));
        assert_eq!(check(&vec![b'a'; 2000]), Err(EnvelopeError::TooLarge));
        assert_eq!(check(b"hello"), Err(EnvelopeError::Malformed));
        assert_eq!(
            check(b"age-encryption.org/v1\n-> X25519 zz\n---"),
            Err(EnvelopeError::Malformed)
        );
    }

    proptest::proptest! {
        #[test]
        fn check_never_panics(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..1200)) {
            let _ = check(&bytes);
            let mut with_magic = MAGIC.to_vec();
            with_magic.extend(&bytes);
            let _ = check(&with_magic);
        }
    }
}
