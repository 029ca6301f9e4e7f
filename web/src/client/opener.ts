/**
 * Who opens field values for a `Client`: in the browser a pool of opener
 * workers beside the key worker (`worker/open_pool.ts`), so a plan's
 * fields open on every core; in Node (the tests) the client itself.
 * Either way the same function runs (`crypto/field_open.ts`).
 */
import { openSealedField } from "../crypto/field_open";
import type { Binding } from "../crypto/seal";

export interface FieldOpener {
  /** The plaintext of `sealed`, whose key is in `envelope` to `identity`. */
  open(identity: CryptoKey, envelope: Uint8Array, binding: Binding, sealed: Uint8Array): Promise<Uint8Array>;
}

/** Opens on the caller's own thread. */
export const openHere: FieldOpener = { open: openSealedField };
