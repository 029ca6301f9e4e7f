//! Checks shared by every upload of sealed content: ids and paths, the
//! ciphertext's shape and size, the envelopes' shape, and that the envelopes
//! are for exactly the field's required readers.

use std::collections::BTreeSet;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use kluis_policy::{required_readers, Facts, FieldPath, HouseholdId, PrincipalId};

use super::problem::{ApiResult, Kind, Problem};
use crate::keys::identity::verify_signature;
use crate::keys::{envelope, seal};
use crate::server::AppState;
use crate::store::fields::{StoredProof, HOUSEHOLD_READER};
use crate::store::principals::Principal;
use crate::wire::plan::EnvelopeUpload;
use crate::wire::version::{ciphertext_sha256, VersionSignature, VersionStatement};

pub fn field_ids(
    state: &AppState,
    household: &str,
    path: &str,
) -> ApiResult<(HouseholdId, FieldPath)> {
    let h = HouseholdId::parse(household)?;
    let p = FieldPath::parse(path)
        .map_err(|e| Problem::new(Kind::MalformedRequest, format!("bad field path: {e}")))?;
    if !state.template.has_section(p.section()) {
        return Err(Problem::new(
            Kind::UnknownSection,
            format!(
                "the plan has no section '{}' (sections: {})",
                p.section(),
                state.template.sections().collect::<Vec<_>>().join(", ")
            ),
        ));
    }
    Ok((h, p))
}

/// Ciphertext must be a whole size bucket (so stored sizes reveal only the
/// bucket) and no larger than the largest field allows.
pub fn decode_ciphertext(state: &AppState, text: &str) -> ApiResult<Vec<u8>> {
    decode_ciphertext_within(state.limits.max_field_bytes, text)
}

/// [`decode_ciphertext`] for a given field size limit, without the server
/// state (the fuzz targets call this).
pub fn decode_ciphertext_within(max_field_bytes: usize, text: &str) -> ApiResult<Vec<u8>> {
    let max_sealed = seal::bucket(max_field_bytes) + 28;
    if text.len() > max_sealed.div_ceil(3) * 4 + 4 {
        return Err(Problem::new(
            Kind::LimitExceeded,
            format!("a field holds at most {max_field_bytes} bytes"),
        ));
    }
    let bytes = STANDARD
        .decode(text.as_bytes())
        .map_err(|_| Problem::malformed("the ciphertext is not base64"))?;
    let bucket = seal::bucket_of_sealed(bytes.len());
    if bucket < seal::SMALLEST_BUCKET || !bucket.is_power_of_two() || bytes.len() > max_sealed {
        return Err(Problem::malformed(
            "the ciphertext is not a sealed, padded field value",
        ));
    }
    Ok(bytes)
}

pub fn decode_envelopes(envelopes: &[EnvelopeUpload]) -> ApiResult<Vec<(String, Vec<u8>)>> {
    if envelopes.len() > 64 {
        return Err(Problem::malformed("too many envelopes"));
    }
    envelopes
        .iter()
        .map(|e| {
            if e.reader != HOUSEHOLD_READER {
                kluis_policy::PrincipalId::parse(&e.reader)?;
            }
            let bytes = decode_envelope(&e.envelope).map_err(|p| {
                Problem::malformed(format!("envelope for {}: {}", e.reader, p.detail))
            })?;
            Ok((e.reader.clone(), bytes))
        })
        .collect()
}

/// The readers a new key for `path` must be enveloped to: the household,
/// plus every grantee whose active grant covers the path.
pub fn required_set(facts: &Facts, path: &FieldPath, now_ms: i64) -> BTreeSet<String> {
    let mut required = BTreeSet::from([HOUSEHOLD_READER.to_owned()]);
    required.extend(
        required_readers(facts, path, now_ms)
            .into_iter()
            .map(|(p, _)| p.to_string()),
    );
    required
}

/// Exactly the required readers, each once. Missing one would lock a reader
/// out; an extra one would hand the key to someone the household did not
/// choose.
pub fn check_reader_set(
    uploads: &[(String, Vec<u8>)],
    required: &BTreeSet<String>,
) -> ApiResult<()> {
    let given: BTreeSet<String> = uploads.iter().map(|(r, _)| r.clone()).collect();
    if &given == required && given.len() == uploads.len() {
        return Ok(());
    }
    let missing: Vec<_> = required.difference(&given).cloned().collect();
    let extra: Vec<_> = given.difference(required).cloned().collect();
    Err(Problem::new(
        Kind::EnvelopeMismatch,
        format!(
            "the envelopes must be for exactly this field's readers (missing: [{}]; not allowed: [{}]{}); fetch the readers again and retry",
            missing.join(", "),
            extra.join(", "),
            if given.len() != uploads.len() { "; duplicates" } else { "" }
        ),
    ))
}

/// A new sealed version to store.
pub struct NewSealed<'a> {
    pub household: HouseholdId,
    pub path: &'a FieldPath,
    pub version: i64,
    pub ciphertext: &'a [u8],
    /// Set for a private observation.
    pub private_author: Option<kluis_policy::PrincipalId>,
}

