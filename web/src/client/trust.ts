/**
 * What the device checks before it trusts a key the server hands it
 * (mirrors `vault/src/client/trust.rs`). The server and its database are
 * the adversary (DESIGN.md, "Trust model"), so:
 * - a person's keys are checked against the fingerprint this device pinned
 *   the first time it relied on them (`pins.ts`; a change is refused as
 *   "keys-changed" until accepted with `trustKeys`), and their fingerprint is
 *   always computed here, from the exact keys about to be used;
 * - keys this device meets for the first time must be the ones the key
 *   directory in the access log registers for that person (`directory.ts`);
 * - a household's recipient is used only if the creator's signed statement
 *   names it, and its members only if a signed chain of additions leads to
 *   each of them from the creator (version 2 additions also name the new
 *   member's key fingerprint);
 * - someone's earlier keys count only through a chain of rotation statements
 *   both keys signed, and only for statements dated before the rotation
 *   (`rotation.ts`); a device that pinned the old keys moves to the new ones
 *   because the old key signed them over. Keys replaced by a re-enrolment
 *   count only where another member readmitted the person (`readmission.ts`).
 */
import { decodeB64url, utf8 } from "../crypto/bytes";
import { normaliseFingerprint } from "../crypto/fingerprint";
import { readCreation, readMemberAddition } from "../crypto/household";
import { decodeSigningKey, fingerprintOf } from "../crypto/identity";
import type { Client } from "./client";
import { checkInDirectory } from "./directory";
import { Refused, untrusted } from "./error";
import { enc } from "./http";
import { acceptVouched, awaitingReadmission, parseReadmit, vouchedKeys, vouches, type Vouch } from "./readmission";
import { earlierKeys, hadFingerprint, signedAt, signedBy, type EarlierTrusted } from "./rotation";
import type { HouseholdInfo, PrincipalInfo, SignedStatement } from "./wire";

/** Someone's keys, checked on this device. */
export interface TrustedKeys {
  id: string;
  name: string;
  role: string;
  org: string | null;
  signingKey: Uint8Array;
  ageRecipient: string;
  /** Computed here from `signingKey` and `ageRecipient`. */
  fingerprint: string;
  /** Keys they used before, linked to these by signed rotation statements (`rotation.ts`), newest first. */
  earlier: EarlierTrusted[];
}

/** A household whose recipient and members this device checked. */
export interface VerifiedHousehold {
  info: HouseholdInfo;
  /** The recipient the creator signed (equal to `info.recipient`). */
  recipient: string;
  /** The members, each reached by the signed chain from the creator. */
  members: TrustedKeys[];
  /** Created since kluis signs versions: every version must be signed. */
  signsVersions: boolean;
}

type Check = (keys: TrustedKeys) => void | Promise<void>;

/** `id`'s keys, refused if they differ from the ones this device pinned; pinned now if never seen. */
export function trustedKeys(c: Client, id: string): Promise<TrustedKeys> {
  return trustedKeysChecked(c, id, () => {});
}

/** `trustedKeys`, refused ("fingerprint-mismatch") unless they have the fingerprint `expected`, when given. */
export function trustedKeysExpecting(c: Client, id: string, expected: string | undefined): Promise<TrustedKeys> {
  return trustedKeysChecked(c, id, (keys) => expectFingerprint(keys, expected));
}

/**
 * `trustedKeys`, with `check` run on the keys before this device relies on
 * them and before it pins them: keys that fail a check are never
 * remembered as this person's.
 */
export async function trustedKeysChecked(c: Client, id: string, check: Check): Promise<TrustedKeys> {
  return c.serial(`keys/${id}`, async () => {
    const cached = c.trusted.get(id);
    if (cached) {
      await check(cached);
      return cached;
    }
    if (id === c.me) {
      // My own keys come from my keystore, not from the server.
      const keys = await ownKeys(c);
      await check(keys);
      c.trusted.set(id, keys);
      return keys;
    }
    const keys = await servedKeys(c, id);
    const pin = await c.pins.get(id);
    // Keys they rotated away from, with the old key's signature on the new
    // ones, are a change they made: accepted, and pinned anew.
    const rotated = pin !== undefined && pin.fingerprint !== keys.fingerprint && hadFingerprint(keys, pin.fingerprint);
    if (pin && !rotated && pin.fingerprint !== keys.fingerprint) {
      throw new Refused(
        "keys-changed",
        `the server now gives other keys for ${pin.name} (${id}) than this device saw before ` +
          `(fingerprint ${pin.fingerprint}, now ${keys.fingerprint}): refusing to use them until you compare ` +
          `and accept the new ones`,
        undefined,
        id,
      );
    }
    await check(keys);
    if (rotated) await c.pins.set(id, { fingerprint: keys.fingerprint, name: keys.name });
    else if (!pin) await c.pins.pinFirst(id, { fingerprint: keys.fingerprint, name: keys.name });
    c.trusted.set(id, keys);
    return keys;
  });
}

