//! Consent on the device: signing grants and revocations, handing the
//! grantee the keys of the fields in scope, and re-keying after a
//! revocation or expiry.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use kluis_policy::{
    sign_grant, sign_revocation, Action, GrantId, GrantStatement, HouseholdId, PrincipalId,
    Purpose, RevocationStatement, Scope,
};

use super::plan::wrap;
use super::trust::TrustedKeys;
use super::versions::Outgoing;
use super::{Client, ClientError};
use crate::keys::{envelope, seal};
use crate::role::Role;
use crate::store::fields::HOUSEHOLD_READER;
use crate::wire::consent::{
    CreateGrant, GrantInfo, GrantList, KeyForGrantee, Rekey, Revoke, StaleField, StaleList,
};
use crate::wire::plan::EnvelopeUpload;

/// What `grant` asks for.
pub struct GrantRequest {
    pub grantee: PrincipalId,
    pub scope: Scope,
    pub write: bool,
    /// Name the grantee the coordinating professional (casushouder), who
    /// closes and reopens the case for retention.
    pub coordinate: bool,
    pub purpose: Purpose,
    /// Unix milliseconds; `None` means one year from now.
    pub until_ms: Option<i64>,
}

const YEAR_SECS: i64 = 365 * 24 * 3600;

/// Uploads of one grant: the first and up to two with keys fetched again
/// after the plan changed in between.
const GRANT_ATTEMPTS: usize = 3;

/// Rounds of `sync` (fetch what is stale, re-key it) before giving up on a
/// plan that keeps changing.
const SYNC_ROUNDS: usize = 4;

impl Client {
    /// Sign a grant and give the grantee the current key of every field in
    /// scope, in one request.
    pub async fn grant(&self, h: HouseholdId, req: GrantRequest) -> Result<GrantInfo, ClientError> {
        self.grant_expecting(h, req, None).await
    }

    /// `grant`, refused before anything is signed or sent unless the
    /// grantee's keys (checked against this device's pins, fingerprint
    /// computed here) have the fingerprint `expected`, when given.
    pub async fn grant_expecting(
        &self,
        h: HouseholdId,
        req: GrantRequest,
        expected: Option<&str>,
    ) -> Result<GrantInfo, ClientError> {
        let me = self.login_id().await?;
        let grantee = self.trusted_keys_expecting(req.grantee, expected).await?;
        if grantee.role != Role::Professional {
            return Err(ClientError::Refused(format!(
                "{} is not a professional: household members share through the household, not by grants",
                grantee.name
            )));
        }
        let now = chrono::Utc::now().timestamp();
        let expires = req.until_ms.map_or(now + YEAR_SECS, |ms| ms / 1000);
        if expires <= now {
            return Err(ClientError::Refused(
                "the end date must be in the future".into(),
            ));
        }
        let mut actions = vec![Action::Read];
        if req.write {
            actions.push(Action::Write);
        }
        if req.coordinate {
            actions.push(Action::Coordinate);
        }
        let statement = GrantStatement {
            id: GrantId::random(),
            issuer: me,
            grantee: req.grantee,
            // Computed on this device from the keys the field keys are
            // about to be wrapped to, never taken from the server.
            grantee_fingerprint: grantee.fingerprint.clone(),
            household: h,
            scope: req.scope,
            actions,
            purpose: req.purpose,
            issued_at: now,
            not_before: now,
            expires,
        };
        self.grant_with(h, statement).await
    }

    /// Sign `statement` and upload it with the grantee's keys for every
    /// field in scope. `grant` builds the statement; tests and tools that
    /// need other terms (a later start, say) call this directly.
    pub async fn grant_with(
        &self,
        h: HouseholdId,
        statement: GrantStatement,
    ) -> Result<GrantInfo, ClientError> {
        self.grant_with_keys(h, statement, None).await
    }

