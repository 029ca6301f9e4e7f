//! The access log from the device: the household's view, the auditor's
//! queries, and verification that trusts the server for nothing.
//!
//! `audit_verify` pins the log's verifier key at first use and keeps the
//! last checkpoint it accepted in a small state file. Each run fetches a new
//! checkpoint, checks its signature with the pinned key, checks that it
//! extends the kept one (a smaller tree is a rollback, a different history a
//! fork), replays every leaf to recompute the root, and only then keeps the
//! new checkpoint. The math is the `kluis-audit` crate's, run here, on the
//! auditor's machine.

use std::io::Write;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use kluis_audit::merkle::Hash;
use kluis_audit::{
    verify_consistency_with_pinned, verify_log_with, Checkpoint, CheckpointError, Entry,
    LogVerifier, Report, Rules, VerifyError,
};
use kluis_policy::{HouseholdId, PrincipalId};
use serde::{Deserialize, Serialize};

use super::{Client, ClientError};
use crate::wire::log::{
    AccessItem, AccessLog, ConsistencyProof, LeafPage, LogEntry, LogKey, LogPage, SignedCheckpoint,
};

/// Leaves asked for per request during replay and export.
const PAGE: u64 = 1000;

/// What an auditor's query selects; `None` means any.
#[derive(Debug, Clone, Default)]
pub struct LogFilter {
    pub household: Option<HouseholdId>,
    pub actor: Option<PrincipalId>,
    /// RFC 3339 or YYYY-MM-DD (UTC).
    pub since: Option<String>,
    pub until: Option<String>,
    /// An event code such as `field.read`.
    pub event: Option<String>,
}

/// Why verification (or export) failed: the first problem found.
#[derive(Debug, thiserror::Error)]
pub enum AuditFailure {
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error("the server's log key is {served}, but you pinned {pinned} (in {state}): this is not the log you checked before")]
    KeyChanged {
        pinned: String,
        served: String,
        state: PathBuf,
    },
    #[error("the checkpoint is not valid: {0}")]
    Checkpoint(#[from] CheckpointError),
    #[error("{0}")]
    Log(#[from] VerifyError),
    #[error("the audit state file {path}: {reason}")]
    State { path: PathBuf, reason: String },
}

/// What the auditor keeps between runs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuditState {
    /// The pinned verifier key.
    pub verifier_key: String,
    /// The last checkpoint that verified (signed note text).
    pub checkpoint: Option<String>,
}

impl AuditState {
    /// The state file conventionally kept beside a keystore.
    pub fn path_for_keystore(keystore: &Path) -> PathBuf {
        super::device_file::beside(keystore, ".audit-state.json")
    }

    pub fn load(path: &Path) -> Result<Option<Self>, AuditFailure> {
        let fail = |reason: String| AuditFailure::State {
            path: path.to_owned(),
            reason,
        };
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| fail(format!("cannot be read ({e})"))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(fail(e.to_string())),
        }
    }

    /// Write via a temporary file and rename, so a crash never leaves half
    /// a state file (which would lose the pin).
    pub fn save(&self, path: &Path) -> Result<(), AuditFailure> {
        let fail = |e: std::io::Error| AuditFailure::State {
            path: path.to_owned(),
            reason: format!("cannot be written ({e})"),
        };
        let tmp = path.with_extension("json.tmp");
        let mut file = std::fs::File::create(&tmp).map_err(fail)?;
        file.write_all(&serde_json::to_vec_pretty(self).expect("plain struct"))
            .map_err(fail)?;
        file.sync_all().map_err(fail)?;
        std::fs::rename(&tmp, path).map_err(fail)
    }
}

/// A successful verification.
#[derive(Debug, Clone)]
pub struct Verified {
    pub checkpoint: Checkpoint,
    /// The signed note now kept.
    pub note: String,
    pub report: Report,
    /// The size of the checkpoint kept before, if any.
    pub previous_size: Option<u64>,
    /// True when this run pinned the key (first use).
    pub pinned_now: bool,
}

