//! A recovery code: the one secret that gets a person back to their keys
//! when the passphrase (or the keystore file) is lost.
//!
//! ```text
//! 7KQ2-M9XD-4TRB-ZC1H-PW6N-A3FE-V8JS
//! ```
//!
//! 26 random symbols of Crockford's base32 (130 bits from the operating
//! system's CSPRNG) and two check symbols, in seven groups of four. Crockford's
//! alphabet has no I, L, O or U, and reading accepts `i`/`l` as 1 and `o` as
//! 0, any case, with or without spaces and dashes: it is made to be copied by
//! hand onto paper and typed back years later.
//!
//! The check is a weighted sum of the 26 symbols modulo 1021 (a prime below
//! 32 × 32), written as two symbols. Any one wrong symbol changes the sum by
//! weight × difference, both below 32 and so never a multiple of 1021; two
//! neighbours swapped change it by their difference: every single typo and
//! every swap of neighbours is caught on the device, with a clear message,
//! before anything is sent. (Other mistakes are caught 1020 times in 1021.)
//!
//! Parse, don't validate: a `RecoveryCode` exists only with a correct check,
//! and it hands out only what is derived from it (`derive`), never the
//! symbols themselves except to show the code to its owner (`Display`).
//!
//! From the code, HKDF-SHA256 (fixed salt, distinct labels) derives two
//! independent values: a lookup id the server files the blob under, and an
//! AES-256-GCM key that wraps the keystore's secrets (`keys::recovery_blob`).
//! Knowing one tells nothing about the other.

use std::fmt;

use rand::rngs::OsRng;
use rand::Rng;
use ring::hkdf;
use zeroize::Zeroizing;

/// Random symbols in a code: 26 × 5 = 130 bits.
const DATA: usize = 26;
/// Check symbols after them.
const CHECK: usize = 2;
/// Symbols per written group.
const GROUP: usize = 4;
/// The modulus of the check: the largest prime that fits two symbols.
const MODULUS: u32 = 1021;

/// Crockford's base32 alphabet (no I, L, O, U).
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// HKDF salt: binds every derived value to this scheme and its version.
const SALT: &[u8] = b"kluis recovery code v1";
/// HKDF label of the lookup id.
const LOOKUP_LABEL: &[u8] = b"kluis recovery lookup id";
/// HKDF label of the wrapping key.
const WRAP_LABEL: &[u8] = b"kluis recovery wrapping key";

/// Why text is not a recovery code, in words a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecoveryCodeError {
    #[error("a recovery code has 28 characters (7 groups of 4); this one has {0}")]
    Length(usize),
    #[error(
        "'{0}' is not a character of a recovery code (they are 0-9 and A-Z without I, L, O and U)"
    )]
    Character(char),
    #[error("this recovery code has a typo: compare it, character by character, with the one you wrote down")]
    Check,
}

/// A recovery code with a correct check (see the module docs).
#[derive(Clone, PartialEq, Eq)]
pub struct RecoveryCode {
    /// The 26 random symbols, as values 0..32.
    symbols: Zeroizing<[u8; DATA]>,
}

/// What a code derives: the lookup id (not secret from the server, which
/// stores it) and the wrapping key (never leaves the device).
pub struct Derived {
    /// 32 bytes, shown as 64 hex digits on the wire.
    pub lookup_id: String,
    pub wrapping_key: Zeroizing<[u8; 32]>,
}

impl RecoveryCode {
    /// A new code from the operating system's CSPRNG.
    pub fn generate() -> Self {
        let mut symbols = Zeroizing::new([0u8; DATA]);
        for s in symbols.iter_mut() {
            *s = OsRng.gen_range(0..32u8);
        }
        Self { symbols }
    }

    /// Read a code as a person typed it: any case, spaces and dashes
    /// anywhere, `I`/`L` read as 1 and `O` as 0.
    pub fn parse(text: &str) -> Result<Self, RecoveryCodeError> {
        let mut values = Zeroizing::new(Vec::with_capacity(DATA + CHECK));
        for c in text.chars() {
            if c == '-' || c.is_whitespace() {
                continue;
            }
            values.push(value_of(c).ok_or(RecoveryCodeError::Character(c))?);
        }
        if values.len() != DATA + CHECK {
            return Err(RecoveryCodeError::Length(values.len()));
        }
        let mut symbols = Zeroizing::new([0u8; DATA]);
        symbols.copy_from_slice(&values[..DATA]);
        let written = u32::from(values[DATA]) * 32 + u32::from(values[DATA + 1]);
        if written != check(&symbols) {
            return Err(RecoveryCodeError::Check);
        }
        Ok(Self { symbols })
    }

