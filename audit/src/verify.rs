//! Replay verification for auditors.
//!
//! A checkpoint signature only proves what the server signed. To trust the
//! log, an auditor replays every leaf: the sequence must be complete and in
//! order, every leaf must decode and sit at the position it claims, the
//! leaves must hash to the signed root, and the entries must obey the
//! logging rules. Errors name the *first* failure in plain words, with its
//! position, so a non-specialist can act on them.

use crate::checkpoint::Checkpoint;
use crate::entry::{EntryError, EntryRef, EventType, Outcome};
use crate::frontier::Frontier;
use crate::merkle::{empty_root, verify_consistency, Hash};
use std::collections::HashMap;
use std::sync::mpsc::TrySendError;

/// The basis text an allowed read cites when the reader is a household member.
pub const MEMBERSHIP_BASIS: &str = "membership";
/// The basis text an allowed read cites when the reader wrote the field (a
/// private observation's author): neither membership nor a grant.
pub const AUTHOR_BASIS: &str = "author";

/// Optional, stricter rules for [`verify_log_with`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rules {
    /// Check that every allowed read whose basis is not
    /// [`MEMBERSHIP_BASIS`] or [`AUTHOR_BASIS`] cites a grant that was live at that moment:
    /// an earlier allowed `grant.create` for the same household carried that
    /// grant id as its `basis`, and no allowed `grant.revoke` with that
    /// basis followed before the read. This relies on the writer's
    /// convention of putting the grant id in `basis` of grant entries.
    pub grants_must_be_live: bool,
}

/// What a successful replay saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Entries replayed (equals the checkpoint size).
    pub entries: u64,
    /// The recomputed root (equals the checkpoint root).
    pub root: Hash,
    /// Allowed field reads, each with a basis.
    pub allowed_reads: u64,
    /// Denied attempts of any kind.
    pub denied: u64,
    /// Decisions that ended in an error.
    pub errors: u64,
}

/// The first thing wrong with a log, in plain language.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("entry {expected} is missing (the log starts at {found})")]
    MissingStart { expected: u64, found: u64 },
    #[error("entry {expected} is missing (sequence jumps from {previous} to {found})")]
    Missing {
        expected: u64,
        previous: u64,
        found: u64,
    },
    #[error("entry {found} appears again or out of order after entry {previous}")]
    OutOfOrder { previous: u64, found: u64 },
    #[error("entry {seq} cannot be read: {source}")]
    Unreadable { seq: u64, source: EntryError },
    #[error(
        "the entry stored as {position} says it is entry {claimed}: entries were moved or copied"
    )]
    WrongPosition { position: u64, claimed: u64 },
    #[error("entry {seq} is an allowed read without a basis (no membership or grant)")]
    ReadWithoutBasis { seq: u64 },
    #[error("entry {seq} is an allowed read on grant {grant:?}, which was not in force for that household at that moment")]
    GrantNotLive { seq: u64, grant: String },
    #[error("the log has only {found} entries but the signed checkpoint covers {signed}: entries were removed")]
    TooFew { found: u64, signed: u64 },
    #[error("the recomputed root for {size} entries differs from the signed checkpoint: the log was altered")]
    RootMismatch { size: u64 },
    #[error("the checkpoint is for log {found:?}, not the pinned log {pinned:?}")]
    OtherLog { pinned: String, found: String },
    #[error("rollback: the log now has {new} entries, fewer than the {old} in the checkpoint you pinned; it was probably restored from an older copy")]
    Rollback { old: u64, new: u64 },
    #[error("fork: the log now has a different history for its first {old} entries than the checkpoint you pinned; entries were changed or removed")]
    Fork { old: u64, new: u64 },
}

/// Replays `entries` (seq, leaf bytes) in order against `checkpoint`.
///
/// Reads exactly `checkpoint.size` entries and no more: later entries are
/// not covered by the signature and belong to the next checkpoint.
/// `progress` is called with the number of entries checked so far after
/// each entry, for progress bars on long replays.
pub fn verify_log(
    entries: impl Iterator<Item = (u64, Vec<u8>)>,
    checkpoint: &Checkpoint,
    progress: impl FnMut(u64),
) -> Result<Report, VerifyError> {
    verify_log_with(entries, checkpoint, Rules::default(), progress)
}

