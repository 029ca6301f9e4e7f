/**
 * What this device remembers between sessions, per signed-in person: pinned
 * keys (`pins.ts`), the newest version of each field seen (`seen.ts`), and
 * the access log's key and checkpoint (`directory.ts`). The CLI keeps these
 * as files beside the keystore (`vault/src/client/device_file.rs`); the
 * browser keeps them in IndexedDB (`device_store_idb.ts`), and Node tests in
 * memory (`MemoryDeviceStore`).
 *
 * One small interface: values are JSON-like, and `update` reads and writes
 * one key atomically, so two operations running at once in the worker
 * cannot lower a remembered version or lose a pin.
 */

export interface DeviceStore {
  get<T>(key: string): Promise<T | undefined>;
  /** Replace the value at `key` with `f(old)`; `undefined` leaves it as it is. */
  update<T>(key: string, f: (old: T | undefined) => T | undefined): Promise<void>;
}

/** A device store in memory; `snapshot`/`from` carry it between runs (Node tests). */
export class MemoryDeviceStore implements DeviceStore {
  private readonly values = new Map<string, unknown>();

  static from(snapshot: Record<string, unknown> | undefined): MemoryDeviceStore {
    const store = new MemoryDeviceStore();
    for (const [k, v] of Object.entries(snapshot ?? {})) store.values.set(k, structuredClone(v));
    return store;
  }

  snapshot(): Record<string, unknown> {
    return Object.fromEntries([...this.values].map(([k, v]) => [k, structuredClone(v)]));
  }

  async get<T>(key: string): Promise<T | undefined> {
    const v = this.values.get(key);
    return v === undefined ? undefined : (structuredClone(v) as T);
  }

  async update<T>(key: string, f: (old: T | undefined) => T | undefined): Promise<void> {
    // Read and write with no await between: atomic among concurrent updates.
    const old = this.values.get(key);
    const next = f(old === undefined ? undefined : (structuredClone(old) as T));
    if (next !== undefined) this.values.set(key, structuredClone(next));
  }
}
