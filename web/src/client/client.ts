/**
 * The client in the key worker: what a person's device does, over HTTP,
 * with the keys that never leave the worker (mirrors the `Client` of
 * `vault/src/client/mod.rs`). The other modules of this folder are its
 * parts, one concept each, as functions taking the `Client`.
 *
 * A `Client` lives for one signed-in session: it caches what this session
 * checked (keys, households, household identities). What the device
 * remembers for longer (pins, versions seen, the log pin) is in its
 * `DeviceStore`, one per person.
 */
import type { HouseholdKey } from "../crypto/age-keys";
import type { Identity } from "../crypto/identity";
import type { DeviceStore } from "./device_store";
import { Api } from "./http";
import { Pins } from "./pins";
import { Seen } from "./seen";
import type { TrustedKeys, VerifiedHousehold } from "./trust";

/** The server's limit on a field's content (`max_field_bytes`). */
export const MAX_FIELD_BYTES = 256 * 1024;

export class Client {
  readonly api: Api;
  readonly pins: Pins;
  readonly seen: Seen;
  /** Household identities opened this session. */
  readonly households = new Map<string, HouseholdKey>();
  /** Keys checked this session. */
  readonly trusted = new Map<string, TrustedKeys>();
  /** Households whose chain this session checked, for checking versions. */
  readonly checkedHouseholds = new Map<string, VerifiedHousehold>();
  private readonly locks = new Map<string, Promise<void>>();

  constructor(
    readonly identity: Identity,
    /** My principal id, as the server named it at login. */
    readonly me: string,
    origin: string,
    token: string,
    readonly store: DeviceStore,
  ) {
    this.api = new Api(origin, token);
    this.pins = new Pins(store);
    this.seen = new Seen(store);
  }

  /** Run `f` after every earlier `serial` call of the same `name` ended (a lock). */
  async serial<T>(name: string, f: () => Promise<T>): Promise<T> {
    const before = this.locks.get(name) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const chained = before.then(() => mine);
    this.locks.set(name, chained);
    await before;
    try {
      return await f();
    } finally {
      release();
      if (this.locks.get(name) === chained) this.locks.delete(name);
    }
  }
}