/// Leaves per hashing chunk: a power of two, so each full chunk is one
/// perfect subtree and joins the tree in O(log n) hashes.
const CHUNK: usize = 1024;

/// [`verify_log`] with optional stricter [`Rules`].
///
/// The checks run in order on the calling thread (so the first failure is
/// the one reported); the hashing, about two thirds of the work, runs on one
/// thread per core but one, a chunk of [`CHUNK`] leaves at a time. The
/// calling thread is the last core's hasher: when the hashing threads are
/// behind (their queue is full) it hashes the next chunk itself instead of
/// waiting, so no core idles and no more threads run than there are cores
/// (one thread per core left the checking thread and a hasher fighting over
/// a core: about 10 % slower on two cores). Logs of one chunk or less are
/// hashed on the calling thread.
pub fn verify_log_with(
    entries: impl Iterator<Item = (u64, Vec<u8>)>,
    checkpoint: &Checkpoint,
    rules: Rules,
    progress: impl FnMut(u64),
) -> Result<Report, VerifyError> {
    let threads = if checkpoint.size as usize > CHUNK {
        std::thread::available_parallelism().map_or(1, |n| n.get()) - 1
    } else {
        0
    };
    verify_in_chunks(entries, checkpoint, rules, progress, CHUNK, threads)
}

/// [`verify_log_with`] with every leaf hashed on the calling thread: the
/// same checks and answers on one core (the benchmark reports both).
pub fn verify_log_one_thread(
    entries: impl Iterator<Item = (u64, Vec<u8>)>,
    checkpoint: &Checkpoint,
    rules: Rules,
    progress: impl FnMut(u64),
) -> Result<Report, VerifyError> {
    verify_in_chunks(entries, checkpoint, rules, progress, CHUNK, 0)
}

/// The replay with `chunk` leaves per hashing job and `threads` hashing
/// threads besides this one (0: hash on this thread only; otherwise this
/// thread hashes a chunk whenever their queue is full). Tests use small
/// chunks.
fn verify_in_chunks(
    mut entries: impl Iterator<Item = (u64, Vec<u8>)>,
    checkpoint: &Checkpoint,
    rules: Rules,
    mut progress: impl FnMut(u64),
    chunk: usize,
    threads: usize,
) -> Result<Report, VerifyError> {
    debug_assert!(chunk.is_power_of_two());
    let mut report = Report {
        entries: 0,
        root: empty_root(),
        allowed_reads: 0,
        denied: 0,
        errors: 0,
    };
    let mut checks = Checks {
        rules,
        grants: Grants::default(),
        report: &mut report,
    };
    // Each chunk's own tree, by chunk number, joined in order at the end.
    let mut trees: Vec<(usize, Frontier)> = Vec::new();
    let replayed = if threads == 0 {
        replay(
            &mut entries,
            checkpoint.size,
            chunk,
            &mut checks,
            &mut progress,
            |n, leaves| {
                trees.push((n, hash_chunk(&leaves)));
            },
        )
    } else {
        // A few chunks in flight per thread bound the memory however long
        // the log is.
        let (tx, rx) = std::sync::mpsc::sync_channel::<(usize, Vec<Vec<u8>>)>(2 * threads);
        let rx = std::sync::Mutex::new(rx);
        std::thread::scope(|s| {
            let workers: Vec<_> = (0..threads)
                .map(|_| {
                    s.spawn(|| {
                        let mut done = Vec::new();
                        loop {
                            // The lock is held only to take the next job.
                            let job = rx.lock().expect("no panics").recv();
                            let Ok((n, leaves)) = job else {
                                return done;
                            };
                            done.push((n, hash_chunk(&leaves)));
                        }
                    })
                })
                .collect();
            let replayed = replay(
                &mut entries,
                checkpoint.size,
                chunk,
                &mut checks,
                &mut progress,
                |n, leaves| match tx.try_send((n, leaves)) {
                    Ok(()) => {}
                    // The hashing threads are behind: this core hashes.
                    Err(TrySendError::Full((n, leaves))) => trees.push((n, hash_chunk(&leaves))),
                    Err(TrySendError::Disconnected(_)) => {
                        unreachable!("hashing threads wait for the end")
                    }
                },
            );
            drop(tx);
            for w in workers {
                trees.extend(w.join().expect("hashing does not panic"));
            }
            replayed
        })
    };
    replayed?;
    trees.sort_unstable_by_key(|(n, _)| *n);
    let mut frontier = Frontier::new();
    for (_, tree) in &trees {
        frontier
            .extend(tree)
            .expect("chunks of 2^k leaves in order are aligned; sizes below the checkpoint fit");
    }
    report.entries = frontier.size();
    report.root = frontier.root();
    if report.root != checkpoint.root {
        return Err(VerifyError::RootMismatch {
            size: checkpoint.size,
        });
    }
    Ok(report)
}

