//! The key directory: a person's keys with the proof that the log registers
//! them (`api/directory.rs`, `client/directory.rs`).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::enrol::PrincipalInfo;
use super::log::SignedCheckpoint;

/// `GET /v1/directory/{principal}`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct KeyProof {
    /// The person and their keys as registered.
    pub principal: PrincipalInfo,
    /// The log entry (leaf number) that registers these keys.
    pub seq: u64,
    /// That leaf, standard base64.
    pub leaf: String,
    /// A signed checkpoint of the log that includes the leaf.
    pub checkpoint: SignedCheckpoint,
    /// RFC 9162 inclusion proof of the leaf in the checkpoint's tree,
    /// standard base64 hashes.
    pub inclusion: Vec<String>,
    /// RFC 9162 consistency proof from the tree size asked for (`since`)
    /// to the checkpoint's; empty when none was asked for.
    pub consistency: Vec<String>,
}
