// Earlier keys on the device (client/rotation.ts, readmission.ts): an
// earlier key counts only for what it signed before its retirement; the
// statements are read only in the exact form the Rust side writes them.
import assert from "node:assert/strict";
import { test } from "node:test";

import { parseReadmit, readmitStatement } from "../../src/client/readmission.js";
import { hadFingerprint, hadSigningKey, rotationStatement, signedAt, signedBy } from "../../src/client/rotation.js";
import { utf8 } from "../../src/crypto/bytes.js";
import { generateSecrets, sign, unlock } from "../../src/crypto/identity.js";

test("an earlier key counts only before it was retired", async () => {
  const old = await unlock(await generateSecrets("Anna"));
  const now = await unlock(await generateSecrets("Anna"));
  const keys = {
    signingKey: now.signingPublicKey,
    fingerprint: "nieuw",
    earlier: [{ signingKey: old.signingPublicKey, ageRecipient: old.publicKeys.age_recipient, fingerprint: "oud", retiredAtMs: 1000 }],
  };
  const message = utf8("hallo");
  const byOld = await sign(old, message);
  assert.equal(await signedBy(keys, message, byOld, 999), true);
  assert.equal(await signedBy(keys, message, byOld, 1000), false);
  assert.equal(await signedBy(keys, message, await sign(now, message), 5000), true);
  assert.equal(hadSigningKey(keys, old.signingPublicKey, 999), true);
  assert.equal(hadSigningKey(keys, old.signingPublicKey, 1000), false);
  assert.equal(hadFingerprint(keys, "oud"), true);
  assert.equal(hadFingerprint(keys, "ander"), false);
  // Without earlier keys, the old key counts for nothing.
  assert.equal(await signedBy({ ...keys, earlier: [] }, message, byOld, 0), false);
});

test("statements are the exact texts of wire/rotation.rs", () => {
  const s = rotationStatement("p-1", { signing_key: "a", age_recipient: "b" }, { signing_key: "c", age_recipient: "d" }, 7);
  assert.equal(
    s,
    "kluis-keys-rotate/v1\nprincipal: p-1\nold-signing-key: a\nold-age-recipient: b\nnew-signing-key: c\nnew-age-recipient: d\nsigned-at-ms: 7\n",
  );
  assert.equal(signedAt(s), 7);
  const r = readmitStatement("h-1", "p-2", "nieuw", "oud", "p-3", 9);
  assert.deepEqual(parseReadmit("h-1", { statement: r, signer: "p-3", signature: "" }), {
    member: "p-2",
    fingerprint: "nieuw",
    previous: "oud",
    by: "p-3",
    signedAtMs: 9,
  });
  // Another household, or a line added: not a readmission.
  assert.equal(parseReadmit("h-2", { statement: r, signer: "p-3", signature: "" }), null);
  assert.equal(parseReadmit("h-1", { statement: r + "extra: 1\n", signer: "p-3", signature: "" }), null);
});
