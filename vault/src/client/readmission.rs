//! A member who lost everything, on the device: readmitting them
//! (`kluis household readmit`), and how devices treat a member whose keys
//! were replaced by a re-enrolment.
//!
//! Re-enrolment registers new keys for the person without any statement
//! from their old keys (they are lost). Devices therefore keep treating the
//! person as a member with their OLD keys only ("awaiting readmission"):
//! what those keys signed before they were retired still counts, nothing
//! signed with the new keys does, and nobody encrypts to the new keys as a
//! member. Another member's readmission statement, naming the new
//! fingerprint (compared face to face) and the old one, makes devices
//! accept the new keys for that household, and the old key for what it
//! signed before the re-enrolment. So the server alone (invites and the
//! database) cannot make a device accept new keys as a member.

use std::collections::HashMap;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD as B64};
use base64::Engine;
use kluis_policy::{HouseholdId, PrincipalId};
use secrecy::ExposeSecret;

use super::household::now_ms;
use super::pins::Pin;
use super::rotation::EarlierTrusted;
use super::{Client, ClientError, TrustedKeys};
use crate::keys::envelope;
use crate::keys::identity::{decode_signing_key, fingerprint};
use crate::wire::enrol::InviteResponse;
use crate::wire::household::{MemberInfo, SignedStatement};
use crate::wire::rotation::{readmit_statement, EarlierKeys, Readmit, Retirement};

/// A readmission statement, as parsed (its signature is checked by the
/// household's chain).
#[derive(Debug, Clone)]
pub(crate) struct Vouch {
    pub member: PrincipalId,
    pub fingerprint: String,
    pub previous: String,
    pub by: PrincipalId,
    pub signed_at_ms: i64,
}

/// The exact text `readmit_statement` makes, or `None`.
pub(crate) fn parse_readmit(h: HouseholdId, s: &SignedStatement) -> Option<Vouch> {
    if !s
        .statement
        .starts_with("kluis-household-member-readmit/v1\n")
    {
        return None;
    }
    let field = |name: &str| {
        s.statement
            .lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(": "))
    };
    let v = Vouch {
        member: PrincipalId::parse(field("member")?).ok()?,
        fingerprint: field("member-fingerprint")?.to_owned(),
        previous: field("previous-fingerprint")?.to_owned(),
        by: s.signer,
        signed_at_ms: field("signed-at-ms")?.parse().ok()?,
    };
    (s.statement
        == readmit_statement(
            h,
            v.member,
            &v.fingerprint,
            &v.previous,
            v.by,
            v.signed_at_ms,
        ))
    .then_some(v)
}

/// Every readmission statement of a household, by member.
pub(crate) fn vouches(
    h: HouseholdId,
    statements: &[SignedStatement],
) -> HashMap<PrincipalId, Vouch> {
    statements
        .iter()
        .filter_map(|s| parse_readmit(h, s))
        .map(|v| (v.member, v))
        .collect()
}

impl Client {
    /// `id`'s re-enrolled keys (the newest retired by a re-enrolment), if
    /// their fingerprint is `fp`.
    async fn reenrolled_from(
        &self,
        id: PrincipalId,
        fp: &str,
    ) -> Result<Option<EarlierTrusted>, ClientError> {
        let list: EarlierKeys = self
            .http
            .get(&self.identity, &format!("/v1/directory/{id}/earlier"))
            .await?;
        Ok(list
            .earlier
            .iter()
            .rev()
            .filter(|e| e.how == Retirement::Reenrolment)
            .find_map(|e| {
                let key = decode_signing_key(&e.keys.signing_key).ok()?;
                let efp = fingerprint(&key, &e.keys.age_recipient);
                (efp == fp).then(|| EarlierTrusted {
                    signing_key: key,
                    age_recipient: e.keys.age_recipient.clone(),
                    fingerprint: efp,
                    retired_at_ms: e.retired_at_ms,
                })
            }))
    }

    /// A member whose keys the server replaced by a re-enrolment and whom
    /// no member has readmitted: their OLD keys (`known_fp`: pinned here or
    /// named by the statement that added them), good only for what they
    /// signed before. `None` when the server shows no such re-enrolment.
    pub(crate) async fn awaiting_readmission(
        &self,
        id: PrincipalId,
        known_fp: Option<&str>,
    ) -> Result<Option<TrustedKeys>, ClientError> {
        let pinned = self.pins.lock().await.get(id)?;
        let Some(fp) = pinned.as_ref().map(|p| p.fingerprint.as_str()).or(known_fp) else {
            return Ok(None);
        };
        let Some(old) = self.reenrolled_from(id, fp).await? else {
            return Ok(None);
        };
        let info = self.principal(id).await?;
        Ok(Some(TrustedKeys {
            id,
            name: info.name,
            role: info.role,
            // No current key: nothing signed now counts.
            signing_key: [0; 32],
            age_recipient: String::new(),
            fingerprint: String::new(),
            earlier: vec![old],
        }))
    }

