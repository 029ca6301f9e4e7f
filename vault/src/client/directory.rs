//! The key directory on the device: before this device relies on someone's
//! keys for the first time, it checks that the access log registers exactly
//! those keys for that person (`kluis_audit::directory`).
//!
//! The server sends the registering log entry with an inclusion proof
//! against a signed checkpoint, and a consistency proof from the checkpoint
//! this device pinned last. The device checks the checkpoint's signature
//! with the log key it pinned (at first use, or as `audit verify` pinned it:
//! the same `<keystore>.audit-state.json`), that the log only grew since its
//! pin, that the leaf is in the tree, and that the leaf registers these keys
//! for this person in this role; then it pins the newer checkpoint. So keys
//! swapped in the database are refused, and keys the server registers
//! falsely are at least in the log for everyone to see, for good: the log
//! cannot be rewritten without breaking every pinned checkpoint.

use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use kluis_audit::merkle::{leaf_hash, verify_inclusion};
use kluis_audit::{verify_consistency_with_pinned, Entry, LogVerifier};

use super::audit::decode_hashes;
use super::{AuditState, Client, ClientError, TrustedKeys};
use crate::wire::directory::KeyProof;
use crate::wire::log::LogKey;

/// The log key and last checkpoint this device pinned.
#[derive(Debug, Default)]
pub struct LogPin {
    path: Option<PathBuf>,
    state: Option<AuditState>,
    loaded: bool,
}

impl LogPin {
    /// Kept in `path` (the CLI: beside the keystore, shared with `audit verify`).
    pub fn at(path: PathBuf) -> Self {
        Self {
            path: Some(path),
            state: None,
            loaded: false,
        }
    }

    pub fn path_for_keystore(keystore: &Path) -> PathBuf {
        AuditState::path_for_keystore(keystore)
    }

    fn state(&mut self) -> Result<Option<&AuditState>, ClientError> {
        if !self.loaded {
            if let Some(path) = &self.path {
                self.state =
                    AuditState::load(path).map_err(|e| ClientError::Refused(e.to_string()))?;
            }
            self.loaded = true;
        }
        Ok(self.state.as_ref())
    }

    fn pin(&mut self, state: AuditState) -> Result<(), ClientError> {
        if let Some(path) = &self.path {
            state
                .save(path)
                .map_err(|e| ClientError::Refused(e.to_string()))?;
        }
        self.state = Some(state);
        Ok(())
    }
}

impl Client {
    /// Refuse `keys` unless the key directory registers exactly them for
    /// that person (see the module docs).
    pub(crate) async fn check_in_directory(&self, keys: &TrustedKeys) -> Result<(), ClientError> {
        let mut pin = self.log_pin.lock().await;
        let pinned = pin.state()?.cloned();
        let verifier_key = match &pinned {
            Some(state) => state.verifier_key.clone(),
            None => {
                let served: LogKey = self.http.get(&self.identity, "/v1/log/key").await?;
                served.verifier_key
            }
        };
        let verifier = LogVerifier::parse(&verifier_key)
            .map_err(|e| ClientError::Refused(format!("the access log's key is not valid: {e}")))?;
        let old = match pinned.as_ref().and_then(|s| s.checkpoint.as_deref()) {
            Some(note) => Some(verifier.open(note).map_err(|e| {
                ClientError::Refused(format!(
                    "the checkpoint this device pinned does not open: {e}"
                ))
            })?),
            None => None,
        };
        let id = keys.id;
        let url = match &old {
            Some(cp) => format!("/v1/directory/{id}?since={}", cp.size),
            None => format!("/v1/directory/{id}"),
        };
        let proof: KeyProof =
            self.http
                .get(&self.identity, &url)
                .await
                .map_err(|e| match e.status() {
                    Some(404) => not_listed(keys, "the server has no key directory entry for them"),
                    _ => e,
                })?;
        let new = verifier.open(&proof.checkpoint.checkpoint).map_err(|e| {
            not_listed(
                keys,
                &format!("the log checkpoint does not carry the log's signature ({e})"),
            )
        })?;
        if let Some(old) = &old {
            // The same check `audit verify` makes against its pin.
            let consistency = decode_hashes(&proof.consistency)?;
            if let Err(e) = verify_consistency_with_pinned(old, &new, &consistency) {
                return Err(ClientError::Refused(format!(
                    "the access log the server shows now (size {}) is not a continuation of the one this device saw \
                     (size {}; {e}): the log was changed, so no key from it is trusted (needed for {} ({}))",
                    new.size, old.size, keys.name, keys.id
                )));
            }
        }
        let leaf = STANDARD
            .decode(&proof.leaf)
            .map_err(|_| ClientError::BadResponse("a leaf is not base64".into()))?;
        let inclusion = decode_hashes(&proof.inclusion)?;
        verify_inclusion(
            proof.seq,
            new.size,
            &leaf_hash(&leaf),
            &inclusion,
            &new.root,
        )
        .map_err(|_| not_listed(keys, "the entry the server shows is not in the log"))?;
        let entry = Entry::decode(&leaf)
            .map_err(|_| not_listed(keys, "the entry the server shows cannot be read"))?;
        let registered = entry.seq == proof.seq
            && kluis_audit::directory::registers(
                &entry,
                &id.to_string(),
                keys.role.as_str(),
                &keys.signing_key,
                &keys.age_recipient,
            );
        if !registered {
            return Err(not_listed(
                keys,
                "the key directory registers other keys (or another role) for them",
            ));
        }
        if old.as_ref().is_none_or(|o| new.size > o.size) {
            pin.pin(AuditState {
                verifier_key,
                checkpoint: Some(proof.checkpoint.checkpoint),
            })?;
        }
        Ok(())
    }
}

fn not_listed(keys: &TrustedKeys, why: &str) -> ClientError {
    ClientError::Refused(format!(
        "the keys the server gives for {} ({}) are not the ones in the key directory ({why}): refusing to use them",
        keys.name, keys.id
    ))
}