/// A finished export.
#[derive(Debug, Clone)]
pub struct Exported {
    pub entries: u64,
    pub checkpoint: Checkpoint,
}

fn query_string(pairs: &[(&str, Option<String>)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        if let Some(v) = v {
            s.append_pair(k, v);
        }
    }
    s.finish()
}

/// The columns the server keeps beside a leaf (to find a household's rows)
/// must say what the leaf says: otherwise an entry can be hidden from a
/// household's view, or moved into another's, while every proof verifies.
fn check_side_columns(l: &crate::wire::log::Leaf, leaf: &[u8]) -> Result<(), ClientError> {
    // A leaf that does not decode is reported by the replay itself.
    let Ok(entry) = Entry::decode(leaf) else {
        return Ok(());
    };
    if entry.household != l.household_id || entry.time_ms != l.time_ms {
        return Err(ClientError::Refused(format!(
            "log entry {}: the row's household or time column ({:?}, {}) differs from what the entry says ({:?}, {}): \
             an entry may have been hidden from a household's view",
            l.seq, l.household_id, l.time_ms, entry.household, entry.time_ms
        )));
    }
    if entry.subject() != l.subject_id.as_deref() {
        return Err(ClientError::Refused(format!(
            "log entry {}: the row's subject column ({:?}) differs from the person the entry is about ({:?}): \
             an account event may have been hidden from a household's view",
            l.seq,
            l.subject_id,
            entry.subject()
        )));
    }
    Ok(())
}

/// Proof hashes as the server sends them: standard base64, 32 bytes each.
pub(crate) fn decode_hashes(texts: &[String]) -> Result<Vec<Hash>, ClientError> {
    texts
        .iter()
        .map(|h| {
            decode_b64(h, "a proof hash")?
                .try_into()
                .map_err(|_| ClientError::BadResponse("a proof hash is not 32 bytes".into()))
        })
        .collect()
}

fn decode_b64(text: &str, what: &str) -> Result<Vec<u8>, ClientError> {
    STANDARD
        .decode(text.as_bytes())
        .map_err(|_| ClientError::BadResponse(format!("{what} is not base64")))
}

impl Client {
    /// The household's access history, oldest first (all pages).
    pub async fn access_log(&self, h: HouseholdId) -> Result<Vec<AccessItem>, ClientError> {
        let mut all = Vec::new();
        let mut after: Option<u64> = None;
        loop {
            let q = query_string(&[("after", after.map(|a| a.to_string()))]);
            let page: AccessLog = self
                .http
                .get(
                    &self.identity,
                    &format!("/v1/households/{h}/access-log?{q}"),
                )
                .await?;
            all.extend(page.entries);
            match page.next {
                Some(n) if Some(n) != after => after = Some(n),
                _ => return Ok(all),
            }
        }
    }

    /// The log's verifier key, as the server serves it.
    pub async fn log_key(&self) -> Result<LogKey, ClientError> {
        self.http.get(&self.identity, "/v1/log/key").await
    }

    /// A fresh signed checkpoint (auditors only).
    pub async fn log_checkpoint(&self) -> Result<SignedCheckpoint, ClientError> {
        self.http.get(&self.identity, "/v1/log/checkpoint").await
    }

    /// The consistency proof from size `old` to size `new` (auditors only).
    pub async fn log_consistency(&self, old: u64, new: u64) -> Result<Vec<Hash>, ClientError> {
        let p: ConsistencyProof = self
            .http
            .get(
                &self.identity,
                &format!("/v1/log/consistency?old={old}&new={new}"),
            )
            .await?;
        decode_hashes(&p.proof)
    }

    /// One page of raw leaves (auditors only).
    pub async fn log_leaves(&self, from: u64, limit: u64) -> Result<LeafPage, ClientError> {
        self.http
            .get(
                &self.identity,
                &format!("/v1/log/entries?from={from}&limit={limit}"),
            )
            .await
    }

