//! Recovery codes on the device: store my recovery blob, and get my keys
//! back from the server with nothing but the code.
//!
//! The blob is opened here, never on the server: AES-256-GCM under a key
//! derived from the code (`keys::recovery_blob`), so a server that hands
//! back another blob, or a changed one, is caught (it does not open) and
//! the keys that come out are the ones sealed with this code.

use kluis_policy::PrincipalId;

use super::http::Http;
use super::{Client, ClientError};
use crate::keys::recovery_blob::{self, SealedRecovery};
use crate::keys::{Identity, RecoveryCode};
use crate::wire::recovery::{FetchRecovery, RecoveryBlob, RecoveryStored, StoreRecovery};

impl Client {
    /// Store `sealed` as my recovery blob; the one before it (an older
    /// code) stops working.
    pub async fn store_recovery(
        &self,
        sealed: &SealedRecovery,
    ) -> Result<RecoveryStored, ClientError> {
        let body = StoreRecovery {
            lookup_id: sealed.lookup_id.clone(),
            blob: sealed.blob.clone(),
        };
        self.http.put(&self.identity, "/v1/recovery", &body).await
    }

    /// Make my recovery blob for `code` and store it.
    pub async fn set_recovery_code(
        &self,
        code: &RecoveryCode,
    ) -> Result<RecoveryStored, ClientError> {
        self.store_recovery(&recovery_blob::seal(&self.identity, code))
            .await
    }
}

/// Fetch the blob `code` finds on `server` and open it: whose keys they
/// are (as the server says) and the keys themselves (as the code proves).
/// `ca_pem`: a certificate authority to trust besides the usual ones.
pub async fn recover(
    server: &str,
    ca_pem: Option<&[u8]>,
    code: &RecoveryCode,
) -> Result<(PrincipalId, Identity), ClientError> {
    let mut http = Http::new(server)?;
    if let Some(pem) = ca_pem {
        http = http.trusting(pem)?;
    }
    let body = FetchRecovery {
        lookup_id: code.derive().lookup_id,
    };
    let found: RecoveryBlob = http.post_anonymous("/v1/recovery/fetch", &body).await?;
    let identity = recovery_blob::open(code, &found.blob)
        .map_err(|e| ClientError::Refused(format!("{e}: the server's answer cannot be trusted")))?;
    Ok((found.principal_id, identity))
}

/// A recovery blob made with the keystore (`kluis keys new`) and waiting
/// for registration to store it on the server: the person has a code from
/// the start, before they have an account. It is as safe on disk as on the
/// server (only the code opens it) and is deleted once stored.
#[derive(Default, serde::Serialize, serde::Deserialize)]
struct Pending {
    lookup_id: String,
    blob: String,
}

/// Where the waiting blob of `keystore` is kept.
pub fn pending_path(keystore: &std::path::Path) -> std::path::PathBuf {
    super::device_file::beside(keystore, ".recovery-pending.json")
}

/// Keep `sealed` beside `keystore` until registration stores it.
pub fn save_pending(
    keystore: &std::path::Path,
    sealed: &SealedRecovery,
) -> Result<(), ClientError> {
    let pending = Pending {
        lookup_id: sealed.lookup_id.clone(),
        blob: sealed.blob.clone(),
    };
    super::device_file::write(&pending_path(keystore), &pending)
}

/// The blob waiting beside `keystore`, if any.
pub fn pending(keystore: &std::path::Path) -> Result<Option<SealedRecovery>, ClientError> {
    let path = pending_path(keystore);
    if !path.exists() {
        return Ok(None);
    }
    let p: Pending = super::device_file::read(&path)?;
    Ok(Some(SealedRecovery {
        lookup_id: p.lookup_id,
        blob: p.blob,
    }))
}

/// Forget the waiting blob (stored, or replaced by a newer code).
pub fn forget_pending(keystore: &std::path::Path) {
    let _ = std::fs::remove_file(pending_path(keystore));
}
