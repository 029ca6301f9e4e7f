// The access log's math on the device (client/merkle.ts, checkpoint.ts,
// log_entry.ts) against the published vectors the Rust side is tested with:
// the RFC 6962 / transparency-dev Merkle trees, Go's signed-note vector, and
// the entry encoding spelled out byte by byte in audit/src/entry.rs.
import assert from "node:assert/strict";
import { test } from "node:test";

import { b64, fromHex, hex, utf8 } from "../../src/crypto/bytes.js";
import { LogVerifier, consistentWithPinned, parseBody } from "../../src/client/checkpoint.js";
import { grantWindow } from "../../src/client/audit_verify.js";
import { Frontier } from "../../src/client/frontier.js";
import { decodeEntry, keyCommitment, registers, subject } from "../../src/client/log_entry.js";
import { emptyRoot, leafHash, nodeHash, verifyConsistency, verifyInclusion, type Hash } from "../../src/client/merkle.js";

const LEAVES = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"];
const ROOTS = [
  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
  "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
  "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
  "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
  "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
  "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
  "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

// RFC 9162 2.1.1-2.1.4, written out plainly to make the proofs the
// verifier must accept (as the Rust tests make them).
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}
async function root(d: Hash[]): Promise<Hash> {
  if (d.length === 0) return emptyRoot();
  if (d.length === 1) return d[0]!;
  const k = split(d.length);
  return nodeHash(await root(d.slice(0, k)), await root(d.slice(k)));
}
async function path(m: number, d: Hash[]): Promise<Hash[]> {
  if (d.length <= 1) return [];
  const k = split(d.length);
  return m < k
    ? [...(await path(m, d.slice(0, k))), await root(d.slice(k))]
    : [...(await path(m - k, d.slice(k))), await root(d.slice(0, k))];
}
async function subproof(m: number, d: Hash[], whole: boolean): Promise<Hash[]> {
  if (m === d.length) return whole ? [] : [await root(d)];
  const k = split(d.length);
  return m <= k
    ? [...(await subproof(m, d.slice(0, k), whole)), await root(d.slice(k))]
    : [...(await subproof(m - k, d.slice(k), false)), await root(d.slice(0, k))];
}

test("reference roots, and every inclusion and consistency proof verifies; altered ones do not", async () => {
  const leaves = await Promise.all(LEAVES.map((l) => leafHash(fromHex(l)!)));
  for (let n = 0; n <= leaves.length; n++) assert.equal(hex(await root(leaves.slice(0, n))), ROOTS[n]);
  for (let n = 1; n <= leaves.length; n++) {
    const r = fromHex(ROOTS[n]!)!;
    for (let i = 0; i < n; i++) {
      const p = await path(i, leaves.slice(0, n));
      await verifyInclusion(BigInt(i), BigInt(n), leaves[i]!, p, r);
      await assert.rejects(verifyInclusion(BigInt(i), BigInt(n), leaves[(i + 1) % 8]!, p, r));
      if (p.length > 0) await assert.rejects(verifyInclusion(BigInt(i), BigInt(n), leaves[i]!, p.slice(1), r));
    }
    for (let m = 1; m <= n; m++) {
      const p = m === n ? [] : await subproof(m, leaves.slice(0, n), true);
      await verifyConsistency(BigInt(m), BigInt(n), fromHex(ROOTS[m]!)!, r, p);
      if (m < n) await assert.rejects(verifyConsistency(BigInt(m), BigInt(n), fromHex(ROOTS[m - 1 || 1]!)!, fromHex(ROOTS[m]!)!, p));
    }
  }
  // PROOF(6, D[8]) as published.
  assert.deepEqual((await subproof(6, leaves, true)).map(hex), [
    "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
  ]);
  await assert.rejects(verifyInclusion(3n, 3n, leaves[0]!, [], leaves[0]!));
  await assert.rejects(verifyConsistency(0n, 3n, leaves[0]!, leaves[0]!, []));
});

// Go's golang.org/x/mod/sumdb/note vector (as audit/src/checkpoint.rs uses it).
const GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const GO_SIG = "\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
const GO_ENOCH_SIG =
  "\u2014 EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

test("signed notes open with the pinned key only, strictly", async () => {
  const v = await LogVerifier.parse(GO_VKEY);
  assert.equal(await v.openNote(`${GO_TEXT}\n${GO_SIG}`), GO_TEXT);
  // Another key's signature beside it is ignored; alone it is not enough.
  assert.equal(await v.openNote(`${GO_TEXT}\n${GO_ENOCH_SIG}${GO_SIG}`), GO_TEXT);
  await assert.rejects(v.openNote(`${GO_TEXT}\n${GO_ENOCH_SIG}`));
  // One changed letter, no blank line, a missing final newline, a control character.
  await assert.rejects(v.openNote(`${GO_TEXT.replace("answer", "Answer")}\n${GO_SIG}`));
  await assert.rejects(v.openNote(`${GO_TEXT}${GO_SIG}`));
  await assert.rejects(v.openNote(`${GO_TEXT}\n${GO_SIG.trimEnd()}`));
  await assert.rejects(v.openNote(`\u0007${GO_TEXT}\n${GO_SIG}`));
  // A key whose id does not match its name and key.
  await assert.rejects(LogVerifier.parse(GO_VKEY.replace("c74f20a3", "c74f20a4")));
});

