import assert from "node:assert/strict";
import { test } from "node:test";

import { decodeB64url, b64url } from "../../src/crypto/bytes.js";
import { generateSecrets, unlock } from "../../src/crypto/identity.js";
import { derivePasskey, openPasskey, PasskeyBlobError, prfSalt, sealPasskey } from "../../src/crypto/passkey.js";
import { openRecovery, RecoveryCode } from "../../src/crypto/recovery.js";

const prf = (n: number) => new Uint8Array(32).fill(n);

test("the PRF output that sealed a blob opens it, and nothing else does", async () => {
  const secrets = await generateSecrets("Noor");
  const keys = (await unlock(secrets)).publicKeys;
  const sealed = await sealPasskey(secrets, prf(1));
  assert.match(sealed.lookup_id, /^[0-9a-f]{64}$/);
  assert.equal(sealed.lookup_id, (await derivePasskey(prf(1))).lookupId);
  assert.notEqual(sealed.lookup_id, (await derivePasskey(prf(2))).lookupId);
  const back = await unlock(await openPasskey(prf(1), sealed.blob));
  assert.deepEqual(back.publicKeys, keys);
  assert.equal(back.name, "Noor");

  await assert.rejects(openPasskey(prf(2), sealed.blob), PasskeyBlobError);
  await assert.rejects(openPasskey(new Uint8Array(16), sealed.blob), PasskeyBlobError);
  const raw = decodeB64url(sealed.blob)!;
  raw[raw.length - 1]! ^= 1;
  await assert.rejects(openPasskey(prf(1), b64url(raw)), PasskeyBlobError);
  await assert.rejects(openPasskey(prf(1), "not base64!"), PasskeyBlobError);
  await assert.rejects(openPasskey(prf(1), "A".repeat(4097)), PasskeyBlobError);
});

test("a passkey blob is not a recovery blob: the labels differ", async () => {
  const secrets = await generateSecrets("Noor");
  const sealed = await sealPasskey(secrets, prf(3));
  await assert.rejects(openRecovery(RecoveryCode.generate(), sealed.blob));
  // The app's fixed PRF input.
  assert.equal((await prfSalt()).length, 32);
});
