//! The signed statement behind every field version.
//!
//! A writer signs, with their own Ed25519 key, exactly which version they
//! wrote: household, path, version number, key generation, a SHA-256 hash of
//! the ciphertext, the readers it was enveloped to, who wrote it, on which
//! grant (for a professional) and when. The server rebuilds the text from
//! the request and checks the signature before it stores anything, and
//! every reading device checks it again, with keys it verified itself,
//! before it shows the value: a version the server made up, or one
//! whose ciphertext was swapped, has no valid signature of an entitled
//! writer (`client/versions.rs`).
//!
//! A re-key (a member sealing the same content under a new key generation)
//! is signed by that member as `signer`; `writer` still names who wrote the
//! content.

use std::collections::BTreeSet;

use kluis_policy::{FieldPath, GrantId, HouseholdId, PrincipalId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::store::fields::HOUSEHOLD_READER;

const HEADER: &str = "kluis-version/v1";

/// The content of a version's signature, as a typed value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionStatement {
    pub household: HouseholdId,
    pub path: FieldPath,
    pub version: i64,
    pub key_gen: i64,
    /// Lowercase hex SHA-256 of the stored ciphertext (nonce, body, tag).
    pub ciphertext_sha256: String,
    /// `household` and/or principal ids, in order, no repeats.
    pub readers: BTreeSet<String>,
    pub writer: PrincipalId,
    /// The grant that let a professional write; `None` for members and
    /// private observations.
    pub grant: Option<GrantId>,
    /// Who signed: the writer, or for a re-key the member who re-keyed.
    pub signer: PrincipalId,
    pub private: bool,
    pub signed_at_ms: i64,
}

impl VersionStatement {
    /// The exact text that is signed.
    pub fn text(&self) -> String {
        let readers: Vec<&str> = self.readers.iter().map(String::as_str).collect();
        let grant = self.grant.map_or_else(|| "-".to_owned(), |g| g.to_string());
        format!(
            "{HEADER}\nhousehold: {}\npath: {}\nversion: {}\nkey-gen: {}\nciphertext-sha256: {}\nreaders: {}\nwriter: {}\ngrant: {grant}\nsigner: {}\nprivate: {}\nsigned-at-ms: {}\n",
            self.household,
            self.path,
            self.version,
            self.key_gen,
            self.ciphertext_sha256,
            readers.join(","),
            self.writer,
            self.signer,
            if self.private { "yes" } else { "no" },
            self.signed_at_ms,
        )
    }

    /// Read a statement, accepting only the exact text `text()` makes.
    pub fn parse(text: &str) -> Option<Self> {
        let mut lines = text.lines();
        if lines.next()? != HEADER {
            return None;
        }
        let mut next =
            |name: &str| -> Option<&str> { lines.next()?.strip_prefix(name)?.strip_prefix(": ") };
        let household = HouseholdId::parse(next("household")?).ok()?;
        let path = FieldPath::parse(next("path")?).ok()?;
        let version = next("version")?.parse().ok()?;
        let key_gen = next("key-gen")?.parse().ok()?;
        let ciphertext_sha256 = next("ciphertext-sha256")?.to_owned();
        let readers = next("readers")?
            .split(',')
            .map(|r| (r == HOUSEHOLD_READER || PrincipalId::parse(r).is_ok()).then(|| r.to_owned()))
            .collect::<Option<BTreeSet<_>>>()?;
        let writer = PrincipalId::parse(next("writer")?).ok()?;
        let grant = match next("grant")? {
            "-" => None,
            g => Some(GrantId::parse(g).ok()?),
        };
        let signer = PrincipalId::parse(next("signer")?).ok()?;
        let private = match next("private")? {
            "yes" => true,
            "no" => false,
            _ => return None,
        };
        let signed_at_ms = next("signed-at-ms")?.parse().ok()?;
        let parsed = Self {
            household,
            path,
            version,
            key_gen,
            ciphertext_sha256,
            readers,
            writer,
            grant,
            signer,
            private,
            signed_at_ms,
        };
        // Canonical: nothing after the last line, no other spelling.
        (parsed.text() == text).then_some(parsed)
    }
}

/// The hash a version statement names.
pub fn ciphertext_sha256(ciphertext: &[u8]) -> String {
    hex::encode(ring::digest::digest(&ring::digest::SHA256, ciphertext))
}

/// What a writer sends with a new version (or a re-key) besides the
/// ciphertext and envelopes: everything the server needs to rebuild the
/// statement, and the signature over it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VersionSignature {
    pub signed_at_ms: i64,
    /// The grant that lets a professional write (as `WritePlan.writer_grant`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, pattern = "^g-[0-9a-f]{32}$")]
    pub grant: Option<GrantId>,
    /// Ed25519 over `VersionStatement::text()`, base64url.
    #[schema(pattern = "^[A-Za-z0-9_-]{86}$")]
    pub signature: String,
}

/// A version's signature as stored and served, for devices to check.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct VersionProof {
    /// The signed text (`kluis-version/v1`).
    pub statement: String,
    /// Ed25519, base64url.
    pub signature: String,
    /// The grant named in the statement, as its household member signed
    /// it (JWS compact), when the writer is a professional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub writer_grant: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> VersionStatement {
        VersionStatement {
            household: HouseholdId::parse(&format!("h-{}", "1".repeat(32))).unwrap(),
            path: FieldPath::parse("gezondheid/notities").unwrap(),
            version: 3,
            key_gen: 1,
            ciphertext_sha256: ciphertext_sha256(b"abc"),
            readers: ["household".to_owned(), format!("p-{}", "2".repeat(32))].into(),
            writer: PrincipalId::parse(&format!("p-{}", "3".repeat(32))).unwrap(),
            grant: Some(GrantId::parse(&format!("g-{}", "4".repeat(32))).unwrap()),
            signer: PrincipalId::parse(&format!("p-{}", "3".repeat(32))).unwrap(),
            private: false,
            signed_at_ms: 1_700_000_000_000,
        }
    }

    #[test]
    fn a_statement_reads_back_exactly() {
        let s = sample();
        assert_eq!(VersionStatement::parse(&s.text()), Some(s.clone()));
        let member = VersionStatement { grant: None, ..s };
        assert_eq!(VersionStatement::parse(&member.text()), Some(member));
    }

    #[test]
    fn other_spellings_are_refused() {
        let text = sample().text();
        for bad in [
            text.replace("version: 3", "version: 03"),
            text.replace("private: no", "private: false"),
            text.replace("kluis-version/v1", "kluis-version/v2"),
            format!("{text}extra: 1\n"),
            text.trim_end().to_owned(),
            text.replace(&"2".repeat(32), &"2".repeat(31)),
        ] {
            assert_eq!(VersionStatement::parse(&bad), None, "{bad}");
        }
    }

    #[test]
    fn the_hash_is_sha256() {
        assert_eq!(
            ciphertext_sha256(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
