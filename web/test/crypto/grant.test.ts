import assert from "node:assert/strict";
import { test } from "node:test";

import { b64url } from "../../src/crypto/bytes.js";
import {
  MAX_GRANT_SECS,
  MAX_TIME_SECS,
  revokes,
  signGrant,
  signRevocation,
  validateGrant,
  verifyGrant,
  verifyRevocation,
  type GrantStatement,
  type RevocationStatement,
} from "../../src/crypto/grant.js";
import { MAX_JWS_BYTES } from "../../src/crypto/jws.js";
import { forge, id, parts, person, rejectsKind } from "./helpers.js";

const T0 = 1_780_000_000;

function grant(issuer: string): GrantStatement {
  return {
    id: id("g", "1"),
    issuer,
    grantee: id("p", "2"),
    granteeFingerprint: "3f9c 0a12 77de 41b0 9e0c 5a6f 0d21 c4e8",
    household: id("h", "3"),
    scope: ["financien/*"],
    actions: ["read"],
    purpose: "schuldhulp",
    issuedAt: T0,
    notBefore: T0,
    expires: T0 + 365 * 86400,
  };
}

test("a signed grant verifies, with and without the expected key, header exactly as documented", async () => {
  const key = await person();
  const g = grant(id("p", "1"));
  const jws = await signGrant(g, key);
  const v = await verifyGrant(jws, key.signingPublicKey);
  assert.deepEqual(v.statement, g);
  assert.deepEqual(v.signerKey, key.signingPublicKey);
  assert.equal(v.jws, jws);
  assert.deepEqual((await verifyGrant(jws)).statement, g);
  const { header, payload } = parts(jws);
  assert.equal(
    JSON.stringify(header),
    JSON.stringify({ alg: "EdDSA", typ: "kluis-grant+jwt", kid: g.issuer, jwk: { kty: "OKP", crv: "Ed25519", x: b64url(key.signingPublicKey) } }),
  );
  assert.equal(
    payload,
    `{"iss":"${g.issuer}","sub":"${g.grantee}","jti":"${g.id}","iat":${T0},"nbf":${T0},"exp":${g.expires},"kluis":"grant/1",` +
      `"household":"${g.household}","grantee_fpr":"${g.granteeFingerprint}","scope":["financien/*"],"actions":["read"],"purpose":"schuldhulp"}`,
  );
  await rejectsKind(verifyGrant(jws, (await person("Eve")).signingPublicKey), "UnexpectedKey");
});

test("tampering anywhere breaks the signature", async () => {
  const key = await person();
  const jws = await signGrant(grant(id("p", "1")), key);
  const [h, p, s] = jws.split(".") as [string, string, string];
  const claims = JSON.parse(parts(jws).payload);
  claims.scope = ["financien/*", "justitie/*"];
  await rejectsKind(verifyGrant(`${h}.${b64url(Buffer.from(JSON.stringify(claims)))}.${s}`), "BadSignature");
  const header = parts(jws).header;
  header.jwk.x = b64url((await person("Eve")).signingPublicKey);
  await rejectsKind(verifyGrant(`${b64url(Buffer.from(JSON.stringify(header)))}.${p}.${s}`), "BadSignature");
  for (let i = 0; i < s.length; i += 7) {
    const t = s.slice(0, i) + (s[i] === "A" ? "B" : "A") + s.slice(i + 1);
    await assert.rejects(verifyGrant(`${h}.${p}.${t}`));
  }
});

test("algorithm none and others are refused", async () => {
  const key = await person();
  const jws = await signGrant(grant(id("p", "1")), key);
  const { header, payload } = parts(jws);
  for (const alg of ["none", "HS256", "RS256", "ES256", "eddsa", "Ed25519"]) {
    await rejectsKind(verifyGrant(await forge({ ...header, alg }, payload, key)), "UnsupportedAlgorithm");
  }
  const unsigned = `${b64url(Buffer.from(JSON.stringify({ ...header, alg: "none" })))}.${jws.split(".")[1]}.`;
  await assert.rejects(verifyGrant(unsigned));
});

test("hostile headers are refused even when correctly signed", async () => {
  const key = await person();
  const g = grant(id("p", "1"));
  const { header, payload } = parts(await signGrant(g, key));
  const cases: [unknown, string][] = [
    [{ ...header, crit: ["exp"] }, "BadHeader"],
    [{ ...header, jwk: { ...header.jwk, crv: "Ed448" } }, "BadKey"],
    [{ ...header, jwk: { ...header.jwk, kty: "EC" } }, "BadKey"],
    [{ ...header, jwk: { ...header.jwk, d: "secret" } }, "BadHeader"],
    [{ ...header, typ: "kluis-revocation+jwt" }, "WrongType"],
    [{ ...header, typ: "JWT" }, "WrongType"],
    [{ ...header, kid: id("p", "9") }, "KidMismatch"],
    [{ ...header, kid: "alice" }, "BadHeader"],
    [{ alg: header.alg, typ: header.typ, kid: header.kid }, "BadHeader"],
  ];
  for (const [h, kind] of cases) await rejectsKind(verifyGrant(await forge(h, payload, key)), kind);
  // A repeated header field, which JSON.parse would silently resolve.
  const doubled = JSON.stringify(header).replace('"alg":"EdDSA"', '"alg":"none","alg":"EdDSA"');
  const input = `${b64url(Buffer.from(doubled))}.${b64url(Buffer.from(payload))}`;
  const { sign } = await import("../../src/crypto/identity.js");
  const t = `${input}.${b64url(await sign(key, Buffer.from(input)))}`;
  await rejectsKind(verifyGrant(t), "BadHeader");
});

