//! A person's two key pairs: Ed25519 for signing (login, grants, membership
//! changes) and an age X25519 identity for receiving envelopes.

use std::fmt;
use std::str::FromStr;

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use ring::signature::{Ed25519KeyPair, KeyPair, UnparsedPublicKey, ED25519};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// A person's secret keys. Only ever in memory on the person's own device.
pub struct Identity {
    name: String,
    /// The Ed25519 seed. The ring key pair is derived from it for each
    /// signature and dropped at once, so the seed is the one long-lived copy
    /// and it is zeroized on drop.
    seed: Zeroizing<[u8; 32]>,
    public_signing: [u8; 32],
    /// x25519-dalek's secret inside zeroizes itself on drop.
    age: age::x25519::Identity,
}

/// The public half, which is all that ever leaves the device.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PublicKeys {
    /// Ed25519 public key, base64url without padding.
    #[schema(pattern = "^[A-Za-z0-9_-]{43}$")]
    pub signing_key: String,
    /// age X25519 recipient, `age1…`.
    #[schema(pattern = "^age1[02-9ac-hj-np-z]{58}$")]
    pub age_recipient: String,
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("the signing key is not a valid Ed25519 key")]
    BadSigningKey,
    #[error("the age identity is not valid")]
    BadAgeIdentity,
    #[error("'{0}' is not a valid age X25519 recipient")]
    BadRecipient(String),
}

impl Identity {
    pub fn generate(name: &str) -> Self {
        let seed: Zeroizing<[u8; 32]> = Zeroizing::new(rand::random());
        Self::from_parts(name, seed, age::x25519::Identity::generate())
            .expect("a fresh seed is a valid key")
    }

    pub fn from_parts(
        name: &str,
        seed: Zeroizing<[u8; 32]>,
        age: age::x25519::Identity,
    ) -> Result<Self, KeyError> {
        let pair =
            Ed25519KeyPair::from_seed_unchecked(&seed[..]).map_err(|_| KeyError::BadSigningKey)?;
        let mut public_signing = [0u8; 32];
        public_signing.copy_from_slice(pair.public_key().as_ref());
        Ok(Self {
            name: name.to_owned(),
            seed,
            public_signing,
            age,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub(crate) fn seed(&self) -> &Zeroizing<[u8; 32]> {
        &self.seed
    }

    /// The age identity as `AGE-SECRET-KEY-1…` text: secret, handle with care.
    pub fn age_secret(&self) -> Zeroizing<String> {
        Zeroizing::new(self.age.to_string().expose_secret().to_owned())
    }

    pub fn age_identity(&self) -> &age::x25519::Identity {
        &self.age
    }

    pub fn signing_public_key(&self) -> &[u8; 32] {
        &self.public_signing
    }

    /// A ring key pair for one signing operation (JWS statements want one).
    ///
    /// Made from the seed in place (no copy of the seed is made here). The
    /// pair itself is ring's: it holds the expanded private key in memory
    /// ring owns and does not wipe on drop, which is outside our control; we
    /// keep it only for the one operation, so the zeroized seed stays the one
    /// long-lived copy.
    pub fn key_pair(&self) -> Ed25519KeyPair {
        Ed25519KeyPair::from_seed_unchecked(&self.seed[..]).expect("checked at construction")
    }

    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        let sig = self.key_pair().sign(message);
        let mut out = [0u8; 64];
        out.copy_from_slice(sig.as_ref());
        out
    }

    pub fn public(&self) -> PublicKeys {
        PublicKeys {
            signing_key: B64.encode(self.public_signing),
            age_recipient: self.age.to_public().to_string(),
        }
    }
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Identity")
            .field("name", &self.name)
            .field("public", &self.public())
            .finish_non_exhaustive()
    }
}

impl PublicKeys {
    /// Parse both keys, so nothing malformed is stored or used.
    pub fn parse(&self) -> Result<([u8; 32], age::x25519::Recipient), KeyError> {
        let signing = decode_signing_key(&self.signing_key)?;
        let recipient = age::x25519::Recipient::from_str(&self.age_recipient)
            .map_err(|_| KeyError::BadRecipient(self.age_recipient.chars().take(80).collect()))?;
        Ok((signing, recipient))
    }

    /// The fingerprint people compare out of band before trusting a key.
    pub fn fingerprint(&self) -> Result<String, KeyError> {
        let (signing, _) = self.parse()?;
        Ok(fingerprint(&signing, &self.age_recipient))
    }
}

/// The fingerprint people compare out of band before trusting a key; one
/// definition, in the policy crate, because grants name it too.
pub use kluis_policy::key_fingerprint as fingerprint;

pub fn decode_signing_key(text: &str) -> Result<[u8; 32], KeyError> {
    if text.len() > 64 {
        return Err(KeyError::BadSigningKey);
    }
    let bytes = B64.decode(text).map_err(|_| KeyError::BadSigningKey)?;
    bytes.try_into().map_err(|_| KeyError::BadSigningKey)
}

/// Check an Ed25519 signature made by `public_key`.
pub fn verify_signature(public_key: &[u8; 32], message: &[u8], signature: &[u8]) -> bool {
    UnparsedPublicKey::new(&ED25519, public_key)
        .verify(message, signature)
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The seed, the secrets a person's device holds, and the log signer's
    /// key text are kept in types that wipe them on drop (a type check: a
    /// test cannot soundly read freed memory). ring's own key pairs are not
    /// covered; see `Identity::key_pair`.
    #[test]
    fn secret_copies_are_wiped_on_drop() {
        fn wiped<T: zeroize::Zeroize>(_: &Zeroizing<T>) {}
        let id = Identity::generate("Anna");
        wiped(id.seed());
        wiped(&id.age_secret());
        wiped(&kluis_audit::LogSigner::generate_private_key("kluis-log-test").unwrap());
    }

    #[test]
    fn debug_shows_no_secret() {
        let id = Identity::generate("Anna");
        let shown = format!("{id:?}");
        assert!(shown.contains("Anna"));
        assert!(!shown.contains(&B64.encode(&id.seed()[..])));
        assert!(!shown.to_uppercase().contains("AGE-SECRET-KEY"));
    }

    #[test]
    fn signatures_verify_only_for_their_message() {
        let id = Identity::generate("Anna");
        let sig = id.sign(b"hello");
        assert!(verify_signature(id.signing_public_key(), b"hello", &sig));
        assert!(!verify_signature(id.signing_public_key(), b"hellO", &sig));
    }

    #[test]
    fn public_keys_parse_and_fingerprint() {
        let id = Identity::generate("Anna");
        let public = id.public();
        assert!(public.parse().is_ok());
        let fp = public.fingerprint().unwrap();
        assert_eq!(fp.len(), 39);
        let other = Identity::generate("Bert").public().fingerprint().unwrap();
        assert_ne!(fp, other);
        let bad = PublicKeys {
            signing_key: "AAAA".into(),
            age_recipient: public.age_recipient,
        };
        assert!(bad.parse().is_err());
    }
}
