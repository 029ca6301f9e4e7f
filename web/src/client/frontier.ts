/**
 * The RFC 9162 root of a log read leaf by leaf, in memory that grows with
 * the logarithm of its size (mirrors `audit/src/frontier.rs`): the roots of
 * the perfect subtrees the leaves so far make, largest first. Appending a
 * leaf merges equal-sized neighbours; the root folds them right to left,
 * which is MTH's split at the largest power of two below the size.
 */
import { emptyRoot, nodeHash, type Hash } from "./merkle";

export class Frontier {
  private readonly nodes: { size: bigint; hash: Hash }[] = [];
  private count = 0n;

  get size(): bigint {
    return this.count;
  }

  /** Add the next leaf's hash (`leafHash(bytes)`). */
  async append(leaf: Hash): Promise<void> {
    let node = { size: 1n, hash: leaf };
    for (let last = this.nodes.at(-1); last && last.size === node.size; last = this.nodes.at(-1)) {
      this.nodes.pop();
      node = { size: last.size * 2n, hash: await nodeHash(last.hash, node.hash) };
    }
    this.nodes.push(node);
    this.count += 1n;
  }

  /** The root of the leaves appended so far. */
  async root(): Promise<Hash> {
    if (this.nodes.length === 0) return emptyRoot();
    let acc = this.nodes.at(-1)!.hash;
    for (let i = this.nodes.length - 2; i >= 0; i--) acc = await nodeHash(this.nodes[i]!.hash, acc);
    return acc;
  }
}
