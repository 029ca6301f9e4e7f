/**
 * Signed versions on the device (mirrors `vault/src/client/versions.rs`):
 * sign what this device writes, and check every version it is shown before
 * showing it.
 *
 * A version is shown only if its writer's signature verifies with keys this
 * device checked itself, names exactly the household, path, version, key
 * generation and ciphertext it came with, and its writer was entitled to
 * write there: a member of the household (by the signed chain from its
 * creator), a professional on a grant signed by such a member that covered
 * the path with `write` when they signed (any grant of the household for an
 * observation), or, for a private observation, this device's own person. A
 * re-key is signed by the member who re-keyed.
 *
 * Versions from before kluis signed versions carry no signature: shown
 * marked "unsigned", only in households created before the change, and only
 * below any signed version of the same field this device has seen.
 */
import { decodeB64url, utf8 } from "../crypto/bytes";
import { grantAllows, grantValidityAt, verifyGrant } from "../crypto/grant";
import { sectionOf, type FieldPath } from "../crypto/ids";
import { scopeCovers } from "../crypto/scope";
import { ciphertextSha256, HOUSEHOLD_READER, parseVersionStatement, signVersion, type VersionStatement } from "../crypto/version";
import type { Client } from "./client";
import { untrusted } from "./error";
import { hadFingerprint, hadSigningKey, signedBy } from "./rotation";
import { trustedKeys, verifiedHousehold, type VerifiedHousehold } from "./trust";
import type { EnvelopeUpload, VersionProof, VersionSignature } from "./wire";

/** The plan section of observations (`api::observations::SECTION`). */
const OBSERVATIONS = "observaties";

/** Who wrote a version, as this device checked it. */
export type Authorship =
  | { kind: "signed"; writer: string; writerName: string; grant: string | null }
  | { kind: "unsigned"; writer: string };

/** One version as the device is shown it: from a read (with its ciphertext) or a listing. */
export interface Shown {
  path: string;
  version: number;
  keyGen: number;
  private: boolean;
  writer: string;
  proof: VersionProof | null;
  ciphertext: Uint8Array | null;
}

/** What this device is about to upload, for signing. */
export interface Outgoing {
  household: string;
  path: string;
  version: number;
  keyGen: number;
  ciphertext: Uint8Array;
  envelopes: EnvelopeUpload[];
  writer: string;
  grant: string | null;
  private: boolean;
}

/** Sign a version (or a re-key) this device is about to upload. */
export async function signOutgoing(c: Client, out: Outgoing): Promise<VersionSignature> {
  const signedAtMs = Date.now();
  const { signature } = await signVersion(c.identity, {
    household: out.household,
    path: out.path,
    version: out.version,
    keyGen: out.keyGen,
    ciphertextSha256: await ciphertextSha256(out.ciphertext),
    readers: out.envelopes.map((e) => e.reader),
    writer: out.writer,
    grant: out.grant,
    signer: c.me,
    private: out.private,
    signedAtMs,
  });
  return out.grant === null ? { signed_at_ms: signedAtMs, signature } : { signed_at_ms: signedAtMs, grant: out.grant, signature };
}

function forged(v: Shown, why: string) {
  return untrusted(`version ${v.version} of ${v.path} is not shown: ${why}. The server may have changed or made it up`);
}

/**
 * `checkVersion` against the household as this session last checked it;
 * if that fails, once more against the household checked afresh (a member
 * may have joined since).
 */
export async function checkVersionIn(c: Client, h: string, v: Shown): Promise<Authorship> {
  const cached = c.checkedHouseholds.get(h);
  if (cached) {
    try {
      return await checkVersion(c, cached, v);
    } catch {
      // checked again below, against the household as it is now
    }
  }
  return checkVersion(c, await verifiedHousehold(c, h), v);
}