/** Someone's keys as the server gives them now (proved by the key directory), beside the fingerprint this device pinned. */
export async function newKeys(c: Client, id: string): Promise<{ keys: TrustedKeys; pinned: string | null }> {
  if (id === c.me) throw new Refused("own-keys", "your own keys come from your keystore, not from the server");
  const keys = await servedKeys(c, id);
  const pin = await c.pins.get(id);
  return { keys, pinned: pin?.fingerprint ?? null };
}

/**
 * Accept `id`'s current keys after they made a new keystore (the CLI's
 * `kluis keys trust`): only keys the key directory registers, and only if
 * their fingerprint, computed here, is the one the person compared
 * (`expected`). Pinned from then on.
 */
export function trustKeys(c: Client, id: string, expected: string): Promise<TrustedKeys> {
  return c.serial(`keys/${id}`, async () => {
    if (id === c.me) throw new Refused("own-keys", "your own keys come from your keystore, not from the server");
    const keys = await servedKeys(c, id);
    expectFingerprint(keys, expected);
    await c.pins.set(id, { fingerprint: keys.fingerprint, name: keys.name });
    c.trusted.set(id, keys);
    return keys;
  });
}

/** My own keys, from my keystore; my role and organisation from the server. */
async function ownKeys(c: Client): Promise<TrustedKeys> {
  const me = await c.api.get<PrincipalInfo>("/v1/whoami");
  const mine = c.identity.publicKeys;
  return {
    id: c.me,
    name: c.identity.name,
    role: me.role,
    org: me.org,
    signingKey: c.identity.signingPublicKey,
    ageRecipient: mine.age_recipient,
    fingerprint: await fingerprintOf(mine),
    earlier: await earlierKeys(c, c.me, mine),
  };
}

/** The keys the server has for `id`, fingerprint computed here, refused unless the key directory registers them. */
export async function servedKeys(c: Client, id: string): Promise<TrustedKeys> {
  const info = await c.api.get<PrincipalInfo>(`/v1/principals/${enc(id)}`);
  if (info.principal_id !== id) throw untrusted(`the server answered with someone else's keys when asked for ${id}`);
  let signingKey: Uint8Array;
  let fingerprint: string;
  try {
    signingKey = decodeSigningKey(info.keys.signing_key);
    fingerprint = await fingerprintOf(info.keys);
  } catch {
    throw untrusted(`the keys of ${info.name} are malformed`);
  }
  const keys: TrustedKeys = {
    id,
    name: info.name,
    role: info.role,
    org: info.org,
    signingKey,
    ageRecipient: info.keys.age_recipient,
    fingerprint,
    earlier: [],
  };
  await checkInDirectory(c, keys);
  return { ...keys, earlier: await earlierKeys(c, id, info.keys) };
}

/** Refuse ("fingerprint-mismatch") unless `keys` have the fingerprint `expected` (when given). */
export function expectFingerprint(keys: TrustedKeys, expected: string | undefined): void {
  if (expected === undefined) return;
  if (normaliseFingerprint(expected) !== keys.fingerprint) {
    throw new Refused(
      "fingerprint-mismatch",
      `the keys the server gives for ${keys.name} (${keys.id}) have fingerprint ${keys.fingerprint}, ` +
        `not the ${expected.trim()} you expected: nothing was sent`,
    );
  }
}

async function checkSignature(signer: TrustedKeys, s: SignedStatement, what: string): Promise<void> {
  const signature = decodeB64url(s.signature);
  // Signed with their key then: an earlier key counts only for a statement
  // dated before it was retired.
  const at = signedAt(s.statement) ?? Number.POSITIVE_INFINITY;
  if (signature === null || !(await signedBy(signer, utf8(s.statement), signature, at))) {
    throw untrusted(
      `${what} does not carry a valid signature of ${signer.name} (${signer.id}): refusing to trust this household`,
    );
  }
}

