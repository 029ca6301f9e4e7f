//! `seal_vs_memcpy`: sealing and opening field values (AES-256-GCM with the
//! binding AAD and bucket padding, `keys::seal`) against copying the same
//! bytes. Both in content bytes per second on one core.

use std::hint::black_box;

use kluis_policy::{FieldPath, HouseholdId};

use super::{compare, Budget, Figure};
use crate::keys::seal::{self, Binding};

/// 4000 bytes: a long free-text field that fills the 4 KiB padding bucket
/// (4096 bytes exactly would be padded to the 8 KiB bucket).
pub const VALUE_BYTES: usize = 4000;
/// Values per timed call, so one call takes tens of microseconds.
const BATCH: u64 = 16;

pub fn run(budget: &Budget) -> anyhow::Result<Figure> {
    let key = seal::new_key();
    let path = FieldPath::parse("financien/situatie")?;
    let binding = Binding {
        household: HouseholdId::random(),
        path: &path,
        version: 3,
        key_gen: 1,
    };
    let content: Vec<u8> = (0..VALUE_BYTES).map(|i| (i % 251) as u8).collect();
    let mut copy = vec![0u8; VALUE_BYTES];

    let ours = || {
        for _ in 0..BATCH {
            let sealed = seal::seal(&key, &binding, black_box(&content));
            let opened = seal::open(&key, &binding, &sealed).expect("opens");
            black_box(&opened);
        }
        BATCH * VALUE_BYTES as u64
    };
    // memcpy gets a much larger batch: one 4000-byte copy takes about 100 ns.
    let baseline = || {
        for _ in 0..BATCH * 64 {
            copy.copy_from_slice(black_box(&content));
            black_box(&mut copy);
        }
        BATCH * 64 * VALUE_BYTES as u64
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
