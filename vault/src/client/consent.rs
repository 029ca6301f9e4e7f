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
use super::versions::Outgoing;
use super::{Client, ClientError};
use crate::keys::seal;
use crate::role::Role;
use crate::wire::consent::{
    CreateGrant, GrantInfo, GrantList, KeyForGrantee, Rekey, Revoke, StaleField, StaleList,
};

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
        let grantee = self
            .trusted_keys_checked(statement.grantee, |keys| {
                if statement.grantee_fingerprint == keys.fingerprint {
                    return Ok(());
                }
                Err(ClientError::Refused(format!(
                    "this grant names fingerprint {} but the keys of {} ({}) have {}: nothing was sent",
                    statement.grantee_fingerprint, keys.name, keys.id, keys.fingerprint
                )))
            })
            .await?;
        let jws = sign_grant(&statement, &self.identity.key_pair())
            .map_err(|e| ClientError::Refused(format!("cannot sign this grant: {e}")))?;
        let mut keys = Vec::new();
        for f in self.list_fields(h).await? {
            if f.private || !statement.scope.covers(&f.path) {
                continue;
            }
            let v = self.fetch_field(h, &f.path, Some(f.version)).await?;
            let key = self.unwrap_key(h, &v).await?;
            keys.push(KeyForGrantee {
                path: f.path,
                version: f.version,
                envelope: STANDARD.encode(wrap(&grantee.age_recipient, &key)?),
            });
        }
        self.http
            .post(
                &self.identity,
                &format!("/v1/households/{h}/grants"),
                &CreateGrant { jws, keys },
            )
            .await
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
    /// fields it covered. Returns the fields re-keyed.
    pub async fn revoke(&self, h: HouseholdId, g: GrantId) -> Result<Vec<StaleField>, ClientError> {
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
        self.rekey_all(h, stale.fields).await
    }

    /// Re-key every field whose key is held by someone whose grant ended.
    pub async fn sync(&self, h: HouseholdId) -> Result<Vec<StaleField>, ClientError> {
        let stale: StaleList = self
            .http
            .get(&self.identity, &format!("/v1/households/{h}/stale"))
            .await?;
        self.rekey_all(h, stale.fields).await
    }

    async fn rekey_all(
        &self,
        h: HouseholdId,
        fields: Vec<StaleField>,
    ) -> Result<Vec<StaleField>, ClientError> {
        let mut done = Vec::new();
        for f in fields {
            done.push(self.rekey(h, &f).await?);
        }
        Ok(done)
    }

    /// Seal the current version again under a new key generation, for the
    /// readers who remain.
    pub async fn rekey(&self, h: HouseholdId, f: &StaleField) -> Result<StaleField, ClientError> {
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
        let body = Rekey {
            version: current.version,
            key_gen,
            ciphertext: STANDARD.encode(ciphertext),
            envelopes,
            signed,
        };
        self.http
            .put(
                &self.identity,
                &format!("/v1/households/{h}/rekey/{}", f.path),
                &body,
            )
            .await
    }
}
