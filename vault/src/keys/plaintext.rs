//! `Plaintext`: an opened field value, wiped when dropped.
//!
//! A value is decrypted in the buffer the sealed bytes came in, and the
//! content is a window in it (after the nonce and the length prefix), so
//! opening neither moves nor copies the content. On drop the whole buffer,
//! spare capacity included, is wiped with `zeroize`'s bulk fill (a
//! `memset` the compiler may not remove). `Zeroizing<Vec<u8>>` would wipe
//! its elements one volatile byte at a time, which for a 4 KiB value costs
//! more than decrypting it (BENCHMARKS.md, `seal_vs_aead`).

use std::ops::Deref;

use zeroize::Zeroize;

/// Opened content; derefs to the content bytes only.
pub struct Plaintext {
    buf: Vec<u8>,
    start: usize,
    len: usize,
}

impl Plaintext {
    /// Takes ownership of `buf` (wiped on drop from now on), showing nothing yet.
    pub(crate) fn new(buf: Vec<u8>) -> Self {
        Self {
            buf,
            start: 0,
            len: 0,
        }
    }

    /// The whole buffer, to decrypt in place.
    pub(crate) fn buf_mut(&mut self) -> &mut [u8] {
        &mut self.buf
    }

    /// Shows `buf[start..start + len]` as the content.
    pub(crate) fn show(&mut self, start: usize, len: usize) {
        assert!(start + len <= self.buf.len(), "window inside the buffer");
        self.start = start;
        self.len = len;
    }

    /// Content already in memory (a value the device holds), wiped on drop too.
    pub fn from_vec(content: Vec<u8>) -> Self {
        let len = content.len();
        Self {
            buf: content,
            start: 0,
            len,
        }
    }

    pub fn as_slice(&self) -> &[u8] {
        &self.buf[self.start..self.start + self.len]
    }
}

impl Deref for Plaintext {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl AsRef<[u8]> for Plaintext {
    fn as_ref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl Drop for Plaintext {
    fn drop(&mut self) {
        // Both are bulk fills (`[u8]` and `[MaybeUninit<u8>]`), not a
        // volatile write per byte.
        self.buf.as_mut_slice().zeroize();
        self.buf.spare_capacity_mut().zeroize();
    }
}

/// The length only, never the content.
impl std::fmt::Debug for Plaintext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Plaintext({} bytes)", self.len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_only_its_window_and_hides_it_from_debug() {
        let mut p = Plaintext::new(b"nonce-len-secret-pad".to_vec());
        assert!(p.is_empty());
        p.show(10, 6);
        assert_eq!(&p[..], b"secret");
        assert_eq!(format!("{p:?}"), "Plaintext(6 bytes)");
        assert_eq!(&Plaintext::from_vec(b"abc".to_vec())[..], b"abc");
    }

    #[test]
    #[should_panic(expected = "window inside the buffer")]
    fn a_window_past_the_end_is_a_bug() {
        Plaintext::new(vec![0; 4]).show(2, 3);
    }
}
