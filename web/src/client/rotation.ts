/**
 * Key rotation on the device, and a person's earlier keys (mirrors
 * `vault/src/client/rotation.rs`).
 *
 * Rotating (`rotateKeys`): the device opens every envelope to its old keys
 * (`GET /v1/keys/held`) and seals each again to the new ones, signs the
 * rotation statement with both keys, and sends it all in one request. The
 * server refuses a rotation that leaves out any envelope, so nothing the
 * person could read is lost.
 *
 * What a person signed before a rotation stays valid, so a device checking
 * an old signature needs the old key. The server lists retired keys
 * (`GET /v1/directory/{id}/earlier`), and the device believes one only
 * through a chain of rotation statements, each signed by the retired key and
 * by the key that replaced it, that ends at the keys it checked (key
 * directory, pin). The statement's time bounds what the retired key may have
 * signed: a signature dated after it is refused. So a server cannot invent an
 * earlier key for anyone, and cannot swap someone's keys: a device that pinned
 * the old keys accepts new ones only because the old key signed them over
 * (`trust.ts`, `trustedKeysChecked`). Keys replaced by a re-enrolment carry no
 * such statement: devices accept those only where another member vouched for
 * them (`readmission.ts`).
 */
import { ApiError } from "../api/http";
import { b64, b64url, decodeB64, decodeB64url, equalBytes, utf8 } from "../crypto/bytes";
import { openEnvelope, sealEnvelope } from "../crypto/envelope";
import { keyFingerprint } from "../crypto/fingerprint";
import { decodeSigningKey, sign, verifySignature, type Identity, type PublicKeys } from "../crypto/identity";
import type { Client } from "./client";
import { Refused, untrusted } from "./error";
import { enc } from "./http";
import type { EarlierKeys, HeldEnvelopes, Rotated } from "./wire";

/** Keys a person used before, checked on this device. */
export interface EarlierTrusted {
  signingKey: Uint8Array;
  ageRecipient: string;
  fingerprint: string;
  /** Nothing this key signed at or after this time (UTC ms) counts. */
  retiredAtMs: number;
}

/** The part of someone's checked keys these checks need (`TrustedKeys`). */
export interface KeysWithEarlier {
  signingKey: Uint8Array;
  fingerprint: string;
  /** Keys they used before, linked to these, newest first. */
  earlier: EarlierTrusted[];
}

/** The text both keys sign (`rotation_statement`). */
export function rotationStatement(principal: string, old: PublicKeys, next: PublicKeys, signedAtMs: number): string {
  return (
    `kluis-keys-rotate/v1\nprincipal: ${principal}\nold-signing-key: ${old.signing_key}\n` +
    `old-age-recipient: ${old.age_recipient}\nnew-signing-key: ${next.signing_key}\n` +
    `new-age-recipient: ${next.age_recipient}\nsigned-at-ms: ${signedAtMs}\n`
  );
}

/** The `signed-at-ms` of a statement, or null. */
export function signedAt(statement: string): number | null {
  for (const line of statement.split("\n")) {
    if (line.startsWith("signed-at-ms: ")) {
      const v = line.slice("signed-at-ms: ".length);
      return /^-?[0-9]+$/.test(v) ? Number(v) : null;
    }
  }
  return null;
}

/**
 * Whether this person signed `message`: with their current key, or with an
 * earlier key before it was retired (`signedAtMs`: the time the signed
 * statement names).
 */
export async function signedBy(
  keys: KeysWithEarlier,
  message: Uint8Array,
  signature: Uint8Array,
  signedAtMs: number,
): Promise<boolean> {
  if (await verifySignature(keys.signingKey, message, signature)) return true;
  for (const e of keys.earlier) {
    if (signedAtMs < e.retiredAtMs && (await verifySignature(e.signingKey, message, signature))) return true;
  }
  return false;
}

/** Whether `key` is this person's signing key, or was at `atMs`. */
export function hadSigningKey(keys: KeysWithEarlier, key: Uint8Array, atMs: number): boolean {
  return (
    equalBytes(keys.signingKey, key) || keys.earlier.some((e) => equalBytes(e.signingKey, key) && atMs < e.retiredAtMs)
  );
}