test("checkpoint bodies are read in one canonical form; a pin is continued only by a consistent log", async () => {
  const root = b64(new Uint8Array(32).fill(7));
  const cp = parseBody(`kluis.example/log\n12\n${root}\n`);
  assert.equal(cp.size, 12n);
  for (const bad of [`o\n012\n${root}\n`, `o\n12\n${root}`, `o\n12\n${root}\nextra\n`, `o\n-1\n${root}\n`, `\n12\n${root}\n`]) {
    assert.throws(() => parseBody(bad));
  }
  const empty = { origin: "o", size: 0n, root: await emptyRoot() };
  await consistentWithPinned(empty, { origin: "o", size: 5n, root: new Uint8Array(32) }, []);
  await assert.rejects(consistentWithPinned(empty, { origin: "other", size: 5n, root: new Uint8Array(32) }, []));
  await assert.rejects(consistentWithPinned({ ...empty, size: 6n }, { origin: "o", size: 5n, root: new Uint8Array(32) }, []));
});

test("log entries decode as audit/src/entry.rs encodes them, and nothing else", async () => {
  // `known_encoding_is_stable` in audit/src/entry.rs, byte by byte.
  const known =
    "01" + "0000000000000002" + "ffffffffffffffff" + "0005" + "6c6f67696e" + "45" + "0006" + "64656e696564" + "09" +
    "00" + "00" + "00" + "00" + "01" + "0001" + "68" + "0002" + "0001" + "61" + "0002" + "6263" + "00" + "00" +
    "0001" + "72" + "0001" + "69" + "01" + "0001" + "78" + "00";
  const e = decodeEntry(fromHex(known)!);
  assert.equal(e.seq, 2n);
  assert.equal(e.event, "login");
  assert.equal(e.action, "E");
  assert.equal(e.outcome, "denied");
  assert.equal(e.household, "h");
  assert.deepEqual(e.fields, ["a", "bc"]);
  assert.equal(known.slice(66, 68), "09", "the flags byte");
  for (const bad of [known + "00", known.slice(0, -2), "02" + known.slice(2), known.slice(0, 66) + "19" + known.slice(68)]) {
    assert.throws(() => decodeEntry(fromHex(bad)!), bad);
  }
});

test("the key commitment is SHA-256 over the specified bytes, and registers only those keys", async () => {
  const key = new Uint8Array(32).fill(7);
  const bytes = new Uint8Array([...utf8("kluis-keys/v1\n"), ...key, ...utf8("age1xyz")]);
  const digest = hex(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)));
  assert.equal(await keyCommitment(key, "age1xyz"), `keys:${digest}`);
  const entry = {
    seq: 1n, timeMs: 0n, event: "principal.keys", action: "C", outcome: "allowed", actor: "p-1", actorRole: "professional",
    actorOrg: null, onBehalfOf: null, household: null, fields: [`keys:${digest}`], basis: null, purpose: null, reason: null,
  };
  assert.ok(await registers(entry, "p-1", "professional", key, "age1xyz"));
  assert.ok(!(await registers(entry, "p-1", "professional", key, "age1xyy")));
  assert.ok(!(await registers(entry, "p-1", "client", key, "age1xyz")));
  assert.ok(!(await registers({ ...entry, event: "field.read" }, "p-1", "professional", key, "age1xyz")));
});

/** RFC 9162 MTH, straight from its definition, to check the frontier by. */
async function mth(leaves: Uint8Array[]): Promise<Uint8Array> {
  if (leaves.length === 0) return emptyRoot();
  if (leaves.length === 1) return leafHash(leaves[0]!);
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return nodeHash(await mth(leaves.slice(0, k)), await mth(leaves.slice(k)));
}

test("the frontier's root is RFC 9162's root at every size", async () => {
  const leaves = Array.from({ length: 37 }, (_, i) => utf8(`leaf ${i}`));
  const f = new Frontier();
  for (let n = 0; n <= leaves.length; n++) {
    assert.deepEqual(await f.root(), await mth(leaves.slice(0, n)), `size ${n}`);
    if (n < leaves.length) await f.append(await leafHash(leaves[n]!));
  }
  assert.equal(f.size, 37n);
});

test("a broken entry is named in the words of audit/src/entry.rs", () => {
  const known =
    "01" + "0000000000000002" + "ffffffffffffffff" + "0005" + "6c6f67696e" + "45" + "0006" + "64656e696564" + "09" +
    "00" + "00" + "00" + "00" + "01" + "0001" + "68" + "0002" + "0001" + "61" + "0002" + "6263" + "00" + "00" +
    "0001" + "72" + "0001" + "69" + "01" + "0001" + "78" + "00";
  const message = (h: string) => {
    try {
      decodeEntry(fromHex(h)!);
      return "decoded";
    } catch (e) {
      return (e as Error).message;
    }
  };
  assert.equal(message(known + "0000"), "2 bytes follow the end of the entry");
  assert.equal(message(known.slice(0, -2)), "the entry ends early");
  assert.equal(message("02" + known.slice(2)), "unsupported entry version 2");
  // "login" → "logix": not an event kluis writes.
  assert.equal(message(known.replace("6c6f67696e", "6c6f676978")), 'unknown event code "logix"');
  assert.equal(message(known.replace("6c6f67696e45", "6c6f67696e5a")), "unknown action code 0x5a");
  const e = decodeEntry(fromHex(known)!);
  assert.equal(e.timeMs, -1n);
  assert.equal(e.reason, "x");
  assert.equal(subject(e), null);
});

test("a grant's window is read from its entry's reason, and nothing else is", () => {
  assert.deepEqual(grantWindow("valid-ms:10..20"), [10n, 20n]);
  assert.deepEqual(grantWindow("valid-ms:-5..+7"), [-5n, 7n]);
  for (const bad of [null, "", "valid-ms:10", "valid-ms:a..b", "valid-ms:1..2..3", "other:1..2", "valid-ms:99999999999999999999..1"]) {
    assert.equal(grantWindow(bad), null, String(bad));
  }
});
