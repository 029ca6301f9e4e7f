//! The JSON bodies of the access log endpoints: the auditor's views (key,
//! checkpoint, consistency proof, raw leaves, decoded entries) and the
//! household's own view.
//!
//! Auditors get leaves and decoded entries, never the sealed payloads (IP
//! address, user agent) and never dossier content (entries hold none).

use kluis_audit::Entry;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `GET /v1/log/key`: the verifier key auditors pin.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LogKey {
    /// `<name>+<key id hex>+<base64(0x01 || Ed25519 public key)>`.
    pub verifier_key: String,
    /// The origin line of every checkpoint of this log.
    pub origin: String,
}

/// `GET /v1/log/checkpoint`: a signed tree head.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SignedCheckpoint {
    /// The C2SP signed note, exactly as signed.
    pub checkpoint: String,
    pub size: u64,
    /// The root, standard base64 (also in the note).
    pub root: String,
}

/// `GET /v1/log/consistency`: RFC 9162 consistency proof from `old` to `new`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ConsistencyProof {
    pub old: u64,
    pub new: u64,
    /// Node hashes, standard base64 each.
    pub proof: Vec<String>,
}

/// One raw leaf: the exact bytes hashed into the tree.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Leaf {
    pub seq: u64,
    /// Standard base64 of the canonical entry encoding.
    pub leaf: String,
    /// The row's household column, which the server selects a household's
    /// view by. Not hashed: auditors check it against the leaf, so an entry
    /// cannot be hidden from a household by editing it.
    pub household_id: Option<String>,
    /// The row's subject column: the person an account event is about
    /// (`Entry::subject`), which a household's view finds the events about
    /// its members by. Checked the same way.
    #[serde(default)]
    pub subject_id: Option<String>,
    /// The row's time column (UTC Unix ms), checked the same way.
    pub time_ms: i64,
}

/// `GET /v1/log/entries`: a page of raw leaves in order.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LeafPage {
    pub leaves: Vec<Leaf>,
    /// Ask again with `from` = this to continue; absent at the end.
    pub next: Option<u64>,
}

/// One decoded entry, as the auditor sees it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LogEntry {
    /// The entry's UTC time as RFC 3339.
    pub time: String,
    /// Every field of the leaf, with codes as text (see the audit crate).
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub entry: Entry,
}

/// `GET /v1/log/query`: a page of matching entries.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LogPage {
    pub entries: Vec<LogEntry>,
    /// Pass as `after` to continue; absent when the whole log was searched.
    /// A page may be short (even empty) and still have a `next`: the server
    /// searches a bounded stretch of the log per request.
    pub next: Option<u64>,
}

/// One line of a household's access history, in the household's terms.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AccessItem {
    pub seq: u64,
    /// UTC, RFC 3339.
    pub time: String,
    /// What happened (`field.read`, `field.write`, `grant.create`, ...).
    pub event: String,
    /// C, R, U, D or E.
    pub action: String,
    /// allowed, denied or error.
    pub outcome: String,
    /// The person's id, when known.
    pub actor: Option<String>,
    /// Their name, only when they are a member of this household.
    pub actor_name: Option<String>,
    pub actor_role: Option<String>,
    pub actor_org: Option<String>,
    /// Whether the person is a member of this household.
    pub actor_is_member: bool,
    /// Which parts of the plan (paths, never content); for an account
    /// event (`principal.*`), the id of the member it is about.
    pub fields: Vec<String>,
    /// For an account event, the name of the member it is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_name: Option<String>,
    /// `membership`, `author`, `role:admin` or a grant id.
    pub basis: Option<String>,
    pub purpose: Option<String>,
    /// Why it was refused or failed.
    pub reason: Option<String>,
}

/// `GET /v1/households/{h}/access-log`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AccessLog {
    pub entries: Vec<AccessItem>,
    /// Pass as `after` to continue; absent at the end.
    pub next: Option<u64>,
}
