//! `ZrmEntry`: the plaintext of one version of a score field, a strict JSON
//! document `{"score":3,"date":"2026-11-30","note":"..."}`.
//!
//! Strict because it is written by one device and read by others (the CLI,
//! the web app): exactly these three keys, once each, in this order, no
//! spaces, a score 1 to 5 as a bare integer, a real calendar date as
//! `YYYY-MM-DD`, a note of at most `MAX_NOTE_CHARS` characters without
//! control characters. The bytes must be the canonical encoding, so two
//! readers can never see different documents in one version (JSON with a
//! duplicate key, `3.0`, or escapes parse differently across libraries).
//! `web/src/zrm/entry.ts` has the same rules.

use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::ZrmScore;

/// A note is short: a sentence or two about why this score.
pub const MAX_NOTE_CHARS: usize = 500;

/// Why a document or an argument is not a valid score.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZrmError {
    #[error("a ZRM score is a whole number from 1 to 5, not '{0}'")]
    Score(String),
    #[error("'{0}' is not a domain name (lowercase a-z, 0-9 and '-')")]
    Domain(String),
    #[error("write a score as DOMAIN=SCORE, e.g. financien=3, not '{0}'")]
    Setting(String),
    #[error("a ZRM date is a real date written as YYYY-MM-DD (from 1900), not '{0}'")]
    Date(String),
    #[error("a ZRM note is at most {MAX_NOTE_CHARS} characters without line breaks or other control characters")]
    Note,
    #[error("not a ZRM score document ({0}); expected {{\"score\":N,\"date\":\"YYYY-MM-DD\",\"note\":\"...\"}}")]
    Document(String),
    #[error("not a ZRM score document: it must be written exactly as {{\"score\":N,\"date\":\"YYYY-MM-DD\",\"note\":\"...\"}} without spaces or escapes beyond JSON's required ones")]
    NotCanonical,
}

/// A calendar date, written `YYYY-MM-DD`, year 1900 or later.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ZrmDate(NaiveDate);

impl ZrmDate {
    pub fn parse(s: &str) -> Result<Self, ZrmError> {
        let bad = || ZrmError::Date(s.chars().take(20).collect());
        let b = s.as_bytes();
        let shape = b.len() == 10
            && b[4] == b'-'
            && b[7] == b'-'
            && b.iter()
                .enumerate()
                .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
        if !shape {
            return Err(bad());
        }
        let date = NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| bad())?;
        if date.year() < 1900 {
            return Err(bad());
        }
        Ok(Self(date))
    }

    pub fn from_date(date: NaiveDate) -> Result<Self, ZrmError> {
        Self::parse(&date.format("%Y-%m-%d").to_string())
    }

    pub fn date(self) -> NaiveDate {
        self.0
    }
}

impl std::str::FromStr for ZrmDate {
    type Err = ZrmError;
    fn from_str(s: &str) -> Result<Self, ZrmError> {
        Self::parse(s)
    }
}

impl fmt::Display for ZrmDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%d"))
    }
}

/// A short note: at most `MAX_NOTE_CHARS` characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ZrmNote(String);

impl ZrmNote {
    pub fn parse(s: &str) -> Result<Self, ZrmError> {
        if s.chars().count() > MAX_NOTE_CHARS || s.chars().any(char::is_control) {
            return Err(ZrmError::Note);
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for ZrmNote {
    type Err = ZrmError;
    fn from_str(s: &str) -> Result<Self, ZrmError> {
        Self::parse(s)
    }
}

/// One score at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZrmEntry {
    pub score: ZrmScore,
    pub date: ZrmDate,
    pub note: ZrmNote,
}

/// The document as JSON has it, before the rules above are applied.
#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Raw<'a> {
    score: i64,
    date: std::borrow::Cow<'a, str>,
    note: std::borrow::Cow<'a, str>,
}

impl ZrmEntry {
    /// Parse a field's plaintext. Every rule is checked and the first broken
    /// one named; the canonical form is checked last, so a score of 7 says
    /// so rather than "not canonical".
    pub fn parse(bytes: &[u8]) -> Result<Self, ZrmError> {
        // serde would also read a struct from an array (`[3,"…",""]`).
        if !bytes.trim_ascii_start().starts_with(b"{") {
            return Err(ZrmError::Document("not a JSON object".to_owned()));
        }
        let raw: Raw = serde_json::from_slice(bytes).map_err(|e| {
            let text = e.to_string();
            // serde's message ends with " at line L column C": keep it short.
            let short = text.split(" at line ").next().unwrap_or(&text);
            ZrmError::Document(short.to_owned())
        })?;
        let entry = Self {
            score: ZrmScore::new(raw.score)?,
            date: ZrmDate::parse(&raw.date)?,
            note: ZrmNote::parse(&raw.note)?,
        };
        if entry.to_bytes() != bytes {
            return Err(ZrmError::NotCanonical);
        }
        Ok(entry)
    }

    /// The canonical plaintext to store.
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(&Raw {
            score: i64::from(self.score.get()),
            date: self.date.to_string().into(),
            note: self.note.as_str().into(),
        })
        .expect("a struct of an integer and two strings always serialises")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(score: i64, date: &str, note: &str) -> ZrmEntry {
        ZrmEntry {
            score: ZrmScore::new(score).unwrap(),
            date: ZrmDate::parse(date).unwrap(),
            note: ZrmNote::parse(note).unwrap(),
        }
    }

    #[test]
    fn round_trips_in_the_canonical_form() {
        let e = entry(
            3,
            "2026-11-30",
            "Schulden bij één schuldeiser \"open\" \\ ok",
        );
        let bytes = e.to_bytes();
        assert_eq!(
            std::str::from_utf8(&bytes).unwrap(),
            r#"{"score":3,"date":"2026-11-30","note":"Schulden bij één schuldeiser \"open\" \\ ok"}"#
        );
        assert_eq!(ZrmEntry::parse(&bytes).unwrap(), e);
        let empty = entry(5, "2024-02-29", "");
        assert_eq!(ZrmEntry::parse(&empty.to_bytes()).unwrap(), empty);
        let long = entry(1, "1900-01-01", &"é".repeat(MAX_NOTE_CHARS));
        assert_eq!(ZrmEntry::parse(&long.to_bytes()).unwrap(), long);
    }

    /// The cases shared with the web app's parser (web/test/zrm/entry.test.ts).
    #[test]
    fn the_shared_cases_parse_as_the_web_app_parses_them() {
        let file: serde_json::Value = serde_json::from_str(include_str!("cases.json")).unwrap();
        let cases = file["cases"].as_array().unwrap();
        assert!(cases.len() > 30);
        for case in cases {
            let text = case["text"].as_str().unwrap();
            let got = match ZrmEntry::parse(text.as_bytes()) {
                Ok(e) => {
                    assert_eq!(e.to_bytes(), text.as_bytes());
                    "ok"
                }
                Err(e) => {
                    assert!(!e.to_string().contains('\n'), "one line: {e}");
                    match e {
                        ZrmError::Score(_) => "score",
                        ZrmError::Date(_) => "date",
                        ZrmError::Note => "note",
                        ZrmError::Document(_) => "document",
                        ZrmError::NotCanonical => "canonical",
                        other => panic!("{text}: {other}"),
                    }
                }
            };
            assert_eq!(got, case["kind"].as_str().unwrap(), "{text}");
        }
        assert!(ZrmEntry::parse(&[0xff, 0xfe]).is_err());
    }
}
