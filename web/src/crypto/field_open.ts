/**
 * Opening one field version, the crypto of reading a plan: unwrap the field
 * key from its envelope with an age identity (`envelope.ts`, all of the
 * CLI's checks), open the AES-256-GCM seal for where the value belongs
 * (`seal.ts`), and wipe the key. `client/plan.ts` (`openValue`) calls it for
 * each value once its signature checked out, and `web/bench/plan_open.ts`
 * measures it. Errors are the `EnvelopeError` or `SealError` that says
 * which step failed.
 */
import { openEnvelopeKey } from "./envelope.js";
import { openField, type Binding } from "./seal.js";

export async function openSealedField(
  identity: CryptoKey,
  envelope: Uint8Array,
  binding: Binding,
  sealed: Uint8Array,
): Promise<Uint8Array> {
  const key = await openEnvelopeKey(identity, envelope);
  try {
    return await openField(key, binding, sealed);
  } finally {
    key.fill(0);
  }
}