test("repeated claims, unknown claims, fractions and nonsense are refused", async () => {
  const key = await person();
  const g = grant(id("p", "1"));
  const { header, payload } = parts(await signGrant(g, key));
  const doubled = payload.replace('"purpose":', '"purpose":"onderzoek","purpose":');
  await rejectsKind(verifyGrant(await forge(header, doubled, key)), "BadPayload");
  const claims = JSON.parse(payload);
  await rejectsKind(verifyGrant(await forge(header, JSON.stringify({ ...claims, exp: claims.nbf }), key)), "Invalid");
  for (const [claim, value] of [
    ["purpose", "marketing"],
    ["scope", []],
    ["scope", ["*"]],
    ["scope", ["financien/*", "financien/*"]],
    ["sub", id("h", "0")],
    ["actions", ["delete"]],
    ["extra", 1],
    ["exp", "1800000000"],
  ] as const) {
    await rejectsKind(verifyGrant(await forge(header, JSON.stringify({ ...claims, [claim]: value }), key)), "BadPayload");
  }
  const fraction = payload.replace(`"exp":${g.expires}`, `"exp":${g.expires}.0`);
  await rejectsKind(verifyGrant(await forge(header, fraction, key)), "BadPayload");
  const exponent = payload.replace(`"exp":${g.expires}`, `"exp":1.8e9`);
  await rejectsKind(verifyGrant(await forge(header, exponent, key)), "BadPayload");
  const wrongKind = JSON.stringify({ ...claims, kluis: "revocation/1" });
  await rejectsKind(verifyGrant(await forge(header, wrongKind, key)), "Invalid");
});

test("malformed compact forms are refused", async () => {
  const jws = await signGrant(grant(id("p", "1")), await person());
  const [h, p, s] = jws.split(".");
  await rejectsKind(verifyGrant(""), "NotCompact");
  await rejectsKind(verifyGrant(`${h}.${p}`), "NotCompact");
  await rejectsKind(verifyGrant(`${jws}.`), "NotCompact");
  await rejectsKind(verifyGrant(`${h}=.${p}.${s}`), "BadBase64");
  await rejectsKind(verifyGrant(`${h}.${p}.${s}==`), "BadBase64");
  await rejectsKind(verifyGrant("a".repeat(MAX_JWS_BYTES + 1)), "TooLarge");
  await assert.rejects(verifyGrant(` ${jws}`));
  await assert.rejects(verifyGrant(`${jws}\n`));
  const std = jws.replaceAll("-", "+").replaceAll("_", "/");
  if (std !== jws) await assert.rejects(verifyGrant(std));
});

test("inconsistent grants are not signed", async () => {
  const key = await person();
  const base = grant(id("p", "1"));
  const cases: [Partial<GrantStatement>, string][] = [
    [{ expires: base.notBefore }, "EndsBeforeStart"],
    [{ notBefore: base.issuedAt - 1 }, "StartsBeforeIssued"],
    [{ expires: base.notBefore + MAX_GRANT_SECS + 1 }, "TooLong"],
    [{ issuedAt: -1 }, "TimeOutOfRange"],
    [{ expires: MAX_TIME_SECS + 1 }, "TimeOutOfRange"],
    [{ grantee: base.issuer }, "SelfGrant"],
    [{ granteeFingerprint: "abcd" }, "BadFingerprint"],
    [{ actions: [] }, "NoActions"],
    [{ actions: ["read", "read"] }, "DuplicateAction"],
  ];
  for (const [change, kind] of cases) {
    assert.throws(() => validateGrant({ ...base, ...change }), (e: { kind?: string }) => e.kind === kind);
    await rejectsKind(signGrant({ ...base, ...change }, key), kind);
  }
  validateGrant({ ...base, expires: base.notBefore + MAX_GRANT_SECS });
});

test("revocations sign, verify and never pass as grants", async () => {
  const key = await person();
  const g = grant(id("p", "1"));
  const r: RevocationStatement = { id: id("g", "5"), issuer: g.issuer, grant: g.id, household: g.household, issuedAt: T0 + 100 };
  const jws = await signRevocation(r, key);
  const v = await verifyRevocation(jws, key.signingPublicKey);
  assert.deepEqual(v.statement, r);
  assert.ok(revokes(v.statement, g));
  assert.ok(!revokes(v.statement, { ...g, household: id("h", "9") }));
  await rejectsKind(verifyGrant(jws), "WrongType");
  const grantJws = await signGrant(g, key);
  await rejectsKind(verifyRevocation(grantJws), "WrongType");
  const { header, payload } = parts(grantJws);
  await rejectsKind(verifyRevocation(await forge({ ...header, typ: "kluis-revocation+jwt" }, payload, key)), "BadPayload");
  await rejectsKind(signRevocation({ ...r, id: r.grant }, key), "RevocationReusesGrantId");
});
