//! The keystore file: one per person, holding their `Identity`.
//!
//! The file is an ASCII-armored age file encrypted with the person's passphrase
//! (age's scrypt recipient), so the standard `age -d` opens it too. Inside is
//! a small JSON document:
//!
//! ```json
//! {"kluis_keystore": 1, "name": "Anna", "signing_seed": "<base64url>", "age_identity": "AGE-SECRET-KEY-1…"}
//! ```
//!
//! The file is created with mode 0600 and never overwritten: losing a keystore
//! by a slip of the keyboard would lose a household's access.

use std::fs::OpenOptions;
use std::io::{Read, Write};
use std::path::Path;
use std::str::FromStr;

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, Zeroizing};

use super::Identity;

/// The scrypt cost of a new keystore, as log2(N).
#[derive(Debug, Clone, Copy)]
pub struct WorkFactor(pub u8);

impl WorkFactor {
    /// About a second on a laptop: the cost an attacker pays per guess.
    pub const DEFAULT: WorkFactor = WorkFactor(18);
    /// The lowest we accept, for tests and scripted demos.
    pub const MIN: u8 = 10;
    /// The highest we will spend opening a file: a hostile file cannot make us
    /// burn minutes of CPU.
    pub const MAX_OPEN: u8 = 22;
}

#[derive(Debug, thiserror::Error)]
pub enum KeystoreError {
    #[error("a keystore already exists at {0}; kluis never overwrites one")]
    Exists(String),
    #[error("no keystore at {0}: create one with `kluis keys new --name NAME`")]
    Missing(String),
    #[error("the passphrase does not open this keystore")]
    WrongPassphrase,
    #[error("this file is not a kluis keystore")]
    NotAKeystore,
    #[error("the passphrase may not be empty")]
    EmptyPassphrase,
    #[error(
        "the scrypt work factor must be between {} and {}",
        WorkFactor::MIN,
        WorkFactor::MAX_OPEN
    )]
    BadWorkFactor,
    #[error("could not use keystore file {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Contents {
    kluis_keystore: u32,
    name: String,
    signing_seed: String,
    age_identity: String,
}

impl Drop for Contents {
    fn drop(&mut self) {
        self.signing_seed.zeroize();
        self.age_identity.zeroize();
    }
}

pub struct Keystore;

impl Keystore {
    /// Write a new keystore for `identity`. Refuses to replace an existing file.
    pub fn create(
        path: &Path,
        identity: &Identity,
        passphrase: &str,
        work: WorkFactor,
    ) -> Result<(), KeystoreError> {
        if passphrase.is_empty() {
            return Err(KeystoreError::EmptyPassphrase);
        }
        if !(WorkFactor::MIN..=WorkFactor::MAX_OPEN).contains(&work.0) {
            return Err(KeystoreError::BadWorkFactor);
        }
        let io = |source| KeystoreError::Io {
            path: path.display().to_string(),
            source,
        };
        let json = secrets_json(identity);

        let mut recipient = age::scrypt::Recipient::new(SecretString::from(passphrase.to_owned()));
        recipient.set_work_factor(work.0);
        let encryptor = age::Encryptor::with_recipients(std::iter::once(&recipient as _))
            .expect("one scrypt recipient is a valid set");
        let mut armored = Vec::new();
        {
            let armor = age::armor::ArmoredWriter::wrap_output(
                &mut armored,
                age::armor::Format::AsciiArmor,
            )
            .map_err(io)?;
            let mut w = encryptor.wrap_output(armor).map_err(io)?;
            w.write_all(&json).map_err(io)?;
            w.finish().and_then(|a| a.finish()).map_err(io)?;
        }

        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                KeystoreError::Exists(path.display().to_string())
            } else {
                io(e)
            }
        })?;
        file.write_all(&armored).map_err(io)?;
        file.sync_all().map_err(io)?;
        Ok(())
    }

    /// Open a keystore with its passphrase.
    pub fn open(path: &Path, passphrase: &str) -> Result<Identity, KeystoreError> {
        let mut raw = Vec::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(64 * 1024).read_to_end(&mut raw))
            .map_err(|e| {
                if e.kind() == std::io::ErrorKind::NotFound {
                    KeystoreError::Missing(path.display().to_string())
                } else {
                    KeystoreError::Io {
                        path: path.display().to_string(),
                        source: e,
                    }
                }
            })?;
        Self::open_bytes(&raw, passphrase)
    }

    pub fn open_bytes(raw: &[u8], passphrase: &str) -> Result<Identity, KeystoreError> {
        let reader = age::armor::ArmoredReader::new(raw);
        let decryptor = age::Decryptor::new(reader).map_err(|_| KeystoreError::NotAKeystore)?;
        if !decryptor.is_scrypt() {
            return Err(KeystoreError::NotAKeystore);
        }
        let mut identity = age::scrypt::Identity::new(SecretString::from(passphrase.to_owned()));
        identity.set_max_work_factor(WorkFactor::MAX_OPEN);
        let mut reader =
            decryptor
                .decrypt(std::iter::once(&identity as _))
                .map_err(|e| match e {
                    age::DecryptError::DecryptionFailed | age::DecryptError::NoMatchingKeys => {
                        KeystoreError::WrongPassphrase
                    }
                    _ => KeystoreError::NotAKeystore,
                })?;
        let mut json = Zeroizing::new(Vec::new());
        reader
            .by_ref()
            .take(16 * 1024)
            .read_to_end(&mut json)
            .map_err(|_| KeystoreError::NotAKeystore)?;
        identity_from_json(&json)
    }
}

