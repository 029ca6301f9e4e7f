import assert from "node:assert/strict";
import { test } from "node:test";

import { hex, utf8 } from "../../src/crypto/bytes.js";
import { bucket, fieldAad, newFieldKey, openField, sealField, type Binding } from "../../src/crypto/seal.js";
import { id, rejectsKind } from "./helpers.js";

const binding: Binding = { household: id("h", "1"), path: "financien/situatie", version: 3, keyGen: 1 };

test("content round-trips, padded to its bucket", async () => {
  const key = newFieldKey();
  for (const content of [new Uint8Array(0), utf8("schulden bij de energieleverancier"), new Uint8Array(3000).fill(255)]) {
    const sealed = await sealField(key, binding, content);
    assert.equal(sealed.length, bucket(content.length) + 28);
    assert.deepEqual(await openField(key, binding, sealed), content);
  }
  assert.equal((await sealField(key, binding, utf8("a"))).length, (await sealField(key, binding, new Uint8Array(200))).length);
  assert.deepEqual([bucket(0), bucket(252), bucket(253), bucket(1020), bucket(1021)], [256, 256, 512, 1024, 2048]);
});

test("the associated data is the Rust layout", () => {
  const aad = fieldAad({ household: id("h", "a"), path: "x/y", version: 2, keyGen: 258 });
  assert.equal(
    hex(aad),
    hex(utf8("kluis-field/v1\0")) + "aa".repeat(16) + "0003" + hex(utf8("x/y")) + "0000000000000002" + "0000000000000102",
  );
});

test("a value does not open in another place or under another key", async () => {
  const key = newFieldKey();
  const sealed = await sealField(key, binding, utf8("secret"));
  for (const other of [
    { ...binding, path: "financien/wensen" },
    { ...binding, household: id("h", "2") },
    { ...binding, version: 2 },
    { ...binding, keyGen: 2 },
  ]) {
    await rejectsKind(openField(key, other, sealed), "WrongPlaceOrKey");
  }
  await rejectsKind(openField(newFieldKey(), binding, sealed), "WrongPlaceOrKey");
  const flipped = sealed.slice();
  flipped[20]! ^= 1;
  await rejectsKind(openField(key, binding, flipped), "WrongPlaceOrKey");
  await rejectsKind(openField(key, binding, utf8("short")), "Malformed");
  await assert.rejects(sealField(key, { ...binding, path: "Financien" }, utf8("x")), /field path/);
});
