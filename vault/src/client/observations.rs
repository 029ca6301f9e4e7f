//! Observations by professionals: private ones are enveloped to the author
//! alone; publishing re-seals one for the household and its readers.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use kluis_policy::{FieldPath, HouseholdId};

use super::plan::wrap;
use super::versions::Outgoing;
use super::{Client, ClientError};
use crate::keys::seal;
use crate::wire::consent::{ObservationName, Observe, Publish};
use crate::wire::plan::{EnvelopeUpload, Written};

impl Client {
    /// Record an observation; returns its field path (`observaties/…`).
    pub async fn observe(
        &self,
        h: HouseholdId,
        text: &[u8],
        private: bool,
    ) -> Result<Written, ClientError> {
        self.check_size(text)?;
        // The server names observations (no writer picks text that ends up
        // in the household's history); the version is signed over that name.
        let path = self.observation_name(h).await?.path;
        self.observe_at(h, &path, text, private).await
    }

    /// Record an observation under `path`, which must be a name the server
    /// issued to me (`observation_name`) and I have not used: the server
    /// refuses any other. Tests use it to try names nobody issued.
    pub async fn observe_at(
        &self,
        h: HouseholdId,
        path: &FieldPath,
        text: &[u8],
        private: bool,
    ) -> Result<Written, ClientError> {
        self.check_size(text)?;
        let me = self.login_id().await?;
        let path = path.clone();
        let key = seal::new_key();
        let binding = seal::Binding {
            household: h,
            path: &path,
            version: 1,
            key_gen: 1,
        };
        let ciphertext = seal::seal(&key, &binding, text);
        let (envelopes, grant) = if private {
            let mine = &self.identity.public().age_recipient;
            let envelopes = vec![EnvelopeUpload {
                reader: me.to_string(),
                envelope: STANDARD.encode(wrap(mine, &key)?),
            }];
            (envelopes, None)
        } else {
            let plan = self.write_plan(h, &path).await?;
            (self.envelopes_for(h, &plan, &key).await?, plan.writer_grant)
        };
        let signed = self
            .sign_version(Outgoing {
                household: h,
                path: &path,
                version: 1,
                key_gen: 1,
                ciphertext: &ciphertext,
                envelopes: &envelopes,
                writer: me,
                grant,
                private,
            })
            .await?;
        let body = Observe {
            path,
            private,
            ciphertext: STANDARD.encode(ciphertext),
            envelopes,
            signed,
        };
        self.http
            .post(
                &self.identity,
                &format!("/v1/households/{h}/observations"),
                &body,
            )
            .await
    }

    /// A name for a new observation in `h`, issued to me by the server.
    pub async fn observation_name(&self, h: HouseholdId) -> Result<ObservationName, ClientError> {
        self.http
            .post(
                &self.identity,
                &format!("/v1/households/{h}/observations/names"),
                &serde_json::json!({}),
            )
            .await
    }

    /// Share one of my private observations into the plan.
    pub async fn publish(&self, h: HouseholdId, path: &FieldPath) -> Result<Written, ClientError> {
        let current = self.get_field(h, path, None).await?;
        if !current.private {
            return Err(ClientError::Refused(format!(
                "{path} is not a private observation"
            )));
        }
        let plan = self.write_plan(h, path).await?;
        let version = current.version + 1;
        let key = seal::new_key();
        let binding = seal::Binding {
            household: h,
            path,
            version,
            key_gen: 1,
        };
        let ciphertext = seal::seal(&key, &binding, &current.value);
        let envelopes = self.envelopes_for(h, &plan, &key).await?;
        let signed = self
            .sign_version(Outgoing {
                household: h,
                path,
                version,
                key_gen: 1,
                ciphertext: &ciphertext,
                envelopes: &envelopes,
                writer: self.login_id().await?,
                grant: plan.writer_grant,
                private: false,
            })
            .await?;
        let body = Publish {
            replaces: current.version,
            ciphertext: STANDARD.encode(ciphertext),
            envelopes,
            signed,
        };
        self.http
            .post(
                &self.identity,
                &format!("/v1/households/{h}/publish/{path}"),
                &body,
            )
            .await
    }
}