    /// `grant_with`, whose first upload carries `first` (keys fetched
    /// earlier, by `keys_for_grant`) when given. Each key names the version
    /// and key generation it wraps; if the plan changed since they were
    /// fetched (a re-key or a new version committed in between), the server
    /// refuses them as stale and this fetches the keys again and sends the
    /// same signed grant again, up to `GRANT_ATTEMPTS` times in all.
    pub async fn grant_with_keys(
        &self,
        h: HouseholdId,
        statement: GrantStatement,
        mut first: Option<Vec<KeyForGrantee>>,
    ) -> Result<GrantInfo, ClientError> {
        let grantee = self.grantee_keys(&statement).await?;
        let jws = sign_grant(&statement, &self.identity.key_pair())
            .map_err(|e| ClientError::Refused(format!("cannot sign this grant: {e}")))?;
        let mut attempt = 1;
        loop {
            let keys = match first.take() {
                Some(keys) => keys,
                None => self.wrap_keys(h, &statement.scope, &grantee).await?,
            };
            let sent = self
                .http
                .post(
                    &self.identity,
                    &format!("/v1/households/{h}/grants"),
                    &CreateGrant {
                        jws: jws.clone(),
                        keys,
                    },
                )
                .await;
            match sent {
                Err(e) if e.kind() == Some("stale-version") && attempt < GRANT_ATTEMPTS => {
                    tracing::debug!(error = %e, "the plan changed while granting; fetching the keys again");
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    /// The grantee's key for every shared field in `statement`'s scope, at
    /// the version and key generation current now, enveloped to the keys
    /// this device checked for the grantee.
    pub async fn keys_for_grant(
        &self,
        h: HouseholdId,
        statement: &GrantStatement,
    ) -> Result<Vec<KeyForGrantee>, ClientError> {
        let grantee = self.grantee_keys(statement).await?;
        self.wrap_keys(h, &statement.scope, &grantee).await
    }

    /// The grantee's checked keys, if they have the fingerprint the
    /// statement names.
    async fn grantee_keys(&self, statement: &GrantStatement) -> Result<TrustedKeys, ClientError> {
        self.trusted_keys_checked(statement.grantee, |keys| {
            if keys.had_fingerprint(&statement.grantee_fingerprint) {
                return Ok(());
            }
            Err(ClientError::Refused(format!(
                "this grant names fingerprint {} but the keys of {} ({}) have {}: nothing was sent",
                statement.grantee_fingerprint, keys.name, keys.id, keys.fingerprint
            )))
        })
        .await
    }

    async fn wrap_keys(
        &self,
        h: HouseholdId,
        scope: &Scope,
        grantee: &TrustedKeys,
    ) -> Result<Vec<KeyForGrantee>, ClientError> {
        let mut keys = Vec::new();
        for f in self.list_fields(h).await? {
            if f.private || !scope.covers(&f.path) {
                continue;
            }
            // Version, generation and envelope come from one answer, so
            // the key and the generation named with it belong together.
            let v = self.fetch_field(h, &f.path, Some(f.version)).await?;
            let key = self.unwrap_key(h, &v).await?;
            keys.push(KeyForGrantee {
                path: v.path,
                version: v.version,
                key_gen: v.key_gen,
                envelope: STANDARD.encode(wrap(&grantee.age_recipient, &key)?),
            });
        }
        Ok(keys)
    }

    pub async fn grants(&self, h: HouseholdId) -> Result<Vec<GrantInfo>, ClientError> {
        let list: GrantList = self
            .http
            .get(&self.identity, &format!("/v1/households/{h}/grants"))
            .await?;
        Ok(list.grants)
    }

    /// The signed consent receipt of one grant.
    pub async fn consent_receipt(&self, h: HouseholdId, g: GrantId) -> Result<String, ClientError> {
        self.grants(h)
            .await?
            .into_iter()
            .find(|x| x.grant_id == g)
            .map(|x| x.jws)
            .ok_or_else(|| ClientError::Refused(format!("no grant {g} in this household")))
    }

    /// Withdraw a grant (effective at once on the server), then re-key the
    /// fields it covered. Returns the fields re-keyed. If re-keying stops
    /// partway, the server still has the rest marked: `sync` finishes it.
    pub async fn revoke(&self, h: HouseholdId, g: GrantId) -> Result<Vec<StaleField>, ClientError> {
        let stale = self.withdraw(h, g).await?;
        let mut done = Vec::new();
        for f in stale {
            match self.rekey(h, &f).await {
                Ok(r) => done.push(r),
                Err(e) => {
                    return Err(ClientError::Refused(format!(
                        "access was withdrawn, but giving the fields new keys stopped ({e}): \
                         run `kluis household sync {h}` to finish"
                    )))
                }
            }
        }
        Ok(done)
    }

    /// Withdraw a grant on the server only. The fields the grantee could
    /// read are returned, and stay marked as needing a re-key until `rekey`
    /// (or `sync`) has done them; `revoke` does both.
    pub async fn withdraw(
        &self,
        h: HouseholdId,
        g: GrantId,
    ) -> Result<Vec<StaleField>, ClientError> {
        let me = self.login_id().await?;
        let statement = RevocationStatement {
            id: GrantId::random(),
            issuer: me,
            grant: g,
            household: h,
            issued_at: chrono::Utc::now().timestamp(),
        };
        let jws = sign_revocation(&statement, &self.identity.key_pair())
            .map_err(|e| ClientError::Refused(format!("cannot sign the revocation: {e}")))?;
        let stale: StaleList = self
            .http
            .post(
                &self.identity,
                &format!("/v1/households/{h}/grants/{g}/revoke"),
                &Revoke { jws },
            )
            .await?;
        Ok(stale.fields)
    }

    /// The fields that need a re-key, as the server says: held by someone
    /// whose grant ended, or marked when a grant was withdrawn.
    pub async fn stale(&self, h: HouseholdId) -> Result<Vec<StaleField>, ClientError> {
        let stale: StaleList = self
            .http
            .get(&self.identity, &format!("/v1/households/{h}/stale"))
            .await?;
        Ok(stale.fields)
    }

    /// Re-key until the server reports nothing left to re-key (a field
    /// changed meanwhile is taken up again in the next round), at most
    /// `SYNC_ROUNDS` rounds. Returns the fields re-keyed.
    pub async fn sync(&self, h: HouseholdId) -> Result<Vec<StaleField>, ClientError> {
        let mut done = Vec::new();
        for _ in 0..SYNC_ROUNDS {
            let stale = self.stale(h).await?;
            if stale.is_empty() {
                return Ok(done);
            }
            for f in stale {
                match self.rekey(h, &f).await {
                    Ok(r) => done.push(r),
                    // A new version or another device's re-key came first:
                    // the next round sees the field as it is now.
                    Err(e) if e.kind() == Some("stale-version") => {}
                    Err(e) => return Err(e),
                }
            }
        }
        let left = self.stale(h).await?;
        if left.is_empty() {
            return Ok(done);
        }
        Err(ClientError::Refused(format!(
            "{} field(s) still need new keys after {SYNC_ROUNDS} rounds (the plan kept changing): run `kluis household sync {h}` again",
            left.len()
        )))
    }

    /// Seal the current version again under a new key generation, for the
    /// readers who remain.
    pub async fn rekey(&self, h: HouseholdId, f: &StaleField) -> Result<StaleField, ClientError> {
        let body = self.seal_rekey(h, f).await?;
        self.send_rekey(h, &f.path, &body).await
    }

    /// The re-key of `f` as it would be sent: the current version sealed
    /// under a new key generation, enveloped to the readers who remain,
    /// checked on this device to open again, and signed.
    pub async fn seal_rekey(&self, h: HouseholdId, f: &StaleField) -> Result<Rekey, ClientError> {
        let current = self.get_field(h, &f.path, Some(f.version)).await?;
        let plan = self.write_plan(h, &f.path).await?;
        let key_gen = current.key_gen + 1;
        let key = seal::new_key();
        let binding = seal::Binding {
            household: h,
            path: &f.path,
            version: current.version,
            key_gen,
        };
        let ciphertext = seal::seal(&key, &binding, &current.value);
        let envelopes = self.envelopes_for(h, &plan, &key).await?;
        self.check_new_generation(h, &binding, &envelopes, &ciphertext, &current.value)
            .await?;
        // The content stays its writer's; I sign that this is it, re-keyed.
        let signed = self
            .sign_version(Outgoing {
                household: h,
                path: &f.path,
                version: current.version,
                key_gen,
                ciphertext: &ciphertext,
                envelopes: &envelopes,
                writer: current.authorship.writer(),
                grant: current.written_on,
                private: false,
            })
            .await?;
        Ok(Rekey {
            version: current.version,
            key_gen,
            ciphertext: STANDARD.encode(ciphertext),
            envelopes,
            signed,
        })
    }

    /// Upload a re-key as it is (tests send altered ones).
    pub async fn send_rekey(
        &self,
        h: HouseholdId,
        path: &kluis_policy::FieldPath,
        body: &Rekey,
    ) -> Result<StaleField, ClientError> {
        self.http
            .put(
                &self.identity,
                &format!("/v1/households/{h}/rekey/{path}"),
                body,
            )
            .await
    }

    /// Before a new generation replaces the old one for everyone: the
    /// household's envelope must open to a key that opens the ciphertext to
    /// the same content. The server cannot check this (it never sees a
    /// key), and a re-key that did not open would lose the version.
    async fn check_new_generation(
        &self,
        h: HouseholdId,
        binding: &seal::Binding<'_>,
        envelopes: &[EnvelopeUpload],
        ciphertext: &[u8],
        content: &[u8],
    ) -> Result<(), ClientError> {
        let broken = || {
            ClientError::Refused(format!(
                "the new key for {} did not open what this device sealed: nothing was sent",
                binding.path
            ))
        };
        let household = envelopes
            .iter()
            .find(|e| e.reader == HOUSEHOLD_READER)
            .and_then(|e| STANDARD.decode(&e.envelope).ok())
            .ok_or_else(broken)?;
        let identity = self.household_identity(h).await?;
        let key = envelope::open_key(&identity, &household).map_err(|_| broken())?;
        let opened = seal::open(&key, binding, ciphertext).map_err(|_| broken())?;
        if opened.as_slice() != content {
            return Err(broken());
        }
        Ok(())
    }
}
