//! `seal_vs_aead` and `seal_vs_memcpy`: sealing and opening field values
//! (`keys::seal`: AES-256-GCM with the binding AAD and bucket padding, a
//! fresh key per value) against ring's AES-256-GCM alone over the same
//! padded bytes, and against copying the content. All in content bytes per
//! second on one core.
//!
//! `seal_vs_aead` is the figure that says whether sealing wastes anything:
//! its baseline does the least any AES-256-GCM seal and open of that value
//! must (one key schedule per value on each side, as the sealing and the
//! opening device each must; the same associated-data length; in place, no
//! allocation, no wipe). `seal_vs_memcpy` is kept for continuity with
//! earlier tables; its baseline is a cache-speed copy no cipher reaches.

use std::hint::black_box;

use kluis_policy::{FieldPath, HouseholdId};
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use zeroize::Zeroizing;

use super::{compare, Budget, Figure};
use crate::keys::seal::{self, Binding};

/// 4000 bytes: a long free-text field that fills the 4 KiB padding bucket
/// (4096 bytes exactly would be padded to the 8 KiB bucket).
pub const VALUE_BYTES: usize = 4000;
/// Values per timed call, each under its own key, so one call takes tens
/// of microseconds.
const BATCH: usize = 16;

struct Values {
    keys: Vec<Zeroizing<[u8; 32]>>,
    path: FieldPath,
    household: HouseholdId,
    content: Vec<u8>,
}

impl Values {
    fn new() -> anyhow::Result<Self> {
        Ok(Self {
            keys: (0..BATCH).map(|_| seal::new_key()).collect(),
            path: FieldPath::parse("financien/situatie")?,
            household: HouseholdId::random(),
            content: (0..VALUE_BYTES).map(|i| (i % 251) as u8).collect(),
        })
    }

    fn binding(&self) -> Binding<'_> {
        Binding {
            household: self.household,
            path: &self.path,
            version: 3,
            key_gen: 1,
        }
    }

    /// Ours: `seal` then `open_owned` (the client's read path opens the
    /// buffer it base64-decoded) of each value under its own key.
    fn seal_and_open(&self) -> u64 {
        let binding = self.binding();
        for key in &self.keys {
            let sealed = seal::seal(key, &binding, black_box(&self.content));
            let opened = seal::open_owned(key, &binding, sealed).expect("opens");
            black_box(&opened[..]);
        }
        (BATCH * VALUE_BYTES) as u64
    }
}

pub fn run_aead(budget: &Budget) -> anyhow::Result<Figure> {
    let values = Values::new()?;
    // The same padded bytes `seal` encrypts (length, content, zeros up to
    // the bucket), room for the tag, and associated data of the same length
    // (label, household, path, version, key generation).
    let padded = seal::bucket(VALUE_BYTES);
    let mut buf = vec![0u8; padded + AES_256_GCM.tag_len()];
    buf[..4].copy_from_slice(&(VALUE_BYTES as u32).to_be_bytes());
    buf[4..4 + VALUE_BYTES].copy_from_slice(&values.content);
    let path = values.path.as_str().as_bytes();
    let aad_len = 15 + 16 + 2 + path.len() + 8 + 8;
    let aad = vec![7u8; aad_len];
    let nonce = [9u8; NONCE_LEN];

    let ours = || values.seal_and_open();
    let baseline = || {
        for key in &values.keys {
            let sealing = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &key[..]).expect("key"));
            let tag = sealing
                .seal_in_place_separate_tag(
                    Nonce::assume_unique_for_key(nonce),
                    Aad::from(&aad[..]),
                    &mut buf[..padded],
                )
                .expect("seals");
            buf[padded..].copy_from_slice(tag.as_ref());
            let opening = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &key[..]).expect("key"));
            let plain = opening
                .open_in_place(
                    Nonce::assume_unique_for_key(nonce),
                    Aad::from(&aad[..]),
                    black_box(&mut buf[..]),
                )
                .expect("opens");
            black_box(&plain[..]);
        }
        (BATCH * VALUE_BYTES) as u64
    };
    let (value, base) = compare(budget, ours, baseline);
    Ok(Figure::new(
        "seal_vs_aead",
        "bytes/s",
        value,
        base,
        "seal + open of 4000-byte field values (keys::seal, a key per value)",
        "ring AES-256-GCM seal + open in place of the same padded 4 KiB, key schedule per value on each side",
    ))
}

pub fn run_memcpy(budget: &Budget) -> anyhow::Result<Figure> {
    let values = Values::new()?;
    let mut copy = vec![0u8; VALUE_BYTES];
    let ours = || values.seal_and_open();
    // memcpy gets a much larger batch: one 4000-byte copy takes about 100 ns.
    let baseline = || {
        for _ in 0..BATCH * 64 {
            copy.copy_from_slice(black_box(&values.content));
            black_box(&mut copy);
        }
        (BATCH * 64 * VALUE_BYTES) as u64
    };
    let (value, base) = compare(budget, ours, baseline);
    Ok(Figure::new(
        "seal_vs_memcpy",
        "bytes/s",
        value,
        base,
        "seal + open of 4000-byte field values (AES-256-GCM, 4 KiB bucket)",
        "memcpy of the same 4000 bytes",
    ))
}
