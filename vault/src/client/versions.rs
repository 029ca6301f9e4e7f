//! Signed versions on the device: sign what this device writes, and check
//! every version it is shown before showing it.
//!
//! A version is shown only if its writer's signature (`wire::version`)
//! verifies with keys this device checked itself, names exactly the
//! household, path, version, key generation and ciphertext it came with,
//! and its writer was entitled to write there: a member of the household
//! (by the signed chain from its creator), a professional on a grant signed
//! by such a member that covered the path with `write` when they signed (any
//! grant of the household for an observation), or, for a private
//! observation, this device's own person. A re-key is signed by the member
//! who re-keyed. So a server cannot make up a version (it cannot sign one),
//! swap a version's ciphertext, or pass off a read-only professional's or a
//! stranger's text as part of the plan.
//!
//! Versions written before kluis signed versions carry no signature. They
//! are shown marked as unsigned, and only in households created before the
//! change (whose creation statement is version 1), and only below any signed
//! version of the same field this device has seen: an unsigned version on
//! top of a signed one was not written by a kluis client.

use std::collections::BTreeSet;

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use kluis_policy::{verify_grant, Action, FieldPath, GrantId, HouseholdId, PrincipalId, Validity};

use super::{Client, ClientError, VerifiedHousehold};
use crate::store::fields::HOUSEHOLD_READER;
use crate::wire::plan::{EnvelopeUpload, FieldSummary, FieldValue};
use crate::wire::version::{ciphertext_sha256, VersionProof, VersionSignature, VersionStatement};

/// Who wrote a version, as this device checked it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Authorship {
    /// Signed by `writer` (or, for a re-key, by a member on their behalf).
    Signed {
        writer: PrincipalId,
        writer_name: String,
    },
    /// From before kluis signed versions: the server could have changed it.
    Unsigned { writer: PrincipalId },
}

impl Authorship {
    pub fn writer(&self) -> PrincipalId {
        match self {
            Authorship::Signed { writer, .. } | Authorship::Unsigned { writer } => *writer,
        }
    }

    /// One line for people: who wrote it and whether that is checked.
    pub fn describe(&self) -> String {
        match self {
            Authorship::Signed {
                writer,
                writer_name,
            } => format!("{writer_name} ({writer}), signature checked"),
            Authorship::Unsigned { writer } => format!(
                "{writer} according to the server, unsigned (written before kluis signed versions)"
            ),
        }
    }
}

/// One version as a device is shown it: from a read (with its ciphertext
/// and the reader whose envelope came along) or from a history listing.
pub(crate) struct Shown<'a> {
    pub path: &'a FieldPath,
    pub version: i64,
    pub key_gen: i64,
    pub private: bool,
    pub writer: PrincipalId,
    pub proof: Option<&'a VersionProof>,
    pub ciphertext: Option<&'a [u8]>,
}

impl<'a> Shown<'a> {
    pub fn read(v: &'a FieldValue, ciphertext: &'a [u8]) -> Self {
        Self {
            path: &v.path,
            version: v.version,
            key_gen: v.key_gen,
            private: v.private,
            writer: v.writer,
            proof: v.proof.as_ref(),
            ciphertext: Some(ciphertext),
        }
    }

    pub fn listed(v: &'a FieldSummary) -> Self {
        Self {
            path: &v.path,
            version: v.version,
            key_gen: v.key_gen,
            private: v.private,
            writer: v.writer,
            proof: v.proof.as_ref(),
            ciphertext: None,
        }
    }
}

/// What this device is about to upload, for signing.
pub(crate) struct Outgoing<'a> {
    pub household: HouseholdId,
    pub path: &'a FieldPath,
    pub version: i64,
    pub key_gen: i64,
    pub ciphertext: &'a [u8],
    pub envelopes: &'a [EnvelopeUpload],
    pub writer: PrincipalId,
    pub grant: Option<GrantId>,
    pub private: bool,
}

