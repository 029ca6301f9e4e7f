//! Reads answered from what this process found a moment ago, confirmed
//! in the commit that logs them.
//!
//! After the policy cache, a read's own statement was the largest part
//! PostgreSQL added to it (BENCHMARKS.md): the token, the household's
//! policy generation and the field's newest version, read again for a
//! caller who read the same field a second ago. This keeps what the last
//! read of a field by a session found (token row, generation, version with
//! ciphertext and envelopes, members and grants), and the next read of the
//! newest version by the same session decides on it without a statement.
//!
//! Nothing kept is trusted. Such a read carries a `Confirm`: what it
//! rested on that another request, here or in another process, could have
//! changed. The group-commit writer checks it in the transaction that logs
//! the read, after taking the log lock, in one statement for all waiting
//! reads (`super::confirm`): the token still there, for the same person,
//! not expired, the person not disabled, the household's policy generation
//! unchanged (every change to members or grants raises it), and the version
//! still the newest with the same key generation (a new version, a re-key
//! or a deletion changes that). Every write that changes these takes the
//! log lock, so what the writer confirms stays true until its commit. A
//! read that fails the check is not logged and not served: it is forgotten
//! here and decided again from the database (`api::field_read::read`).
//!
//! What the check leaves out stays the same for a given version and key
//! generation: the ciphertext is never updated, and an envelope is deleted
//! only by a revocation (which raises the generation) or replaced by a key
//! rotation or re-enrolment of its own reader (which ends that reader's
//! sessions, so their token is gone).
//!
//! Only a read that found its caller, household and version, by a member
//! or a holder of a grant there, is kept, and
//! a kept read is used only to serve: if it would now be refused (a grant's
//! window closed, the token expired), the read is decided again from the
//! database before anything is logged, so a refusal always rests on the
//! database. An entry is used for at most `FRESH_MS` after it was read
//! from the database, so the session's last use is still written about
//! once a minute (`sessions::judge`) by the read that refreshes it.
//!
//! A plain map, emptied when full, for the reasons the policy cache gives
//! (`store::policy_cache`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use kluis_policy::{FieldPath, HouseholdId, PrincipalId};

use super::super::policy_cache::Policy;
use super::Field;

/// The most reads kept.
const CAPACITY: usize = 4096;
/// The most ciphertext kept, in bytes (a field is at most 256 KiB unless
/// configured otherwise, `Limits::max_field_bytes`).
const MAX_BYTES: usize = 64 << 20;
/// How long an entry is used after it was read from the database.
pub const FRESH_MS: i64 = 60_000;

/// Which read: the session (its token's hash), household and field.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    pub hash: Vec<u8>,
    pub h: HouseholdId,
    pub path: FieldPath,
}

/// What a read found, when.
pub struct Kept {
    pub field: Field,
    pub policy: Policy,
    pub taken_ms: i64,
}

/// What a read from `Recent` rested on, for the writer to confirm.
#[derive(Debug, Clone)]
pub struct Confirm {
    pub key: Key,
    pub person: PrincipalId,
    pub generation: i64,
    pub version: i64,
    pub key_gen: i64,
}

#[derive(Default)]
pub struct Recent {
    entries: Mutex<Entries>,
}

#[derive(Default)]
struct Entries {
    map: HashMap<Key, Arc<Kept>>,
    bytes: usize,
}

impl std::fmt::Debug for Recent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recent").finish_non_exhaustive()
    }
}

fn size(kept: &Kept) -> usize {
    kept.field.found.as_ref().map_or(0, |f| f.ciphertext.len())
}

impl Recent {
    /// The read kept for `key`, if it was read from the database less than
    /// `FRESH_MS` before `now_ms`.
    pub fn get(&self, key: &Key, now_ms: i64) -> Option<Arc<Kept>> {
        let entries = self.entries.lock().expect("recent reads lock");
        let kept = entries.map.get(key)?;
        let age = now_ms.saturating_sub(kept.taken_ms);
        (0..FRESH_MS).contains(&age).then(|| kept.clone())
    }

    /// Keep a read; a full map is emptied first.
    pub fn put(&self, key: Key, kept: Kept) {
        let mut entries = self.entries.lock().expect("recent reads lock");
        if let Some(old) = entries.map.remove(&key) {
            entries.bytes -= size(&old);
        }
        let bytes = size(&kept);
        if entries.map.len() >= CAPACITY || entries.bytes + bytes > MAX_BYTES {
            entries.map.clear();
            entries.bytes = 0;
        }
        if bytes <= MAX_BYTES {
            entries.bytes += bytes;
            entries.map.insert(key, Arc::new(kept));
        }
    }

    /// Forget the read kept for `key` (the writer found it changed).
    pub fn forget(&self, key: &Key) {
        let mut entries = self.entries.lock().expect("recent reads lock");
        if let Some(old) = entries.map.remove(key) {
            entries.bytes -= size(&old);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: usize) -> Key {
        Key {
            hash: n.to_be_bytes().to_vec(),
            h: HouseholdId::parse("h-00000000000000000000000000000001").unwrap(),
            path: FieldPath::parse("doelen/wonen").unwrap(),
        }
    }

    fn kept(taken_ms: i64) -> Kept {
        Kept {
            field: Field::new(None, Some(1), None, None, None),
            policy: Policy::default(),
            taken_ms,
        }
    }

    #[test]
    fn an_entry_is_used_for_a_minute_only() {
        let recent = Recent::default();
        recent.put(key(1), kept(1_000));
        assert!(recent.get(&key(1), 1_000).is_some());
        assert!(recent.get(&key(1), 1_000 + FRESH_MS - 1).is_some());
        assert!(recent.get(&key(1), 1_000 + FRESH_MS).is_none());
        // A clock that went back does not make an entry young again.
        assert!(recent.get(&key(1), 999).is_none());
        assert!(recent.get(&key(2), 1_000).is_none());
        recent.forget(&key(1));
        assert!(recent.get(&key(1), 1_000).is_none());
    }

    #[test]
    fn a_full_map_starts_again() {
        let recent = Recent::default();
        for n in 0..CAPACITY {
            recent.put(key(n), kept(0));
        }
        recent.put(key(CAPACITY), kept(0));
        assert!(recent.get(&key(0), 0).is_none());
        assert!(recent.get(&key(CAPACITY), 0).is_some());
        assert_eq!(recent.entries.lock().unwrap().map.len(), 1);
    }
}