/// The keystore's inner JSON document for `identity` (secret). The recovery
/// blob (`keys::recovery_blob`) wraps the same document.
pub(crate) fn secrets_json(identity: &Identity) -> Zeroizing<Vec<u8>> {
    let contents = Contents {
        kluis_keystore: 1,
        name: identity.name().to_owned(),
        signing_seed: B64.encode(&identity.seed()[..]),
        age_identity: identity.age_secret().to_string(),
    };
    Zeroizing::new(serde_json::to_vec(&contents).expect("plain struct"))
}

/// The identity in a document made by `secrets_json`, read strictly.
pub(crate) fn identity_from_json(json: &[u8]) -> Result<Identity, KeystoreError> {
    let contents: Contents =
        serde_json::from_slice(json).map_err(|_| KeystoreError::NotAKeystore)?;
    if contents.kluis_keystore != 1 {
        return Err(KeystoreError::NotAKeystore);
    }
    let seed_bytes = Zeroizing::new(
        B64.decode(&contents.signing_seed)
            .map_err(|_| KeystoreError::NotAKeystore)?,
    );
    let mut seed = Zeroizing::new([0u8; 32]);
    if seed_bytes.len() != 32 {
        return Err(KeystoreError::NotAKeystore);
    }
    seed.copy_from_slice(&seed_bytes);
    let age = age::x25519::Identity::from_str(&contents.age_identity)
        .map_err(|_| KeystoreError::NotAKeystore)?;
    Identity::from_parts(&contents.name, seed, age).map_err(|_| KeystoreError::NotAKeystore)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEST_WORK: WorkFactor = WorkFactor(10);

    #[test]
    fn round_trip_and_refusals() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("anna.kluis");
        let id = Identity::generate("Anna");
        Keystore::create(&path, &id, "correct horse", TEST_WORK).unwrap();

        let back = Keystore::open(&path, "correct horse").unwrap();
        assert_eq!(back.public(), id.public());
        assert_eq!(back.name(), "Anna");

        assert!(matches!(
            Keystore::open(&path, "wrong"),
            Err(KeystoreError::WrongPassphrase)
        ));
        let again = Keystore::create(&path, &Identity::generate("Eve"), "x", TEST_WORK);
        assert!(matches!(again, Err(KeystoreError::Exists(_))));
        // The original is untouched.
        assert_eq!(
            Keystore::open(&path, "correct horse").unwrap().public(),
            id.public()
        );
        assert!(matches!(
            Keystore::open(&dir.path().join("nope"), "x"),
            Err(KeystoreError::Missing(_))
        ));
    }

    #[cfg(unix)]
    #[test]
    fn file_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        Keystore::create(&path, &Identity::generate("A"), "pw", TEST_WORK).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn garbage_is_not_a_keystore() {
        assert!(matches!(
            Keystore::open_bytes(b"hello", "pw"),
            Err(KeystoreError::NotAKeystore)
        ));
    }
}
