//! Households on the device: making the household identity, enveloping it to
//! members, and opening it again.

use std::str::FromStr;
use std::sync::Arc;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD as B64};
use base64::Engine;
use kluis_policy::{HouseholdId, PrincipalId};
use secrecy::ExposeSecret;

use super::{Client, ClientError};
use crate::keys::envelope;
use crate::wire::household::{
    create_statement, member_statement, AddMember, CreateHousehold, HouseholdInfo, HouseholdList,
    MemberInfo,
};

impl Client {
    /// Create a household: a fresh age identity, enveloped to me, and a
    /// signed statement that I made it.
    pub async fn create_household(&self) -> Result<HouseholdId, ClientError> {
        let me = self.login_id().await?;
        let id = HouseholdId::random();
        let household_identity = age::x25519::Identity::generate();
        let recipient = household_identity.to_public().to_string();
        let secret = household_identity.to_string();
        let env = envelope::seal(
            &self.identity.public().age_recipient,
            secret.expose_secret().as_bytes(),
        )
        .map_err(|e| ClientError::Refused(e.to_string()))?;
        let signed_at_ms = now_ms();
        let statement = create_statement(id, &recipient, me, signed_at_ms);
        let body = CreateHousehold {
            household_id: id,
            recipient,
            signed_at_ms,
            signature: B64.encode(self.identity.sign(statement.as_bytes())),
            identity_envelope: STANDARD.encode(env),
        };
        let info: HouseholdInfo = self
            .http
            .post(&self.identity, "/v1/households", &body)
            .await?;
        self.households
            .lock()
            .await
            .insert(id, Arc::new(household_identity));
        Ok(info.household_id)
    }

    pub async fn household(&self, h: HouseholdId) -> Result<HouseholdInfo, ClientError> {
        self.http
            .get(&self.identity, &format!("/v1/households/{h}"))
            .await
    }

    pub async fn households(&self) -> Result<Vec<HouseholdId>, ClientError> {
        let list: HouseholdList = self.http.get(&self.identity, "/v1/households").await?;
        Ok(list.households)
    }

    /// The household's identity, opened from my envelope (cached).
    pub(crate) async fn household_identity(
        &self,
        h: HouseholdId,
    ) -> Result<Arc<age::x25519::Identity>, ClientError> {
        if let Some(id) = self.households.lock().await.get(&h) {
            return Ok(id.clone());
        }
        let verified = self.verified_household(h).await?;
        let info = verified.info;
        let env = info
            .identity_envelope
            .ok_or_else(|| ClientError::Refused("you are not a member of this household".into()))?;
        let env = STANDARD
            .decode(env)
            .map_err(|_| ClientError::BadResponse("identity envelope is not base64".into()))?;
        let secret = envelope::open(self.identity.age_identity(), &env)
            .map_err(|e| ClientError::Refused(format!("cannot open the household key: {e}")))?;
        let text = std::str::from_utf8(&secret)
            .map_err(|_| ClientError::Refused("the household key is malformed".into()))?;
        let identity = age::x25519::Identity::from_str(text)
            .map_err(|_| ClientError::Refused("the household key is malformed".into()))?;
        if identity.to_public().to_string() != verified.recipient {
            return Err(ClientError::Refused(
                "the household key does not match the household's public key: refusing to use it"
                    .into(),
            ));
        }
        let identity = Arc::new(identity);
        self.households.lock().await.insert(h, identity.clone());
        Ok(identity)
    }

    /// Add a member: envelope the household identity to their key and sign
    /// that I added them.
    pub async fn add_member(
        &self,
        h: HouseholdId,
        member: PrincipalId,
    ) -> Result<MemberInfo, ClientError> {
        self.add_member_expecting(h, member, None).await
    }

    /// `add_member`, refused before anything is sent unless the new
    /// member's keys (checked against this device's pins, fingerprint
    /// computed here) have the fingerprint `expected`, when given. The
    /// signed statement names that fingerprint, so every device can check
    /// the household identity went to exactly those keys.
    pub async fn add_member_expecting(
        &self,
        h: HouseholdId,
        member: PrincipalId,
        expected: Option<&str>,
    ) -> Result<MemberInfo, ClientError> {
        let me = self.login_id().await?;
        let household_identity = self.household_identity(h).await?;
        let keys = self.trusted_keys_expecting(member, expected).await?;
        let secret = household_identity.to_string();
        let env = envelope::seal(&keys.age_recipient, secret.expose_secret().as_bytes()).map_err(
            |e| ClientError::Refused(format!("the new member's key is not usable: {e}")),
        )?;
        let signed_at_ms = now_ms();
        let statement = member_statement(h, member, Some(&keys.fingerprint), me, signed_at_ms);
        let body = AddMember {
            principal_id: member,
            member_fingerprint: Some(keys.fingerprint.clone()),
            signed_at_ms,
            signature: B64.encode(self.identity.sign(statement.as_bytes())),
            identity_envelope: STANDARD.encode(env),
        };
        self.http
            .post(
                &self.identity,
                &format!("/v1/households/{h}/members"),
                &body,
            )
            .await
    }
}

pub(crate) fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
