/**
 * Plan fields on the device (mirrors `vault/src/client/plan.rs`): seal
 * under a fresh key, envelope the key to exactly the readers the household
 * chose (after checking each, `readers.ts`), sign the version; and open
 * what comes back only after checking it (`versions.ts`) and that the
 * server is not passing off an older version as the newest (`seen.ts`).
 */
import { ApiError } from "../api/http";
import { b64, decodeB64 } from "../crypto/bytes";
import { EnvelopeError, openEnvelopeKey, sealEnvelope } from "../crypto/envelope";
import { openSealedField } from "../crypto/field_open";
import { parseFieldPath, parseHouseholdId } from "../crypto/ids";
import { newFieldKey, sealField } from "../crypto/seal";
import { HOUSEHOLD_READER } from "../crypto/version";
import { MAX_FIELD_BYTES, type Client } from "./client";
import { Refused, untrusted } from "./error";
import { householdIdentity } from "./household";
import { enc } from "./http";
import { checkReaders } from "./readers";
import { verifiedHousehold } from "./trust";
import { checkVersionIn, signOutgoing, type Authorship, type Shown } from "./versions";
import type { EnvelopeUpload, FieldList, FieldSummary, FieldValue, WriteField, WritePlan, Written } from "./wire";

/** A field as read: the plaintext and who wrote it, as this device checked. */
export interface Field {
  path: string;
  version: number;
  keyGen: number;
  value: Uint8Array;
  createdAt: string;
  private: boolean;
  authorship: Authorship;
}

const base = (h: string) => `/v1/households/${enc(parseHouseholdId(h))}`;

/** Who must be able to read a new version of `path`, as the server says (checked before use). */
export async function writePlan(c: Client, h: string, path: string): Promise<WritePlan> {
  const plan = await c.api.get<WritePlan>(`${base(h)}/readers/${enc(parseFieldPath(path))}`);
  if (plan.path !== path) throw untrusted(`asked who reads ${path}, the server answered for ${plan.path}`);
  return plan;
}

/**
 * Write `content` as the version after `baseVersion` (the one the person
 * edited; 0 for a new field). If someone wrote in between, nothing is
 * written: "conflict" with the current version, so the person can choose.
 */
export async function writeField(c: Client, h: string, path: string, content: Uint8Array, baseVersion: number): Promise<Written> {
  const plan = await writePlan(c, h, path);
  const conflict = (current: number) =>
    new Refused("conflict", `${path} is at version ${current}, but this change was made on version ${baseVersion}`, current);
  if (plan.current_version !== baseVersion) throw conflict(plan.current_version);
  const body = await sealFor(c, h, plan, content);
  let written: Written;
  try {
    written = await c.api.put<Written>(`${base(h)}/fields/${enc(path)}`, body);
  } catch (e) {
    if (e instanceof ApiError && e.kind === "stale-version") throw conflict((await writePlan(c, h, path)).current_version);
    throw e;
  }
  if (written.path !== path || written.version !== baseVersion + 1) {
    throw untrusted(`wrote version ${baseVersion + 1} of ${path}, the server says it stored ${written.path} version ${written.version}`);
  }
  await c.seen.saw(h, path, written.version);
  return written;
}

/** Seal `content` as the next version after `plan.current_version`, enveloped and signed. */
export async function sealFor(c: Client, h: string, plan: WritePlan, content: Uint8Array): Promise<WriteField> {
  if (content.length > MAX_FIELD_BYTES) {
    throw new Refused("too-large", `this value is ${content.length} bytes; a field holds at most ${MAX_FIELD_BYTES} bytes`);
  }
  const version = plan.current_version + 1;
  const key = newFieldKey();
  try {
    const ciphertext = await sealField(key, { household: h, path: plan.path, version, keyGen: 1 }, content);
    const envelopes = await envelopesFor(c, h, plan, key);
    const signed = await signOutgoing(c, {
      household: h,
      path: plan.path,
      version,
      keyGen: 1,
      ciphertext,
      envelopes,
      writer: c.me,
      grant: plan.writer_grant ?? null,
      private: false,
    });
    return { replaces: plan.current_version, ciphertext: b64(ciphertext), envelopes, signed };
  } finally {
    key.fill(0);
  }
}

/** Envelope `key` to the household (the recipient its creator signed) and to every checked reader. */
export async function envelopesFor(c: Client, h: string, plan: WritePlan, key: Uint8Array): Promise<EnvelopeUpload[]> {
  const household = await verifiedHousehold(c, h);
  if (plan.household_recipient !== household.recipient) {
    throw untrusted(
      "the server asks to encrypt to a household key that is not the one the household's creator signed: refusing",
    );
  }
  await checkReaders(c, household, plan.path, plan);
  const envelopes: EnvelopeUpload[] = [
    { reader: HOUSEHOLD_READER, envelope: b64(await sealEnvelope(plan.household_recipient, key)) },
  ];
  for (const r of plan.readers) {
    envelopes.push({ reader: r.principal_id, envelope: b64(await sealEnvelope(r.age_recipient, key)) });
  }
  return envelopes;
}

