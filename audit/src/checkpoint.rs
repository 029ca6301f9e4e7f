//! Signed checkpoints: C2SP tlog-checkpoint bodies inside C2SP signed notes.
//!
//! A checkpoint is the server's signed statement "my log has `size` entries
//! and their Merkle root is `root`". Auditors pin the log key once and keep
//! the last checkpoint they saw; a later checkpoint plus a consistency proof
//! shows the log only grew. Using the public C2SP formats means auditors can
//! check kluis with existing tools (e.g. Go's `golang.org/x/mod/sumdb/note`)
//! instead of trusting code written by the party they audit.
//!
//! Body (<https://c2sp.org/tlog-checkpoint>):
//! ```text
//! <origin>\n
//! <tree size, decimal, no leading zeros>\n
//! <root hash, standard base64 with padding>\n
//! ```
//! Note (<https://c2sp.org/signed-note>): the body, one empty line, then
//! signature lines `"\u{2014} <key name> <base64(key id || signature)>\n"`.
//! The key id is the first 4 bytes of SHA-256(key name || "\n" || 0x01 ||
//! 32-byte Ed25519 public key); the signature is Ed25519 over the body bytes
//! (including the body's final newline, excluding the empty line).
//!
//! [`LogVerifier::open`] treats its input as hostile: the text comes from a
//! server the auditor does not trust. It enforces size caps and rejects
//! anything not in canonical form, so one note has exactly one meaning.

use crate::merkle::Hash;
use base64::{engine::general_purpose::STANDARD, Engine};
use ring::digest::{digest, SHA256};
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{Ed25519KeyPair, KeyPair, UnparsedPublicKey, ED25519};
use zeroize::Zeroizing;

/// Largest note text [`LogVerifier::open`] reads, in bytes.
pub const MAX_NOTE_BYTES: usize = 16 * 1024;
/// Most signature lines [`LogVerifier::open`] accepts (as Go's reference).
pub const MAX_SIGNATURES: usize = 100;

const ALG_ED25519: u8 = 0x01;
const SIG_PREFIX: &str = "\u{2014} ";

/// A tree head: the log named `origin` has `size` leaves with root `root`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
}

/// Why a checkpoint, note or key was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    #[error("the note is larger than {MAX_NOTE_BYTES} bytes")]
    TooLarge,
    #[error("the note has more than {MAX_SIGNATURES} signatures")]
    TooManySignatures,
    #[error("malformed note: {0}")]
    MalformedNote(&'static str),
    #[error("malformed checkpoint: {0}")]
    MalformedCheckpoint(&'static str),
    #[error("malformed key: {0}")]
    MalformedKey(&'static str),
    #[error("the note has no signature by the log key {0}")]
    NoMatchingSignature(String),
    #[error("the signature by the log key {0} is invalid: the checkpoint was altered or forged")]
    BadSignature(String),
    #[error("invalid key name: it must be non-empty UTF-8 without spaces or '+'")]
    BadKeyName,
    #[error("the Ed25519 key was rejected")]
    BadKey,
}

impl Checkpoint {
    /// The tlog-checkpoint body: origin, size and root, one per line.
    pub fn body(&self) -> String {
        format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            STANDARD.encode(self.root)
        )
    }

    /// Checks that the origin yields a body that parses back (non-empty, no
    /// control characters), so the server never signs what no one can open.
    pub fn validate(&self) -> Result<(), CheckpointError> {
        if self.origin.is_empty() {
            return Err(CheckpointError::MalformedCheckpoint("empty origin"));
        }
        if self.origin.chars().any(char::is_control) {
            return Err(CheckpointError::MalformedCheckpoint(
                "control character in origin",
            ));
        }
        Ok(())
    }

    /// Parses a checkpoint body strictly: exactly three lines, canonical
    /// decimal size, canonical base64 of exactly 32 bytes. Extension lines
    /// are rejected because kluis never writes them.
    pub fn parse_body(body: &str) -> Result<Checkpoint, CheckpointError> {
        let bad = CheckpointError::MalformedCheckpoint;
        let rest = body
            .strip_suffix('\n')
            .ok_or(bad("body must end with a newline"))?;
        let lines: Vec<&str> = rest.split('\n').collect();
        if lines.len() < 3 {
            return Err(bad("fewer than three lines"));
        }
        if lines.len() > 3 {
            return Err(bad("extension lines are not used by kluis"));
        }
        let origin = lines[0].to_string();
        let size = parse_decimal(lines[1]).ok_or(bad("size is not a canonical decimal number"))?;
        let root = decode_canonical_b64(lines[2])
            .and_then(|r| r.try_into().ok())
            .ok_or(bad("root is not canonical base64 of 32 bytes"))?;
        let cp = Checkpoint { origin, size, root };
        cp.validate()?;
        Ok(cp)
    }
}

/// Parses an unsigned decimal without sign, spaces or leading zeros.
fn parse_decimal(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0'))
    {
        return None;
    }
    s.parse().ok()
}

/// Standard base64 that re-encodes to exactly the same text: the decoder
/// already rejects bad padding and stray bits; the round trip makes that
/// guarantee independent of base64 crate settings.
fn decode_canonical_b64(s: &str) -> Option<Vec<u8>> {
    let bytes = STANDARD.decode(s).ok()?;
    (STANDARD.encode(&bytes) == s).then_some(bytes)
}

/// `decode_canonical_b64` for key material that may be secret (a private
/// key's seed): the decoded bytes and the re-encoding made to check them are
/// wiped when dropped.
fn decode_secret_b64(s: &str) -> Option<KeyMaterial> {
    let bytes = Zeroizing::new(STANDARD.decode(s).ok()?);
    let again = Zeroizing::new(STANDARD.encode(&*bytes));
    (again.as_str() == s).then_some(bytes)
}

fn valid_key_name(name: &str) -> bool {
    !name.is_empty()
        && !name
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '+')
}

