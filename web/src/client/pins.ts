/**
 * Keys this device has seen, pinned: trust on first use (mirrors
 * `vault/src/client/pins.rs`). The first time the device relies on
 * someone's keys it records their fingerprint; from then on, keys from the
 * server that differ are refused ("keys-changed") until the person using the
 * device compares the new key code and accepts it (`trust.ts`, `trustKeys`).
 */
import type { DeviceStore } from "./device_store";

export interface Pin {
  fingerprint: string;
  /** The name the server gave when the key was pinned, to say whose it is. */
  name: string;
}

const key = (id: string) => `pin/${id}`;

export class Pins {
  constructor(private readonly store: DeviceStore) {}

  get(id: string): Promise<Pin | undefined> {
    return this.store.get<Pin>(key(id));
  }

  /** Pin `id`'s keys again, after the person using this device confirmed a change (`trustKeys`). */
  async set(id: string, pin: Pin): Promise<void> {
    await this.store.update<Pin>(key(id), () => pin);
  }

  /** Pin `id`'s keys, unless a pin exists already (first use only). */
  async pinFirst(id: string, pin: Pin): Promise<void> {
    await this.store.update<Pin>(key(id), (old) => (old === undefined ? pin : undefined));
  }
}
