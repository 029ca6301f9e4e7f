//! The right edge of a growing Merkle tree, in O(log n) space.
//!
//! The log grows to hundreds of millions of leaves. To append a leaf and
//! sign a new checkpoint, the server must not read every earlier leaf. A
//! tree of n leaves is, left to right, a sequence of perfect subtrees whose
//! sizes are the binary digits of n (13 = 8 + 4 + 1). Keeping only the
//! roots of those subtrees is enough both to append (merging equal-sized
//! subtrees, like carrying in binary addition) and to compute the RFC 9162
//! root (folding them from the right), because RFC 9162 always splits a
//! tree at the largest power of two below its size.
//!
//! The serialised form fits in one database row, so appending is: read one
//! row, hash a few times, write one row, in the same transaction as the
//! leaf itself.

use crate::merkle::{empty_root, node_hash, Hash};

/// The roots of the perfect subtrees that make up a tree of `size` leaves,
/// largest (leftmost) first. Invariant: `hashes.len() == size.count_ones()`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Frontier {
    size: u64,
    hashes: Vec<Hash>,
}

/// A perfect subtree: leaves `index * 2^height .. (index + 1) * 2^height`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subtree {
    pub height: u32,
    pub index: u64,
    pub hash: Hash,
}

/// Why bytes are not a valid serialised [`Frontier`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrontierError {
    #[error("frontier bytes have the wrong length for their tree size")]
    WrongLength,
    #[error("frontier format version {0} is not supported")]
    UnknownVersion(u8),
    #[error("the tree is full: no more than 2^64 - 1 leaves")]
    Full,
    #[error(
        "a tree can only be appended where its largest subtree starts at a multiple of its size"
    )]
    NotAligned,
}

const VERSION: u8 = 1;

impl Frontier {
    /// The frontier of the empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Builds the frontier of a tree from all its leaf hashes (for tests and
    /// for rebuilding after a full replay).
    pub fn from_leaves(leaf_hashes: &[Hash]) -> Self {
        let mut f = Self::new();
        for h in leaf_hashes {
            // Cannot overflow: a slice is far shorter than 2^64.
            f.append(*h).expect("slice length fits in u64");
        }
        f
    }

    /// The number of leaves in the tree.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Adds one leaf to the right edge in O(log n).
    pub fn append(&mut self, leaf_hash: Hash) -> Result<(), FrontierError> {
        self.append_with(leaf_hash, |_| {})
    }

    /// `append`, telling `completed` about every perfect subtree the new
    /// leaf completes (height 1 and up), smallest first. A store can keep
    /// some of them to make proofs without reading every leaf.
    pub fn append_with(
        &mut self,
        leaf_hash: Hash,
        mut completed: impl FnMut(Subtree),
    ) -> Result<(), FrontierError> {
        let new_size = self.size.checked_add(1).ok_or(FrontierError::Full)?;
        let mut h = leaf_hash;
        let mut s = self.size;
        let mut height = 0;
        // Each trailing one bit of the old size is a perfect subtree of the
        // same size as the one being carried: merge them.
        while s & 1 == 1 {
            let left = self.hashes.pop().expect("invariant: one hash per set bit");
            h = node_hash(&left, &h);
            s >>= 1;
            height += 1;
            completed(Subtree {
                height,
                index: (new_size >> height) - 1,
                hash: h,
            });
        }
        self.hashes.push(h);
        self.size = new_size;
        Ok(())
    }

    /// Appends every leaf of `right`, a tree built on its own (for instance
    /// on another thread), in O(log n) hashes. `right`'s subtrees must land
    /// on their own boundaries: this tree's size must be a multiple of the
    /// largest power of two in `right.size()` (a verifier hashing chunks of
    /// 2^k leaves has that).
    pub fn extend(&mut self, right: &Frontier) -> Result<(), FrontierError> {
        if right.size == 0 {
            return Ok(());
        }
        let largest = 63 - right.size.leading_zeros();
        if self.size & ((1u64 << largest) - 1) != 0 {
            return Err(FrontierError::NotAligned);
        }
        if self.size.checked_add(right.size).is_none() {
            return Err(FrontierError::Full);
        }
        let mut rest = right.size;
        for hash in &right.hashes {
            let height = 63 - rest.leading_zeros();
            self.append_subtree(height, *hash);
            rest &= !(1u64 << height);
        }
        Ok(())
    }

    /// Appends a perfect subtree of 2^height leaves; the caller checked that
    /// the size is a multiple of 2^height and that the sum fits.
    fn append_subtree(&mut self, height: u32, hash: Hash) {
        let mut h = hash;
        let mut s = self.size >> height;
        // As in `append_with`, one level up: the set bits below `height`
        // are zero, so the trailing hashes are the subtrees to merge.
        while s & 1 == 1 {
            let left = self.hashes.pop().expect("invariant: one hash per set bit");
            h = node_hash(&left, &h);
            s >>= 1;
        }
        self.hashes.push(h);
        self.size += 1u64 << height;
    }

    /// The RFC 9162 root of the tree, in O(log n).
    pub fn root(&self) -> Hash {
        let mut it = self.hashes.iter().rev();
        let Some(last) = it.next() else {
            return empty_root();
        };
        it.fold(*last, |acc, left| node_hash(left, &acc))
    }