    /// One page of a query (auditors only).
    pub async fn log_query_page(
        &self,
        filter: &LogFilter,
        after: Option<u64>,
        limit: Option<u32>,
    ) -> Result<LogPage, ClientError> {
        let q = query_string(&[
            ("household", filter.household.map(|h| h.to_string())),
            ("actor", filter.actor.map(|a| a.to_string())),
            ("since", filter.since.clone()),
            ("until", filter.until.clone()),
            ("event", filter.event.clone()),
            ("after", after.map(|a| a.to_string())),
            ("limit", limit.map(|l| l.to_string())),
        ]);
        self.http
            .get(&self.identity, &format!("/v1/log/query?{q}"))
            .await
    }

    /// Every entry matching `filter`, oldest first, paging through.
    pub async fn log_query(&self, filter: &LogFilter) -> Result<Vec<LogEntry>, ClientError> {
        let mut all = Vec::new();
        let mut after = None;
        loop {
            let page = self.log_query_page(filter, after, None).await?;
            all.extend(page.entries);
            match page.next {
                Some(n) if Some(n) != after => after = Some(n),
                _ => return Ok(all),
            }
        }
    }

    /// Verify the log against the state kept at `state_path` (see the
    /// module docs). `progress(done, total)` is called during the replay.
    pub async fn audit_verify<P>(
        &self,
        state_path: &Path,
        progress: P,
    ) -> Result<Verified, AuditFailure>
    where
        P: FnMut(u64, u64) + Send + 'static,
    {
        let served = self.log_key().await?.verifier_key;
        let (state, pinned_now) = match AuditState::load(state_path)? {
            Some(s) => (s, false),
            None => {
                // Trust on first use: pin the key now, even if the log then
                // fails, so a later run cannot be fooled by a new key.
                let s = AuditState {
                    verifier_key: served.clone(),
                    checkpoint: None,
                };
                s.save(state_path)?;
                (s, true)
            }
        };
        if state.verifier_key != served {
            return Err(AuditFailure::KeyChanged {
                pinned: state.verifier_key,
                served,
                state: state_path.to_owned(),
            });
        }
        let verifier = LogVerifier::parse(&state.verifier_key)?;
        let note = self.log_checkpoint().await?.checkpoint;
        let new = verifier.open(&note)?;

        let old = match &state.checkpoint {
            Some(old_note) => Some(verifier.open(old_note).map_err(|e| AuditFailure::State {
                path: state_path.to_owned(),
                reason: format!("the kept checkpoint is not valid ({e})"),
            })?),
            None => None,
        };
        if let Some(old) = &old {
            let proof = if new.size < old.size {
                Vec::new() // a rollback: no proof can help
            } else {
                self.log_consistency(old.size, new.size).await?
            };
            verify_consistency_with_pinned(old, &new, &proof)?;
        }

        let report = self.replay(&new, progress).await?;
        AuditState {
            verifier_key: state.verifier_key,
            checkpoint: Some(note.clone()),
        }
        .save(state_path)?;
        Ok(Verified {
            checkpoint: new,
            note,
            report,
            previous_size: old.map(|o| o.size),
            pinned_now,
        })
    }