/// The 4-byte key id of the signed-note spec.
fn key_id(name: &str, public_key: &[u8]) -> [u8; 4] {
    let mut msg = Vec::with_capacity(name.len() + 2 + public_key.len());
    msg.extend_from_slice(name.as_bytes());
    msg.push(b'\n');
    msg.push(ALG_ED25519);
    msg.extend_from_slice(public_key);
    let d = digest(&SHA256, &msg);
    d.as_ref()[..4].try_into().expect("4 bytes")
}

/// The server's log key: signs checkpoints.
///
/// Secret copies this module makes are wiped when dropped: the seed while a
/// key is generated or parsed, the decoded key material, the private key
/// text (`generate_private_key` returns it in `Zeroizing`). Not covered: the
/// ring `Ed25519KeyPair` held here for the process's life (ring keeps the
/// expanded private key in memory of its own and does not wipe it on drop;
/// that is outside our control), and the caller's own copies of the text
/// they pass to `from_private_key`.
pub struct LogSigner {
    name: String,
    key: Ed25519KeyPair,
    id: [u8; 4],
}

impl std::fmt::Debug for LogSigner {
    // Never print key material; the verifier key identifies the signer.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogSigner")
            .field("verifier_key", &self.verifier_key())
            .finish()
    }
}

impl LogSigner {
    /// Wraps an Ed25519 key pair under the key name `name` (conventionally
    /// the log origin).
    pub fn new(name: &str, key: Ed25519KeyPair) -> Result<Self, CheckpointError> {
        if !valid_key_name(name) {
            return Err(CheckpointError::BadKeyName);
        }
        let id = key_id(name, key.public_key().as_ref());
        Ok(Self {
            name: name.to_string(),
            key,
            id,
        })
    }

    /// From a 32-byte Ed25519 seed (RFC 8032 private key).
    pub fn from_seed(name: &str, seed: &[u8; 32]) -> Result<Self, CheckpointError> {
        let key = Ed25519KeyPair::from_seed_unchecked(seed).map_err(|_| CheckpointError::BadKey)?;
        Self::new(name, key)
    }

    /// Generates a fresh key and returns it in the signed-note private key
    /// format `PRIVATE+KEY+<name>+<hex id>+<base64(0x01 || seed)>`, which Go's
    /// `note.NewSigner` also reads. The server stores this text in its key
    /// file (beside the database, never in it); treat it as a secret.
    pub fn generate_private_key(name: &str) -> Result<Zeroizing<String>, CheckpointError> {
        if !valid_key_name(name) {
            return Err(CheckpointError::BadKeyName);
        }
        let mut seed = Zeroizing::new([0u8; 32]);
        SystemRandom::new()
            .fill(&mut seed[..])
            .map_err(|_| CheckpointError::BadKey)?;
        let key =
            Ed25519KeyPair::from_seed_unchecked(&seed[..]).map_err(|_| CheckpointError::BadKey)?;
        let id = key_id(name, key.public_key().as_ref());
        let mut material = Zeroizing::new(Vec::with_capacity(33));
        material.push(ALG_ED25519);
        material.extend_from_slice(&seed[..]);
        let encoded = Zeroizing::new(STANDARD.encode(&*material));
        Ok(Zeroizing::new(format!(
            "PRIVATE+KEY+{name}+{}+{}",
            hex::encode(id),
            encoded.as_str()
        )))
    }

