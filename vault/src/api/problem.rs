//! RFC 9457 problem details: every error the API returns.
//!
//! Each kind has a stable `type` URI (`urn:kluis:problem:<kind>`) that
//! clients match on, a fixed title, and a detail sentence in plain language.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::store::StoreError;

/// The body of an error response.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProblemBody {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// On a stale write (409): the field's current version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_version: Option<i64>,
}

pub const TYPE_PREFIX: &str = "urn:kluis:problem:";

macro_rules! kinds {
    ($($variant:ident = ($code:literal, $status:ident, $title:literal),)*) => {
        /// Every kind of error, with its stable code, status and title.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Kind { $($variant,)* }

        impl Kind {
            pub const ALL: &'static [Kind] = &[$(Kind::$variant,)*];
            pub fn code(self) -> &'static str { match self { $(Kind::$variant => $code,)* } }
            pub fn status(self) -> StatusCode { match self { $(Kind::$variant => StatusCode::$status,)* } }
            pub fn title(self) -> &'static str { match self { $(Kind::$variant => $title,)* } }
        }
    };
}

kinds! {
    MalformedRequest = ("malformed-request", BAD_REQUEST, "The request is not well formed"),
    MalformedId = ("malformed-id", BAD_REQUEST, "An id in the request is not well formed"),
    PayloadTooLarge = ("payload-too-large", PAYLOAD_TOO_LARGE, "The request body is too large"),
    Unauthenticated = ("unauthenticated", UNAUTHORIZED, "Log in first"),
    TokenExpired = ("token-expired", UNAUTHORIZED, "The login has expired"),
    ChallengeInvalid = ("challenge-invalid", UNAUTHORIZED, "The login challenge is not valid"),
    ChallengeExpired = ("challenge-expired", UNAUTHORIZED, "The login challenge has expired"),
    SignatureInvalid = ("signature-invalid", UNAUTHORIZED, "The signature does not verify"),
    UnknownKey = ("unknown-key", UNAUTHORIZED, "This key is not registered"),
    Forbidden = ("forbidden", FORBIDDEN, "Not allowed"),
    InviteInvalid = ("invite-invalid", FORBIDDEN, "The invite code is not valid"),
    InviteUsed = ("invite-used", FORBIDDEN, "The invite code was already used"),
    InviteExpired = ("invite-expired", FORBIDDEN, "The invite code has expired"),
    KeyAlreadyRegistered = ("key-already-registered", CONFLICT, "This key is already registered"),
    NotFound = ("not-found", NOT_FOUND, "Not found"),
    HouseholdNotFound = ("household-not-found", NOT_FOUND, "No such household"),
    HouseholdDestroyed = ("household-destroyed", GONE, "The household's dossier was destroyed"),
    OnHold = ("on-hold", CONFLICT, "A legal hold stops this"),
    HoldNotFound = ("hold-not-found", NOT_FOUND, "No such active legal hold"),
    AlreadyClosed = ("already-closed", CONFLICT, "The case is closed already"),
    NothingDue = ("nothing-due", CONFLICT, "Nothing is due for destruction"),
    ProposalNotFound = ("proposal-not-found", NOT_FOUND, "No such proposal"),
    ProposalDecided = ("proposal-decided", CONFLICT, "The proposal was decided already"),
    ProposalExpired = ("proposal-expired", CONFLICT, "The proposal has expired"),
    SecondAdministratorNeeded = ("second-administrator-needed", FORBIDDEN, "Another administrator must decide this"),
    FieldNotFound = ("field-not-found", NOT_FOUND, "No such field"),
    NotShared = ("not-shared", FORBIDDEN, "This version is not shared with you"),
    UnknownSection = ("unknown-section", BAD_REQUEST, "The plan has no such section"),
    EnvelopeMismatch = ("envelope-mismatch", UNPROCESSABLE_ENTITY, "The envelopes do not match the field's readers"),
    VersionSignatureInvalid = ("version-signature-invalid", UNPROCESSABLE_ENTITY, "The version is not signed as it is stored"),
    StaleVersion = ("stale-version", CONFLICT, "The field was changed by someone else"),
    MethodNotAllowed = ("method-not-allowed", METHOD_NOT_ALLOWED, "Method not allowed"),
    Conflict = ("conflict", CONFLICT, "The resource changed"),
    IdempotencyKeyReused = ("idempotency-key-reused", UNPROCESSABLE_ENTITY, "The Idempotency-Key was used for another request"),
    LimitExceeded = ("limit-exceeded", UNPROCESSABLE_ENTITY, "A limit was exceeded"),
    TooManyRefusals = ("too-many-refusals", TOO_MANY_REQUESTS, "Too many refused requests"),
    Timeout = ("timeout", SERVICE_UNAVAILABLE, "The request took too long"),
    Unavailable = ("unavailable", SERVICE_UNAVAILABLE, "The service is unavailable"),
    Internal = ("internal", INTERNAL_SERVER_ERROR, "Internal error"),
    AccountDisabled = ("account-disabled", FORBIDDEN, "This account is disabled"),
    NameNotIssued = ("observation-name-not-issued", FORBIDDEN, "This observation name was not issued to you"),
    ContactWaiting = ("contact-waiting", CONFLICT, "The waiting period has not ended"),
    ContactRefused = ("contact-refused", FORBIDDEN, "The household refused this request"),
}

