/**
 * How the device treats a member whose keys were replaced by a re-enrolment
 * (mirrors the checking half of `vault/src/client/readmission.rs`).
 *
 * Re-enrolment registers new keys for the person without any statement from
 * their old keys (they are lost). Devices therefore keep treating the person
 * as a member with their OLD keys only ("awaiting readmission"): what those
 * keys signed before they were retired still counts, nothing signed with the
 * new keys does, and nobody encrypts to the new keys as a member. Another
 * member's readmission statement, naming the new fingerprint (compared face
 * to face) and the old one, makes devices accept the new keys for that
 * household, and the old key for what it signed before the re-enrolment. So
 * the server alone (invites and the database) cannot make a device accept new
 * keys as a member.
 */
import { keyFingerprint } from "../crypto/fingerprint";
import { decodeSigningKey } from "../crypto/identity";
import type { Client } from "./client";
import { untrusted } from "./error";
import { enc } from "./http";
import { earlierList, type EarlierTrusted } from "./rotation";
import { servedKeys, trustedKeys, type TrustedKeys } from "./trust";
import type { PrincipalInfo, SignedStatement } from "./wire";

/** A readmission statement, as parsed (its signature is checked by the household's chain). */
export interface Vouch {
  member: string;
  fingerprint: string;
  previous: string;
  by: string;
  signedAtMs: number;
}

/** The text a member signs to readmit another (`readmit_statement`). */
export function readmitStatement(
  household: string,
  member: string,
  memberFingerprint: string,
  previousFingerprint: string,
  readmittedBy: string,
  signedAtMs: number,
): string {
  return (
    `kluis-household-member-readmit/v1\nhousehold: ${household}\nmember: ${member}\n` +
    `member-fingerprint: ${memberFingerprint}\nprevious-fingerprint: ${previousFingerprint}\n` +
    `readmitted-by: ${readmittedBy}\nsigned-at-ms: ${signedAtMs}\n`
  );
}

/** The exact text `readmitStatement` makes, or null. */
export function parseReadmit(h: string, s: SignedStatement): Vouch | null {
  if (!s.statement.startsWith("kluis-household-member-readmit/v1\n")) return null;
  const field = (name: string) => {
    for (const l of s.statement.split("\n")) if (l.startsWith(`${name}: `)) return l.slice(name.length + 2);
    return null;
  };
  const member = field("member");
  const fingerprint = field("member-fingerprint");
  const previous = field("previous-fingerprint");
  const at = field("signed-at-ms");
  if (member === null || fingerprint === null || previous === null || at === null || !/^-?[0-9]+$/.test(at)) return null;
  const v: Vouch = { member, fingerprint, previous, by: s.signer, signedAtMs: Number(at) };
  return s.statement === readmitStatement(h, v.member, v.fingerprint, v.previous, v.by, v.signedAtMs) ? v : null;
}

/** Every readmission statement of a household, by member. */
export function vouches(h: string, statements: SignedStatement[]): Map<string, Vouch> {
  const out = new Map<string, Vouch>();
  for (const s of statements) {
    const v = parseReadmit(h, s);
    if (v !== null) out.set(v.member, v);
  }
  return out;
}

/** `id`'s re-enrolled keys (the newest retired by a re-enrolment), if their fingerprint is `fp`. */
async function reenrolledFrom(c: Client, id: string, fp: string): Promise<EarlierTrusted | null> {
  const list = await earlierList(c, id);
  for (const e of [...list.earlier].reverse()) {
    if (e.how !== "reenrolment") continue;
    try {
      const key = decodeSigningKey(e.keys.signing_key);
      const efp = await keyFingerprint(key, e.keys.age_recipient);
      if (efp === fp) return { signingKey: key, ageRecipient: e.keys.age_recipient, fingerprint: efp, retiredAtMs: e.retired_at_ms };
    } catch {
      // malformed: not theirs
    }
  }
  return null;
}

/**
 * A member whose keys the server replaced by a re-enrolment and whom no
 * member has readmitted: their OLD keys (`knownFp`: pinned here or named by
 * the statement that added them), good only for what they signed before.
 * Null when the server shows no such re-enrolment.
 */
export async function awaitingReadmission(c: Client, id: string, knownFp: string | null): Promise<TrustedKeys | null> {
  const pinned = await c.pins.get(id);
  const fp = pinned?.fingerprint ?? knownFp;
  if (fp === null) return null;
  const old = await reenrolledFrom(c, id, fp);
  if (old === null) return null;
  const info = await c.api.get<PrincipalInfo>(`/v1/principals/${enc(id)}`);
  return {
    id,
    name: info.name,
    role: info.role,
    org: info.org,
    // No current key: nothing signed now counts.
    signingKey: new Uint8Array(32),
    ageRecipient: "",
    fingerprint: "",
    earlier: [old],
  };
}

/**
 * A member's new keys, accepted because `vouch` (a readmission by another
 * member) names them; their re-enrolled keys count for what they signed
 * before. The caller checks `vouch`'s signature.
 */
export async function vouchedKeys(c: Client, vouch: Vouch): Promise<TrustedKeys> {
  const id = vouch.member;
  const keys = id === c.me ? await trustedKeys(c, id) : await servedKeys(c, id);
  if (keys.fingerprint !== vouch.fingerprint) {
    throw untrusted(
      `the server gives other keys for household member ${keys.name} (${id}) than the ones they were readmitted with: refusing to use them`,
    );
  }
  const old = await reenrolledFrom(c, id, vouch.previous);
  if (old === null) return keys;
  return { ...keys, earlier: [...keys.earlier, { ...old, retiredAtMs: Math.min(old.retiredAtMs, vouch.signedAtMs) }] };
}

/** Remember `keys` as checked (after the household that vouched for them checked out). */
export async function acceptVouched(c: Client, keys: TrustedKeys): Promise<void> {
  if (keys.id !== c.me) await c.pins.set(keys.id, { fingerprint: keys.fingerprint, name: keys.name });
  c.trusted.set(keys.id, keys);
}
