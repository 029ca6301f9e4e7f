/**
 * RFC 9162 section 2.1 Merkle tree proofs, verified step by step as
 * `audit/src/merkle.rs` does (2.1.3.2 inclusion, 2.1.4.2 consistency), so a
 * reader can compare both with the RFC. Indices and sizes are bigints: the
 * algorithms shift and mask them, which JS numbers do in 32 bits only.
 */
import { concat, equalBytes, own } from "../crypto/bytes";

export type Hash = Uint8Array;

async function sha256(...parts: Uint8Array[]): Promise<Hash> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", own(concat(...parts))));
}

/** SHA-256(0x00 || data). */
export function leafHash(data: Uint8Array): Promise<Hash> {
  return sha256(new Uint8Array([0]), data);
}

/** SHA-256(0x01 || left || right). */
export function nodeHash(left: Hash, right: Hash): Promise<Hash> {
  return sha256(new Uint8Array([1]), left, right);
}

/** The root of the empty tree. */
export function emptyRoot(): Promise<Hash> {
  return sha256();
}

/** Why a proof did not verify (`ProofError`). */
export class ProofError extends Error {
  override readonly name = "ProofError";
}

/** `leaf` is leaf `index` of the tree of `size` leaves with root `root` (`verify_inclusion`). */
export async function verifyInclusion(index: bigint, size: bigint, leaf: Hash, proof: Hash[], root: Hash): Promise<void> {
  if (index >= size) throw new ProofError(`leaf index ${index} is outside a tree of size ${size}`);
  let fn = index;
  let sn = size - 1n;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0n) throw new ProofError("the proof has the wrong number of hashes");
    if ((fn & 1n) === 1n || fn === sn) {
      r = await nodeHash(p, r);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) throw new ProofError("the proof has the wrong number of hashes");
  if (!equalBytes(r, root)) throw new ProofError("the proof does not lead to the expected root");
}

function isPowerOfTwo(n: bigint): boolean {
  return n > 0n && (n & (n - 1n)) === 0n;
}

/** The tree (`newSize`, `newRoot`) extends the tree (`oldSize`, `oldRoot`) (`verify_consistency`). */
export async function verifyConsistency(
  oldSize: bigint,
  newSize: bigint,
  oldRoot: Hash,
  newRoot: Hash,
  proof: Hash[],
): Promise<void> {
  if (oldSize > newSize) throw new ProofError(`the old tree size ${oldSize} is larger than the new tree size ${newSize}`);
  if (oldSize === newSize) {
    if (proof.length !== 0) throw new ProofError("the proof has the wrong number of hashes");
    if (!equalBytes(oldRoot, newRoot)) throw new ProofError("the proof does not lead to the expected root");
    return;
  }
  if (oldSize === 0n) throw new ProofError("a consistency proof from an empty tree proves nothing");
  if (proof.length === 0) throw new ProofError("the proof has the wrong number of hashes");
  const path = isPowerOfTwo(oldSize) ? [oldRoot, ...proof] : [...proof];
  let fn = oldSize - 1n;
  let sn = newSize - 1n;
  while ((fn & 1n) === 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0n) throw new ProofError("the proof has the wrong number of hashes");
    if ((fn & 1n) === 1n || fn === sn) {
      fr = await nodeHash(c, fr);
      sr = await nodeHash(c, sr);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      sr = await nodeHash(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) throw new ProofError("the proof has the wrong number of hashes");
  if (!equalBytes(fr, oldRoot) || !equalBytes(sr, newRoot)) {
    throw new ProofError("the proof does not lead to the expected root");
  }
}
