// The browser's side of `browser_dossier_open_vs_native` (`kluis bench`):
// in a Web Worker, as the key worker opens a plan, open a 300-field dossier
// (per field: unwrap its key from the age X25519 envelope to the household
// identity, then open the AES-256-GCM seal) as often as fits in the time
// given, all 300 at once. Each value is opened by `openSealedField`
// (`crypto/field_open.ts`), the function `openValue` in `client/plan.ts`
// calls once a version's signature checked out; the fetch and that check
// are not measured here, nor in the native figure. The native side is
// `vault/src/bench/dossier.rs` on the same data shape (480-byte values).

import { generateAgeIdentity, importAgeIdentity } from "../src/crypto/age-keys";
import { sealEnvelope } from "../src/crypto/envelope";
import { newFieldKey, sealField, type Binding } from "../src/crypto/seal";
import { openSealedField } from "../src/crypto/field_open";

const FIELDS = 300;
const VALUE_BYTES = 480;
const HOUSEHOLD = "h-" + "ab".repeat(16);

interface Prepared {
  binding: Binding;
  envelope: Uint8Array;
  sealed: Uint8Array;
}

async function prepare() {
  const secret = await generateAgeIdentity();
  const identity = await importAgeIdentity(secret);
  const fields: Prepared[] = [];
  for (let i = 0; i < FIELDS; i++) {
    const binding = { household: HOUSEHOLD, path: `sectie-${Math.floor(i / 30)}/veld-${i}`, version: 1, keyGen: 0 };
    const key = newFieldKey();
    const content = new Uint8Array(VALUE_BYTES).fill(97 + (i % 26));
    fields.push({ binding, envelope: await sealEnvelope(identity.recipient, key), sealed: await sealField(key, binding, content) });
  }
  return { identity, fields };
}

/** All fields at once: WebCrypto's X25519 and AES-GCM run off the
 *  worker's thread, so their waits overlap. */
async function openDossier(identity: CryptoKey, fields: Prepared[]) {
  await Promise.all(
    fields.map(async (f) => {
      const plain = await openSealedField(identity, f.envelope, f.binding, f.sealed);
      if (plain.length !== VALUE_BYTES) throw new Error("wrong content");
    }),
  );
}

self.onmessage = async (event: MessageEvent<{ side_ms: number; rounds: number }>) => {
  try {
    const { identity, fields } = await prepare();
    await openDossier(identity.key, fields); // warm up
    let best = 0;
    for (let r = 0; r < event.data.rounds; r++) {
      const started = performance.now();
      let n = 0;
      while (performance.now() - started < event.data.side_ms) {
        await openDossier(identity.key, fields);
        n++;
      }
      best = Math.max(best, n / ((performance.now() - started) / 1000));
    }
    postMessage({ ok: true, dossiers_per_s: best, fields: FIELDS });
  } catch (e) {
    postMessage({ ok: false, error: String(e) });
  }
};