impl NewSealed<'_> {
    /// What `writer` must have signed for this new version (key
    /// generation 1, enveloped as `envelopes`).
    pub fn signing<'a>(
        &'a self,
        envelopes: &'a [(String, Vec<u8>)],
        writer: PrincipalId,
    ) -> Signing<'a> {
        Signing {
            household: self.household,
            path: self.path,
            version: self.version,
            key_gen: 1,
            ciphertext: self.ciphertext,
            envelopes,
            writer,
            private: self.private_author.is_some(),
        }
    }
}

/// What the server is about to store, for rebuilding the signed statement.
pub struct Signing<'a> {
    pub household: HouseholdId,
    pub path: &'a FieldPath,
    pub version: i64,
    pub key_gen: i64,
    pub ciphertext: &'a [u8],
    pub envelopes: &'a [(String, Vec<u8>)],
    /// Who wrote the content: the caller, or for a re-key the original writer.
    pub writer: PrincipalId,
    pub private: bool,
}

/// The version statement rebuilt from exactly what will be stored, checked
/// against the caller's registered key. A grant the statement names must be
/// one of the writer's grants in this household. Devices check all of this
/// again with keys they verified themselves; checking here too keeps a
/// broken or hostile client from storing versions no reader will accept.
pub fn checked_signature(
    caller: &Principal,
    facts: &Facts,
    s: Signing<'_>,
    signed: &VersionSignature,
) -> ApiResult<CheckedSignature> {
    let signature = super::households::decode_signature(&signed.signature).map_err(|_| {
        bad_signature("the version's signature is not a base64url Ed25519 signature")
    })?;
    if let Some(g) = signed.grant {
        let known = facts
            .grants
            .iter()
            .any(|f| f.id == g && f.grantee == s.writer);
        if !known {
            return Err(bad_signature(
                "the grant named in the version's signature is not one of the writer's grants in this household",
            ));
        }
    }
    let statement = VersionStatement {
        household: s.household,
        path: s.path.clone(),
        version: s.version,
        key_gen: s.key_gen,
        ciphertext_sha256: ciphertext_sha256(s.ciphertext),
        readers: s.envelopes.iter().map(|(r, _)| r.clone()).collect(),
        writer: s.writer,
        grant: signed.grant,
        signer: caller.id,
        private: s.private,
        signed_at_ms: signed.signed_at_ms,
    }
    .text();
    if !verify_signature(&caller.signing_key, statement.as_bytes(), &signature) {
        return Err(bad_signature(
            "the version's signature does not match what would be stored (household, path, version, key generation, ciphertext, readers, writer, grant): re-read the field and write again",
        ));
    }
    Ok(CheckedSignature {
        statement,
        signature,
        grant: signed.grant,
    })
}

/// A version's signature the server checked, ready to store.
pub struct CheckedSignature {
    statement: String,
    signature: Vec<u8>,
    grant: Option<kluis_policy::GrantId>,
}

impl CheckedSignature {
    pub fn proof(&self) -> StoredProof<'_> {
        StoredProof {
            statement: &self.statement,
            signature: &self.signature,
            writer_grant: self.grant,
        }
    }
}

fn bad_signature(detail: &str) -> Problem {
    Problem::new(Kind::VersionSignatureInvalid, detail)
}

/// Store a new version (key generation 1) written by `author`, with the
/// envelopes already checked against the required readers.
pub async fn store_version(
    tx: &mut crate::store::Tx,
    v: &NewSealed<'_>,
    proof: StoredProof<'_>,
    author: &crate::store::principals::Principal,
    envelopes: &[(String, Vec<u8>)],
    now_ms: i64,
) -> Result<(), crate::store::StoreError> {
    crate::store::fields::insert_version(
        tx,
        crate::store::fields::NewVersion {
            household: v.household,
            path: v.path,
            version: v.version,
            key_gen: 1,
            ciphertext: v.ciphertext,
            size_bucket: seal::bucket_of_sealed(v.ciphertext.len()) as i64,
            author: author.id,
            author_role: author.role.as_str(),
            private_author: v.private_author,
            now_ms,
            proof,
        },
    )
    .await?;
    let first = crate::store::fields::Generation {
        household: v.household,
        path: v.path,
        version: v.version,
        key_gen: 1,
    };
    for (reader, env) in envelopes {
        crate::store::fields::insert_envelope(tx, first, reader, env).await?;
    }
    Ok(())
}

/// Decode one envelope from the network and check its shape (size, age
/// header, exactly one X25519 stanza) before anything else looks at it.
pub fn decode_envelope(text: &str) -> ApiResult<Vec<u8>> {
    if text.len() > 2 * envelope::MAX_ENVELOPE_BYTES {
        return Err(Problem::malformed("the envelope is too large"));
    }
    let bytes = STANDARD
        .decode(text.as_bytes())
        .map_err(|_| Problem::malformed("the envelope is not base64"))?;
    envelope::check(&bytes).map_err(|e| Problem::malformed(e.to_string()))?;
    Ok(bytes)
}
