//! Checking the server's list of readers before handing anyone a key.
//!
//! The server says who must be able to read a field; a server that lied
//! could add a reader of its choosing. So every reader must come with a
//! grant signed by a household member (checked against that member's
//! registered key), naming that reader and the fingerprint of exactly the
//! keys the server gave us for them, covering the path, allowing reads, and
//! active now. Only then does the writer envelope the field key to them.
//!
//! The members whose signatures count are the ones the device checked
//! itself (`trust::verified_household`: pinned keys, the signed chain from
//! the creator), so a server that invents a member or swaps a member's key
//! cannot make a forged grant pass.

use kluis_policy::{verify_grant, Action, FieldPath, Validity};

use super::{Client, ClientError, VerifiedHousehold};
use crate::keys::identity::decode_signing_key;
use crate::wire::plan::WritePlan;

impl Client {
    pub(crate) async fn check_readers(
        &self,
        household: &VerifiedHousehold,
        path: &FieldPath,
        plan: &WritePlan,
    ) -> Result<(), ClientError> {
        let h = household.info.household_id;
        let now_secs = chrono::Utc::now().timestamp();
        for r in &plan.readers {
            let who = r.principal_id;
            let grant = verify_grant(&r.grant, None).map_err(|e| {
                refused(&format!("the grant for reader {who} does not verify: {e}"))
            })?;
            let s = grant.statement();
            // Signed by a member (their keys as this device checked them:
            // pins and the signed chain, not as the server lists them) with
            // their key at the time (an earlier key
            // of theirs counts for grants issued before they rotated it).
            let issued_ms = s.issued_at.saturating_mul(1000);
            let signed_by_member = household
                .members
                .iter()
                .any(|m| m.id == s.issuer && m.had_signing_key(grant.signer_key(), issued_ms));
            if !signed_by_member {
                return Err(refused(&format!(
                    "the grant for reader {who} is not signed by a member of this household"
                )));
            }
            let key = decode_signing_key(&r.signing_key)
                .map_err(|_| refused("a reader's key is malformed"))?;
            // The keys are the ones this device pinned for that reader (or
            // pins now, only once they match the signed grant: the grant
            // names their fingerprint then, or one they rotated from).
            let reader = self
                .trusted_keys_checked(who, |pinned| {
                    if pinned.signing_key == key
                        && pinned.age_recipient == r.age_recipient
                        && pinned.had_fingerprint(&s.grantee_fingerprint)
                    {
                        return Ok(());
                    }
                    Err(refused(&format!(
                        "the server gives other keys for reader {} ({who}) here than this device trusts, \
                         or than the grant names",
                        pinned.name
                    )))
                })
                .await?;
            if s.household != h || s.grantee != who || s.id != r.grant_id || reader.id != who {
                return Err(refused(&format!(
                    "the grant for reader {who} names someone or something else"
                )));
            }
            if !s.scope.covers(path) || !Action::Read.granted_by(&s.actions) {
                return Err(refused(&format!(
                    "the grant for reader {who} does not cover {path}"
                )));
            }
            if s.validity_at(now_secs) != Validity::Active {
                return Err(refused(&format!(
                    "the grant for reader {who} is not active"
                )));
            }
        }
        Ok(())
    }
}

fn refused(why: &str) -> ClientError {
    ClientError::Refused(format!("refusing to share the key: {why}"))
}