    /// Parses the signed-note private key format (see
    /// [`LogSigner::generate_private_key`]), checking the key id.
    pub fn from_private_key(skey: &str) -> Result<Self, CheckpointError> {
        let bad = CheckpointError::MalformedKey;
        let rest = skey
            .strip_prefix("PRIVATE+KEY+")
            .ok_or(bad("missing PRIVATE+KEY+ prefix"))?;
        let (name, id, material) = split_key(rest)?;
        if material.len() != 33 || material[0] != ALG_ED25519 {
            return Err(bad("not an Ed25519 private key"));
        }
        let mut seed = Zeroizing::new([0u8; 32]);
        seed.copy_from_slice(&material[1..]);
        let signer = Self::from_seed(name, &seed)?;
        if signer.id != id {
            return Err(bad("key id does not match the key"));
        }
        Ok(signer)
    }

    /// The key name that appears in signature lines.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The public verifier key `<name>+<hex id>+<base64(0x01 || pubkey)>`,
    /// which the API serves and the server prints at start-up, so auditors
    /// can pin it.
    pub fn verifier_key(&self) -> String {
        let mut material = vec![ALG_ED25519];
        material.extend_from_slice(self.key.public_key().as_ref());
        format!(
            "{}+{}+{}",
            self.name,
            hex::encode(self.id),
            STANDARD.encode(material)
        )
    }

    /// The verifier for this signer's key.
    pub fn verifier(&self) -> LogVerifier {
        LogVerifier {
            name: self.name.clone(),
            id: self.id,
            public_key: self.key.public_key().as_ref().try_into().expect("32 bytes"),
        }
    }

    /// Signs any note text (must end in a newline). Used by [`Self::sign`];
    /// exposed for the signed-note test vectors.
    pub fn sign_note(&self, text: &str) -> Result<String, CheckpointError> {
        if !text.ends_with('\n') {
            return Err(CheckpointError::MalformedNote(
                "text must end with a newline",
            ));
        }
        let sig = self.key.sign(text.as_bytes());
        let mut blob = self.id.to_vec();
        blob.extend_from_slice(sig.as_ref());
        Ok(format!(
            "{text}\n{SIG_PREFIX}{} {}\n",
            self.name,
            STANDARD.encode(blob)
        ))
    }

    /// Signs a checkpoint, giving the full signed-note text.
    pub fn sign(&self, checkpoint: &Checkpoint) -> Result<String, CheckpointError> {
        checkpoint.validate()?;
        self.sign_note(&checkpoint.body())
    }
}

/// Splits `<name>+<8 hex digits>+<base64>` (the base64 may contain '+').
/// Key material that may be secret (a private key's seed): wiped when dropped.
type KeyMaterial = Zeroizing<Vec<u8>>;

/// Name, key id and key material of a signed-note key.
fn split_key(s: &str) -> Result<(&str, [u8; 4], KeyMaterial), CheckpointError> {
    let bad = CheckpointError::MalformedKey;
    let mut parts = s.splitn(3, '+');
    let name = parts.next().ok_or(bad("missing name"))?;
    let id_hex = parts.next().ok_or(bad("missing key id"))?;
    let b64 = parts.next().ok_or(bad("missing key material"))?;
    if !valid_key_name(name) {
        return Err(CheckpointError::BadKeyName);
    }
    if id_hex.len() != 8
        || !id_hex
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        return Err(bad("key id must be 8 lowercase hex digits"));
    }
    let id: [u8; 4] = hex::decode(id_hex)
        .map_err(|_| bad("key id is not hex"))?
        .try_into()
        .map_err(|_| bad("key id is not 4 bytes"))?;
    let material = decode_secret_b64(b64).ok_or(bad("key is not canonical base64"))?;
    Ok((name, id, material))
}

