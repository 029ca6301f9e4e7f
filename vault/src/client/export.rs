//! The household's export (right of access, data portability): everything
//! the member can read, as JSON inside an age file encrypted to the member's
//! own recipient, so the standard `age` tool opens it with their identity.
//!
//! ```json
//! {
//!   "kluis_export": 1,
//!   "household": "h-…", "exported_at": "…", "exported_by": "p-…",
//!   "fields": [{"path": "financien/situatie", "versions": [
//!       {"version": 1, "created_at": "…", "author_role": "client", "text": "…"}]}],
//!   "grants": [{"grant_id": "g-…", "grantee_name": "…", "scope": "financien/*", "jws": "…", …}],
//!   "access_log": [{"time": "…", "event": "field.read", "actor_org": "…", "purpose": "…", …}]
//! }
//! ```
//!
//! A version that is text is given as `"text"`, anything else as
//! `"base64"`. A version the member cannot open (someone's private
//! observation before it was published) is listed with `"withheld": true`.

use std::io::Write;
use std::str::FromStr;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use kluis_policy::HouseholdId;
use serde_json::{json, Value};
use zeroize::Zeroizing;

use super::{Client, ClientError};

/// What went into an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportSummary {
    pub fields: usize,
    pub versions: usize,
    pub grants: usize,
    pub log_entries: usize,
}

impl Client {
    /// Build the export; returns the age file's bytes and what it holds.
    pub async fn export_household(
        &self,
        h: HouseholdId,
    ) -> Result<(Vec<u8>, ExportSummary), ClientError> {
        let me = self.login_id().await?;
        let _: Option<Value> = self
            .http
            .post(
                &self.identity,
                &format!("/v1/households/{h}/exports"),
                &json!({}),
            )
            .await
            .or_else(|e| {
                if e.status().is_none() {
                    Ok(None)
                } else {
                    Err(e)
                }
            })?;
        let mut fields = Vec::new();
        let mut versions = 0;
        for f in self.list_fields(h).await? {
            let mut out = Vec::new();
            for (v, _) in self.field_history(h, &f.path).await? {
                versions += 1;
                let entry = match self.get_field(h, &f.path, Some(v.version)).await {
                    Ok(field) => {
                        let mut e = json!({"version": v.version, "created_at": v.created_at, "author_role": v.author_role});
                        match std::str::from_utf8(&field.value) {
                            Ok(text) => e["text"] = json!(text),
                            Err(_) => e["base64"] = json!(STANDARD.encode(&field.value[..])),
                        }
                        e
                    }
                    Err(ClientError::Problem {
                        status: 403 | 404, ..
                    }) => {
                        json!({"version": v.version, "created_at": v.created_at, "author_role": v.author_role, "withheld": true})
                    }
                    Err(e) => return Err(e),
                };
                out.push(entry);
            }
            fields.push(json!({"path": f.path, "versions": out}));
        }
        let grants = self.grants(h).await?;
        let access_log = self.access_log(h).await?;
        let summary = ExportSummary {
            fields: fields.len(),
            versions,
            grants: grants.len(),
            log_entries: access_log.len(),
        };
        let document = Zeroizing::new(
            serde_json::to_vec_pretty(&json!({
                "kluis_export": 1,
                "household": h,
                "exported_at": crate::clock::rfc3339(chrono::Utc::now().timestamp_millis()),
                "exported_by": me,
                "fields": fields,
                "grants": grants,
                "access_log": access_log,
            }))
            .map_err(|e| ClientError::BadResponse(e.to_string()))?,
        );
        let recipient = age::x25519::Recipient::from_str(&self.identity.public().age_recipient)
            .map_err(|_| ClientError::Refused("your own age recipient is malformed".into()))?;
        let encryptor = age::Encryptor::with_recipients(std::iter::once(&recipient as _))
            .map_err(|e| ClientError::Refused(e.to_string()))?;
        let mut sealed = Vec::new();
        let mut w = encryptor
            .wrap_output(&mut sealed)
            .map_err(|e| ClientError::Refused(e.to_string()))?;
        w.write_all(&document)
            .and_then(|_| w.finish().map(|_| ()))
            .map_err(|e| ClientError::Refused(e.to_string()))?;
        Ok((sealed, summary))
    }
}