/// An error on its way to becoming a problem+json response.
#[derive(Debug, Clone)]
pub struct Problem {
    pub kind: Kind,
    pub detail: String,
    pub current_version: Option<i64>,
    /// Seconds, sent as `Retry-After`.
    pub retry_after: Option<u64>,
}

pub type ApiResult<T> = Result<T, Problem>;

impl Problem {
    pub fn new(kind: Kind, detail: impl Into<String>) -> Self {
        Self {
            kind,
            detail: detail.into(),
            current_version: None,
            retry_after: None,
        }
    }

    pub fn body(&self) -> ProblemBody {
        ProblemBody {
            kind: format!("{TYPE_PREFIX}{}", self.kind.code()),
            title: self.kind.title().to_owned(),
            status: self.kind.status().as_u16(),
            detail: self.detail.clone(),
            current_version: self.current_version,
        }
    }

    pub fn malformed(detail: impl Into<String>) -> Self {
        Self::new(Kind::MalformedRequest, detail)
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(Kind::Forbidden, detail)
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(Kind::NotFound, detail)
    }
}

impl Problem {
    /// The answer to anything a disabled person tries.
    pub fn account_disabled() -> Self {
        Self::new(
            Kind::AccountDisabled,
            "this account is disabled by an administrator: ask them to enable it again",
        )
    }
}

impl Problem {
    /// The answer to a new observation under a name the server did not
    /// issue to this caller (see `api::observation_names`).
    pub fn name_not_issued() -> Self {
        Self::new(
            Kind::NameNotIssued,
            "the server did not issue this observation name to you, or it was used or expired: ask for a new name (kluis observe does)",
        )
    }
}

impl From<StoreError> for Problem {
    fn from(e: StoreError) -> Self {
        // The cause goes to the operator's log, not to the caller.
        tracing::error!(error = %e, "storage failure");
        Problem::new(
            Kind::Unavailable,
            "the database could not be reached or could not save; try again later (a write retried with the same Idempotency-Key is done at most once)",
        )
    }
}

impl From<kluis_policy::IdError> for Problem {
    fn from(e: kluis_policy::IdError) -> Self {
        Problem::new(Kind::MalformedId, e.to_string())
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self.body()).expect("plain struct");
        let mut response = (
            self.kind.status(),
            [(header::CONTENT_TYPE, "application/problem+json")],
            body,
        )
            .into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, seconds.into());
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_well_formed() {
        let mut seen = std::collections::HashSet::new();
        for k in Kind::ALL {
            assert!(seen.insert(k.code()), "duplicate code {}", k.code());
            assert!(k
                .code()
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'-'));
            assert!(k.status().is_client_error() || k.status().is_server_error());
        }
    }
}