/// An auditor's pinned log key: opens signed checkpoints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogVerifier {
    name: String,
    id: [u8; 4],
    public_key: [u8; 32],
}

impl LogVerifier {
    /// Parses a verifier key `<name>+<hex id>+<base64(0x01 || pubkey)>` and
    /// checks that the id matches the name and key.
    pub fn parse(vkey: &str) -> Result<Self, CheckpointError> {
        let (name, id, material) = split_key(vkey)?;
        if material.len() != 33 || material[0] != ALG_ED25519 {
            return Err(CheckpointError::MalformedKey("not an Ed25519 verifier key"));
        }
        let public_key: [u8; 32] = material[1..].try_into().expect("32 bytes");
        if key_id(name, &public_key) != id {
            return Err(CheckpointError::MalformedKey(
                "key id does not match the key",
            ));
        }
        Ok(Self {
            name: name.to_string(),
            id,
            public_key,
        })
    }

    /// The key name signatures must carry.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Verifies a signed note and returns its text (the signed body).
    ///
    /// Signature lines by other keys (for example witnesses' cosignatures)
    /// are allowed if well formed and ignored; at least one line must be by
    /// this key, and every line by this key must verify.
    pub fn open_note<'a>(&self, note: &'a str) -> Result<&'a str, CheckpointError> {
        let bad = CheckpointError::MalformedNote;
        if note.len() > MAX_NOTE_BYTES {
            return Err(CheckpointError::TooLarge);
        }
        if note.chars().any(|c| c != '\n' && c.is_control()) {
            return Err(bad("control character"));
        }
        let split = note
            .rfind("\n\n")
            .ok_or(bad("no blank line before signatures"))?;
        let text = &note[..split + 1];
        let sigs = &note[split + 2..];
        if !sigs.ends_with('\n') {
            return Err(bad("signature block must end with a newline"));
        }
        let lines: Vec<&str> = sigs[..sigs.len() - 1].split('\n').collect();
        if lines.len() > MAX_SIGNATURES {
            return Err(CheckpointError::TooManySignatures);
        }
        let mut verified = false;
        for line in lines {
            let rest = line
                .strip_prefix(SIG_PREFIX)
                .ok_or(bad("signature line must start with an em dash and a space"))?;
            let (name, b64) = rest
                .split_once(' ')
                .ok_or(bad("signature line has no key name"))?;
            if !valid_key_name(name) {
                return Err(bad("invalid key name in signature line"));
            }
            let blob = decode_canonical_b64(b64).ok_or(bad("signature is not canonical base64"))?;
            if blob.len() < 5 {
                return Err(bad("signature too short"));
            }
            if name != self.name || blob[..4] != self.id {
                continue;
            }
            if blob.len() != 4 + 64
                || UnparsedPublicKey::new(&ED25519, self.public_key)
                    .verify(text.as_bytes(), &blob[4..])
                    .is_err()
            {
                return Err(CheckpointError::BadSignature(self.key_label()));
            }
            verified = true;
        }
        if !verified {
            return Err(CheckpointError::NoMatchingSignature(self.key_label()));
        }
        Ok(text)
    }

    /// Verifies a signed checkpoint note and parses its body strictly.
    pub fn open(&self, note: &str) -> Result<Checkpoint, CheckpointError> {
        Checkpoint::parse_body(self.open_note(note)?)
    }

    fn key_label(&self) -> String {
        format!("{}+{}", self.name, hex::encode(self.id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The secret copies are `Zeroizing` (wiped on drop): the private key
    /// text, and the material decoded from it. A type check, since reading
    /// freed memory to see it wiped is not something a test can do soundly.
    #[test]
    fn secret_copies_are_wiped_on_drop() {
        fn wiped<T: zeroize::Zeroize>(_: &Zeroizing<T>) {}
        let skey = LogSigner::generate_private_key("kluis.example/log").unwrap();
        wiped(&skey);
        let (_, _, material) = split_key(skey.strip_prefix("PRIVATE+KEY+").unwrap()).unwrap();
        wiped(&material);
        assert_eq!(material.len(), 33);
        assert!(decode_secret_b64("AQ").is_none(), "not canonical");
        assert!(LogSigner::from_private_key(&skey).is_ok());
    }

    // The Ed25519 vector from Go's golang.org/x/mod/sumdb/note note_test.go
    // (TestSign, TestOpen): key pair, text and the published signature line.
    const GO_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    const GO_SKEY: &str =
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    const GO_TEXT: &str = "If you think cryptography is the answer to your problem,\n\
                           then you don't know what your problem is.\n";
    const GO_SIG: &str = "\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
    const GO_ENOCH_SIG: &str = "\u{2014} EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

    fn go_note() -> String {
        format!("{GO_TEXT}\n{GO_SIG}")
    }

    fn signer() -> LogSigner {
        LogSigner::from_seed("kluis.example/log", &[7; 32]).unwrap()
    }

    fn checkpoint() -> Checkpoint {
        Checkpoint {
            origin: "kluis.example/log".into(),
            size: 40,
            root: crate::merkle::leaf_hash(b"x"),
        }
    }

    #[test]
    fn go_vector_signs_byte_for_byte() {
        let s = LogSigner::from_private_key(GO_SKEY).unwrap();
        assert_eq!(s.verifier_key(), GO_VKEY);
        assert_eq!(s.sign_note(GO_TEXT).unwrap(), go_note());
    }

    #[test]
    fn go_vector_opens_and_ignores_foreign_signatures() {
        let v = LogVerifier::parse(GO_VKEY).unwrap();
        assert_eq!(v.open_note(&go_note()).unwrap(), GO_TEXT);
        let two = format!("{GO_TEXT}\n{GO_SIG}{GO_ENOCH_SIG}");
        assert_eq!(v.open_note(&two).unwrap(), GO_TEXT);
        let only_enoch = format!("{GO_TEXT}\n{GO_ENOCH_SIG}");
        assert!(matches!(
            v.open_note(&only_enoch),
            Err(CheckpointError::NoMatchingSignature(_))
        ));
    }

    #[test]
    fn go_vector_rejects_altered_text_and_signature() {
        let v = LogVerifier::parse(GO_VKEY).unwrap();
        let altered = go_note().replace("cryptography", "cryptographY");
        assert!(matches!(
            v.open_note(&altered),
            Err(CheckpointError::BadSignature(_))
        ));
        // Go's "invalid signature" case: four characters inserted mid-signature.
        let sig = format!("{}ABCD{}", &GO_SIG[..60], &GO_SIG[60..]);
        assert!(v.open_note(&format!("{GO_TEXT}\n{sig}")).is_err());
    }

    #[test]
    fn go_malformed_messages_are_rejected() {
        // The badMsgs table of Go's TestOpen.
        let v = LogVerifier::parse(GO_VKEY).unwrap();
        let bad = [
            GO_TEXT.to_string(),
            format!("{GO_TEXT}\n"),
            format!("{GO_TEXT}\n{}", &GO_SIG[..GO_SIG.len() - 1]),
            format!("\x01{GO_TEXT}\n{GO_SIG}"),
            format!("{GO_TEXT}\n\u{2014} Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="),
            format!("{GO_TEXT}\n{GO_SIG}Unexpected line.\n"),
        ];
        for msg in bad {
            assert!(
                matches!(v.open_note(&msg), Err(CheckpointError::MalformedNote(_))),
                "accepted {msg:?}"
            );
        }
    }

    #[test]
    fn go_vector_signature_limit() {
        let v = LogVerifier::parse(GO_VKEY).unwrap();
        let hundred = format!("{GO_TEXT}\n{}", GO_SIG.repeat(100));
        assert!(v.open_note(&hundred).is_ok());
        let too_many = format!("{GO_TEXT}\n{}", GO_SIG.repeat(101));
        assert_eq!(
            v.open_note(&too_many),
            Err(CheckpointError::TooManySignatures)
        );
    }

    #[test]
    fn go_mangled_verifier_keys_are_rejected() {
        // As Go's TestNewVerifier: every proper substring and every single
        // byte increment of the key must fail to parse.
        assert!(LogVerifier::parse(GO_VKEY).is_ok());
        let b = GO_VKEY.as_bytes();
        for i in 0..=b.len() {
            for j in i + 1..=b.len() {
                if (i, j) != (0, b.len()) {
                    assert!(
                        LogVerifier::parse(&GO_VKEY[i..j]).is_err(),
                        "{}",
                        &GO_VKEY[i..j]
                    );
                }
            }
        }
        for i in 0..b.len() {
            let mut m = b.to_vec();
            m[i] += 1;
            let s = String::from_utf8(m).unwrap();
            assert!(LogVerifier::parse(&s).is_err(), "{s}");
        }
        // Wrong length key and unknown algorithm, each with adjusted key id.
        assert!(LogVerifier::parse(
            "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=="
        )
        .is_err());
        assert!(LogVerifier::parse(
            "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
        )
        .is_err());
    }

    #[test]
    fn checkpoint_round_trips() {
        let s = signer();
        let note = s.sign(&checkpoint()).unwrap();
        assert!(note.starts_with("kluis.example/log\n40\n"));
        let v = LogVerifier::parse(&s.verifier_key()).unwrap();
        assert_eq!(v, s.verifier());
        assert_eq!(v.open(&note).unwrap(), checkpoint());
    }

    #[test]
    fn generated_private_key_round_trips() {
        let skey = LogSigner::generate_private_key("kluis.example/log").unwrap();
        let s = LogSigner::from_private_key(&skey).unwrap();
        let other = LogSigner::generate_private_key("kluis.example/log").unwrap();
        assert_ne!(skey, other);
        let note = s.sign(&checkpoint()).unwrap();
        assert!(s.verifier().open(&note).is_ok());
        assert!(!format!("{s:?}").contains(&skey[30..]));
    }

    #[test]
    fn another_key_with_the_same_name_is_not_accepted() {
        let note = signer().sign(&checkpoint()).unwrap();
        let other = LogSigner::from_seed("kluis.example/log", &[8; 32]).unwrap();
        assert!(matches!(
            other.verifier().open(&note),
            Err(CheckpointError::NoMatchingSignature(_))
        ));
    }

    #[test]
    fn tampered_checkpoints_fail() {
        let s = signer();
        let v = s.verifier();
        let note = s.sign(&checkpoint()).unwrap();
        let bigger = note.replacen("\n40\n", "\n41\n", 1);
        assert!(matches!(
            v.open(&bigger),
            Err(CheckpointError::BadSignature(_))
        ));
        // Flip each character of the body in turn: never accepted.
        let body_len = checkpoint().body().len();
        for i in 0..body_len {
            let mut b = note.clone().into_bytes();
            b[i] ^= 0x01;
            if let Ok(t) = String::from_utf8(b) {
                assert!(v.open(&t).is_err(), "flip at {i} accepted");
            }
        }
    }

    #[test]
    fn non_canonical_bodies_are_rejected_even_when_signed() {
        let s = signer();
        let v = s.verifier();
        let root = STANDARD.encode(checkpoint().root);
        let cases = [
            format!("kluis.example/log\n040\n{root}\n"),
            format!("kluis.example/log\n+40\n{root}\n"),
            format!("kluis.example/log\n 40\n{root}\n"),
            format!("kluis.example/log\n18446744073709551616\n{root}\n"),
            format!("kluis.example/log\n40\n{}\n", root.trim_end_matches('=')),
            format!("kluis.example/log\n40\n{}\n", &root[4..]),
            format!("kluis.example/log\n40\n{root}\nextension\n"),
            format!("\n40\n{root}\n"),
            "kluis.example/log\n40\n".to_string(),
        ];
        for body in cases {
            let note = s.sign_note(&body).unwrap();
            assert!(
                matches!(v.open(&note), Err(CheckpointError::MalformedCheckpoint(_))),
                "accepted {body:?}"
            );
        }
        // Size zero is canonical.
        let zero = format!("kluis.example/log\n0\n{root}\n");
        assert_eq!(v.open(&s.sign_note(&zero).unwrap()).unwrap().size, 0);
    }

    #[test]
    fn oversized_notes_are_rejected_before_parsing() {
        let v = signer().verifier();
        let huge = "a".repeat(MAX_NOTE_BYTES + 1);
        assert_eq!(v.open(&huge), Err(CheckpointError::TooLarge));
    }

    #[test]
    fn invalid_origins_cannot_be_signed() {
        let mut cp = checkpoint();
        cp.origin = "two\nlines".into();
        assert!(signer().sign(&cp).is_err());
        cp.origin = String::new();
        assert!(signer().sign(&cp).is_err());
        assert_eq!(
            LogSigner::from_seed("has space", &[1; 32]).err(),
            Some(CheckpointError::BadKeyName)
        );
    }
}
