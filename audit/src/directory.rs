//! The key directory: every person's public keys, as entries of this log.
//!
//! Registering keys appends a `principal.keys` entry whose `actor` is the
//! person and whose one `fields` item commits to their keys. A device that
//! is about to encrypt to someone, or to trust their signature, asks for
//! that entry with an inclusion proof against a checkpoint it verified as
//! consistent with the last one it pinned. A server that hands out other
//! keys must then either show an entry that commits to them (appended for
//! everyone to see, so auditors and the person can notice it), or fail the
//! proof.
//!
//! The commitment is `keys:` followed by the lowercase hex SHA-256 of
//! `"kluis-keys/v1\n"`, the 32-byte Ed25519 public key, and the age
//! recipient's text. One person's keys have exactly one commitment.

use crate::entry::{Entry, EventType, Outcome};

/// The domain separator hashed before the keys.
const DOMAIN: &[u8] = b"kluis-keys/v1\n";

/// The `fields` item of a `principal.keys` entry for these keys.
pub fn key_commitment(signing_key: &[u8; 32], age_recipient: &str) -> String {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    ctx.update(DOMAIN);
    ctx.update(signing_key);
    ctx.update(age_recipient.as_bytes());
    format!("keys:{}", hex::encode(ctx.finish()))
}

/// Whether `entry` registers exactly these keys for `principal` in `role`.
pub fn registers(
    entry: &Entry,
    principal: &str,
    role: &str,
    signing_key: &[u8; 32],
    age_recipient: &str,
) -> bool {
    entry.event == EventType::KeysRegister
        && entry.outcome == Outcome::Allowed
        && entry.actor.as_deref() == Some(principal)
        && entry.actor_role.as_deref() == Some(role)
        && entry.household.is_none()
        && entry.fields == [key_commitment(signing_key, age_recipient)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_commitment_covers_both_keys() {
        let a = key_commitment(&[1; 32], "age1abc");
        assert!(a.starts_with("keys:"));
        assert_eq!(a.len(), 5 + 64);
        assert_ne!(a, key_commitment(&[2; 32], "age1abc"));
        assert_ne!(a, key_commitment(&[1; 32], "age1abd"));
        assert_eq!(a, key_commitment(&[1; 32], "age1abc"));
    }

    /// A registration entry, as the server appends it.
    fn keys_entry(seq: u64, key: &[u8; 32], recipient: &str) -> Entry {
        let mut e = crate::entry::tests::read_entry(seq);
        e.event = EventType::KeysRegister;
        e.action = crate::entry::Action::Create;
        e.actor = Some("p-1".into());
        e.actor_role = Some("professional".into());
        e.household = None;
        e.fields = vec![key_commitment(key, recipient)];
        e.payload_commitment = None;
        e
    }

    #[test]
    fn a_key_entry_is_proven_in_the_tree_and_names_exactly_its_keys() {
        use crate::merkle::{inclusion_proof, leaf_hash, root, verify_inclusion};
        let mut leaves: Vec<Vec<u8>> = (0..13)
            .map(|i| crate::entry::tests::read_entry(i).encode().unwrap())
            .collect();
        let entry = keys_entry(7, &[9; 32], "age1piet");
        leaves[7] = entry.encode().unwrap();
        let hashes: Vec<_> = leaves.iter().map(|l| leaf_hash(l)).collect();
        let r = root(&hashes);
        let proof = inclusion_proof(&hashes, 7);
        let decoded = Entry::decode(&leaves[7]).unwrap();
        assert!(verify_inclusion(7, 13, &leaf_hash(&leaves[7]), &proof, &r).is_ok());
        assert!(registers(
            &decoded,
            "p-1",
            "professional",
            &[9; 32],
            "age1piet"
        ));
        // Other keys, another person, another role: not registered.
        assert!(!registers(
            &decoded,
            "p-1",
            "professional",
            &[8; 32],
            "age1piet"
        ));
        assert!(!registers(
            &decoded,
            "p-1",
            "professional",
            &[9; 32],
            "age1mallory"
        ));
        assert!(!registers(
            &decoded,
            "p-2",
            "professional",
            &[9; 32],
            "age1piet"
        ));
        assert!(!registers(&decoded, "p-1", "client", &[9; 32], "age1piet"));
        // A read entry carrying the commitment registers nothing.
        let mut read = crate::entry::tests::read_entry(3);
        read.actor = Some("p-1".into());
        read.fields = vec![key_commitment(&[9; 32], "age1piet")];
        assert!(!registers(
            &read,
            "p-1",
            "professional",
            &[9; 32],
            "age1piet"
        ));
        // A leaf rewritten to other keys is no longer in the tree.
        let forged = keys_entry(7, &[8; 32], "age1mallory").encode().unwrap();
        assert!(verify_inclusion(7, 13, &leaf_hash(&forged), &proof, &r).is_err());
    }

    #[test]
    fn the_commitment_is_sha256_over_the_specified_bytes() {
        // Recomputed here from the module docs, byte by byte.
        let mut bytes = b"kluis-keys/v1\n".to_vec();
        bytes.extend_from_slice(&[7; 32]);
        bytes.extend_from_slice(b"age1xyz");
        let digest = ring::digest::digest(&ring::digest::SHA256, &bytes);
        assert_eq!(
            key_commitment(&[7; 32], "age1xyz"),
            format!("keys:{}", hex::encode(digest))
        );
    }
}