/**
 * A household member's keys: vouched for by a readmission when there is one,
 * else as pinned and checked (`trustedKeysChecked`), else, when the server
 * re-enrolled them and no member readmitted them yet, their old keys only
 * (`readmission.ts`). `fp`: the fingerprint the statement that added them names.
 */
async function memberKeys(
  c: Client,
  id: string,
  fp: string | null,
  vouched: Map<string, Vouch>,
  check: Check,
): Promise<TrustedKeys> {
  const v = vouched.get(id);
  if (v !== undefined) {
    const keys = await vouchedKeys(c, v);
    await check(keys);
    return keys;
  }
  try {
    return await trustedKeysChecked(c, id, check);
  } catch (e) {
    if (!(e instanceof Refused)) throw e;
    const old = await awaitingReadmission(c, id, fp);
    if (old === null) throw e;
    await check(old);
    return old;
  }
}

function brokenChain(why: string) {
  return untrusted(`the household's signed history does not check out (${why}): refusing to trust it`);
}

/** The household, with its recipient and members checked against the signed chain from its creator. */
export async function verifiedHousehold(c: Client, h: string): Promise<VerifiedHousehold> {
  const info = await c.api.get<HouseholdInfo>(`/v1/households/${enc(h)}`);
  if (info.household_id !== h) throw untrusted(`asked for household ${h}, the server answered with another`);
  const creation = info.chain.creation;
  // Readmissions (after a re-enrolment) vouch for a member's new keys; each
  // one used must check out in the chain below.
  const vouched = vouches(h, info.chain.members);
  const creator = await memberKeys(c, creation.signer, null, vouched, (k) =>
    checkSignature(k, creation, "the household's creation statement"),
  );
  const kind = readCreation(creation.statement, h, info.recipient, creator.id);
  if (kind === null) {
    throw untrusted("the household's public key is not the one its creator signed: refusing to encrypt to it");
  }
  const members: TrustedKeys[] = [creator];
  const readmitted = new Set<string>();
  // Additions in the order the server lists them; one made by a member
  // added in the same millisecond may come before that member's own
  // addition, so go round until nothing more connects.
  let pending = info.chain.members.filter((m) => m.statement !== creation.statement);
  while (pending.length > 0) {
    const rest: SignedStatement[] = [];
    for (const m of pending) {
      const addedBy = members.find((k) => k.id === m.signer);
      if (!addedBy) {
        rest.push(m);
        continue;
      }
      await checkSignature(addedBy, m, "a membership statement");
      const v = parseReadmit(h, m);
      if (v !== null) {
        if (v.by === v.member) throw brokenChain("a member readmitted themselves");
        readmitted.add(v.member);
        if (!members.some((k) => k.id === v.member)) members.push(await vouchedKeys(c, v));
        continue;
      }
      const addition = readMemberAddition(m.statement, h, m.signer);
      if (addition === null) throw brokenChain("a membership statement is malformed");
      const keys = await memberKeys(c, addition.member, addition.fingerprint, vouched, (k) => {
        if (addition.fingerprint !== null && !hadFingerprint(k, addition.fingerprint)) {
          throw untrusted(
            `the server gives other keys for household member ${k.name} (${k.id}) than the ones ${addedBy.name} signed for: refusing to use them`,
          );
        }
      });
      members.push(keys);
    }
    if (rest.length === pending.length) throw brokenChain("a member was added by someone who was not a member");
    pending = rest;
  }
  if (members.some((k) => vouched.has(k.id) && !readmitted.has(k.id))) {
    throw brokenChain("a readmission is not signed by another member");
  }
  for (const k of members) if (readmitted.has(k.id)) await acceptVouched(c, k);
  const chained = new Set(members.map((k) => k.id));
  const listed = new Set(info.members.map((m) => m.principal_id));
  if (chained.size !== listed.size || [...chained].some((id) => !listed.has(id))) {
    throw brokenChain("the server lists members that no signed statement added");
  }
  const verified: VerifiedHousehold = { info, recipient: info.recipient, members, signsVersions: kind === "v2" };
  c.checkedHouseholds.set(h, verified);
  return verified;
}
