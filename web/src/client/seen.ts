/**
 * The newest version of each field this device has seen (mirrors
 * `vault/src/client/seen.rs`). A server cannot forge a version it cannot
 * decrypt, but it could hide the newest ones and serve an older version as
 * the current one: the device refuses a "newest" older than one it saw.
 *
 * It also remembers the lowest version of each field it saw signed: in a
 * household from before signed versions, an unsigned version above it was
 * not written by a kluis client.
 */
import type { DeviceStore } from "./device_store";

const newestKey = (h: string, path: string) => `seen/${h}/${path}`;
const signedKey = (h: string, path: string) => `signed/${h}/${path}`;

export class Seen {
  constructor(private readonly store: DeviceStore) {}

  /** The highest version of `path` seen, if any. */
  async newest(h: string, path: string): Promise<number | null> {
    return (await this.store.get<number>(newestKey(h, path))) ?? null;
  }

  /** Remember that `version` of `path` exists. */
  async saw(h: string, path: string, version: number): Promise<void> {
    await this.store.update<number>(newestKey(h, path), (old) => (old === undefined || version > old ? version : undefined));
  }

  /** The lowest version of `path` seen signed, if any. */
  async lowestSigned(h: string, path: string): Promise<number | null> {
    return (await this.store.get<number>(signedKey(h, path))) ?? null;
  }

  /** Remember that `version` of `path` carried a valid signature. */
  async sawSigned(h: string, path: string, version: number): Promise<void> {
    await this.store.update<number>(signedKey(h, path), (old) => (old === undefined || version < old ? version : undefined));
  }
}
