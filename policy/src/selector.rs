//! Selectors and scopes: which fields a grant covers.
//!
//! A selector is either one exact field path (`financien/situatie`) or a whole
//! section (`financien/*`: every field whose first segment is `financien`,
//! including fields written after the grant was given). Nothing broader exists:
//! there is no `*` for "everything", because consent under the AVG is specific
//! and a household shares "the slice of the pie" a professional needs.
//!
//! A scope is a non-empty list of at most [`MAX_SELECTORS`] distinct selectors.
//! Duplicates are refused rather than merged, so that a signed scope has one
//! spelling and what the household saw is exactly what was signed.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::path::{FieldPath, PathError};

/// The most selectors one scope may hold.
pub const MAX_SELECTORS: usize = 64;

/// Why a piece of text is not a selector or a scope.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectorError {
    #[error("'{text}' is not a field selector: {source} (a selector is a field path such as 'financien/situatie' or a whole section such as 'financien/*')")]
    BadPath { text: String, source: PathError },
    #[error("'{text}' is not a field selector: a wildcard is allowed only as 'section/*'")]
    BadWildcard { text: String },
    #[error("a scope names at least one field selector")]
    EmptyScope,
    #[error("a scope names at most {MAX_SELECTORS} field selectors")]
    TooManySelectors,
    #[error("field selector '{text}' appears twice in the scope")]
    Duplicate { text: String },
}

/// One exact field or one whole section.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Selector {
    /// Exactly this field.
    Exact(FieldPath),
    /// Every field in this section. Holds a one-segment path: the section name.
    Section(FieldPath),
}

fn echo(text: &str) -> String {
    // The text may be hostile and huge: cap what error messages repeat.
    text.chars().take(140).collect()
}

impl Selector {
    pub fn parse(text: &str) -> Result<Self, SelectorError> {
        if let Some(section) = text.strip_suffix("/*") {
            let path = FieldPath::parse(section).map_err(|source| SelectorError::BadPath {
                text: echo(text),
                source,
            })?;
            if path.segments().count() != 1 {
                return Err(SelectorError::BadWildcard { text: echo(text) });
            }
            return Ok(Selector::Section(path));
        }
        if text.contains('*') {
            return Err(SelectorError::BadWildcard { text: echo(text) });
        }
        FieldPath::parse(text)
            .map(Selector::Exact)
            .map_err(|source| SelectorError::BadPath {
                text: echo(text),
                source,
            })
    }

    /// Whether this selector covers the field at `path`.
    pub fn matches(&self, path: &FieldPath) -> bool {
        match self {
            Selector::Exact(exact) => exact == path,
            Selector::Section(section) => path.section() == section.as_str(),
        }
    }
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Selector::Exact(path) => write!(f, "{path}"),
            Selector::Section(section) => write!(f, "{section}/*"),
        }
    }
}

impl FromStr for Selector {
    type Err = SelectorError;
    fn from_str(s: &str) -> Result<Self, SelectorError> {
        Self::parse(s)
    }
}

impl Serialize for Selector {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Selector {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// The fields a grant covers: 1 to [`MAX_SELECTORS`] distinct selectors, in
/// the order the household gave them. Serialized as a JSON array of strings.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Scope(Vec<Selector>);

impl Scope {
    /// Builds a scope from selectors, refusing an empty, oversized or
    /// repetitive list.
    pub fn new(selectors: Vec<Selector>) -> Result<Self, SelectorError> {
        if selectors.is_empty() {
            return Err(SelectorError::EmptyScope);
        }
        if selectors.len() > MAX_SELECTORS {
            return Err(SelectorError::TooManySelectors);
        }
        for (i, s) in selectors.iter().enumerate() {
            if selectors[..i].contains(s) {
                return Err(SelectorError::Duplicate {
                    text: s.to_string(),
                });
            }
        }
        Ok(Self(selectors))
    }

    /// Parses the CLI's comma-separated list, e.g. `financien/*,wonen/situatie`.
    /// Space around a comma is forgiven (people type it); nothing else is.
    pub fn parse(text: &str) -> Result<Self, SelectorError> {
        if text.trim().is_empty() {
            return Err(SelectorError::EmptyScope);
        }
        // Count before parsing so a huge list costs no more than 65 parses.
        if text.split(',').count() > MAX_SELECTORS {
            return Err(SelectorError::TooManySelectors);
        }
        let selectors = text
            .split(',')
            .map(|item| Selector::parse(item.trim()))
            .collect::<Result<Vec<_>, _>>()?;
        Self::new(selectors)
    }

    pub fn selectors(&self) -> &[Selector] {
        &self.0
    }

    /// Whether any selector covers the field at `path`.
    pub fn covers(&self, path: &FieldPath) -> bool {
        self.0.iter().any(|s| s.matches(path))
    }
}

impl fmt::Display for Scope {
    /// The comma-separated form [`Scope::parse`] reads.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{s}")?;
        }
        Ok(())
    }
}

impl FromStr for Scope {
    type Err = SelectorError;
    fn from_str(s: &str) -> Result<Self, SelectorError> {
        Self::parse(s)
    }
}

