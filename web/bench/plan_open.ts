// The browser's side of `browser_dossier_open_vs_native` (`kluis bench`):
// in a Web Worker, as the app opens a plan, open a 300-field dossier (per
// field: unwrap its key from the age X25519 envelope to the household
// identity, then open the AES-256-GCM seal) as often as fits in the time
// given, with exactly the crypto modules the app uses. The native side is
// `vault/src/bench/dossier.rs` on the same data shape (480-byte values).

import { generateAgeIdentity, importAgeIdentity } from "../src/crypto/age-keys";
import { openEnvelopeKey, sealEnvelope } from "../src/crypto/envelope";
import { newFieldKey, openField, sealField, type Binding } from "../src/crypto/seal";

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

async function openOne(identity: CryptoKey, f: Prepared) {
  const key = await openEnvelopeKey(identity, f.envelope);
  const plain = await openField(key, f.binding, f.sealed);
  if (plain.length !== VALUE_BYTES) throw new Error("wrong content");
}

/** All fields at once, as the app opens a plan: WebCrypto's X25519 and
 *  AES-GCM run off the worker's thread, so their waits overlap. */
async function openDossier(identity: CryptoKey, fields: Prepared[]) {
  await Promise.all(fields.map((f) => openOne(identity, f)));
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