/// The leaf hashes of a chunk, as a tree of its own.
fn hash_chunk(leaves: &[Vec<u8>]) -> Frontier {
    let mut tree = Frontier::new();
    for leaf in leaves {
        tree.append(crate::merkle::leaf_hash(leaf))
            .expect("a chunk is far below 2^64 leaves");
    }
    tree
}

/// Pulls exactly `size` entries, checks each in order and hands them on
/// in numbered chunks of `chunk` leaves (the last may be shorter).
fn replay(
    entries: &mut impl Iterator<Item = (u64, Vec<u8>)>,
    size: u64,
    chunk: usize,
    checks: &mut Checks<'_>,
    progress: &mut impl FnMut(u64),
    mut hash: impl FnMut(usize, Vec<Vec<u8>>),
) -> Result<(), VerifyError> {
    let mut expected = 0u64;
    let mut leaves = Vec::with_capacity(chunk);
    let mut chunks = 0usize;
    while expected < size {
        let Some((seq, leaf)) = entries.next() else {
            return Err(VerifyError::TooFew {
                found: expected,
                signed: size,
            });
        };
        if seq != expected {
            return Err(match (expected, seq > expected) {
                (0, _) => VerifyError::MissingStart {
                    expected,
                    found: seq,
                },
                (_, true) => VerifyError::Missing {
                    expected,
                    previous: expected - 1,
                    found: seq,
                },
                (_, false) => VerifyError::OutOfOrder {
                    previous: expected - 1,
                    found: seq,
                },
            });
        }
        checks.entry(seq, &leaf)?;
        leaves.push(leaf);
        expected += 1;
        progress(expected);
        if leaves.len() == chunk {
            hash(
                chunks,
                std::mem::replace(&mut leaves, Vec::with_capacity(chunk)),
            );
            chunks += 1;
        }
    }
    if !leaves.is_empty() {
        hash(chunks, leaves);
    }
    Ok(())
}

/// Everything checked per entry besides its hash.
struct Checks<'r> {
    rules: Rules,
    grants: Grants,
    report: &'r mut Report,
}

impl Checks<'_> {
    fn entry(&mut self, seq: u64, leaf: &[u8]) -> Result<(), VerifyError> {
        let entry =
            EntryRef::decode(leaf).map_err(|source| VerifyError::Unreadable { seq, source })?;
        if entry.seq != seq {
            return Err(VerifyError::WrongPosition {
                position: seq,
                claimed: entry.seq,
            });
        }
        check_rules(&entry, self.report)?;
        if self.rules.grants_must_be_live {
            self.grants.check(&entry)?;
        }
        Ok(())
    }
}

/// The logging rules every entry must satisfy, beyond hashing correctly.
fn check_rules(e: &EntryRef<'_>, report: &mut Report) -> Result<(), VerifyError> {
    match e.outcome {
        Outcome::Allowed => {
            if e.event == EventType::FieldRead {
                if e.basis.is_none_or(str::is_empty) {
                    return Err(VerifyError::ReadWithoutBasis { seq: e.seq });
                }
                report.allowed_reads += 1;
            }
        }
        Outcome::Denied => report.denied += 1,
        Outcome::Error => report.errors += 1,
    }
    Ok(())
}

/// Grants in force, learned from the log itself: per household, per grant
/// id, the validity window when the `grant.create` entry states one. Looked
/// up with the entry's borrowed text, so a read costs no allocation; only a
/// `grant.create` stores copies.
#[derive(Default)]
struct Grants(HashMap<String, HashMap<String, Option<(i64, i64)>>>);