/** Whether `fp` is the fingerprint of this person's keys, now or before (a statement made before a rotation names the old one). */
export function hadFingerprint(keys: KeysWithEarlier, fp: string): boolean {
  return keys.fingerprint === fp || keys.earlier.some((e) => e.fingerprint === fp);
}

/** The server's list of `id`'s earlier keys. */
export async function earlierList(c: Client, id: string): Promise<EarlierKeys> {
  let list: EarlierKeys;
  try {
    list = await c.api.get<EarlierKeys>(`/v1/directory/${enc(id)}/earlier`);
  } catch (e) {
    // Offline and never fetched on this device: no earlier keys, which
    // only means fewer signatures are accepted, never more.
    if (e instanceof ApiError && e.kind === "not-kept") return { principal_id: id, earlier: [] };
    throw e;
  }
  if (list.principal_id !== id) {
    throw untrusted(`the server answered with someone else's earlier keys when asked for ${id}`);
  }
  return list;
}

/** `id`'s earlier keys that a chain of rotation statements links to `current` (their checked keys), newest first. */
export async function earlierKeys(c: Client, id: string, current: PublicKeys): Promise<EarlierTrusted[]> {
  const list = await earlierList(c, id);
  let next = current;
  let nextRetired = Number.POSITIVE_INFINITY;
  const out: EarlierTrusted[] = [];
  for (const e of [...list.earlier].reverse()) {
    if (e.how !== "rotation" || e.statement === null || e.old_signature === null || e.new_signature === null) break;
    const at = signedAt(e.statement);
    if (at === null) break;
    let oldKey: Uint8Array;
    let newKey: Uint8Array;
    let fingerprint: string;
    try {
      oldKey = decodeSigningKey(e.keys.signing_key);
      newKey = decodeSigningKey(next.signing_key);
      fingerprint = await keyFingerprint(oldKey, e.keys.age_recipient);
    } catch {
      break;
    }
    const message = utf8(e.statement);
    const sig = (s: string) => decodeB64url(s) ?? new Uint8Array();
    const linked =
      e.statement === rotationStatement(id, e.keys, next, at) &&
      at < nextRetired &&
      (await verifySignature(oldKey, message, sig(e.old_signature))) &&
      (await verifySignature(newKey, message, sig(e.new_signature)));
    if (!linked) break;
    out.push({ signingKey: oldKey, ageRecipient: e.keys.age_recipient, fingerprint, retiredAtMs: at });
    next = e.keys;
    nextRetired = at;
  }
  return out;
}

/**
 * Replace my keys with `next`: every envelope to my keys sealed again to the
 * new ones, the statement signed by both, my recovery blob replaced by
 * `recovery` (made for `next`). After this the client's keys are retired:
 * the server ended every session, so sign in again with `next`.
 */
export async function rotateKeys(
  c: Client,
  next: Identity,
  recovery: { lookup_id: string; blob: string } | null,
): Promise<Rotated> {
  const held = await c.api.get<HeldEnvelopes>("/v1/keys/held");
  const nextKeys = next.publicKeys;
  const reseal = async (text: string, what: string): Promise<string> => {
    const env = decodeB64(text);
    if (env === null) throw untrusted(`${what}: not base64`);
    let secret: Uint8Array;
    try {
      secret = await openEnvelope(c.identity.ageKey, env);
    } catch (e) {
      throw new Refused("untrusted", `${what} does not open with my keys (${(e as Error).message}): nothing was changed`);
    }
    try {
      return b64(await sealEnvelope(nextKeys.age_recipient, secret));
    } finally {
      secret.fill(0);
    }
  };
  const households = [];
  for (const h of held.households) {
    households.push({ household_id: h.household_id, envelope: await reseal(h.envelope, `the key of household ${h.household_id}`) });
  }
  const fields = [];
  for (const f of held.fields) {
    fields.push({ ...f, envelope: await reseal(f.envelope, `the key of ${f.path} version ${f.version} in ${f.household_id}`) });
  }
  const signedAtMs = Date.now();
  const statement = utf8(rotationStatement(c.me, c.identity.publicKeys, nextKeys, signedAtMs));
  return c.api.post<Rotated>("/v1/keys/rotate", {
    keys: nextKeys,
    signed_at_ms: signedAtMs,
    old_signature: b64url(await sign(c.identity, statement)),
    new_signature: b64url(await sign(next, statement)),
    households,
    fields,
    recovery,
  });
}
