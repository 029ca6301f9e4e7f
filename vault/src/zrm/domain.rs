//! `ZrmDomain` (a domain's id, the last segment of its score's field path)
//! and `ZrmSetting` (`financien=3` on the command line).

use std::fmt;
use std::str::FromStr;

use kluis_policy::FieldPath;

use super::{ZrmError, ZrmScore};

/// A domain id such as `financien`: one field path segment. Whether this
/// server's template has the domain is the template's question
/// (`template::ZrmTemplate::domain`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ZrmDomain(String);

impl ZrmDomain {
    pub fn parse(s: &str) -> Result<Self, ZrmError> {
        if s.is_empty() || s.len() > 64 || s.contains('/') || FieldPath::parse(s).is_err() {
            return Err(ZrmError::Domain(s.chars().take(40).collect()));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The field that holds this domain's scores in `section`.
    pub fn path_in(&self, section: &str) -> Result<FieldPath, ZrmError> {
        FieldPath::parse(&format!("{section}/{}", self.0))
            .map_err(|_| ZrmError::Domain(self.0.clone()))
    }
}

impl FromStr for ZrmDomain {
    type Err = ZrmError;
    fn from_str(s: &str) -> Result<Self, ZrmError> {
        Self::parse(s)
    }
}

impl fmt::Display for ZrmDomain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// `DOMAIN=SCORE`, as `kluis plan zrm --set` takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZrmSetting {
    pub domain: ZrmDomain,
    pub score: ZrmScore,
}

impl FromStr for ZrmSetting {
    type Err = ZrmError;
    fn from_str(s: &str) -> Result<Self, ZrmError> {
        let (domain, score) = s
            .split_once('=')
            .ok_or_else(|| ZrmError::Setting(s.chars().take(40).collect()))?;
        Ok(Self {
            domain: domain.parse()?,
            score: score.parse()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_parse_strictly() {
        let s: ZrmSetting = "financien=3".parse().unwrap();
        assert_eq!(s.domain.as_str(), "financien");
        assert_eq!(s.score.get(), 3);
        assert_eq!(s.domain.path_in("zrm").unwrap().as_str(), "zrm/financien");
        for bad in [
            "financien",
            "financien=",
            "=3",
            "financien=6",
            "financien=0",
            "Financien=3",
            "fin/ancien=3",
            "financien = 3",
            "financien=3=4",
            "../x=3",
        ] {
            assert!(bad.parse::<ZrmSetting>().is_err(), "{bad}");
        }
    }
}
