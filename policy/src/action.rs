//! Actions: what a principal does to a field, or to the household's case.
//!
//! Read and write are about fields. A grant that allows writing also allows
//! reading, because writing a field you cannot read would mean overwriting
//! blind (and a writer's client must fetch the current version to
//! re-envelope it anyway).
//!
//! `coordinate` is about the case, not a field: the household names its
//! coordinating professional (casushouder), who may close and reopen the
//! case for retention. It brings no read access: that needs `read` as well.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Read,
    Write,
    Coordinate,
}

/// Why a piece of text is not an action.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown action '{text}'; valid actions are: read, write, coordinate")]
pub struct ActionError {
    pub text: String,
}

impl Action {
    pub fn code(self) -> &'static str {
        match self {
            Action::Read => "read",
            Action::Write => "write",
            Action::Coordinate => "coordinate",
        }
    }

    pub fn parse(text: &str) -> Result<Self, ActionError> {
        match text {
            "read" => Ok(Action::Read),
            "write" => Ok(Action::Write),
            "coordinate" => Ok(Action::Coordinate),
            _ => Err(ActionError {
                text: text.chars().take(40).collect(),
            }),
        }
    }

    /// Whether a grant listing `granted` allows this action: listed, or
    /// read when write is listed. Coordinating never brings read or write.
    pub fn granted_by(self, granted: &[Action]) -> bool {
        granted
            .iter()
            .any(|g| *g == self || (*g == Action::Write && self == Action::Read))
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Action {
    type Err = ActionError;
    fn from_str(s: &str) -> Result<Self, ActionError> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action::*;

    #[test]
    fn write_implies_read_but_not_the_reverse() {
        assert!(Read.granted_by(&[Read]));
        assert!(Read.granted_by(&[Write]));
        assert!(Write.granted_by(&[Write]));
        assert!(Write.granted_by(&[Read, Write]));
        assert!(!Write.granted_by(&[Read]));
        assert!(!Read.granted_by(&[]));
        assert!(!Write.granted_by(&[]));
        assert!(Coordinate.granted_by(&[Read, Coordinate]));
        assert!(!Coordinate.granted_by(&[Read, Write]));
        assert!(!Read.granted_by(&[Coordinate]));
        assert!(!Write.granted_by(&[Coordinate]));
    }

    #[test]
    fn codes_round_trip() {
        for a in [Read, Write, Coordinate] {
            assert_eq!(Action::parse(a.code()).unwrap(), a);
            let json = serde_json::to_string(&a).unwrap();
            assert_eq!(json, format!("\"{a}\""));
            assert_eq!(serde_json::from_str::<Action>(&json).unwrap(), a);
        }
        for bad in ["", "Read", "delete", "read "] {
            assert!(Action::parse(bad).is_err());
            assert!(serde_json::from_str::<Action>(&format!("{bad:?}")).is_err());
        }
    }
}
