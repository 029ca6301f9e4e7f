//! The kluis access log: NEN 7513 entries, their canonical encoding, an
//! RFC 9162 Merkle tree with proofs, C2SP signed checkpoints, and replay
//! verification.
//!
//! This crate is pure (no I/O, no database, no async), so the same code
//! serves the server that writes the log and the auditor who checks it.
//! Auditors should not have to trust it, though: everything an independent
//! verifier needs is specified below, using public formats wherever one
//! exists.
//!
//! # 1. Leaves
//!
//! Each log entry is one leaf. The leaf bytes are the canonical binary
//! encoding of [`Entry`], version 1 (full table in [`entry`]). In short, all
//! integers big-endian; `str` = u16 length (at most 1024) + UTF-8 without
//! control characters; `opt` = 0x00, or 0x01 + `str`:
//!
//! ```text
//! u8 version=1 | u64 seq | i64 time_ms (UTC Unix ms) | str event
//! | u8 action ('C','R','U','D','E') | str outcome ("allowed","denied","error")
//! | u8 flags (bit0 authorised, bit1 involved, bit2 consent, bit3 emergency)
//! | opt actor | opt actor_role | opt actor_org | opt on_behalf_of | opt household
//! | u16 field count (<= 64) + str each | opt basis | opt purpose
//! | str request_id | str instance | opt reason
//! | 0x00, or 0x01 + 32-byte payload commitment
//! ```
//!
//! Nothing may follow the last field, and every value has exactly one
//! encoding. Entry `seq` must be leaf number `seq` (0-based) of the tree.
//! The payload commitment is SHA-256 of the sealed identifying details (see
//! [`payload`]); those are kept outside the tree so they can be destroyed.
//!
//! # 2. Tree
//!
//! RFC 9162 section 2.1 with SHA-256: leaf hash = SHA-256(0x00 || leaf
//! bytes), node hash = SHA-256(0x01 || left || right), empty tree = SHA-256
//! of the empty string, split at the largest power of two below the size.
//! Inclusion and consistency proofs are those of RFC 9162 2.1.3 and 2.1.4.
//!
//! # 3. Checkpoints
//!
//! A C2SP tlog-checkpoint (<https://c2sp.org/tlog-checkpoint>) in a C2SP
//! signed note (<https://c2sp.org/signed-note>):
//!
//! ```text
//! <origin>\n
//! <size in decimal, no leading zeros>\n
//! <root, standard base64>\n
//! \n
//! — <key name> <base64(4-byte key id || 64-byte Ed25519 signature)>\n
//! ```
//!
//! The dash is U+2014 followed by a space. The signature covers the three
//! body lines including the final newline. Key id = first 4 bytes of
//! SHA-256(key name || 0x0A || 0x01 || 32-byte public key). The public key
//! is published as `<name>+<key id, 8 hex digits>+<base64(0x01 || key)>`.
//! kluis writes no extension lines and its verifier rejects them.
//!
//! # 4. Verifying
//!
//! Pin the verifier key at first use. For each new checkpoint: check its
//! signature, check a consistency proof from the last checkpoint you kept
//! (a smaller size is a rollback), then replay all leaves: sequence numbers
//! 0, 1, 2, ... without gaps, each leaf decodes and carries its own
//! position, the leaves hash to the signed root, and every allowed
//! `field.read` cites a basis (`membership` or a grant id; optionally, the
//! grant must have been created and not yet revoked, see [`Rules`]). See
//! [`verify`].

#![forbid(unsafe_code)]

pub mod checkpoint;
pub mod directory;
pub mod entry;
pub mod frontier;
pub mod merkle;
pub mod payload;
pub mod verify;

pub use checkpoint::{Checkpoint, CheckpointError, LogSigner, LogVerifier};
pub use entry::{Action, Entry, EntryError, EntryRef, EventType, FieldsRef, Flags, Outcome};
pub use frontier::{Frontier, FrontierError, Subtree};
pub use merkle::{Hash, ProofError};
pub use payload::{commitment, open_payload, seal_payload, PayloadError};
pub use verify::{
    verify_consistency_with_pinned, verify_log, verify_log_one_thread, verify_log_with, Report,
    Rules, VerifyError, AUTHOR_BASIS, MEMBERSHIP_BASIS,
};
