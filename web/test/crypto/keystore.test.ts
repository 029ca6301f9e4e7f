import assert from "node:assert/strict";
import { test } from "node:test";

import { Encrypter, armor } from "age-encryption";

import { b64url, utf8 } from "../../src/crypto/bytes.js";
import { generateSecrets, unlock } from "../../src/crypto/identity.js";
import { KEYSTORE_WORK_FACTOR, openKeystore, writeKeystore } from "../../src/crypto/keystore.js";
import { rejectsKind } from "./helpers.js";

const WORK = 10;

/** A passphrase-encrypted armored file holding `text`, as a hostile or broken keystore. */
async function fileWith(text: string, passphrase = "pw"): Promise<string> {
  const e = new Encrypter();
  e.setScryptWorkFactor(WORK);
  e.setPassphrase(passphrase);
  return armor.encode(await e.encrypt(text));
}

test("a keystore round-trips and refuses the wrong passphrase", async () => {
  const secrets = await generateSecrets("Anna de Vries");
  const file = await writeKeystore(secrets, "correct horse", WORK);
  assert.match(file, /^-----BEGIN AGE ENCRYPTED FILE-----\n/);
  const back = await openKeystore(file, "correct horse");
  assert.equal(back.name, "Anna de Vries");
  assert.deepEqual(back.signingSeed, secrets.signingSeed);
  assert.equal(back.ageIdentity, secrets.ageIdentity);
  assert.deepEqual((await unlock(back)).publicKeys, (await unlock(secrets)).publicKeys);
  // The bytes of the file open too (a file picked from disk).
  assert.equal((await openKeystore(utf8(file), "correct horse")).name, "Anna de Vries");
  await rejectsKind(openKeystore(file, "wrong"), "WrongPassphrase");
});

test("a new keystore uses work factor 18 by default", async () => {
  const file = await writeKeystore(await generateSecrets("Anna"), "pw");
  const header = Buffer.from(armor.decode(file)).toString("latin1");
  assert.match(header, new RegExp(`^-> scrypt \\S+ ${KEYSTORE_WORK_FACTOR}$`, "m"));
  assert.equal(KEYSTORE_WORK_FACTOR, 18);
  assert.equal((await openKeystore(file, "pw")).name, "Anna");
});

test("bad passphrases and work factors are refused before writing", async () => {
  const secrets = await generateSecrets("Anna");
  await rejectsKind(writeKeystore(secrets, "", WORK), "EmptyPassphrase");
  await rejectsKind(writeKeystore(secrets, "pw", 9), "BadWorkFactor");
  await rejectsKind(writeKeystore(secrets, "pw", 21), "BadWorkFactor");
});

test("what is not a keystore is refused as such", async () => {
  const secrets = await generateSecrets("Anna");
  const good = {
    kluis_keystore: 1,
    name: "Anna",
    signing_seed: b64url(secrets.signingSeed),
    age_identity: secrets.ageIdentity,
  };
  const json = JSON.stringify(good);
  // Sanity: the hand-made file of the good contents opens, so each refusal below is about its change.
  assert.equal((await openKeystore(await fileWith(json), "pw")).name, "Anna");
  const bad = [
    JSON.stringify({ ...good, kluis_keystore: 2 }),
    JSON.stringify({ ...good, extra: true }),
    JSON.stringify({ ...good, kluis_keystore: 1.0 }).replace('"kluis_keystore":1', '"kluis_keystore":1.0'),
    json.replace('"name":"Anna"', '"name":"Anna","name":"Eve"'),
    JSON.stringify({ ...good, signing_seed: `${good.signing_seed}=` }),
    JSON.stringify({ ...good, signing_seed: b64url(secrets.signingSeed.subarray(1)) }),
    JSON.stringify({ ...good, age_identity: "AGE-SECRET-KEY-1QQQ" }),
    JSON.stringify({ name: "Anna", signing_seed: good.signing_seed, age_identity: good.age_identity }),
    `${json} x`,
    "not json",
  ];
  for (const text of bad) {
    await rejectsKind(openKeystore(await fileWith(text), "pw"), "NotAKeystore");
  }
  await rejectsKind(openKeystore("hello", "pw"), "NotAKeystore");
  // An age file to a key, not a passphrase.
  const e = new Encrypter();
  e.addRecipient((await unlock(secrets)).publicKeys.age_recipient);
  await rejectsKind(openKeystore(armor.encode(await e.encrypt(json)), "pw"), "NotAKeystore");
  // A flipped byte in the payload.
  const raw = armor.decode(await writeKeystore(secrets, "pw", WORK));
  raw[raw.length - 5]! ^= 1;
  await rejectsKind(openKeystore(armor.encode(raw), "pw"), "NotAKeystore");
  await rejectsKind(openKeystore("x".repeat(70 * 1024), "pw"), "NotAKeystore");
});

test("a CLI keystore with a work factor above 20 gets its own refusal", async () => {
  const raw = Buffer.from(armor.decode(await writeKeystore(await generateSecrets("Anna"), "pw", WORK)));
  const text = raw.toString("latin1").replace(/^(-> scrypt \S+) 10$/m, "$1 22");
  await rejectsKind(openKeystore(armor.encode(Buffer.from(text, "latin1")), "pw"), "WorkFactorTooHigh");
});
