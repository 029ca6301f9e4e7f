//! RFC 9162 inclusion and consistency proofs and log replay,
//! `kluis_audit::{merkle, verify}`: the proof hashes, sizes and leaves an
//! auditor receives from the server are all hostile.
//!
//! Input: 16 bytes of sizes and indexes, then 32-byte hashes. The first
//! byte picks the mode (% 3): 0 verify an arbitrary inclusion proof; 1
//! verify an arbitrary consistency proof (and through
//! `verify_consistency_with_pinned`); 2 build a real tree of up to 64
//! leaves from the hashes, check that its honest proofs verify and that
//! proofs with one hash changed or the wrong sizes do not.
//!
//! Checks: never panics or loops on any sizes; honest proofs verify,
//! altered ones do not; replaying leaves made of the fuzzer's bytes never
//! panics.
#![no_main]

use kluis_audit::merkle::{
    consistency_proof, inclusion_proof, leaf_hash, root, verify_consistency, verify_inclusion, Hash,
};
use kluis_audit::{verify_consistency_with_pinned, verify_log_with, Checkpoint, Rules};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 17 {
        return;
    }
    let mode = data[0];
    let a = u64::from_be_bytes(data[1..9].try_into().unwrap());
    let b = u64::from_be_bytes(data[9..17].try_into().unwrap());
    let hashes: Vec<Hash> = data[17..]
        .chunks_exact(32)
        .map(|c| c.try_into().unwrap())
        .collect();
    let h = |i: usize| hashes.get(i).copied().unwrap_or([0; 32]);
    match mode % 3 {
        0 => {
            let proof = hashes.get(2..).unwrap_or(&[]);
            let _ = verify_inclusion(a, b, &h(0), proof, &h(1));
        }
        1 => {
            let proof = hashes.get(2..).unwrap_or(&[]);
            let _ = verify_consistency(a, b, &h(0), &h(1), proof);
            let old = Checkpoint {
                origin: "o".into(),
                size: a,
                root: h(0),
            };
            let new = Checkpoint {
                origin: "o".into(),
                size: b,
                root: h(1),
            };
            let _ = verify_consistency_with_pinned(&old, &new, proof);
            // Replay: leaves are the hashes' bytes, seq numbers from `a`.
            let leaves = hashes
                .iter()
                .enumerate()
                .map(|(i, x)| (a.wrapping_add(i as u64), x.to_vec()));
            let cp = Checkpoint {
                origin: "o".into(),
                size: b % 64,
                root: h(0),
            };
            let rules = Rules {
                grants_must_be_live: mode & 0x80 != 0,
            };
            let _ = verify_log_with(leaves, &cp, rules, |_| {});
        }
        _ => {
            let leaves: Vec<Hash> = hashes.iter().take(64).map(|x| leaf_hash(x)).collect();
            let n = leaves.len();
            if n == 0 {
                return;
            }
            let r = root(&leaves);
            let size = n as u64;
            let index = (a % size) as usize;
            let proof = inclusion_proof(&leaves, index);
            assert_eq!(
                verify_inclusion(index as u64, size, &leaves[index], &proof, &r),
                Ok(())
            );
            if !proof.is_empty() {
                let mut bad = proof.clone();
                let k = (b as usize) % bad.len();
                bad[k][0] ^= 1;
                assert!(verify_inclusion(index as u64, size, &leaves[index], &bad, &r).is_err());
            }
            let old = 1 + (b % size) as usize;
            let old_root = root(&leaves[..old]);
            let cproof = consistency_proof(&leaves, old);
            assert_eq!(
                verify_consistency(old as u64, size, &old_root, &r, &cproof),
                Ok(())
            );
            if !cproof.is_empty() {
                let mut bad = cproof.clone();
                let k = (a as usize) % bad.len();
                bad[k][31] ^= 0x80;
                assert!(verify_consistency(old as u64, size, &old_root, &r, &bad).is_err());
            }
        }
    }
});