impl Serialize for Scope {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Scope {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::{Error, SeqAccess, Visitor};

        // A visitor rather than Vec::deserialize so a hostile array of a
        // million selectors is refused at the 65th, not after allocating all.
        struct ScopeVisitor;
        impl<'de> Visitor<'de> for ScopeVisitor {
            type Value = Scope;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                write!(f, "a list of 1 to {MAX_SELECTORS} field selectors")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Scope, A::Error> {
                let mut selectors = Vec::new();
                while let Some(s) = seq.next_element::<Selector>()? {
                    if selectors.len() == MAX_SELECTORS {
                        return Err(A::Error::custom(SelectorError::TooManySelectors));
                    }
                    selectors.push(s);
                }
                Scope::new(selectors).map_err(A::Error::custom)
            }
        }
        d.deserialize_seq(ScopeVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn path(s: &str) -> FieldPath {
        FieldPath::parse(s).unwrap()
    }

    #[test]
    fn exact_selectors_match_only_their_path() {
        let s = Selector::parse("financien/situatie").unwrap();
        assert!(s.matches(&path("financien/situatie")));
        assert!(!s.matches(&path("financien/situatie/2")));
        assert!(!s.matches(&path("financien")));
        assert!(!s.matches(&path("financien/doelen")));
    }

    #[test]
    fn section_selectors_match_the_whole_section_only() {
        let s = Selector::parse("financien/*").unwrap();
        assert!(s.matches(&path("financien")));
        assert!(s.matches(&path("financien/situatie")));
        assert!(s.matches(&path("financien/doelen/1")));
        assert!(!s.matches(&path("financien-extra/situatie")));
        assert!(!s.matches(&path("wonen/financien")));
    }

    #[test]
    fn selectors_round_trip_through_text_and_json() {
        for text in ["financien/*", "financien/situatie", "a/b/c", "adl"] {
            let s = Selector::parse(text).unwrap();
            assert_eq!(s.to_string(), text);
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(serde_json::from_str::<Selector>(&json).unwrap(), s);
        }
    }

    #[test]
    fn malformed_selectors_are_refused() {
        for bad in [
            "",
            "*",
            "/*",
            "*/x",
            "a/*/b",
            "a/b/*",
            "a/**",
            "a*",
            "a/*x",
            "A/*",
            "a//*",
            "a/ *",
            "financien/situatie,",
            "../*",
        ] {
            assert!(Selector::parse(bad).is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn scopes_parse_the_cli_list() {
        let scope = Scope::parse("financien/*, wonen/situatie").unwrap();
        assert_eq!(scope.selectors().len(), 2);
        assert_eq!(scope.to_string(), "financien/*,wonen/situatie");
        assert!(scope.covers(&path("financien/doelen")));
        assert!(scope.covers(&path("wonen/situatie")));
        assert!(!scope.covers(&path("wonen/doelen")));
        assert_eq!(
            serde_json::to_string(&scope).unwrap(),
            r#"["financien/*","wonen/situatie"]"#
        );
    }

    #[test]
    fn scopes_refuse_empty_duplicate_and_oversized_lists() {
        assert_eq!(Scope::parse("").unwrap_err(), SelectorError::EmptyScope);
        assert_eq!(Scope::parse("  ").unwrap_err(), SelectorError::EmptyScope);
        assert!(matches!(
            Scope::parse("a,,b"),
            Err(SelectorError::BadPath { .. })
        ));
        assert!(matches!(
            Scope::parse("a/*,b,a/*"),
            Err(SelectorError::Duplicate { .. })
        ));
        let many: Vec<String> = (0..65).map(|i| format!("s{i}")).collect();
        assert_eq!(
            Scope::parse(&many.join(",")).unwrap_err(),
            SelectorError::TooManySelectors
        );
        assert!(Scope::parse(&many[..64].join(",")).is_ok());
        assert!(serde_json::from_str::<Scope>("[]").is_err());
        assert!(serde_json::from_str::<Scope>(&serde_json::to_string(&many).unwrap()).is_err());
        assert!(serde_json::from_str::<Scope>(r#"["a","a"]"#).is_err());
        assert!(serde_json::from_str::<Scope>(r#"["a/*"]"#).is_ok());
    }

    proptest! {
        #[test]
        fn section_selector_matches_iff_same_first_segment(
            section in "[a-z]{1,3}", p in "[a-z]{1,3}(/[a-z]{1,3}){0,2}"
        ) {
            let sel = Selector::parse(&format!("{section}/*")).unwrap();
            let fp = FieldPath::parse(&p).unwrap();
            prop_assert_eq!(sel.matches(&fp), p.split('/').next() == Some(section.as_str()));
        }

        #[test]
        fn parsed_selectors_round_trip(s in "[a-z/*,]{0,20}") {
            if let Ok(sel) = Selector::parse(&s) {
                prop_assert_eq!(sel.to_string(), s.clone());
            }
            let _ = Scope::parse(&s);
        }
    }
}
