//! Plan fields on the device: seal under a fresh key, envelope the key to
//! exactly the readers the household chose, and open what comes back.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use kluis_policy::{FieldPath, HouseholdId};
use zeroize::Zeroizing;

use super::versions::{Authorship, Outgoing, Shown};
use super::{Client, ClientError};
use crate::keys::{envelope, seal};
use crate::store::fields::HOUSEHOLD_READER;
use crate::wire::plan::{
    EnvelopeUpload, FieldList, FieldSummary, FieldValue, WriteField, WritePlan, Written,
};
use crate::wire::version::VersionStatement;

/// A field as read: the plaintext and where it came from.
pub struct Field {
    pub path: FieldPath,
    pub version: i64,
    pub key_gen: i64,
    pub value: seal::Plaintext,
    pub author_role: String,
    pub created_at: String,
    pub private: bool,
    /// Who wrote it, as this device checked (signature and entitlement).
    pub authorship: Authorship,
    /// The grant a professional wrote it on (from the checked signature);
    /// a re-key names it again.
    pub written_on: Option<kluis_policy::GrantId>,
}

/// Shows where the value came from and its length, never the content.
impl std::fmt::Debug for Field {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Field")
            .field("path", &self.path)
            .field("version", &self.version)
            .field("len", &self.value.len())
            .field("private", &self.private)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Who must be able to read a new version of `path`, as the server says;
    /// every grant in it is checked before a key is shared.
    pub async fn write_plan(
        &self,
        h: HouseholdId,
        path: &FieldPath,
    ) -> Result<WritePlan, ClientError> {
        self.http
            .get(
                &self.identity,
                &format!("/v1/households/{h}/readers/{path}"),
            )
            .await
    }

    /// Write a new version of a field.
    pub async fn set_field(
        &self,
        h: HouseholdId,
        path: &FieldPath,
        content: &[u8],
    ) -> Result<Written, ClientError> {
        let plan = self.write_plan(h, path).await?;
        let body = self.seal_for(h, &plan, content).await?;
        self.put_field(h, path, &body).await
    }

    pub(crate) fn check_size(&self, content: &[u8]) -> Result<(), ClientError> {
        if content.len() > self.max_field_bytes {
            return Err(ClientError::Refused(format!(
                "this value is {} bytes; a field holds at most {} bytes",
                content.len(),
                self.max_field_bytes
            )));
        }
        Ok(())
    }

    /// Seal `content` as the next version after `plan.current_version`, with
    /// the key enveloped to the household and to every checked reader.
    pub async fn seal_for(
        &self,
        h: HouseholdId,
        plan: &WritePlan,
        content: &[u8],
    ) -> Result<WriteField, ClientError> {
        self.check_size(content)?;
        let version = plan.current_version + 1;
        let key = seal::new_key();
        let binding = seal::Binding {
            household: h,
            path: &plan.path,
            version,
            key_gen: 1,
        };
        let ciphertext = seal::seal(&key, &binding, content);
        let envelopes = self.envelopes_for(h, plan, &key).await?;
        let signed = self
            .sign_version(Outgoing {
                household: h,
                path: &plan.path,
                version,
                key_gen: 1,
                ciphertext: &ciphertext,
                envelopes: &envelopes,
                writer: self.login_id().await?,
                grant: plan.writer_grant,
                private: false,
            })
            .await?;
        Ok(WriteField {
            replaces: plan.current_version,
            ciphertext: STANDARD.encode(ciphertext),
            envelopes,
            signed,
        })
    }

    /// Upload a sealed write as it is.
    pub async fn put_field(
        &self,
        h: HouseholdId,
        path: &FieldPath,
        body: &WriteField,
    ) -> Result<Written, ClientError> {
        let written: Written = self
            .http
            .put(
                &self.identity,
                &format!("/v1/households/{h}/fields/{path}"),
                body,
            )
            .await?;
        self.seen.lock().await.saw(h, path, written.version)?;
        Ok(written)
    }

    /// Read and open a field (the newest version, or `version`).
    pub async fn get_field(
        &self,
        h: HouseholdId,
        path: &FieldPath,
        version: Option<i64>,
    ) -> Result<Field, ClientError> {
        let v = self.fetch_field(h, path, version).await?;
        self.open_field(h, v).await
    }

    /// Read one version without opening it.
    pub async fn fetch_field(
        &self,
        h: HouseholdId,
        path: &FieldPath,
        version: Option<i64>,
    ) -> Result<FieldValue, ClientError> {
        let url = match version {
            Some(v) => format!("/v1/households/{h}/fields/{path}?version={v}"),
            None => format!("/v1/households/{h}/fields/{path}"),
        };
        // What this device knew before asking: a write of its own that
        // completes while this read is on its way is no sign of rollback.
        let known = match version {
            None => self.seen.lock().await.newest(h, path)?,
            Some(_) => None,
        };
        let value: FieldValue = self.http.get(&self.identity, &url).await?;
        if value.path != *path || version.is_some_and(|v| v != value.version) {
            return Err(ClientError::Refused(format!(
                "asked for {path}, the server answered with {} version {}",
                value.path, value.version
            )));
        }
        if version.is_none() {
            if let Some(newest) = known.filter(|&newest| value.version < newest) {
                return Err(ClientError::Refused(format!(
                    "the server shows version {} of {path} as the newest, but this device saw version {newest}: \
                     it may be hiding changes, so the older version is not shown as the current one",
                    value.version
                )));
            }
            self.seen.lock().await.saw(h, path, value.version)?;
        }
        Ok(value)
    }

