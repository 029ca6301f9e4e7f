//! Keys held by people and households, and the two primitives built on them:
//! envelopes (a symmetric key wrapped with age to one recipient) and seals
//! (field content under AES-256-GCM).
//!
//! Secret material lives in types that zeroize on drop and print nothing
//! secret through `Debug`.

pub mod envelope;
pub mod identity;
pub mod keystore;
pub mod plaintext;
pub mod recovery_blob;
pub mod recovery_code;
pub mod seal;

pub use identity::{Identity, PublicKeys};
pub use keystore::{Keystore, KeystoreError, WorkFactor};
pub use recovery_code::{RecoveryCode, RecoveryCodeError};