    /// A member's new keys, accepted because `vouch` (a readmission by
    /// another member) names them; their re-enrolled keys count for what
    /// they signed before. The caller checks `vouch`'s signature.
    pub(crate) async fn vouched_keys(&self, vouch: &Vouch) -> Result<TrustedKeys, ClientError> {
        let id = vouch.member;
        let mut keys = if id == self.login_id().await? {
            self.trusted_keys(id).await?
        } else {
            self.served_keys(id).await?
        };
        if keys.fingerprint != vouch.fingerprint {
            return Err(ClientError::Refused(format!(
                "the server gives other keys for household member {} ({id}) than the ones they were readmitted with: \
                 refusing to use them",
                keys.name
            )));
        }
        if let Some(mut old) = self.reenrolled_from(id, &vouch.previous).await? {
            old.retired_at_ms = old.retired_at_ms.min(vouch.signed_at_ms);
            keys.earlier.push(old);
        }
        Ok(keys)
    }

    /// Remember `keys` as checked (after the household that vouched for
    /// them checked out).
    pub(crate) async fn accept_vouched(&self, keys: &TrustedKeys) -> Result<(), ClientError> {
        if keys.id != self.login_id().await? {
            self.pins.lock().await.set(
                keys.id,
                Pin {
                    fingerprint: keys.fingerprint.clone(),
                    name: keys.name.clone(),
                },
            )?;
        }
        self.trusted.lock().await.insert(keys.id, keys.clone());
        Ok(())
    }

    /// An administrator: an invite that registers new keys for `person`,
    /// who lost theirs.
    pub async fn reenrol_invite(&self, person: PrincipalId) -> Result<InviteResponse, ClientError> {
        self.http
            .post(
                &self.identity,
                &format!("/v1/principals/{person}/reenrol-invite"),
                &serde_json::json!({}),
            )
            .await
    }

    /// The keys `member` registered with a re-enrolment, as the key
    /// directory proves them (not yet trusted: compare the fingerprint).
    pub async fn readmission_keys(&self, member: PrincipalId) -> Result<TrustedKeys, ClientError> {
        self.served_keys(member).await
    }

    /// Readmit `member` of `h` with `keys` (from `readmission_keys`, their
    /// fingerprint compared with them): sign the readmission and envelope
    /// the household identity to the new keys.
    pub async fn readmit(
        &self,
        h: HouseholdId,
        keys: &TrustedKeys,
    ) -> Result<MemberInfo, ClientError> {
        let me = self.login_id().await?;
        let household = self.verified_household(h).await?;
        let old = household
            .members
            .iter()
            .find(|m| m.id == keys.id)
            .ok_or_else(|| {
                ClientError::Refused(format!("{} is not a member of this household", keys.id))
            })?;
        // The keys this device knows them by: their old ones.
        let previous = if old.fingerprint.is_empty() {
            old.earlier
                .first()
                .map(|e| e.fingerprint.clone())
                .unwrap_or_default()
        } else {
            old.fingerprint.clone()
        };
        let household_identity = self.household_identity(h).await?;
        let secret = household_identity.to_string();
        let env = envelope::seal(&keys.age_recipient, secret.expose_secret().as_bytes())
            .map_err(|e| ClientError::Refused(format!("the new keys are not usable: {e}")))?;
        let signed_at_ms = now_ms();
        let statement =
            readmit_statement(h, keys.id, &keys.fingerprint, &previous, me, signed_at_ms);
        let body = Readmit {
            member_fingerprint: keys.fingerprint.clone(),
            previous_fingerprint: previous,
            signed_at_ms,
            signature: B64.encode(self.identity.sign(statement.as_bytes())),
            identity_envelope: STANDARD.encode(env),
        };
        let info: MemberInfo = self
            .http
            .post(
                &self.identity,
                &format!("/v1/households/{h}/members/{}/readmit", keys.id),
                &body,
            )
            .await?;
        self.checked_households.lock().await.remove(&h);
        Ok(info)
    }
}
