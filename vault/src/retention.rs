//! The retention schedule (Archiefwet, Selectielijst gemeenten 2020):
//! classes with a term counted from the end of support. Configuration, not
//! code, because municipalities keep their own selection lists.
//!
//! ```toml
//! [classes.wmo]
//! term = "P15Y"
//! ```

use std::collections::BTreeMap;

use chrono::{DateTime, Days, Months, Utc};
use serde::Deserialize;

/// A term in years, months and days (`P15Y`, `P5Y6M`, `P30D`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Term {
    pub years: u32,
    pub months: u32,
    pub days: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum ScheduleError {
    #[error("'{0}' is not an ISO 8601 term like P15Y, P5Y6M or P30D")]
    BadTerm(String),
    #[error("the retention schedule is not valid TOML: {0}")]
    Toml(String),
    #[error("retention class '{0}' must be lowercase letters, digits and '-'")]
    BadClass(String),
}

impl Term {
    /// Parse the date part of an ISO 8601 duration. Written here rather than
    /// taken from a crate because only calendar years, months and days make
    /// sense for retention, and each must be added as calendar arithmetic
    /// (a year is not 365 days).
    pub fn parse(text: &str) -> Result<Self, ScheduleError> {
        let bad = || ScheduleError::BadTerm(text.chars().take(40).collect());
        let rest = text.strip_prefix('P').ok_or_else(bad)?;
        if rest.is_empty() {
            return Err(bad());
        }
        let mut term = Term {
            years: 0,
            months: 0,
            days: 0,
        };
        let mut number = String::new();
        let mut last = 0;
        for c in rest.chars() {
            if c.is_ascii_digit() {
                number.push(c);
                continue;
            }
            let n: u32 = number.parse().map_err(|_| bad())?;
            number.clear();
            let (slot, order) = match c {
                'Y' => (&mut term.years, 1),
                'M' => (&mut term.months, 2),
                'D' => (&mut term.days, 3),
                _ => return Err(bad()),
            };
            if order <= last || n > 1000 {
                return Err(bad());
            }
            last = order;
            *slot = n;
        }
        if !number.is_empty() {
            return Err(bad());
        }
        Ok(term)
    }

    /// The moment `self` after `from_ms`.
    pub fn after(&self, from_ms: i64) -> Option<i64> {
        let start: DateTime<Utc> = DateTime::from_timestamp_millis(from_ms)?;
        let t = start
            .checked_add_months(Months::new(self.years * 12 + self.months))?
            .checked_add_days(Days::new(self.days as u64))?;
        Some(t.timestamp_millis())
    }
}

#[derive(Debug, Clone)]
pub struct Schedule {
    classes: BTreeMap<String, Term>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    classes: BTreeMap<String, ClassFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClassFile {
    term: String,
}

impl Default for Schedule {
    /// Wmo support plans 15 years, Jeugdwet dossiers 20 years, plans never
    /// adopted 5 years.
    fn default() -> Self {
        let classes = [("wmo", 15), ("jeugd", 20), ("niet-vastgesteld", 5)]
            .into_iter()
            .map(|(c, y)| {
                (
                    c.to_owned(),
                    Term {
                        years: y,
                        months: 0,
                        days: 0,
                    },
                )
            })
            .collect();
        Self { classes }
    }
}

impl Schedule {
    pub fn parse(text: &str) -> Result<Self, ScheduleError> {
        let file: File =
            toml::from_str(text).map_err(|e| ScheduleError::Toml(e.message().to_owned()))?;
        let mut classes = BTreeMap::new();
        for (name, class) in file.classes {
            if name.is_empty()
                || !name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            {
                return Err(ScheduleError::BadClass(name));
            }
            classes.insert(name, Term::parse(&class.term)?);
        }
        Ok(Self { classes })
    }

    pub fn term(&self, class: &str) -> Option<Term> {
        self.classes.get(class).copied()
    }

    pub fn classes(&self) -> impl Iterator<Item = &str> {
        self.classes.keys().map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_terms() {
        assert_eq!(
            Term::parse("P15Y").unwrap(),
            Term {
                years: 15,
                months: 0,
                days: 0
            }
        );
        assert_eq!(
            Term::parse("P5Y6M10D").unwrap(),
            Term {
                years: 5,
                months: 6,
                days: 10
            }
        );
        for bad in [
            "", "P", "15Y", "P1.5Y", "PT5H", "P5D1Y", "P1Y1Y", "P5", "P-1Y",
        ] {
            assert!(Term::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn years_are_calendar_years() {
        let start = crate::clock::parse_time("2024-02-29").unwrap();
        let due = Term::parse("P1Y").unwrap().after(start).unwrap();
        assert_eq!(crate::clock::rfc3339(due), "2025-02-28T00:00:00Z");
        let due = Term::parse("P15Y")
            .unwrap()
            .after(crate::clock::parse_time("2026-01-01").unwrap())
            .unwrap();
        assert_eq!(crate::clock::rfc3339(due), "2041-01-01T00:00:00Z");
    }

    #[test]
    fn default_and_custom_schedules() {
        let s = Schedule::default();
        assert_eq!(s.term("wmo").unwrap().years, 15);
        assert_eq!(s.term("jeugd").unwrap().years, 20);
        assert_eq!(s.term("niet-vastgesteld").unwrap().years, 5);
        let c = Schedule::parse("[classes.wmo]\nterm = \"P10Y\"\n[classes.proef]\nterm = \"P30D\"")
            .unwrap();
        assert_eq!(c.term("proef").unwrap().days, 30);
        assert!(c.term("jeugd").is_none());
        assert!(Schedule::parse("[classes.wmo]\nterm = \"15 jaar\"").is_err());
        assert!(Schedule::parse("[classes.WMO]\nterm = \"P1Y\"").is_err());
    }
}