/**
 * Read one version without opening it (the newest, or `version`); a
 * "newest" older than one this device saw is refused.
 */
export async function fetchField(c: Client, h: string, path: string, version?: number): Promise<FieldValue> {
  const url = `${base(h)}/fields/${enc(parseFieldPath(path))}${version === undefined ? "" : `?version=${version}`}`;
  // What this device knew before asking: a write of its own that completes
  // while this read is on its way is no sign of rollback.
  const known = version === undefined ? await c.seen.newest(h, path) : null;
  const value = await c.api.get<FieldValue>(url);
  if (value.path !== path || (version !== undefined && value.version !== version)) {
    throw untrusted(`asked for ${path}, the server answered with ${value.path} version ${value.version}`);
  }
  if (version === undefined) {
    if (known !== null && value.version < known) {
      throw untrusted(
        `the server shows version ${value.version} of ${path} as the newest, but this device saw version ${known}: ` +
          "it may be hiding changes, so the older version is not shown as the current one",
      );
    }
    await c.seen.saw(h, path, value.version);
  }
  return value;
}

/** Read, check and open a field (the newest version, or `version`). */
export async function getField(c: Client, h: string, path: string, version?: number): Promise<Field> {
  return openValue(c, h, await fetchField(c, h, path, version));
}

/** Check who wrote `v`, then open it. */
export async function openValue(c: Client, h: string, v: FieldValue): Promise<Field> {
  const ciphertext = decodeB64(v.ciphertext);
  if (ciphertext === null) throw untrusted("the ciphertext is not base64");
  const shown: Shown = {
    path: v.path,
    version: v.version,
    keyGen: v.key_gen,
    private: v.private,
    writer: v.writer,
    proof: v.proof,
    ciphertext,
  };
  const authorship = await checkVersionIn(c, h, shown);
  const envelope = decodeB64(v.envelope);
  if (envelope === null) throw untrusted("the envelope is not base64");
  const identity = await readerIdentity(c, h, v);
  let value: Uint8Array;
  try {
    value = await openSealedField(identity, envelope, { household: h, path: v.path, version: v.version, keyGen: v.key_gen }, ciphertext);
  } catch (e) {
    if (e instanceof EnvelopeError) throw untrusted(`cannot open the key of ${v.path}: ${e.message}`);
    throw untrusted(`${v.path} version ${v.version}: ${(e as Error).message}`);
  }
  return { path: v.path, version: v.version, keyGen: v.key_gen, value, createdAt: v.created_at, private: v.private, authorship };
}

/** The field key from my envelope (through the household identity when the envelope is the household's). */
export async function unwrapKey(c: Client, h: string, v: FieldValue): Promise<Uint8Array> {
  const envelope = decodeB64(v.envelope);
  if (envelope === null) throw untrusted("the envelope is not base64");
  const identity = await readerIdentity(c, h, v);
  try {
    return await openEnvelopeKey(identity, envelope);
  } catch (e) {
    throw untrusted(`cannot open the key of ${v.path}: ${(e as Error).message}`);
  }
}

/** The identity my envelope of `v` is to: the household's, or my own. */
async function readerIdentity(c: Client, h: string, v: FieldValue): Promise<CryptoKey> {
  return v.reader === HOUSEHOLD_READER ? (await householdIdentity(c, h)).key : c.identity.ageKey;
}

/** The fields this person may see (no content), as the server lists them. */
export async function listFields(c: Client, h: string): Promise<FieldSummary[]> {
  return (await c.api.get<FieldList>(`${base(h)}/fields`)).fields;
}

/** A listed version's writer, checked (signature and entitlement; no content). */
export function checkListed(c: Client, h: string, f: FieldSummary): Promise<Authorship> {
  return checkVersionIn(c, h, {
    path: f.path,
    version: f.version,
    keyGen: f.key_gen,
    private: f.private,
    writer: f.writer,
    proof: f.proof,
    ciphertext: null,
  });
}

/**
 * Every version of a field, newest first, each read, checked and opened.
 * A history whose newest version is older than one this device saw is
 * refused, as a read of the newest would be.
 */
export async function fieldHistory(c: Client, h: string, path: string): Promise<Field[]> {
  const known = await c.seen.newest(h, path);
  const list = await c.api.get<FieldList>(`${base(h)}/versions/${enc(parseFieldPath(path))}`);
  for (const v of list.fields) {
    if (v.path !== path) throw untrusted(`asked for the history of ${path}, the server answered with ${v.path}`);
  }
  const versions = [...new Set(list.fields.map((v) => v.version))].sort((a, b) => b - a);
  if (known !== null && (versions[0] ?? 0) < known) {
    throw untrusted(`the server shows the history of ${path} up to version ${versions[0] ?? 0}, but this device saw version ${known}`);
  }
  const out: Field[] = [];
  for (const version of versions) out.push(await getField(c, h, path, version));
  return out;
}