    /// Open a field value as given (tests use this to try stale keys).
    pub async fn open_field_for_tests(
        &self,
        h: HouseholdId,
        v: FieldValue,
    ) -> Result<Field, ClientError> {
        self.open_field(h, v).await
    }

    /// Check who wrote `v`, then open it.
    pub(crate) async fn open_field(
        &self,
        h: HouseholdId,
        v: FieldValue,
    ) -> Result<Field, ClientError> {
        let ciphertext = STANDARD
            .decode(&v.ciphertext)
            .map_err(|_| ClientError::BadResponse("ciphertext is not base64".into()))?;
        let authorship = self
            .check_version_in(h, || Shown::read(&v, &ciphertext))
            .await?;
        let key = self.unwrap_key(h, &v).await?;
        let binding = seal::Binding {
            household: h,
            path: &v.path,
            version: v.version,
            key_gen: v.key_gen,
        };
        // Opened in the buffer base64 decoded it into: no copy.
        let value = seal::open_owned(&key, &binding, ciphertext)
            .map_err(|e| ClientError::Refused(format!("{} version {}: {e}", v.path, v.version)))?;
        Ok(Field {
            path: v.path,
            version: v.version,
            key_gen: v.key_gen,
            value,
            author_role: v.author_role,
            created_at: v.created_at,
            private: v.private,
            authorship,
            written_on: v
                .proof
                .as_ref()
                .and_then(|p| VersionStatement::parse(&p.statement))
                .and_then(|s| s.grant),
        })
    }

    /// The field key from my envelope (through the household identity when
    /// the envelope is the household's).
    pub(crate) async fn unwrap_key(
        &self,
        h: HouseholdId,
        v: &FieldValue,
    ) -> Result<Zeroizing<[u8; 32]>, ClientError> {
        let env = STANDARD
            .decode(&v.envelope)
            .map_err(|_| ClientError::BadResponse("envelope is not base64".into()))?;
        if v.reader == HOUSEHOLD_READER {
            let household = self.household_identity(h).await?;
            envelope::open_key(&household, &env)
        } else {
            envelope::open_key(self.identity.age_identity(), &env)
        }
        .map_err(|e| ClientError::Refused(format!("cannot open the key of {}: {e}", v.path)))
    }

    /// Envelope `key` to the household and to every checked reader in `plan`.
    pub(crate) async fn envelopes_for(
        &self,
        h: HouseholdId,
        plan: &WritePlan,
        key: &[u8; 32],
    ) -> Result<Vec<EnvelopeUpload>, ClientError> {
        let household = self.verified_household(h).await?;
        if plan.household_recipient != household.recipient {
            return Err(ClientError::Refused(
                "the server asks to encrypt to a household key that is not the one the household's creator signed: refusing"
                    .into(),
            ));
        }
        self.check_readers(&household, &plan.path, plan).await?;
        let mut envelopes = vec![EnvelopeUpload {
            reader: HOUSEHOLD_READER.to_owned(),
            envelope: STANDARD.encode(wrap(&plan.household_recipient, key)?),
        }];
        for r in &plan.readers {
            envelopes.push(EnvelopeUpload {
                reader: r.principal_id.to_string(),
                envelope: STANDARD.encode(wrap(&r.age_recipient, key)?),
            });
        }
        Ok(envelopes)
    }

    pub async fn list_fields(&self, h: HouseholdId) -> Result<Vec<FieldSummary>, ClientError> {
        let list: FieldList = self
            .http
            .get(&self.identity, &format!("/v1/households/{h}/fields"))
            .await?;
        Ok(list.fields)
    }

    /// Every version of a field, each with its writer as this device
    /// checked it (signature and entitlement; the content is not fetched).
    pub async fn field_history(
        &self,
        h: HouseholdId,
        path: &FieldPath,
    ) -> Result<Vec<(FieldSummary, Authorship)>, ClientError> {
        let list: FieldList = self
            .http
            .get(
                &self.identity,
                &format!("/v1/households/{h}/versions/{path}"),
            )
            .await?;
        let mut checked = Vec::with_capacity(list.fields.len());
        for v in list.fields {
            if v.path != *path {
                return Err(ClientError::Refused(format!(
                    "asked for the history of {path}, the server answered with {}",
                    v.path
                )));
            }
            let authorship = self.check_version_in(h, || Shown::listed(&v)).await?;
            checked.push((v, authorship));
        }
        Ok(checked)
    }
}

pub(crate) fn wrap(recipient: &str, key: &[u8; 32]) -> Result<Vec<u8>, ClientError> {
    envelope::seal(recipient, key)
        .map_err(|e| ClientError::Refused(format!("cannot envelope the key: {e}")))
}