/// The validity window a `grant.create` entry records in `reason`:
/// `valid-ms:FROM..UNTIL` (UTC Unix milliseconds, until exclusive). Entries
/// from before this was recorded state none; their grants are checked for
/// being in force (created, not withdrawn) only.
pub fn grant_window(reason: Option<&str>) -> Option<(i64, i64)> {
    let (from, until) = reason?
        .strip_prefix(GRANT_WINDOW_PREFIX)?
        .split_once("..")?;
    Some((from.parse().ok()?, until.parse().ok()?))
}

/// See [`grant_window`].
pub const GRANT_WINDOW_PREFIX: &str = "valid-ms:";

impl Grants {
    fn check(&mut self, e: &EntryRef<'_>) -> Result<(), VerifyError> {
        if e.outcome != Outcome::Allowed {
            return Ok(());
        }
        let (Some(household), Some(basis)) = (e.household, e.basis) else {
            return Ok(()); // reads without basis are caught by check_rules
        };
        match e.event {
            EventType::GrantCreate => {
                self.0
                    .entry(household.to_owned())
                    .or_default()
                    .insert(basis.to_owned(), grant_window(e.reason));
            }
            EventType::GrantRevoke => {
                if let Some(grants) = self.0.get_mut(household) {
                    grants.remove(basis);
                }
            }
            EventType::FieldRead if basis != MEMBERSHIP_BASIS && basis != AUTHOR_BASIS => {
                let live = match self.0.get(household).and_then(|g| g.get(basis)) {
                    None => false,
                    Some(None) => true,
                    Some(Some((from, until))) => (*from..*until).contains(&e.time_ms),
                };
                if !live {
                    return Err(VerifyError::GrantNotLive {
                        seq: e.seq,
                        grant: basis.to_owned(),
                    });
                }
            }
            _ => {}
        }
        Ok(())
    }
}

