//! Identifiers of principals, households, grants and retention proposals.
//!
//! An id is a one-letter kind prefix, a dash and 32 lowercase hex digits (128
//! random bits), e.g. `h-3f9c…`. The prefix makes a household id pasted where a
//! principal id belongs fail to parse instead of silently matching nothing.
//! Ids are parsed, never merely validated: holding a `HouseholdId` proves the
//! text was well formed, so nothing malformed ever reaches SQL.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Why a piece of text is not an id of the expected kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "'{text}' is not a valid {kind} id (expected '{prefix}-' followed by 32 lowercase hex digits)"
)]
pub struct IdError {
    pub kind: &'static str,
    pub prefix: &'static str,
    pub text: String,
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $prefix:literal, $kind:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name([u8; 16]);

        impl $name {
            pub const PREFIX: &'static str = $prefix;

            /// A fresh random id.
            pub fn random() -> Self {
                Self(rand::random())
            }

            pub fn from_bytes(bytes: [u8; 16]) -> Self {
                Self(bytes)
            }

            pub fn as_bytes(&self) -> &[u8; 16] {
                &self.0
            }

            pub fn parse(text: &str) -> Result<Self, IdError> {
                let err = || IdError {
                    kind: $kind,
                    prefix: $prefix,
                    // Cap what we echo back: the text may be hostile and huge.
                    text: text.chars().take(80).collect(),
                };
                let rest = text
                    .strip_prefix($prefix)
                    .and_then(|r| r.strip_prefix('-'))
                    .ok_or_else(err)?;
                if rest.len() != 32 || !rest.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
                    return Err(err());
                }
                let mut bytes = [0u8; 16];
                hex::decode_to_slice(rest, &mut bytes).map_err(|_| err())?;
                Ok(Self(bytes))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}-{}", $prefix, hex::encode(self.0))
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(self, f)
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                Self::parse(s)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                Self::parse(&text).map_err(serde::de::Error::custom)
            }
        }
    };
}

id_type!(
    /// A person known to the server: client, professional, auditor or admin.
    PrincipalId, "p", "principal"
);
id_type!(
    /// A household, the owner of one plan.
    HouseholdId, "h", "household"
);
id_type!(
    /// A grant (a consent statement) or a revocation of one.
    GrantId, "g", "grant"
);
id_type!(
    /// A proposal to erase or destroy, waiting for a second administrator.
    ProposalId, "r", "proposal"
);
id_type!(
    /// A trusted contact's request for access to a household.
    ContactRequestId, "c", "contact request"
);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn round_trips_through_text() {
        let id = HouseholdId::random();
        assert_eq!(HouseholdId::parse(&id.to_string()).unwrap(), id);
    }

    #[test]
    fn refuses_the_wrong_kind() {
        let p = PrincipalId::random().to_string();
        let err = HouseholdId::parse(&p).unwrap_err();
        assert_eq!(err.kind, "household");
    }

    #[test]
    fn refuses_malformed_text() {
        for bad in [
            "",
            "h-",
            "h-123",
            "h-0123456789ABCDEF0123456789abcdef",
            "h-0123456789abcdef0123456789abcdef0",
            "h_0123456789abcdef0123456789abcdef",
            "h-0123456789abcdef0123456789abcdeg",
            "h-0123456789abcdef0123456789abcde'",
        ] {
            assert!(HouseholdId::parse(bad).is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn json_refuses_malformed() {
        assert!(serde_json::from_str::<PrincipalId>("\"p-zz\"").is_err());
        let id = PrincipalId::random();
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(serde_json::from_str::<PrincipalId>(&json).unwrap(), id);
    }

    proptest! {
        #[test]
        fn never_panics(s in ".*") {
            let _ = GrantId::parse(&s);
        }
    }
}
