import assert from "node:assert/strict";
import { test } from "node:test";

import { utf8 } from "../../src/crypto/bytes.js";
import {
  ciphertextSha256,
  parseVersionStatement,
  signVersion,
  verifyVersion,
  versionText,
  type VersionStatement,
} from "../../src/crypto/version.js";
import { id, person } from "./helpers.js";

const sample: VersionStatement = {
  household: id("h", "1"),
  path: "gezondheid/notities",
  version: 3,
  keyGen: 1,
  ciphertextSha256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  readers: [id("p", "2"), "household"],
  writer: id("p", "3"),
  grant: id("g", "4"),
  signer: id("p", "3"),
  private: false,
  signedAtMs: 1_700_000_000_000,
};

test("the text is exactly the Rust text and reads back", () => {
  const text = versionText(sample);
  assert.equal(
    text,
    `kluis-version/v1\nhousehold: ${id("h", "1")}\npath: gezondheid/notities\nversion: 3\nkey-gen: 1\n` +
      `ciphertext-sha256: ${sample.ciphertextSha256}\nreaders: household,${id("p", "2")}\nwriter: ${id("p", "3")}\n` +
      `grant: ${id("g", "4")}\nsigner: ${id("p", "3")}\nprivate: no\nsigned-at-ms: 1700000000000\n`,
  );
  assert.deepEqual(parseVersionStatement(text), { ...sample, readers: ["household", id("p", "2")] });
  const member = { ...sample, grant: null, private: true };
  assert.deepEqual(parseVersionStatement(versionText(member)), { ...member, readers: ["household", id("p", "2")] });
});

test("other spellings are refused", () => {
  const text = versionText(sample);
  for (const bad of [
    text.replace("version: 3", "version: 03"),
    text.replace("version: 3", "version: +3"),
    text.replace("private: no", "private: false"),
    text.replace("kluis-version/v1", "kluis-version/v2"),
    `${text}extra: 1\n`,
    text.trimEnd(),
    text.replace("2".repeat(32), "2".repeat(31)),
    text.replace(`household,${id("p", "2")}`, `${id("p", "2")},household`),
    text.replace(`household,${id("p", "2")}`, "household,household"),
    text.replaceAll("\n", "\r\n"),
    text.replace("version: 3", "version: 9007199254740993"),
  ]) {
    assert.equal(parseVersionStatement(bad), null, bad);
  }
});

test("the hash is SHA-256", async () => {
  assert.equal(await ciphertextSha256(utf8("abc")), sample.ciphertextSha256);
});

test("a signed version verifies only unchanged and only with its signer's key", async () => {
  const writer = await person("Piet");
  const signed = await signVersion(writer, sample);
  assert.deepEqual((await verifyVersion(signed, writer.signingPublicKey))?.path, sample.path);
  assert.equal(await verifyVersion(signed, (await person("Eve")).signingPublicKey), null);
  const moved = { ...signed, statement: signed.statement.replace("version: 3", "version: 4") };
  assert.equal(await verifyVersion(moved, writer.signingPublicKey), null);
});
