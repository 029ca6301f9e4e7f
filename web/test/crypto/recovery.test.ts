import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { generateSecrets, unlock } from "../../src/crypto/identity.js";
import {
  normalised,
  openRecovery,
  RecoveryBlobError,
  RecoveryCode,
  RecoveryCodeError,
  sealRecovery,
} from "../../src/crypto/recovery.js";

// A code and a blob the CLI made (vault/src/keys/recovery_blob.rs checks
// the same file). Run from dist-test/crypto/.
const shared = JSON.parse(
  readFileSync(new URL("../../../vault/src/keys/recovery_cases.json", import.meta.url), "utf8"),
) as {
  code: string;
  lookup_id: string;
  blob: string;
  name: string;
  keys: { signing_key: string; age_recipient: string };
};

test("a code and blob made by the CLI derive and open alike here", async () => {
  const code = RecoveryCode.parse(shared.code.toLowerCase().replace(/-/g, " "));
  assert.equal(code.toString(), shared.code);
  assert.equal((await code.derive()).lookupId, shared.lookup_id);
  const secrets = await openRecovery(code, shared.blob);
  assert.equal(secrets.name, shared.name);
  assert.deepEqual((await unlock(secrets)).publicKeys, shared.keys);
});

test("a blob made here opens with its code only", async () => {
  const secrets = await generateSecrets("Bram");
  const code = RecoveryCode.generate();
  const sealed = await sealRecovery(secrets, code);
  assert.equal(sealed.lookup_id, (await code.derive()).lookupId);
  const back = await openRecovery(RecoveryCode.parse(code.toString()), sealed.blob);
  assert.deepEqual(back.signingSeed, secrets.signingSeed);
  await assert.rejects(openRecovery(RecoveryCode.generate(), sealed.blob), RecoveryBlobError);
  await assert.rejects(openRecovery(code, "A".repeat(5000)), RecoveryBlobError);
  await assert.rejects(openRecovery(code, shared.blob), RecoveryBlobError);
});

test("typos, wrong characters and wrong lengths are named", () => {
  const text = RecoveryCode.generate().toString();
  assert.match(text, /^([0-9A-HJKMNP-TV-Z]{4}-){6}[0-9A-HJKMNP-TV-Z]{4}$/);
  const kind = (s: string) => {
    try {
      RecoveryCode.parse(s);
      return "ok";
    } catch (e) {
      assert.ok(e instanceof RecoveryCodeError);
      return e.kind;
    }
  };
  const flat = text.replace(/-/g, "");
  for (let i = 0; i < flat.length; i++) {
    const other = flat[i] === "A" ? "B" : "A";
    assert.equal(kind(flat.slice(0, i) + other + flat.slice(i + 1)), "Check");
  }
  assert.equal(kind("ABCD-EFGH"), "Length");
  assert.equal(kind("ABCD-EFGU"), "Character");
  assert.equal(kind(text.replace(/0/g, "o").replace(/1/g, "l")), "ok");
  assert.equal(normalised(" ab1o-l9xz\n"), "AB1019XZ");
  const code = RecoveryCode.parse(text);
  assert.equal(code.lastGroups(), flat.slice(-8));
});
