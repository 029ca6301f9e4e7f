//! Key rotation on the device, and a person's earlier keys.
//!
//! Rotating: the device opens every envelope to its old keys
//! (`GET /v1/keys/held`) and seals each again to the new ones, signs the
//! rotation statement with both keys, and sends it all in one request
//! (`api::rotation`). The server refuses a rotation that leaves out any
//! envelope, so nothing the person could read is lost.
//!
//! Checking earlier keys: what a person signed before a rotation stays
//! valid, so a device checking an old signature needs the old key. The
//! server lists retired keys (`GET /v1/directory/{id}/earlier`), and the
//! device believes one only through a chain of rotation statements, each
//! signed by the retired key and by the key that replaced it, that ends at
//! the keys it checked (key directory, pin). The statement's time bounds
//! what the retired key may have signed: a signature dated after it is
//! refused. So a server cannot invent an earlier key for anyone, and cannot
//! swap someone's keys: a device that pinned the old keys accepts new ones
//! only because the old key signed them over (`trust::trusted_keys_checked`).
//! Keys replaced by a re-enrolment carry no such statement: devices accept
//! those only where another member vouched for them (`household readmit`).

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD as B64};
use base64::Engine;

use super::household::now_ms;
use super::{Client, ClientError, TrustedKeys};
use crate::keys::envelope;
use crate::keys::identity::{decode_signing_key, fingerprint, verify_signature, PublicKeys};
use crate::keys::recovery_blob::SealedRecovery;
use crate::keys::Identity;
use crate::wire::recovery::StoreRecovery;
use crate::wire::rotation::{
    rotation_statement, EarlierKeys, HeldEnvelopes, HeldField, HeldHousehold, Retirement,
    RotateKeys, Rotated,
};

/// Keys a person used before, checked on this device.
#[derive(Debug, Clone)]
pub struct EarlierTrusted {
    pub signing_key: [u8; 32],
    pub age_recipient: String,
    pub fingerprint: String,
    /// Nothing this key signed at or after this time (UTC ms) counts.
    pub retired_at_ms: i64,
}

impl TrustedKeys {
    /// Whether this person signed `message`: with their current key, or
    /// with an earlier key before it was retired (`signed_at_ms` is the
    /// time the signed statement names).
    pub fn signed(&self, message: &[u8], signature: &[u8], signed_at_ms: i64) -> bool {
        verify_signature(&self.signing_key, message, signature)
            || self.earlier.iter().any(|e| {
                signed_at_ms < e.retired_at_ms
                    && verify_signature(&e.signing_key, message, signature)
            })
    }

    /// Whether `key` is this person's signing key, or was at `at_ms`.
    pub fn had_signing_key(&self, key: &[u8; 32], at_ms: i64) -> bool {
        self.signing_key == *key
            || self
                .earlier
                .iter()
                .any(|e| e.signing_key == *key && at_ms < e.retired_at_ms)
    }

    /// Whether `fp` is the fingerprint of this person's keys, now or
    /// before (a statement made before their rotation names the old one).
    pub fn had_fingerprint(&self, fp: &str) -> bool {
        self.fingerprint == fp || self.earlier.iter().any(|e| e.fingerprint == fp)
    }
}

impl Client {
    /// `id`'s earlier keys that a chain of rotation statements links to
    /// `signing_key`/`age_recipient` (their current keys), newest first.
    pub(crate) async fn earlier_keys(
        &self,
        id: kluis_policy::PrincipalId,
        current: &PublicKeys,
    ) -> Result<Vec<EarlierTrusted>, ClientError> {
        let list: EarlierKeys = self
            .http
            .get(&self.identity, &format!("/v1/directory/{id}/earlier"))
            .await?;
        if list.principal_id != id {
            return Err(ClientError::Refused(format!(
                "the server answered with someone else's earlier keys when asked for {id}"
            )));
        }
        let mut next = current.clone();
        let mut next_retired = i64::MAX;
        let mut out = Vec::new();
        for e in list.earlier.iter().rev() {
            if e.how != Retirement::Rotation {
                break;
            }
            let (Some(statement), Some(old_sig), Some(new_sig)) =
                (&e.statement, &e.old_signature, &e.new_signature)
            else {
                break;
            };
            let Some(at) = signed_at(statement) else {
                break;
            };
            let (Ok(old_key), Ok(new_key)) = (
                decode_signing_key(&e.keys.signing_key),
                decode_signing_key(&next.signing_key),
            ) else {
                break;
            };
            let sig = |s: &str| B64.decode(s).unwrap_or_default();
            let linked = *statement == rotation_statement(id, &e.keys, &next, at)
                && at < next_retired
                && verify_signature(&old_key, statement.as_bytes(), &sig(old_sig))
                && verify_signature(&new_key, statement.as_bytes(), &sig(new_sig));
            if !linked {
                break;
            }
            out.push(EarlierTrusted {
                signing_key: old_key,
                fingerprint: fingerprint(&old_key, &e.keys.age_recipient),
                age_recipient: e.keys.age_recipient.clone(),
                retired_at_ms: at,
            });
            next = e.keys.clone();
            next_retired = at;
        }
        Ok(out)
    }

