import assert from "node:assert/strict";
import { test } from "node:test";

import { Decrypter, Encrypter, Stanza } from "age-encryption";

import { concat, utf8 } from "../../src/crypto/bytes.js";
import {
  checkEnvelope,
  EnvelopeError,
  MAX_ENVELOPE_BYTES,
  openEnvelope,
  openEnvelopeKey,
  sealEnvelope,
} from "../../src/crypto/envelope.js";
import { person, rejectsKind } from "./helpers.js";

test("an envelope opens only for its recipient", async () => {
  const me = await person("Anna");
  const other = await person("Eve");
  const key = new Uint8Array(32).fill(7);
  const env = await sealEnvelope(me.publicKeys.age_recipient, key);
  assert.ok(env.length <= MAX_ENVELOPE_BYTES);
  await checkEnvelope(env);
  assert.deepEqual(await openEnvelopeKey(me.ageKey, env), key);
  await rejectsKind(openEnvelopeKey(other.ageKey, env), "NotForMe");
});

test("sizes are checked: a key is 32 bytes, a secret at most 128", async () => {
  const me = await person();
  const short = await sealEnvelope(me.publicKeys.age_recipient, new Uint8Array(31));
  await rejectsKind(openEnvelopeKey(me.ageKey, short), "Malformed");
  const household = await sealEnvelope(me.publicKeys.age_recipient, new Uint8Array(74).fill(65));
  assert.equal((await openEnvelope(me.ageKey, household)).length, 74);
  const big = await sealEnvelope(me.publicKeys.age_recipient, new Uint8Array(129));
  await rejectsKind(openEnvelope(me.ageKey, big), "Malformed");
});

test("many stanzas, big inputs, garbage and other recipient types are refused", async () => {
  const a = await person("A");
  const b = await person("B");
  const e = new Encrypter();
  e.addRecipient(a.publicKeys.age_recipient);
  e.addRecipient(b.publicKeys.age_recipient);
  const two = await e.encrypt(new Uint8Array(32));
  await rejectsKind(checkEnvelope(two), "Malformed");
  await rejectsKind(openEnvelope(a.ageKey, two), "Malformed");
  await rejectsKind(checkEnvelope(new Uint8Array(2000).fill(97)), "TooLarge");
  await rejectsKind(checkEnvelope(utf8("hello")), "Malformed");
  await rejectsKind(checkEnvelope(utf8("age-encryption.org/v1\n-> X25519 zz\n---")), "Malformed");
  const p = new Encrypter();
  p.setScryptWorkFactor(10);
  p.setPassphrase("pw");
  await rejectsKind(checkEnvelope(await p.encrypt(new Uint8Array(32))), "Malformed");
  await rejectsKind(sealEnvelope("age1example", new Uint8Array(32)), "BadRecipient");
  await rejectsKind(sealEnvelope("AGE-SECRET-KEY-1", new Uint8Array(32)), "BadRecipient");
});

test("a tampered envelope does not open", async () => {
  const me = await person();
  const env = await sealEnvelope(me.publicKeys.age_recipient, new Uint8Array(32).fill(1));
  const last = env.slice();
  last[last.length - 1]! ^= 1;
  await rejectsKind(openEnvelopeKey(me.ageKey, last), "Malformed");
  const text = Buffer.from(env).toString("latin1");
  const mac = text.indexOf("\n--- ") + 6;
  const header = env.slice();
  header[mac] = header[mac] === 65 ? 66 : 65;
  await rejectsKind(openEnvelopeKey(me.ageKey, header), "NotForMe");
});

/**
 * `openEnvelope` before it took `Decrypter.decrypt` apart: the shape check
 * with a full header parse, then age's own decryption. The new one must
 * open and refuse exactly what this did, with the same kind.
 */
async function openAsBefore(identity: CryptoKey, envelope: Uint8Array): Promise<Uint8Array> {
  await checkEnvelope(envelope);
  const d = new Decrypter();
  d.addIdentity(identity);
  let secret: Uint8Array;
  try {
    secret = await d.decrypt(envelope);
  } catch (e) {
    const header =
      e instanceof Error &&
      ["no identity matched any of the file's recipients", "invalid header HMAC", "invalid X25519 stanza"].includes(e.message);
    throw new EnvelopeError(header ? "NotForMe" : "Malformed");
  }
  if (secret.length > 128) throw new EnvelopeError("Malformed");
  return secret;
}

async function outcome(open: Promise<Uint8Array>): Promise<string> {
  try {
    return `ok ${Buffer.from(await open).toString("hex")}`;
  } catch (e) {
    if (!(e instanceof EnvelopeError)) throw e;
    return e.kind;
  }
}

test("opening refuses exactly what age's own decryption refused, byte by byte", async () => {
  const me = await person();
  const other = await person("Eve");
  const grease = new Encrypter();
  grease.addRecipient(me.publicKeys.age_recipient);
  grease.addRecipient({ wrapFileKey: () => [new Stanza(["grease-x", "abc"], new Uint8Array(7))] });
  // Hostile stanzas before the real one: an X25519 stanza with no share
  // (age refuses it as not for this key), and a body of exactly 48 bytes
  // (which takes an empty line after it).
  const bare = new Encrypter();
  bare.addRecipient({ wrapFileKey: () => [new Stanza(["X25519"], new Uint8Array(32))] });
  bare.addRecipient(me.publicKeys.age_recipient);
  const long = new Encrypter();
  long.addRecipient({ wrapFileKey: () => [new Stanza(["long"], new Uint8Array(48).fill(1))] });
  long.addRecipient(me.publicKeys.age_recipient);
  const envelopes = [
    await sealEnvelope(me.publicKeys.age_recipient, new Uint8Array(32).fill(9)),
    await sealEnvelope(me.publicKeys.age_recipient, new Uint8Array(0)),
    await sealEnvelope(me.publicKeys.age_recipient, new Uint8Array(128).fill(3)),
    await grease.encrypt(new Uint8Array(32).fill(4)),
    await bare.encrypt(new Uint8Array(32).fill(5)),
    await long.encrypt(new Uint8Array(32).fill(6)),
  ];
  const variants: Uint8Array[] = [];
  for (const env of envelopes) {
    variants.push(env);
    const header = Buffer.from(env).indexOf("\n---") + 50;
    for (let i = 0; i < env.length; i++) {
      // A case change too in the header, where the text is.
      for (const bit of i < header ? [0x01, 0x20, 0x80] : [0x01, 0x80]) {
        const changed = env.slice();
        changed[i]! ^= bit;
        variants.push(changed);
      }
      variants.push(env.slice(0, i));
    }
    for (const tail of ["\n", "x", "\n--- x\n", "0123456789abcdef"]) variants.push(concat(env, utf8(tail)));
  }
  let opened = 0;
  const kinds = new Set<string>();
  for (const [n, v] of variants.entries()) {
    // Someone else's key, on a sample: their refusals differ little.
    for (const who of n % 16 === 0 ? [me, other] : [me]) {
      const before = await outcome(openAsBefore(who.ageKey, v));
      const now = await outcome(openEnvelope(who.ageKey, v));
      assert.equal(now, before, `envelope ${Buffer.from(v).toString("latin1")}`);
      if (now.startsWith("ok")) opened++;
      kinds.add(now.startsWith("ok") ? "ok" : now);
    }
  }
  // The comparison covered openings and both kinds of refusal.
  // Every envelope but `bare` (refused, as age refuses it) opened unchanged.
  assert.ok(opened >= envelopes.length - 1, `${opened} opened`);
  assert.deepEqual([...kinds].sort(), ["Malformed", "NotForMe", "ok"]);
});
