//! Field paths: where a value lives in a plan.
//!
//! A path is 1 to 3 segments of `a-z0-9-` joined by `/`, at most 128 bytes, for
//! example `financien/situatie` or `observaties/2026-11-23-a1b2`. The first
//! segment is the plan section. Paths are parsed once at the edge (HTTP body,
//! CLI argument) and carried as `FieldPath` from then on.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub const MAX_PATH_BYTES: usize = 128;
pub const MAX_SEGMENTS: usize = 3;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    #[error("a field path may not be empty")]
    Empty,
    #[error("a field path is at most {MAX_PATH_BYTES} bytes")]
    TooLong,
    #[error("a field path has 1 to {MAX_SEGMENTS} segments joined by '/'")]
    TooManySegments,
    #[error("a field path segment may not be empty")]
    EmptySegment,
    #[error("a field path segment uses only a-z, 0-9 and '-'")]
    BadCharacter,
}

#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FieldPath(String);

impl FieldPath {
    pub fn parse(text: &str) -> Result<Self, PathError> {
        if text.is_empty() {
            return Err(PathError::Empty);
        }
        if text.len() > MAX_PATH_BYTES {
            return Err(PathError::TooLong);
        }
        let mut segments = 0;
        for segment in text.split('/') {
            segments += 1;
            if segments > MAX_SEGMENTS {
                return Err(PathError::TooManySegments);
            }
            if segment.is_empty() {
                return Err(PathError::EmptySegment);
            }
            if !segment
                .bytes()
                .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'-'))
            {
                return Err(PathError::BadCharacter);
            }
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The plan section: the first segment.
    pub fn section(&self) -> &str {
        self.0.split('/').next().unwrap_or(&self.0)
    }

    pub fn segments(&self) -> impl Iterator<Item = &str> {
        self.0.split('/')
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FieldPath({})", self.0)
    }
}

impl FromStr for FieldPath {
    type Err = PathError;
    fn from_str(s: &str) -> Result<Self, PathError> {
        Self::parse(s)
    }
}

impl Serialize for FieldPath {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for FieldPath {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_plan_paths() {
        for ok in [
            "financien",
            "financien/situatie",
            "financien/doelen/1",
            "a-b/0-9/x",
        ] {
            assert_eq!(FieldPath::parse(ok).unwrap().as_str(), ok);
        }
        assert_eq!(
            FieldPath::parse("financien/situatie").unwrap().section(),
            "financien"
        );
    }

    #[test]
    fn refuses_bad_paths() {
        use PathError::*;
        let cases: &[(&str, PathError)] = &[
            ("", Empty),
            ("a/b/c/d", TooManySegments),
            ("a//b", EmptySegment),
            ("/a", EmptySegment),
            ("a/", EmptySegment),
            ("Financien", BadCharacter),
            ("a b", BadCharacter),
            ("a/../b", BadCharacter),
            ("caf\u{e9}", BadCharacter),
        ];
        for (text, want) in cases {
            assert_eq!(FieldPath::parse(text).unwrap_err(), *want, "{text:?}");
        }
        assert_eq!(FieldPath::parse(&"a".repeat(129)).unwrap_err(), TooLong);
        assert!(FieldPath::parse(&"a".repeat(128)).is_ok());
    }

    proptest! {
        #[test]
        fn parsed_paths_keep_the_grammar(s in "[a-z0-9/-]{0,140}") {
            if let Ok(p) = FieldPath::parse(&s) {
                prop_assert!(p.as_str().len() <= MAX_PATH_BYTES);
                prop_assert!(p.segments().count() <= MAX_SEGMENTS);
                prop_assert!(p.segments().all(|seg| !seg.is_empty()));
            }
        }

        #[test]
        fn never_panics(s in ".*") {
            let _ = FieldPath::parse(&s);
        }
    }
}