/// Checks that `new` extends the auditor's pinned `old` checkpoint, given
/// the server's consistency proof. Both must already be signature-checked.
pub fn verify_consistency_with_pinned(
    old: &Checkpoint,
    new: &Checkpoint,
    proof: &[Hash],
) -> Result<(), VerifyError> {
    if old.origin != new.origin {
        return Err(VerifyError::OtherLog {
            pinned: old.origin.clone(),
            found: new.origin.clone(),
        });
    }
    if new.size < old.size {
        return Err(VerifyError::Rollback {
            old: old.size,
            new: new.size,
        });
    }
    let fork = VerifyError::Fork {
        old: old.size,
        new: new.size,
    };
    if old.size == 0 {
        // Every log extends the empty log, provided the pin really is empty.
        return if old.root == empty_root() && proof.is_empty() {
            Ok(())
        } else {
            Err(fork)
        };
    }
    verify_consistency(old.size, new.size, &old.root, &new.root, proof).map_err(|_| fork)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::tests::read_entry;
    use crate::entry::Entry;
    use crate::merkle::{consistency_proof, leaf_hash, root};
    use proptest::prelude::*;

    fn log(n: u64) -> Vec<(u64, Vec<u8>)> {
        (0..n)
            .map(|i| (i, read_entry(i).encode().unwrap()))
            .collect()
    }

    fn checkpoint_for(rows: &[(u64, Vec<u8>)]) -> Checkpoint {
        let leaves: Vec<Hash> = rows.iter().map(|(_, l)| leaf_hash(l)).collect();
        Checkpoint {
            origin: "kluis.example/log".into(),
            size: rows.len() as u64,
            root: root(&leaves),
        }
    }

    /// Every chunk size and thread count must give the same answer.
    fn same_in_chunks(
        rows: &[(u64, Vec<u8>)],
        cp: &Checkpoint,
        rules: Rules,
    ) -> Result<Report, VerifyError> {
        let answer = verify_log_with(rows.iter().cloned(), cp, rules, |_| {});
        for (chunk, threads) in [(1, 0), (2, 0), (4, 1), (4, 2), (8, 3)] {
            assert_eq!(
                verify_in_chunks(rows.iter().cloned(), cp, rules, |_| {}, chunk, threads),
                answer,
                "{chunk} leaves per chunk, {threads} threads"
            );
        }
        answer
    }

    fn run(rows: Vec<(u64, Vec<u8>)>, cp: &Checkpoint) -> Result<Report, VerifyError> {
        same_in_chunks(&rows, cp, Rules::default())
    }

    #[test]
    fn a_log_longer_than_a_chunk_is_hashed_on_threads_and_still_caught() {
        let n = 3 * CHUNK as u64 + 17;
        let rows = log(n);
        let cp = checkpoint_for(&rows);
        let report = verify_log(rows.clone().into_iter(), &cp, |_| {}).unwrap();
        assert_eq!((report.entries, report.root), (n, cp.root));
        // One changed leaf in the second chunk, and one in the short last one.
        for at in [CHUNK + 5, 3 * CHUNK + 16] {
            let mut bad = rows.clone();
            let mut e = read_entry(at as u64);
            e.actor_org = Some("Someone Else".into());
            bad[at].1 = e.encode().unwrap();
            assert_eq!(
                verify_log(bad.into_iter(), &cp, |_| {}).unwrap_err(),
                VerifyError::RootMismatch { size: n }
            );
        }
        // The first failure in order wins, whichever chunk is hashed first.
        let mut bad = rows.clone();
        bad[2 * CHUNK + 1].1.push(0);
        bad.remove(2 * CHUNK + 3);
        assert!(matches!(
            verify_log(bad.into_iter(), &cp, |_| {}).unwrap_err(),
            VerifyError::Unreadable { seq, .. } if seq == 2 * CHUNK as u64 + 1
        ));
        let mut short = rows;
        short.truncate(2 * CHUNK + 9);
        assert_eq!(
            verify_log(short.into_iter(), &cp, |_| {}).unwrap_err(),
            VerifyError::TooFew {
                found: 2 * CHUNK as u64 + 9,
                signed: n
            }
        );
    }

    #[test]
    fn intact_log_verifies_with_progress() {
        let rows = log(40);
        let cp = checkpoint_for(&rows);
        let mut seen = Vec::new();
        let report = verify_log(rows.into_iter(), &cp, |n| seen.push(n)).unwrap();
        assert_eq!(report.entries, 40);
        assert_eq!(report.root, cp.root);
        assert_eq!(report.allowed_reads, 40);
        assert_eq!(seen, (1..=40).collect::<Vec<_>>());
    }

    #[test]
    fn empty_log_verifies_against_empty_checkpoint() {
        let cp = checkpoint_for(&[]);
        assert_eq!(run(vec![], &cp).unwrap().root, empty_root());
    }

    #[test]
    fn deleted_entry_is_named() {
        let mut rows = log(40);
        let cp = checkpoint_for(&rows);
        rows.remove(17);
        let err = run(rows, &cp).unwrap_err();
        assert_eq!(
            err.to_string(),
            "entry 17 is missing (sequence jumps from 16 to 18)"
        );
    }

    #[test]
    fn missing_first_and_last_entries_are_named() {
        let rows = log(5);
        let cp = checkpoint_for(&rows);
        let err = run(rows[1..].to_vec(), &cp).unwrap_err();
        assert_eq!(
            err,
            VerifyError::MissingStart {
                expected: 0,
                found: 1
            }
        );
        let err = run(rows[..4].to_vec(), &cp).unwrap_err();
        assert_eq!(
            err,
            VerifyError::TooFew {
                found: 4,
                signed: 5
            }
        );
        assert!(err.to_string().contains("entries were removed"));
    }

    #[test]
    fn reordered_rows_are_caught() {
        let mut rows = log(10);
        let cp = checkpoint_for(&rows);
        rows.swap(3, 4);
        assert_eq!(
            run(rows.clone(), &cp).unwrap_err(),
            VerifyError::Missing {
                expected: 3,
                previous: 2,
                found: 4
            }
        );
        // Swapping the leaf bytes but keeping the seq column in order.
        let (a, b) = (rows[3].1.clone(), rows[4].1.clone());
        rows[3].1 = b;
        rows[4].1 = a;
        rows.swap(3, 4);
        assert_eq!(
            run(rows, &cp).unwrap_err(),
            VerifyError::WrongPosition {
                position: 3,
                claimed: 4
            }
        );
    }

    #[test]
    fn duplicated_row_is_caught() {
        let mut rows = log(10);
        let cp = checkpoint_for(&rows);
        rows.insert(5, rows[4].clone());
        assert_eq!(
            run(rows, &cp).unwrap_err(),
            VerifyError::OutOfOrder {
                previous: 4,
                found: 4
            }
        );
    }

    #[test]
    fn altered_entry_changes_the_root() {
        let mut rows = log(40);
        let cp = checkpoint_for(&rows);
        let mut e = read_entry(20);
        e.actor_org = Some("Someone Else".into());
        rows[20].1 = e.encode().unwrap();
        let err = run(rows, &cp).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the recomputed root for 40 entries differs from the signed checkpoint: the log was altered"
        );
    }

    #[test]
    fn garbage_leaf_is_named() {
        let mut rows = log(3);
        let cp = checkpoint_for(&rows);
        rows[1].1.push(0);
        assert_eq!(
            run(rows, &cp).unwrap_err(),
            VerifyError::Unreadable {
                seq: 1,
                source: EntryError::TrailingBytes(1)
            }
        );
    }

    #[test]
    fn allowed_read_without_basis_is_named_even_if_signed() {
        let mut rows = log(5);
        let mut e = read_entry(2);
        e.basis = None;
        rows[2].1 = e.encode().unwrap();
        let cp = checkpoint_for(&rows);
        assert_eq!(
            run(rows.clone(), &cp).unwrap_err(),
            VerifyError::ReadWithoutBasis { seq: 2 }
        );
        // A denied read needs no basis.
        e.outcome = Outcome::Denied;
        rows[2].1 = e.encode().unwrap();
        let cp = checkpoint_for(&rows);
        let report = run(rows, &cp).unwrap();
        assert_eq!((report.allowed_reads, report.denied), (4, 1));
    }

    #[test]
    fn entries_after_the_checkpoint_are_not_read() {
        let rows = log(10);
        let cp = checkpoint_for(&rows[..6]);
        let mut pulled = 0;
        let it = rows.into_iter().inspect(|_| pulled += 1);
        verify_log(it, &cp, |_| {}).unwrap();
        assert_eq!(pulled, 6);
    }

    #[test]
    fn pinned_consistency_explains_rollback_and_fork() {
        let rows = log(30);
        let leaves: Vec<Hash> = rows.iter().map(|(_, l)| leaf_hash(l)).collect();
        let old = checkpoint_for(&rows[..20]);
        let new = checkpoint_for(&rows);
        let proof = consistency_proof(&leaves, 20);
        verify_consistency_with_pinned(&old, &new, &proof).unwrap();
        verify_consistency_with_pinned(&old, &old, &[]).unwrap();

        let err = verify_consistency_with_pinned(&new, &old, &[]).unwrap_err();
        assert_eq!(err, VerifyError::Rollback { old: 30, new: 20 });
        assert!(err.to_string().contains("restored from an older copy"));

        let mut forked = leaves.clone();
        forked[3] = leaf_hash(b"rewritten");
        let forked_cp = Checkpoint {
            root: root(&forked),
            ..new.clone()
        };
        let err = verify_consistency_with_pinned(&old, &forked_cp, &consistency_proof(&forked, 20))
            .unwrap_err();
        assert_eq!(err, VerifyError::Fork { old: 20, new: 30 });

        let same_size_other_root = Checkpoint {
            root: root(&forked[..20]),
            ..old.clone()
        };
        assert!(matches!(
            verify_consistency_with_pinned(&old, &same_size_other_root, &[]),
            Err(VerifyError::Fork { .. })
        ));
        let other = Checkpoint {
            origin: "elsewhere".into(),
            ..new.clone()
        };
        assert!(matches!(
            verify_consistency_with_pinned(&old, &other, &proof),
            Err(VerifyError::OtherLog { .. })
        ));
    }

    #[test]
    fn empty_pin_is_extended_by_any_log() {
        let rows = log(4);
        let empty = checkpoint_for(&[]);
        verify_consistency_with_pinned(&empty, &checkpoint_for(&rows), &[]).unwrap();
        let bogus_empty = Checkpoint {
            root: [1; 32],
            ..empty
        };
        assert!(verify_consistency_with_pinned(&bogus_empty, &checkpoint_for(&rows), &[]).is_err());
    }

    #[test]
    fn reads_on_grants_must_fall_inside_the_grant() {
        use crate::entry::{Action, EventType};
        let grant = |seq: u64, event: EventType| {
            let mut e = read_entry(seq);
            e.event = event;
            e.action = Action::Create;
            e.fields.clear();
            e.encode().unwrap()
        };
        let strict = Rules {
            grants_must_be_live: true,
        };
        let check = |rows: Vec<(u64, Vec<u8>)>| {
            let cp = checkpoint_for(&rows);
            same_in_chunks(&rows, &cp, strict)
        };
        // create grant-9, read, revoke, read again: the last read is flagged.
        let mut rows = vec![
            (0, grant(0, EventType::GrantCreate)),
            (1, read_entry(1).encode().unwrap()),
            (2, grant(2, EventType::GrantRevoke)),
            (3, read_entry(3).encode().unwrap()),
        ];
        assert_eq!(
            check(rows.clone()).unwrap_err(),
            VerifyError::GrantNotLive {
                seq: 3,
                grant: "grant-9".into()
            }
        );
        // The default rules only ask for a basis.
        let cp = checkpoint_for(&rows);
        assert!(verify_log(rows.clone().into_iter(), &cp, |_| {}).is_ok());
        // A membership read needs no grant; a read before any grant fails.
        let mut member = read_entry(3);
        member.basis = Some(MEMBERSHIP_BASIS.into());
        rows[3].1 = member.encode().unwrap();
        assert!(check(rows.clone()).is_ok());
        rows.remove(0);
        let rows: Vec<_> = rows
            .into_iter()
            .enumerate()
            .map(|(i, (_, leaf))| {
                let mut e = Entry::decode(&leaf).unwrap();
                e.seq = i as u64;
                (i as u64, e.encode().unwrap())
            })
            .collect();
        assert_eq!(
            check(rows).unwrap_err(),
            VerifyError::GrantNotLive {
                seq: 0,
                grant: "grant-9".into()
            }
        );
    }

    #[test]
    fn reads_must_fall_inside_the_grants_validity_window() {
        use crate::entry::{Action, EventType};
        let strict = Rules {
            grants_must_be_live: true,
        };
        let check = |rows: Vec<(u64, Vec<u8>)>| {
            let cp = checkpoint_for(&rows);
            same_in_chunks(&rows, &cp, strict)
        };
        let t0 = read_entry(0).time_ms;
        let create = |from: i64, until: i64| {
            let mut e = read_entry(0);
            e.event = EventType::GrantCreate;
            e.action = Action::Create;
            e.fields.clear();
            e.reason = Some(format!("{GRANT_WINDOW_PREFIX}{from}..{until}"));
            e.encode().unwrap()
        };
        let read_at = |seq: u64, time_ms: i64| {
            let mut e = read_entry(seq);
            e.time_ms = time_ms;
            e.encode().unwrap()
        };
        // Inside the window: fine.
        let rows = vec![(0, create(t0, t0 + 1000)), (1, read_at(1, t0 + 500))];
        assert!(check(rows).is_ok());
        // After it expired, and before it began: flagged.
        for late_or_early in [t0 + 1000, t0 - 1] {
            let rows = vec![(0, create(t0, t0 + 1000)), (1, read_at(1, late_or_early))];
            assert_eq!(
                check(rows).unwrap_err(),
                VerifyError::GrantNotLive {
                    seq: 1,
                    grant: "grant-9".into()
                }
            );
        }
        assert_eq!(grant_window(Some("valid-ms:5..9")), Some((5, 9)));
        assert_eq!(grant_window(Some("valid-ms:x..9")), None);
        assert_eq!(grant_window(None), None);
    }

    proptest! {
        #[test]
        fn any_single_byte_change_is_detected(
            n in 1u64..30, at in any::<prop::sample::Index>(), pos in any::<prop::sample::Index>(), x in 1u8..=255,
        ) {
            let mut rows = log(n);
            let cp = checkpoint_for(&rows);
            let r = at.index(rows.len());
            let leaf = &mut rows[r].1;
            let p = pos.index(leaf.len());
            leaf[p] ^= x;
            prop_assert!(run(rows, &cp).is_err());
        }
    }
}