/** Check who wrote a version before anything of it is shown. */
export async function checkVersion(c: Client, household: VerifiedHousehold, v: Shown): Promise<Authorship> {
  const h = household.info.household_id;
  const proof = v.proof;
  if (!proof) return checkUnsigned(c, household, v);
  const s = parseVersionStatement(proof.statement);
  if (s === null) throw forged(v, "its signed statement is malformed");
  const readersOk = s.private
    ? s.readers.length === 1 && s.readers[0] === s.writer
    : s.readers.includes(HOUSEHOLD_READER);
  const matches =
    s.household === h &&
    s.path === v.path &&
    s.version === v.version &&
    s.keyGen === v.keyGen &&
    s.writer === v.writer &&
    s.private === v.private &&
    (v.ciphertext === null || (await ciphertextSha256(v.ciphertext)) === s.ciphertextSha256) &&
    // Readers named are those at the time of writing; a grant made later
    // brings its own envelopes, so only the household (or, privately, the
    // writer alone) must be among them.
    readersOk;
  if (!matches) throw forged(v, "its signature was made for another version, other content or other readers");
  // A member's keys as the household's chain checked them (with the keys
  // they had before a rotation or re-enrolment, if any).
  const signer = household.members.find((m) => m.id === s.signer) ?? (await trustedKeys(c, s.signer));
  const signature = decodeB64url(proof.signature);
  // An earlier key counts only for a version dated before it was retired.
  if (signature === null || !(await signedBy(signer, utf8(proof.statement), signature, s.signedAtMs))) {
    throw forged(v, `its signature is not a valid signature of ${signer.name} (${signer.id})`);
  }
  const isMember = (id: string) => household.members.some((m) => m.id === id);
  if (s.signer !== s.writer) {
    // A re-key: only a member decides who holds a key.
    if (s.keyGen < 2 || !isMember(s.signer)) {
      throw forged(v, `it is signed by ${signer.name} (${signer.id}), who neither wrote it nor is a member re-keying it`);
    }
  } else if (s.private) {
    // Only its author can read a private observation: that is me.
    if (s.writer !== c.me) throw forged(v, "it claims to be someone else's private note");
  } else if (!isMember(s.writer)) {
    await checkWriterGrant(c, household, s, proof, v);
  }
  const writerName = s.writer === signer.id ? signer.name : (await trustedKeys(c, s.writer)).name;
  await c.seen.sawSigned(h, v.path, v.version);
  return { kind: "signed", writer: s.writer, writerName, grant: s.grant };
}

/**
 * A professional wrote it: on a grant a member signed, naming them and
 * their keys, covering this path with `write` (any grant of the household
 * for an observation) when they signed.
 */
async function checkWriterGrant(
  c: Client,
  household: VerifiedHousehold,
  s: VersionStatement,
  proof: VersionProof,
  v: Shown,
): Promise<void> {
  const writer = await trustedKeys(c, s.writer);
  const noGrant = () =>
    forged(v, `${writer.name} (${writer.id}) is not a member and no grant signed by a member let them write it`);
  if (s.grant === null || !proof.writer_grant) throw noGrant();
  let grant;
  try {
    grant = await verifyGrant(proof.writer_grant);
  } catch {
    throw noGrant();
  }
  const g = grant.statement;
  const signedByMember = household.members.some(
    (m) => m.id === g.issuer && hadSigningKey(m, grant.signerKey, g.issuedAt * 1000),
  );
  const atSecs = Math.floor(s.signedAtMs / 1000);
  const observation = sectionOf(v.path as FieldPath) === OBSERVATIONS;
  const allows = observation || (scopeCovers(g.scope, v.path as FieldPath) && grantAllows(g, "write"));
  if (
    !signedByMember ||
    g.id !== s.grant ||
    g.household !== household.info.household_id ||
    g.grantee !== writer.id ||
    !hadFingerprint(writer, g.granteeFingerprint) ||
    !allows ||
    grantValidityAt(g, atSecs) !== "Active"
  ) {
    throw noGrant();
  }
}

async function checkUnsigned(c: Client, household: VerifiedHousehold, v: Shown): Promise<Authorship> {
  if (household.signsVersions) throw forged(v, "it carries no signature, and every version in this household is signed");
  const lowest = await c.seen.lowestSigned(household.info.household_id, v.path);
  if (lowest !== null && lowest < v.version) {
    throw forged(v, `it carries no signature, but this device saw version ${lowest} signed: every version after that is signed`);
  }
  return { kind: "unsigned", writer: v.writer };
}
