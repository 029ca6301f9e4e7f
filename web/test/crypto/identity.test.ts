import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";

import { utf8 } from "../../src/crypto/bytes.js";
import { isWellFormedFingerprint, keyFingerprint, normaliseFingerprint } from "../../src/crypto/fingerprint.js";
import {
  fingerprintOf,
  generateSecrets,
  parsePublicKeys,
  sign,
  unlock,
  verifySignature,
} from "../../src/crypto/identity.js";

const KEY = new Uint8Array(32).fill(7);
const AGE = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";

test("the fingerprint is the Rust known answer", async () => {
  // Recomputed independently with node's hash, as policy/src/fingerprint.rs pins it.
  const len = Buffer.alloc(8);
  len.writeBigUInt64BE(BigInt(AGE.length));
  const full = createHash("sha256")
    .update(Buffer.from("kluis key fingerprint v1\0"))
    .update(KEY)
    .update(len)
    .update(AGE)
    .digest("hex");
  const f = await keyFingerprint(KEY, AGE);
  assert.equal(f.replaceAll(" ", ""), full.slice(0, 32));
  assert.equal(f.length, 39);
  assert.ok(isWellFormedFingerprint(f));
  const other = KEY.slice();
  other[31] ^= 1;
  assert.notEqual(await keyFingerprint(other, AGE), f);
  assert.notEqual(await keyFingerprint(KEY, AGE.replace("q", "p")), f);
  assert.equal(normaliseFingerprint(f.toUpperCase().replaceAll(" ", "")), f);
  for (const bad of ["", f.toUpperCase(), f.replaceAll(" ", ""), `${f} `, f.slice(5)]) {
    assert.ok(!isWellFormedFingerprint(bad), bad);
  }
});

test("unlocked keys sign, verify only their message, and cannot be read out", async () => {
  const me = await unlock(await generateSecrets("Anna"));
  assert.equal(me.name, "Anna");
  assert.match(me.publicKeys.signing_key, /^[A-Za-z0-9_-]{43}$/);
  assert.match(me.publicKeys.age_recipient, /^age1[02-9ac-hj-np-z]{58}$/);
  const sig = await sign(me, utf8("hello"));
  assert.equal(sig.length, 64);
  assert.ok(await verifySignature(me.signingPublicKey, utf8("hello"), sig));
  assert.ok(!(await verifySignature(me.signingPublicKey, utf8("hellO"), sig)));
  assert.ok(!(await verifySignature(me.signingPublicKey, utf8("hello"), sig.subarray(1))));
  assert.equal(me.signingKey.extractable, false);
  assert.equal(me.ageKey.extractable, false);
  await assert.rejects(crypto.subtle.exportKey("pkcs8", me.signingKey));
  await assert.rejects(crypto.subtle.exportKey("pkcs8", me.ageKey));
});

test("the same secrets give the same public keys", async () => {
  const secrets = await generateSecrets("Bert");
  const a = await unlock(secrets);
  const b = await unlock({ ...secrets, signingSeed: secrets.signingSeed.slice() });
  assert.deepEqual(a.publicKeys, b.publicKeys);
  assert.equal(await fingerprintOf(a.publicKeys), await keyFingerprint(a.signingPublicKey, a.publicKeys.age_recipient));
});

test("malformed public keys and secrets are refused", async () => {
  const me = await unlock(await generateSecrets("Anna"));
  assert.throws(() => parsePublicKeys({ signing_key: "AAAA", age_recipient: me.publicKeys.age_recipient }), /signing key/);
  assert.throws(() => parsePublicKeys({ signing_key: `${me.publicKeys.signing_key}=`, age_recipient: me.publicKeys.age_recipient }));
  assert.throws(() => parsePublicKeys({ signing_key: me.publicKeys.signing_key, age_recipient: "age1example" }), /recipient/);
  const secrets = await generateSecrets("Anna");
  await assert.rejects(unlock({ ...secrets, ageIdentity: "AGE-SECRET-KEY-1XYZ" }), /age identity/);
  await assert.rejects(unlock({ ...secrets, signingSeed: new Uint8Array(31) }), /signing key/);
});
