//! Key fingerprints: a short, readable name for a principal's public keys.
//!
//! A grant names the grantee's fingerprint so the household member signs what
//! they checked: the member's client fetches the grantee's keys from the
//! server, shows this fingerprint, and the grant binds it. A server that swaps
//! in its own keys then produces a different fingerprint, visible to anyone who
//! compares it with the professional's own `kluis whoami`.
//!
//! The fingerprint is SHA-256 over a domain-separation tag, the 32-byte Ed25519
//! signing key and the length-prefixed age recipient string, cut to 128 bits
//! (ample against second preimages, which is the only attack here) and shown as
//! eight groups of four lowercase hex digits separated by spaces, the way
//! people read numbers aloud on the phone: `3f9c 0a12 77de 41b0 9e0c 5a6f 0d21 c4e8`.

use ring::digest::{Context, SHA256};

/// Domain separation: these bytes hashed for any other reason never collide
/// with a fingerprint.
const TAG: &[u8] = b"kluis key fingerprint v1\0";

/// Groups of four hex digits in a fingerprint.
pub const FINGERPRINT_GROUPS: usize = 8;

/// The fingerprint of a principal's signing key and age recipient.
pub fn key_fingerprint(signing_public_key: &[u8; 32], age_recipient: &str) -> String {
    let mut ctx = Context::new(&SHA256);
    ctx.update(TAG);
    ctx.update(signing_public_key);
    // Length prefix: the recipient is variable length and last, but a prefix
    // keeps the encoding unambiguous should anything follow it in a v2.
    ctx.update(&(age_recipient.len() as u64).to_be_bytes());
    ctx.update(age_recipient.as_bytes());
    let digest = ctx.finish();
    let hex = hex::encode(&digest.as_ref()[..FINGERPRINT_GROUPS * 2]);
    let groups: Vec<&str> = (0..FINGERPRINT_GROUPS)
        .map(|i| &hex[i * 4..i * 4 + 4])
        .collect();
    groups.join(" ")
}

/// Whether `text` has the shape of a fingerprint (not whether it is anyone's).
pub fn is_well_formed_fingerprint(text: &str) -> bool {
    let groups: Vec<&str> = text.split(' ').collect();
    groups.len() == FINGERPRINT_GROUPS
        && groups
            .iter()
            .all(|g| g.len() == 4 && g.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: [u8; 32] = [7; 32];
    const AGE: &str = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";

    #[test]
    fn is_stable_and_readable() {
        let f = key_fingerprint(&KEY, AGE);
        assert_eq!(f, key_fingerprint(&KEY, AGE));
        assert_eq!(f.len(), 8 * 4 + 7);
        assert!(is_well_formed_fingerprint(&f), "{f}");
    }

    #[test]
    fn known_answer() {
        // Pinned so a refactor cannot silently change every grant's meaning.
        let mut ctx = Context::new(&SHA256);
        ctx.update(b"kluis key fingerprint v1\0");
        ctx.update(&KEY);
        ctx.update(&(AGE.len() as u64).to_be_bytes());
        ctx.update(AGE.as_bytes());
        let full = hex::encode(ctx.finish());
        let f = key_fingerprint(&KEY, AGE);
        assert_eq!(f.replace(' ', ""), full[..32]);
    }

    #[test]
    fn changes_with_either_key() {
        let f = key_fingerprint(&KEY, AGE);
        let mut other = KEY;
        other[31] ^= 1;
        assert_ne!(f, key_fingerprint(&other, AGE));
        assert_ne!(f, key_fingerprint(&KEY, &AGE.replace('q', "p")));
        assert_ne!(f, key_fingerprint(&KEY, ""));
    }

    #[test]
    fn shape_check_refuses_near_misses() {
        let f = key_fingerprint(&KEY, AGE);
        for bad in [
            String::new(),
            f.to_uppercase(),
            f.replace(' ', ""),
            f.replace(' ', "-"),
            format!("{f} "),
            format!("{f} 0000"),
            f[5..].to_string(),
            f.replacen(|c: char| c.is_ascii_hexdigit(), "g", 1),
        ] {
            assert!(!is_well_formed_fingerprint(&bad), "{bad:?}");
        }
    }
}
