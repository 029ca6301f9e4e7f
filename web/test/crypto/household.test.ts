import assert from "node:assert/strict";
import { test } from "node:test";

import { utf8 } from "../../src/crypto/bytes.js";
import { sealEnvelope } from "../../src/crypto/envelope.js";
import {
  contactStatement,
  createHouseholdBody,
  createStatement,
  generateHouseholdKey,
  memberStatement,
  openHouseholdKey,
  readCreation,
  readMemberAddition,
  wrapHouseholdKey,
} from "../../src/crypto/household.js";
import { verifySignature } from "../../src/crypto/identity.js";
import { b64, decodeB64url } from "../../src/crypto/bytes.js";
import { id, person } from "./helpers.js";

const H = id("h", "1");
const ME = id("p", "2");
const FP = "3f9c 0a12 77de 41b0 9e0c 5a6f 0d21 c4e8";

test("statements are the exact Rust texts, and only those read back", () => {
  const create = createStatement(H, "age1abc", ME, 5);
  assert.equal(create, `kluis-household-create/v2\nhousehold: ${H}\nrecipient: age1abc\ncreator: ${ME}\nversions: signed\nsigned-at-ms: 5\n`);
  assert.equal(readCreation(create, H, "age1abc", ME), "v2");
  assert.equal(readCreation(create, H, "age1other", ME), null);
  assert.equal(readCreation(create.replace("signed-at-ms: 5", "signed-at-ms: 05"), H, "age1abc", ME), null);
  const v1 = `kluis-household-create/v1\nhousehold: ${H}\nrecipient: age1abc\ncreator: ${ME}\nsigned-at-ms: 5\n`;
  assert.equal(readCreation(v1, H, "age1abc", ME), "v1");
  const member = memberStatement(H, id("p", "3"), FP, ME, 7);
  assert.equal(
    member,
    `kluis-household-member-add/v2\nhousehold: ${H}\nmember: ${id("p", "3")}\nmember-fingerprint: ${FP}\nadded-by: ${ME}\nsigned-at-ms: 7\n`,
  );
  assert.deepEqual(readMemberAddition(member, H, ME), { member: id("p", "3"), fingerprint: FP });
  assert.equal(readMemberAddition(member, H, id("p", "4")), null, "signed by someone else than it says");
  assert.equal(readMemberAddition(`${member}x`, H, ME), null);
  const old = memberStatement(H, id("p", "3"), null, ME, 7);
  assert.deepEqual(readMemberAddition(old, H, ME), { member: id("p", "3"), fingerprint: null });
});

test("the household key travels in envelopes and must match the signed recipient", async () => {
  const me = await person("Anna");
  const key = await generateHouseholdKey();
  assert.match(key.secret, /^AGE-SECRET-KEY-1/);
  const body = await createHouseholdBody(me, ME, H, key, 1_700_000_000_000);
  assert.equal(body.recipient, key.recipient);
  const statement = createStatement(H, key.recipient, ME, body.signed_at_ms);
  assert.ok(await verifySignature(me.signingPublicKey, utf8(statement), decodeB64url(body.signature)!));
  const opened = await openHouseholdKey(me, body.identity_envelope, key.recipient);
  assert.equal(opened.secret, key.secret);
  assert.equal(opened.recipient, key.recipient);
  const other = await generateHouseholdKey();
  await assert.rejects(openHouseholdKey(me, body.identity_envelope, other.recipient), /does not match/);
  // A server handing out another household's identity is caught the same way.
  await assert.rejects(openHouseholdKey(me, await wrapHouseholdKey(other, me.publicKeys.age_recipient), key.recipient), /does not match/);
  const junk = b64(await sealEnvelope(me.publicKeys.age_recipient, utf8("not a key")));
  await assert.rejects(openHouseholdKey(me, junk, key.recipient), /malformed/);
});

test("a trusted contact's naming is the Rust text, and the chain reads it as the contact's link", () => {
  const C = id("p", "3");
  const naming = contactStatement(H, C, FP, 604_800_000, ME, 7);
  assert.equal(
    naming,
    `kluis-household-contact/v1\nhousehold: ${H}\ncontact: ${C}\ncontact-fingerprint: ${FP}\nwait-ms: 604800000\nnamed-by: ${ME}\nsigned-at-ms: 7\n`,
  );
  assert.deepEqual(readMemberAddition(naming, H, ME), { member: C, fingerprint: FP });
  assert.equal(readMemberAddition(naming, H, id("p", "4")), null, "signed by someone else than it names");
  assert.equal(readMemberAddition(naming.replace("wait-ms: 604800000", "wait-ms: 0604800000"), H, ME), null);
  assert.equal(readMemberAddition(naming.replace(`contact-fingerprint: ${FP}\n`, ""), H, ME), null, "a fingerprint is required");
  assert.equal(readMemberAddition(naming, id("h", "9"), ME), null, "another household");
});
