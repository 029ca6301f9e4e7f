//! Members and grants as a field read last found them, per household and
//! caller, each entry stamped with the household's policy generation.
//!
//! A read decides on the household's members and the caller's grants.
//! They change seldom, and reading them again on every read was most of the
//! read statement's work (two of its branches, most of its rows). Every
//! change to `household_members` or `grants` raises `households.policy_gen`
//! in the same transaction, by a trigger (migration 0020), so no write path
//! can forget it. A read reads the generation in the same statement, and
//! so the same snapshot, as its token and field; an entry stamped with that
//! generation holds exactly the members and grants of that snapshot, and
//! only then is it used. Any other generation (a change, here or in
//! another process sharing the database) sends the read back to the whole
//! statement, whose result replaces the entry.
//!
//! The decision is still made at the read's own time: grants are kept as
//! facts with their validity window and revocation, evaluated against
//! `now` each time, and the token and the caller's account are read fresh
//! on every read. Nothing here is trusted across generations.
//!
//! A plain map rather than a caching crate: the rule above is the whole
//! policy, and at `CAPACITY` entries the map is emptied and refilled by
//! the next reads, which is simple to reason about and costs one whole
//! statement per entry.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use kluis_policy::{GrantFact, HouseholdId, PrincipalId};

/// The most (household, caller) pairs kept.
const CAPACITY: usize = 4096;

/// What one read of a household by one caller decided on.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    pub members: Arc<[PrincipalId]>,
    /// The caller's own grants there, revoked ones included.
    pub grants: Arc<[GrantFact]>,
}

#[derive(Debug, Default)]
pub struct PolicyCache {
    entries: Mutex<HashMap<(HouseholdId, PrincipalId), (i64, Policy)>>,
}

impl PolicyCache {
    /// The entry for `caller` in `household`, if it was taken at
    /// generation `generation`.
    pub fn get(
        &self,
        household: HouseholdId,
        caller: PrincipalId,
        generation: i64,
    ) -> Option<Policy> {
        let entries = self.entries.lock().expect("policy cache lock");
        match entries.get(&(household, caller)) {
            Some((g, policy)) if *g == generation => Some(policy.clone()),
            _ => None,
        }
    }

    /// Keep what a whole read found at `generation`.
    pub fn put(
        &self,
        household: HouseholdId,
        caller: PrincipalId,
        generation: i64,
        policy: Policy,
    ) {
        let mut entries = self.entries.lock().expect("policy cache lock");
        if entries.len() >= CAPACITY && !entries.contains_key(&(household, caller)) {
            entries.clear();
        }
        entries.insert((household, caller), (generation, policy));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids() -> (HouseholdId, PrincipalId) {
        (
            HouseholdId::parse("h-00000000000000000000000000000001").unwrap(),
            PrincipalId::parse("p-00000000000000000000000000000002").unwrap(),
        )
    }

    fn policy() -> Policy {
        Policy {
            members: Arc::from(vec![ids().1]),
            grants: Arc::from(Vec::new()),
        }
    }

    #[test]
    fn an_entry_serves_only_its_own_generation() {
        let cache = PolicyCache::default();
        let (h, p) = ids();
        assert!(cache.get(h, p, 3).is_none());
        cache.put(h, p, 3, policy());
        assert!(cache.get(h, p, 3).is_some());
        assert!(cache.get(h, p, 4).is_none());
        assert!(cache.get(h, p, 2).is_none());
    }

    #[test]
    fn a_full_cache_starts_again() {
        let cache = PolicyCache::default();
        let (h, _) = ids();
        for i in 0..CAPACITY {
            let p = PrincipalId::parse(&format!("p-{i:032x}")).unwrap();
            cache.put(h, p, 1, policy());
        }
        let newcomer = PrincipalId::parse(&format!("p-{}", "f".repeat(32))).unwrap();
        cache.put(h, newcomer, 1, policy());
        assert_eq!(cache.entries.lock().unwrap().len(), 1);
        assert!(cache.get(h, newcomer, 1).is_some());
    }
}
