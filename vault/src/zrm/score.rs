//! `ZrmScore`: 1 to 5, nothing else.

use std::fmt;
use std::str::FromStr;

use super::ZrmError;

/// A self-sufficiency score: 1 acute problems, 2 not self-reliant, 3 barely
/// self-reliant, 4 adequately self-reliant, 5 fully self-reliant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ZrmScore(u8);

impl ZrmScore {
    pub const MIN: u8 = 1;
    pub const MAX: u8 = 5;

    pub fn new(n: i64) -> Result<Self, ZrmError> {
        match u8::try_from(n) {
            Ok(n) if (Self::MIN..=Self::MAX).contains(&n) => Ok(Self(n)),
            _ => Err(ZrmError::Score(n.to_string())),
        }
    }

    pub fn get(self) -> u8 {
        self.0
    }

    /// What the level means, in plain English (the web app has the Dutch).
    pub fn words(self) -> &'static str {
        match self.0 {
            1 => "acute problems",
            2 => "not self-reliant",
            3 => "barely self-reliant",
            4 => "adequately self-reliant",
            _ => "fully self-reliant",
        }
    }
}

impl FromStr for ZrmScore {
    type Err = ZrmError;
    /// Exactly one digit 1 to 5 (no sign, no spaces, no "03").
    fn from_str(s: &str) -> Result<Self, ZrmError> {
        match s.as_bytes() {
            [d @ b'1'..=b'5'] => Ok(Self(d - b'0')),
            _ => Err(ZrmError::Score(s.chars().take(20).collect())),
        }
    }
}

impl fmt::Display for ZrmScore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_to_five_only() {
        for n in 1..=5 {
            assert_eq!(ZrmScore::new(n).unwrap().get() as i64, n);
            assert_eq!(n.to_string().parse::<ZrmScore>().unwrap().get() as i64, n);
        }
        for n in [0, 6, -1, 256, 257, i64::MAX, i64::MIN] {
            assert!(ZrmScore::new(n).is_err(), "{n}");
        }
        for s in ["", "0", "6", "03", "+3", " 3", "3 ", "3.0", "drie", "٣"] {
            assert!(s.parse::<ZrmScore>().is_err(), "{s:?}");
        }
        assert_eq!(ZrmScore::new(1).unwrap().words(), "acute problems");
        assert_eq!(ZrmScore::new(5).unwrap().words(), "fully self-reliant");
    }
}
