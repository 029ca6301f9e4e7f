//! What can go wrong on the client side, in words a person can act on.

use crate::api::problem::ProblemBody;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server refused, with an RFC 9457 problem.
    #[error("{}", .problem.detail)]
    Problem { status: u16, problem: ProblemBody },
    #[error("cannot reach the kluis server at {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("the server's answer could not be understood: {0}")]
    BadResponse(String),
    #[error("'{0}' is not a valid server URL")]
    BadUrl(String),
    /// A check on the device failed (a signature, a key, a ciphertext).
    #[error("{0}")]
    Refused(String),
}

impl ClientError {
    /// The stable problem code (`invite-used`, `forbidden`, …) if the server refused.
    pub fn kind(&self) -> Option<&str> {
        match self {
            ClientError::Problem { problem, .. } => {
                problem.kind.strip_prefix(crate::api::problem::TYPE_PREFIX)
            }
            _ => None,
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            ClientError::Problem { status, .. } => Some(*status),
            _ => None,
        }
    }
}
