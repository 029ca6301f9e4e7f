//! Entry points for the fuzz targets in `fuzz/`: the checks the HTTP
//! handlers apply to untrusted input that are not otherwise public. Not an
//! API (hidden from the docs); each function only forwards to the code the
//! handlers run, so the fuzzers test exactly that code.

use crate::api::problem::Problem;

pub use crate::api::log::LogQuery;

/// `POST /v1/households`, `POST /v1/households/{h}/members`: the member's
/// Ed25519 signature, base64url.
pub fn household_signature(text: &str) -> Result<Vec<u8>, Problem> {
    crate::api::households::decode_signature(text)
}

/// `POST /v1/households`: whether the household's age recipient is refused.
pub fn age_recipient_invalid(text: &str) -> bool {
    crate::api::households::age_recipient_invalid(text)
}

/// Holds and erasure: the free-text reason or legal basis.
pub fn clean_reason(text: &str) -> Result<String, Problem> {
    crate::api::retention::clean_reason(text)
}

/// `GET /v1/log/query`: the filters, parsed as the handler parses them.
pub fn log_query(q: &LogQuery) -> Result<(), Problem> {
    crate::api::log::Filter::parse(q).map(|_| ())
}

/// `PUT /v1/passkeys`: the WebAuthn credential id's shape.
pub fn credential_id_well_formed(text: &str) -> bool {
    crate::api::passkeys::credential_id_well_formed(text)
}
