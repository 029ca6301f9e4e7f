import assert from "node:assert/strict";
import { test } from "node:test";

import { Encrypter } from "age-encryption";

import { utf8 } from "../../src/crypto/bytes.js";
import {
  checkEnvelope,
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
