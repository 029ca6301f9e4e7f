//! Purposes: why a household lets a professional in.
//!
//! Under the AVG consent is specific: it names what the data is for. A grant
//! therefore carries exactly one purpose from a fixed list. The list is code,
//! not configuration, because a signed grant must mean the same thing to every
//! party that checks it, now and years from now; a new purpose is a new release.
//! The codes are the statutory frameworks of the Dutch social domain plus the
//! few non-statutory reasons a plan is shared.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The purpose a grant is given for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Purpose {
    /// Support under the Wmo 2015 (adults: living independently, taking part).
    Wmo,
    /// Youth care under the Jeugdwet.
    Jeugd,
    /// Work and income under the Participatiewet.
    Participatie,
    /// Debt counselling under the Wet gemeentelijke schuldhulpverlening.
    Schuldhulp,
    /// Care and treatment (health care, mental health care).
    Zorg,
    /// Safety: domestic violence and child abuse (Veilig Thuis), crisis.
    Veiligheid,
    /// Research and evaluation of support, with the household's consent.
    Onderzoek,
}

/// Why a piece of text is not a purpose code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown purpose '{text}'; valid purposes are: {}", Purpose::codes().join(", "))]
pub struct PurposeError {
    pub text: String,
}

impl Purpose {
    /// Every purpose, in the order the CLI lists them.
    pub const ALL: [Purpose; 7] = [
        Purpose::Wmo,
        Purpose::Jeugd,
        Purpose::Participatie,
        Purpose::Schuldhulp,
        Purpose::Zorg,
        Purpose::Veiligheid,
        Purpose::Onderzoek,
    ];

    /// The code as it appears in statements, the CLI and the log.
    pub fn code(self) -> &'static str {
        match self {
            Purpose::Wmo => "wmo",
            Purpose::Jeugd => "jeugd",
            Purpose::Participatie => "participatie",
            Purpose::Schuldhulp => "schuldhulp",
            Purpose::Zorg => "zorg",
            Purpose::Veiligheid => "veiligheid",
            Purpose::Onderzoek => "onderzoek",
        }
    }

    /// Every valid code, for error messages and help text.
    pub fn codes() -> Vec<&'static str> {
        Self::ALL.iter().map(|p| p.code()).collect()
    }

    /// A short plain-language (B1) Dutch description for clients.
    pub fn description_nl(self) -> &'static str {
        match self {
            Purpose::Wmo => "Hulp om zelfstandig te wonen en mee te doen (Wmo)",
            Purpose::Jeugd => "Hulp voor kinderen en jongeren (Jeugdwet)",
            Purpose::Participatie => "Hulp bij werk en inkomen (Participatiewet)",
            Purpose::Schuldhulp => "Hulp bij schulden en geldzaken",
            Purpose::Zorg => "Zorg en behandeling",
            Purpose::Veiligheid => "Veiligheid thuis, bijvoorbeeld bij geweld",
            Purpose::Onderzoek => "Onderzoek naar hoe goed de hulp werkt",
        }
    }

    /// The same description in English.
    pub fn description_en(self) -> &'static str {
        match self {
            Purpose::Wmo => "Support to live independently and take part (Wmo 2015)",
            Purpose::Jeugd => "Support for children and young people (Jeugdwet)",
            Purpose::Participatie => "Support with work and income (Participatiewet)",
            Purpose::Schuldhulp => "Help with debts and money matters",
            Purpose::Zorg => "Care and treatment",
            Purpose::Veiligheid => "Safety at home, for example in case of violence",
            Purpose::Onderzoek => "Research into how well the support works",
        }
    }

    /// Parses a code exactly: lowercase, no surrounding space. A statement is
    /// signed over the exact text, so being lenient here would let two texts
    /// mean one purpose.
    pub fn parse(text: &str) -> Result<Self, PurposeError> {
        Self::ALL
            .into_iter()
            .find(|p| p.code() == text)
            .ok_or_else(|| PurposeError {
                text: text.chars().take(40).collect(),
            })
    }
}

impl fmt::Display for Purpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Purpose {
    type Err = PurposeError;
    fn from_str(s: &str) -> Result<Self, PurposeError> {
        Self::parse(s)
    }
}

impl Serialize for Purpose {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Purpose {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_round_trips() {
        for p in Purpose::ALL {
            assert_eq!(Purpose::parse(p.code()).unwrap(), p);
            assert_eq!(p.to_string(), p.code());
            let json = serde_json::to_string(&p).unwrap();
            assert_eq!(json, format!("\"{}\"", p.code()));
            assert_eq!(serde_json::from_str::<Purpose>(&json).unwrap(), p);
            assert!(!p.description_nl().is_empty());
            assert!(!p.description_en().is_empty());
        }
    }

    #[test]
    fn the_contract_codes_are_exactly_these() {
        assert_eq!(
            Purpose::codes(),
            [
                "wmo",
                "jeugd",
                "participatie",
                "schuldhulp",
                "zorg",
                "veiligheid",
                "onderzoek"
            ]
        );
    }

    #[test]
    fn unknown_codes_are_refused_with_the_list() {
        for bad in ["", "WMO", " wmo", "wmo ", "marketing", "schuldhulp\0"] {
            let err = Purpose::parse(bad).unwrap_err();
            let msg = err.to_string();
            assert!(msg.contains("wmo, jeugd, participatie"), "{msg}");
        }
        assert!(serde_json::from_str::<Purpose>("\"marketing\"").is_err());
    }
}