impl Client {
    /// `check_version` against the household as this session last checked
    /// it; if that fails, once more against the household checked afresh
    /// (a member may have joined since).
    pub(crate) async fn check_version_in<'v>(
        &self,
        h: HouseholdId,
        v: impl Fn() -> Shown<'v>,
    ) -> Result<Authorship, ClientError> {
        let cached = self.checked_households.lock().await.get(&h).cloned();
        if let Some(household) = cached {
            if let Ok(authorship) = self.check_version(&household, v()).await {
                return Ok(authorship);
            }
        }
        let household = self.verified_household(h).await?;
        self.check_version(&household, v()).await
    }

    /// Sign a version (or a re-key) this device is about to upload.
    pub(crate) async fn sign_version(
        &self,
        out: Outgoing<'_>,
    ) -> Result<VersionSignature, ClientError> {
        let signed_at_ms = chrono::Utc::now().timestamp_millis();
        let statement = VersionStatement {
            household: out.household,
            path: out.path.clone(),
            version: out.version,
            key_gen: out.key_gen,
            ciphertext_sha256: ciphertext_sha256(out.ciphertext),
            readers: out.envelopes.iter().map(|e| e.reader.clone()).collect(),
            writer: out.writer,
            grant: out.grant,
            signer: self.login_id().await?,
            private: out.private,
            signed_at_ms,
        };
        Ok(VersionSignature {
            signed_at_ms,
            grant: out.grant,
            signature: B64.encode(self.identity.sign(statement.text().as_bytes())),
        })
    }

    /// Check who wrote a version before anything of it is shown.
    pub(crate) async fn check_version(
        &self,
        household: &VerifiedHousehold,
        v: Shown<'_>,
    ) -> Result<Authorship, ClientError> {
        let h = household.info.household_id;
        let Some(proof) = v.proof else {
            return self.check_unsigned(household, &v).await;
        };
        let statement = VersionStatement::parse(&proof.statement)
            .ok_or_else(|| forged(&v, "its signed statement is malformed"))?;
        let matches = statement.household == h
            && statement.path == *v.path
            && statement.version == v.version
            && statement.key_gen == v.key_gen
            && statement.writer == v.writer
            && statement.private == v.private
            && v
                .ciphertext
                .is_none_or(|c| ciphertext_sha256(c) == statement.ciphertext_sha256)
            // Readers named are those at the time of writing; a grant made
            // later brings its own envelopes, so only the household (or,
            // privately, the writer alone) must be among them.
            && if statement.private {
                statement.readers == BTreeSet::from([statement.writer.to_string()])
            } else {
                statement.readers.contains(HOUSEHOLD_READER)
            };
        if !matches {
            return Err(forged(
                &v,
                "its signature was made for another version, other content or other readers",
            ));
        }
        // A member's keys as the household's chain checked them (with the
        // keys they had before a re-enrolment, if any).
        let signer = match household.members.iter().find(|m| m.id == statement.signer) {
            Some(k) => k.clone(),
            None => self.trusted_keys(statement.signer).await?,
        };
        let signature = B64
            .decode(&proof.signature)
            .map_err(|_| forged(&v, "its signature is not base64url"))?;
        if !signer.signed(
            proof.statement.as_bytes(),
            &signature,
            statement.signed_at_ms,
        ) {
            return Err(forged(
                &v,
                &format!(
                    "its signature is not a valid signature of {} ({})",
                    signer.name, signer.id
                ),
            ));
        }
        let is_member = |id: PrincipalId| household.members.iter().any(|m| m.id == id);
        if statement.signer != statement.writer {
            // A re-key: only a member decides who holds a key.
            if statement.key_gen < 2 || !is_member(statement.signer) {
                return Err(forged(
                    &v,
                    &format!(
                        "it is signed by {} ({}), who neither wrote it nor is a member re-keying it",
                        signer.name, signer.id
                    ),
                ));
            }
        } else if statement.private {
            // Only its author can read a private observation: that is me.
            if statement.writer != self.login_id().await? {
                return Err(forged(&v, "it claims to be someone else's private note"));
            }
        } else if !is_member(statement.writer) {
            self.check_writer_grant(household, &statement, proof, &v)
                .await?;
        }
        let writer_name = if statement.writer == signer.id {
            signer.name.clone()
        } else {
            self.trusted_keys(statement.writer).await?.name
        };
        self.seen.lock().await.saw_signed(h, v.path, v.version)?;
        Ok(Authorship::Signed {
            writer: statement.writer,
            writer_name,
        })
    }

    /// A professional wrote it: on a grant a member signed, naming them and
    /// their keys, covering this path with `write` (any grant of the
    /// household for an observation) when they signed.
    async fn check_writer_grant(
        &self,
        household: &VerifiedHousehold,
        statement: &VersionStatement,
        proof: &VersionProof,
        v: &Shown<'_>,
    ) -> Result<(), ClientError> {
        let writer = self.trusted_keys(statement.writer).await?;
        let no_grant = || {
            forged(
                v,
                &format!(
                    "{} ({}) is not a member and no grant signed by a member let them write it",
                    writer.name, writer.id
                ),
            )
        };
        let (Some(id), Some(jws)) = (statement.grant, proof.writer_grant.as_deref()) else {
            return Err(no_grant());
        };
        let grant = verify_grant(jws, None).map_err(|_| no_grant())?;
        let s = grant.statement();
        let signed_by_member = household.members.iter().any(|m| {
            m.id == s.issuer
                && m.had_signing_key(grant.signer_key(), s.issued_at.saturating_mul(1000))
        });
        let at_secs = statement.signed_at_ms.div_euclid(1000);
        let observation = v.path.section() == crate::api::observations::SECTION;
        let allows =
            observation || (s.scope.covers(v.path) && Action::Write.granted_by(&s.actions));
        if !signed_by_member
            || s.id != id
            || s.household != household.info.household_id
            || s.grantee != writer.id
            || !writer.had_fingerprint(&s.grantee_fingerprint)
            || !allows
            || s.validity_at(at_secs) != Validity::Active
        {
            return Err(no_grant());
        }
        Ok(())
    }

    async fn check_unsigned(
        &self,
        household: &VerifiedHousehold,
        v: &Shown<'_>,
    ) -> Result<Authorship, ClientError> {
        if household.signs_versions {
            return Err(forged(
                v,
                "it carries no signature, and every version in this household is signed",
            ));
        }
        let h = household.info.household_id;
        let lowest_signed = self.seen.lock().await.lowest_signed(h, v.path)?;
        if let Some(signed) = lowest_signed.filter(|&s| s < v.version) {
            return Err(forged(
                v,
                &format!(
                    "it carries no signature, but this device saw version {signed} signed: \
                     every version after that is signed"
                ),
            ));
        }
        Ok(Authorship::Unsigned { writer: v.writer })
    }
}

fn forged(v: &Shown<'_>, why: &str) -> ClientError {
    ClientError::Refused(format!(
        "version {} of {} is not shown: {why}. The server may have changed or made it up",
        v.version, v.path
    ))
}