    /// The lookup id and wrapping key (HKDF-SHA256, distinct labels).
    pub fn derive(&self) -> Derived {
        let canonical: Zeroizing<Vec<u8>> = Zeroizing::new(
            self.symbols
                .iter()
                .map(|&v| ALPHABET[usize::from(v)])
                .collect(),
        );
        let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, SALT).extract(&canonical);
        let expand = |label: &[u8]| {
            let mut out = Zeroizing::new([0u8; 32]);
            prk.expand(&[label], hkdf::HKDF_SHA256)
                .and_then(|okm| okm.fill(&mut out[..]))
                .expect("32 bytes is a valid HKDF-SHA256 output length");
            out
        };
        Derived {
            lookup_id: hex::encode(*expand(LOOKUP_LABEL)),
            wrapping_key: expand(WRAP_LABEL),
        }
    }
}

/// The check value of the random symbols (see the module docs).
fn check(symbols: &[u8; DATA]) -> u32 {
    symbols
        .iter()
        .enumerate()
        .map(|(i, &v)| (i as u32 + 1) * u32::from(v))
        .sum::<u32>()
        % MODULUS
}

fn value_of(c: char) -> Option<u8> {
    let c = match c.to_ascii_uppercase() {
        'I' | 'L' => '1',
        'O' => '0',
        c => c,
    };
    ALPHABET
        .iter()
        .position(|&a| char::from(a) == c)
        .map(|p| p as u8)
}

/// The code as it is written down: seven groups of four, with dashes.
/// Only for showing the code to its owner.
impl fmt::Display for RecoveryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sum = check(&self.symbols);
        let mut all: Vec<u8> = self.symbols.to_vec();
        all.push((sum / 32) as u8);
        all.push((sum % 32) as u8);
        for (i, v) in all.iter().enumerate() {
            if i > 0 && i % GROUP == 0 {
                f.write_str("-")?;
            }
            write!(f, "{}", char::from(ALPHABET[usize::from(*v)]))?;
        }
        zeroize::Zeroize::zeroize(&mut all);
        Ok(())
    }
}

/// Never prints the code.
impl fmt::Debug for RecoveryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RecoveryCode(…)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_codes_read_back() {
        let code = RecoveryCode::generate();
        let text = code.to_string();
        assert_eq!(text.len(), 28 + 6);
        assert_eq!(text.split('-').count(), 7);
        assert_eq!(RecoveryCode::parse(&text).unwrap(), code);
        // Any case, spaces instead of dashes, none at all.
        let loose = text.to_lowercase().replace('-', " ");
        assert_eq!(RecoveryCode::parse(&loose).unwrap(), code);
        assert_eq!(RecoveryCode::parse(&text.replace('-', "")).unwrap(), code);
        // Letters people confuse with digits read as those digits.
        let with_o = text.replace('0', "o").replace('1', "l");
        assert_eq!(RecoveryCode::parse(&with_o).unwrap(), code);
        assert_eq!(format!("{code:?}"), "RecoveryCode(…)");
    }

    #[test]
    fn every_single_typo_and_neighbour_swap_is_caught() {
        let code = RecoveryCode::generate();
        let text: Vec<char> = code.to_string().replace('-', "").chars().collect();
        for i in 0..text.len() {
            for &c in ALPHABET.iter() {
                let c = char::from(c);
                if c == text[i] {
                    continue;
                }
                let mut typo = text.clone();
                typo[i] = c;
                let typo: String = typo.into_iter().collect();
                assert_eq!(
                    RecoveryCode::parse(&typo),
                    Err(RecoveryCodeError::Check),
                    "{typo}"
                );
            }
            if i + 1 < DATA && text[i] != text[i + 1] {
                let mut swapped = text.clone();
                swapped.swap(i, i + 1);
                let swapped: String = swapped.into_iter().collect();
                assert_eq!(RecoveryCode::parse(&swapped), Err(RecoveryCodeError::Check));
            }
        }
    }

    #[test]
    fn wrong_shapes_say_what_is_wrong() {
        assert_eq!(
            RecoveryCode::parse("ABCD-EFGH"),
            Err(RecoveryCodeError::Length(8))
        );
        assert_eq!(
            RecoveryCode::parse("ABCD-EFGH-U"),
            Err(RecoveryCodeError::Character('U'))
        );
        assert_eq!(
            RecoveryCode::parse("ABCD*"),
            Err(RecoveryCodeError::Character('*'))
        );
        assert_eq!(RecoveryCode::parse(""), Err(RecoveryCodeError::Length(0)));
    }

    #[test]
    fn labels_give_independent_values_and_codes_differ() {
        let a = RecoveryCode::generate();
        let b = RecoveryCode::generate();
        assert_ne!(a, b);
        let (da, db) = (a.derive(), b.derive());
        assert_eq!(da.lookup_id.len(), 64);
        assert_ne!(da.lookup_id, db.lookup_id);
        assert_ne!(hex::encode(*da.wrapping_key), da.lookup_id);
        // The same code derives the same values (recovery depends on it).
        let again = RecoveryCode::parse(&a.to_string()).unwrap().derive();
        assert_eq!(again.lookup_id, da.lookup_id);
        assert_eq!(*again.wrapping_key, *da.wrapping_key);
    }
}