    /// Replay the first `cp.size` leaves against `cp`, streaming: pages are
    /// fetched while earlier ones are hashed, and memory stays bounded.
    async fn replay<P>(&self, cp: &Checkpoint, mut progress: P) -> Result<Report, AuditFailure>
    where
        P: FnMut(u64, u64) + Send + 'static,
    {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<(u64, Vec<u8>)>(4 * PAGE as usize);
        let size = cp.size;
        let client = self.clone();
        let fetcher = tokio::spawn(async move {
            // A row whose columns disagree with its leaf is reported after
            // the replay, so a changed leaf is still named as what it is.
            let mut columns_wrong = None;
            let mut from = 0u64;
            while from < size {
                let page = client.log_leaves(from, PAGE.min(size - from)).await?;
                let Some(last) = page.leaves.last().map(|l| l.seq) else {
                    break;
                };
                for l in page.leaves {
                    let bytes = decode_b64(&l.leaf, "a leaf")?;
                    if columns_wrong.is_none() {
                        columns_wrong = check_side_columns(&l, &bytes).err();
                    }
                    if tx.send((l.seq, bytes)).await.is_err() {
                        return Ok(columns_wrong); // the replay stopped early: it has its answer
                    }
                }
                if page.next.is_none() {
                    break;
                }
                from = last + 1;
            }
            Ok::<Option<ClientError>, ClientError>(columns_wrong)
        });
        let checkpoint = cp.clone();
        let replayed = tokio::task::spawn_blocking(move || {
            progress(0, size);
            let leaves = std::iter::from_fn(|| rx.blocking_recv());
            verify_log_with(
                leaves,
                &checkpoint,
                Rules {
                    grants_must_be_live: true,
                },
                |done| progress(done, size),
            )
        })
        .await
        .map_err(|e| ClientError::Refused(format!("the replay stopped: {e}")))?;
        let fetched = fetcher
            .await
            .map_err(|e| ClientError::Refused(format!("fetching the log stopped: {e}")))?;
        match (replayed, fetched) {
            (Ok(_), Ok(Some(columns_wrong))) => Err(columns_wrong.into()),
            (Ok(report), _) => Ok(report),
            // Running out of leaves because the server stopped answering
            // is a connection problem, not a short log.
            (Err(VerifyError::TooFew { .. }), Err(e)) => Err(e.into()),
            (Err(e), _) => Err(e.into()),
        }
    }

    /// Write the log as JSON Lines to `out`: one object per entry (`seq`,
    /// `leaf` = base64 of the exact leaf bytes, `time`, and the decoded
    /// fields), then `{"checkpoint": "<signed note>"}`. The checkpoint is
    /// taken first, so the file holds exactly the leaves it covers.
    pub async fn audit_export(
        &self,
        out: &Path,
        mut progress: impl FnMut(u64, u64),
    ) -> Result<Exported, AuditFailure> {
        let key = self.log_key().await?.verifier_key;
        let note = self.log_checkpoint().await?.checkpoint;
        let cp = LogVerifier::parse(&key)?.open(&note)?;
        let io = |e: std::io::Error| AuditFailure::State {
            path: out.to_owned(),
            reason: format!("cannot be written ({e})"),
        };
        let mut file = std::io::BufWriter::new(std::fs::File::create(out).map_err(io)?);
        let mut from = 0u64;
        progress(0, cp.size);
        while from < cp.size {
            let page = self.log_leaves(from, PAGE.min(cp.size - from)).await?;
            let Some(last) = page.leaves.last().map(|l| l.seq) else {
                break;
            };
            for l in &page.leaves {
                let bytes = decode_b64(&l.leaf, "a leaf")?;
                let mut line = serde_json::Map::new();
                match Entry::decode(&bytes) {
                    Ok(entry) => {
                        line.insert("time".into(), crate::clock::rfc3339(entry.time_ms).into());
                        if let serde_json::Value::Object(fields) =
                            serde_json::to_value(&entry).expect("plain struct")
                        {
                            line.extend(fields);
                        }
                    }
                    Err(e) => {
                        line.insert("error".into(), e.to_string().into());
                    }
                }
                // The stored position and the exact bytes win over whatever
                // the leaf claims.
                line.insert("seq".into(), l.seq.into());
                line.insert("leaf".into(), l.leaf.clone().into());
                serde_json::to_writer(&mut file, &line).map_err(|e| io(e.into()))?;
                file.write_all(b"\n").map_err(io)?;
            }
            from = last + 1;
            progress(from.min(cp.size), cp.size);
            if page.next.is_none() {
                break;
            }
        }
        serde_json::to_writer(&mut file, &serde_json::json!({ "checkpoint": note }))
            .map_err(|e| io(e.into()))?;
        file.write_all(b"\n").map_err(io)?;
        file.into_inner()
            .map_err(|e| io(e.into_error()))?
            .sync_all()
            .map_err(io)?;
        Ok(Exported {
            entries: from.min(cp.size),
            checkpoint: cp,
        })
    }
}