    /// Serialises as: version byte 0x01, tree size as 8 bytes big-endian,
    /// then the subtree roots, largest first, 32 bytes each.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(9 + 32 * self.hashes.len());
        out.push(VERSION);
        out.extend_from_slice(&self.size.to_be_bytes());
        for h in &self.hashes {
            out.extend_from_slice(h);
        }
        out
    }

    /// Parses [`Frontier::to_bytes`] output strictly: the number of hashes
    /// must match the number of set bits in the size.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, FrontierError> {
        let (&version, rest) = bytes.split_first().ok_or(FrontierError::WrongLength)?;
        if version != VERSION {
            return Err(FrontierError::UnknownVersion(version));
        }
        if rest.len() < 8 {
            return Err(FrontierError::WrongLength);
        }
        let (size_bytes, rest) = rest.split_at(8);
        let size = u64::from_be_bytes(size_bytes.try_into().expect("8 bytes"));
        if rest.len() != 32 * size.count_ones() as usize {
            return Err(FrontierError::WrongLength);
        }
        let hashes = rest
            .chunks_exact(32)
            .map(|c| c.try_into().expect("32 bytes"))
            .collect();
        Ok(Self { size, hashes })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merkle::{leaf_hash, root};
    use proptest::prelude::*;

    fn leaves(n: usize) -> Vec<Hash> {
        (0..n as u64).map(|i| leaf_hash(&i.to_be_bytes())).collect()
    }

    #[test]
    fn empty_frontier_has_empty_root() {
        let f = Frontier::new();
        assert_eq!(f.size(), 0);
        assert_eq!(f.root(), empty_root());
        assert_eq!(f.to_bytes(), vec![1, 0, 0, 0, 0, 0, 0, 0, 0]);
    }

    #[test]
    fn every_completed_subtree_is_reported_with_its_root() {
        let l = leaves(70);
        let mut f = Frontier::new();
        let mut seen = Vec::new();
        for h in &l {
            f.append_with(*h, |s| seen.push(s)).unwrap();
        }
        // Every perfect subtree inside 70 leaves: 35 + 17 + 8 + 4 + 2 + 1.
        assert_eq!(seen.len(), 35 + 17 + 8 + 4 + 2 + 1);
        for s in &seen {
            let start = (s.index << s.height) as usize;
            let end = ((s.index + 1) << s.height) as usize;
            assert_eq!(s.hash, root(&l[start..end]), "{s:?}");
        }
    }

    #[test]
    fn keeps_one_hash_per_set_bit() {
        let f = Frontier::from_leaves(&leaves(13));
        assert_eq!(f.hashes.len(), 3);
        assert_eq!(f.to_bytes().len(), 9 + 3 * 32);
    }

    #[test]
    fn rejects_malformed_bytes() {
        let good = Frontier::from_leaves(&leaves(5)).to_bytes();
        assert_eq!(Frontier::from_bytes(&[]), Err(FrontierError::WrongLength));
        assert_eq!(
            Frontier::from_bytes(&good[..good.len() - 1]),
            Err(FrontierError::WrongLength)
        );
        let mut extra = good.clone();
        extra.extend_from_slice(&[0; 32]);
        assert_eq!(
            Frontier::from_bytes(&extra),
            Err(FrontierError::WrongLength)
        );
        let mut v2 = good;
        v2[0] = 2;
        assert_eq!(
            Frontier::from_bytes(&v2),
            Err(FrontierError::UnknownVersion(2))
        );
    }

    #[test]
    fn full_tree_refuses_to_grow() {
        let mut f = Frontier {
            size: u64::MAX,
            hashes: vec![[0; 32]; 64],
        };
        assert_eq!(f.append([1; 32]), Err(FrontierError::Full));
    }

    proptest! {
        #[test]
        fn frontier_root_equals_full_root(n in 0usize..300) {
            let l = leaves(n);
            let mut f = Frontier::new();
            for (i, h) in l.iter().enumerate() {
                prop_assert_eq!(f.root(), root(&l[..i]));
                f.append(*h).unwrap();
            }
            prop_assert_eq!(f.size(), n as u64);
            prop_assert_eq!(f.root(), root(&l));
        }

        #[test]
        fn bytes_round_trip_and_append_continues(n in 0usize..200, more in 0usize..20) {
            let l = leaves(n + more);
            let f = Frontier::from_leaves(&l[..n]);
            let mut g = Frontier::from_bytes(&f.to_bytes()).unwrap();
            prop_assert_eq!(&g, &f);
            for h in &l[n..] {
                g.append(*h).unwrap();
            }
            prop_assert_eq!(g.root(), root(&l));
        }

        #[test]
        fn extending_by_aligned_chunks_equals_appending(n in 0usize..300, k in 0u32..6) {
            let l = leaves(n);
            let chunk = 1usize << k;
            let mut f = Frontier::new();
            for part in l.chunks(chunk) {
                f.extend(&Frontier::from_leaves(part)).unwrap();
            }
            prop_assert_eq!(&f, &Frontier::from_leaves(&l));
        }

        #[test]
        fn extending_off_boundary_is_refused(n in 1usize..64, m in 2usize..64) {
            let l = leaves(n + m);
            let mut f = Frontier::from_leaves(&l[..n]);
            let right = Frontier::from_leaves(&l[n..]);
            let largest = 1usize << (63 - (m as u64).leading_zeros());
            if n % largest == 0 {
                f.extend(&right).unwrap();
                prop_assert_eq!(f.root(), root(&l));
            } else {
                prop_assert_eq!(f.extend(&right), Err(FrontierError::NotAligned));
            }
        }

        #[test]
        fn from_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = Frontier::from_bytes(&bytes);
        }
    }
}