    /// Everything enveloped to my keys.
    pub async fn held_envelopes(&self) -> Result<HeldEnvelopes, ClientError> {
        self.http.get(&self.identity, "/v1/keys/held").await
    }

    /// Replace my keys with `new`: every envelope to my keys sealed again
    /// to the new ones, the statement signed by both, my recovery blob
    /// replaced by `recovery` (made for `new`). After this the client's
    /// keys are retired: make a new client with `new`.
    pub async fn rotate_keys(
        &self,
        new: &Identity,
        recovery: Option<&SealedRecovery>,
    ) -> Result<Rotated, ClientError> {
        let body = self.rotation_request(new, recovery).await?;
        self.http
            .post(&self.identity, "/v1/keys/rotate", &body)
            .await
    }

    /// The request `rotate_keys` sends (tests change it before sending).
    pub async fn rotation_request(
        &self,
        new: &Identity,
        recovery: Option<&SealedRecovery>,
    ) -> Result<RotateKeys, ClientError> {
        let me = self.login_id().await?;
        let held = self.held_envelopes().await?;
        let new_keys = new.public();
        let reseal = |text: &str, what: &str| -> Result<String, ClientError> {
            let env = STANDARD
                .decode(text)
                .map_err(|_| ClientError::BadResponse(format!("{what}: not base64")))?;
            let secret = envelope::open(self.identity.age_identity(), &env).map_err(|e| {
                ClientError::Refused(format!(
                    "{what} does not open with my keys ({e}): nothing was changed"
                ))
            })?;
            let sealed = envelope::seal(&new_keys.age_recipient, &secret)
                .map_err(|e| ClientError::Refused(format!("{what}: {e}")))?;
            Ok(STANDARD.encode(sealed))
        };
        let households = held
            .households
            .iter()
            .map(|h| {
                Ok(HeldHousehold {
                    household_id: h.household_id,
                    envelope: reseal(
                        &h.envelope,
                        &format!("the key of household {}", h.household_id),
                    )?,
                })
            })
            .collect::<Result<Vec<_>, ClientError>>()?;
        let fields = held
            .fields
            .iter()
            .map(|f| {
                Ok(HeldField {
                    envelope: reseal(
                        &f.envelope,
                        &format!(
                            "the key of {} version {} in {}",
                            f.path, f.version, f.household_id
                        ),
                    )?,
                    ..f.clone()
                })
            })
            .collect::<Result<Vec<_>, ClientError>>()?;
        let signed_at_ms = now_ms();
        let statement = rotation_statement(me, &self.identity.public(), &new_keys, signed_at_ms);
        Ok(RotateKeys {
            old_signature: B64.encode(self.identity.sign(statement.as_bytes())),
            new_signature: B64.encode(new.sign(statement.as_bytes())),
            keys: new_keys,
            signed_at_ms,
            households,
            fields,
            recovery: recovery.map(|r| StoreRecovery {
                lookup_id: r.lookup_id.clone(),
                blob: r.blob.clone(),
            }),
        })
    }
}

/// The `signed-at-ms` of a statement.
pub(crate) fn signed_at(statement: &str) -> Option<i64> {
    statement
        .lines()
        .find_map(|l| l.strip_prefix("signed-at-ms: "))
        .and_then(|v| v.parse().ok())
}
