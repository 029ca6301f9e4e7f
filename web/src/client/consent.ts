/**
 * Consent on the device (mirrors `vault/src/client/consent.rs`): signing
 * grants and revocations, handing the grantee the current key of every
 * shared field in scope, and re-keying after a revocation.
 *
 * A grant is signed only for keys this device checked (pins, key
 * directory) whose fingerprint is the one the person confirmed; the grant
 * names that fingerprint. Each key handed over names the version and key
 * generation it opens; if the plan changed meanwhile the server refuses
 * them as stale and the keys are fetched again for the same signed grant.
 */
import { ApiError } from "../api/http";
import { b64, decodeB64 } from "../crypto/bytes";
import { openEnvelopeKey, sealEnvelope } from "../crypto/envelope";
import {
  grantValidityAt,
  revokes,
  signGrant,
  signRevocation,
  verifyGrant,
  verifyRevocation,
  type Action,
  type GrantStatement,
  type Purpose,
} from "../crypto/grant";
import { newGrantId, parseGrantId, parsePrincipalId, type FieldPath } from "../crypto/ids";
import { newFieldKey, openField, sealField, type Binding } from "../crypto/seal";
import { parseScope, scopeCovers } from "../crypto/scope";
import { HOUSEHOLD_READER } from "../crypto/version";
import type { Client } from "./client";
import { hadFingerprint, hadSigningKey } from "./rotation";
import { Refused, untrusted } from "./error";
import { householdIdentity } from "./household";
import { enc } from "./http";
import { envelopesFor, fetchField, getField, listFields, unwrapKey, writePlan } from "./plan";
import { trustedKeysChecked, trustedKeysExpecting, verifiedHousehold, type TrustedKeys } from "./trust";
import { signOutgoing } from "./versions";
import type { EnvelopeUpload, GrantInfo, KeyForGrantee, Rekey, StaleField } from "./wire";

/** Uploads of one grant: the first and up to two with keys fetched again. */
const GRANT_ATTEMPTS = 3;
/** Rounds of `sync` before giving up on a plan that keeps changing. */
const SYNC_ROUNDS = 4;

/** What `grant` asks for. */
export interface GrantRequest {
  grantee: string;
  /** The fingerprint the person confirmed (required: nothing is signed otherwise). */
  fingerprint: string;
  scope: string[];
  write: boolean;
  /** The coordinating professional (casushouder): may close the household. */
  coordinate: boolean;
  purpose: Purpose;
  /** End of access, Unix ms. */
  untilMs: number;
}

const base = (h: string) => `/v1/households/${enc(h)}`;

/**
 * Sign a grant and give the grantee the current key of every shared field
 * in scope, in one request: refused before anything is signed unless the
 * grantee is a professional whose checked keys have the confirmed fingerprint.
 */
export async function grant(c: Client, h: string, req: GrantRequest): Promise<GrantInfo> {
  parsePrincipalId(req.grantee);
  const grantee = await trustedKeysExpecting(c, req.grantee, req.fingerprint);
  if (grantee.role !== "professional") {
    throw new Refused(
      "not-a-professional",
      `${grantee.name} is not a professional: household members share through the household, not by grants`,
    );
  }
  const now = Math.floor(Date.now() / 1000);
  const expires = Math.floor(req.untilMs / 1000);
  if (!Number.isSafeInteger(expires) || expires <= now) throw new Refused("invalid-end", "the end date must be in the future");
  const actions: Action[] = ["read"];
  if (req.write) actions.push("write");
  if (req.coordinate) actions.push("coordinate");
  const statement: GrantStatement = {
    id: newGrantId(),
    issuer: c.me,
    grantee: req.grantee,
    // Computed on this device from the keys the field keys are about to
    // be wrapped to, never taken from the server.
    granteeFingerprint: grantee.fingerprint,
    household: h,
    scope: parseScope(req.scope),
    actions,
    purpose: req.purpose,
    issuedAt: now,
    notBefore: now,
    expires,
  };
  return grantWithKeys(c, h, statement);
}

/** The grantee's checked keys, if they have the fingerprint the statement names. */
function granteeKeys(c: Client, s: GrantStatement): Promise<TrustedKeys> {
  return trustedKeysChecked(c, s.grantee, (keys) => {
    if (!hadFingerprint(keys, s.granteeFingerprint)) {
      throw new Refused(
        "fingerprint-mismatch",
        `this grant names fingerprint ${s.granteeFingerprint} but the keys of ${keys.name} (${keys.id}) have ${keys.fingerprint}: nothing was sent`,
      );
    }
  });
}

/**
 * Sign `statement` and upload it with the grantee's keys for every field
 * in scope; if the plan changed since the keys were wrapped (409
 * `stale-version`), wrap them again and send the same grant again, up to
 * `GRANT_ATTEMPTS` times in all (`grant_with_keys`).
 */
export async function grantWithKeys(c: Client, h: string, s: GrantStatement): Promise<GrantInfo> {
  const grantee = await granteeKeys(c, s);
  const jws = await signGrant(s, c.identity);
  for (let attempt = 1; ; attempt++) {
    const keys = await wrapKeys(c, h, s.scope, grantee);
    try {
      return await c.api.post<GrantInfo>(`${base(h)}/grants`, { jws, keys });
    } catch (e) {
      if (!(e instanceof ApiError && e.kind === "stale-version" && attempt < GRANT_ATTEMPTS)) throw e;
    }
  }
}

/** The grantee's key for every shared field in scope, at the version and key generation current now. */
async function wrapKeys(c: Client, h: string, scope: readonly string[], grantee: TrustedKeys): Promise<KeyForGrantee[]> {
  const keys: KeyForGrantee[] = [];
  for (const f of await listFields(c, h)) {
    if (f.private || !scopeCovers(scope, f.path as FieldPath)) continue;
    // Version, generation and envelope come from one answer, so the key
    // and the generation named with it belong together.
    const v = await fetchField(c, h, f.path, f.version);
    const key = await unwrapKey(c, h, v);
    try {
      keys.push({ path: v.path, version: v.version, key_gen: v.key_gen, envelope: b64(await sealEnvelope(grantee.ageRecipient, key)) });
    } finally {
      key.fill(0);
    }
  }
  return keys;
}

/** The household's grants, as the server lists them (unchecked). */
export async function grants(c: Client, h: string): Promise<GrantInfo[]> {
  return (await c.api.get<{ grants: GrantInfo[] }>(`${base(h)}/grants`)).grants;
}

/** A grant as this device read it from its signed receipt. */
export interface CheckedGrant {
  info: GrantInfo;
  statement: GrantStatement;
  /** From the statement's times, and a withdrawal signed by a member. */
  status: "active" | "not-yet-valid" | "expired" | "revoked";
}

/**
 * The household's grants, each read from the receipt a member signed (as
 * this device checked the members), not from the server's description of
 * it; "revoked" only with a withdrawal signed by a member.
 */
export async function checkedGrants(c: Client, h: string): Promise<CheckedGrant[]> {
  const household = await verifiedHousehold(c, h);
  // With their key at the time: an earlier key counts for what it signed before its rotation.
  const signedByMember = (issuer: string, key: Uint8Array, issuedAtSecs: number) =>
    household.members.some((m) => m.id === issuer && hadSigningKey(m, key, issuedAtSecs * 1000));
  const nowSecs = Math.floor(Date.now() / 1000);
  const out: CheckedGrant[] = [];
  for (const info of await grants(c, h)) {
    let statement: GrantStatement;
    try {
      const v = await verifyGrant(info.jws);
      statement = v.statement;
      if (!signedByMember(statement.issuer, v.signerKey, statement.issuedAt)) throw new Error("not signed by a member");
    } catch (e) {
      throw untrusted(`the receipt of grant ${info.grant_id} does not check out: ${(e as Error).message}`);
    }
    if (statement.id !== info.grant_id || statement.household !== h || statement.grantee !== info.grantee) {
      throw untrusted(`the server describes grant ${info.grant_id} otherwise than its signed receipt`);
    }
    let revoked = false;
    if (info.revocation_jws) {
      try {
        const r = await verifyRevocation(info.revocation_jws);
        revoked = signedByMember(r.statement.issuer, r.signerKey, r.statement.issuedAt) && revokes(r.statement, statement);
      } catch {
        revoked = false;
      }
    }
    const validity = grantValidityAt(statement, nowSecs);
    const status = revoked ? "revoked" : validity === "Active" ? "active" : validity === "Expired" ? "expired" : "not-yet-valid";
    out.push({ info, statement, status });
  }
  return out;
}

/**
 * Withdraw a grant (effective at once on the server), then re-key what it
 * covered, and whatever else the server reports as needing new keys
 * (`kluis revoke` followed by `kluis household sync`). Returns the fields re-keyed.
 */
export async function revoke(c: Client, h: string, g: string): Promise<StaleField[]> {
  const stale = await withdraw(c, h, g);
  const done: StaleField[] = [];
  try {
    for (const f of stale) {
      try {
        done.push(await rekey(c, h, f));
      } catch (e) {
        // Changed meanwhile: `sync` below takes it up as it is now.
        if (!(e instanceof ApiError && e.kind === "stale-version")) throw e;
      }
    }
    done.push(...(await sync(c, h)));
  } catch (e) {
    throw new Refused(
      "rekey-unfinished",
      `access was withdrawn, but giving the fields new keys stopped (${(e as Error).message}): withdraw again or sync to finish`,
    );
  }
  return done;
}

/** Withdraw a grant on the server only; the fields the grantee could read stay marked until re-keyed. */
export async function withdraw(c: Client, h: string, g: string): Promise<StaleField[]> {
  const jws = await signRevocation(
    { id: newGrantId(), issuer: c.me, grant: parseGrantId(g), household: h, issuedAt: Math.floor(Date.now() / 1000) },
    c.identity,
  );
  return (await c.api.post<{ fields: StaleField[] }>(`${base(h)}/grants/${enc(g)}/revoke`, { jws })).fields;
}

/** The fields that need a re-key, as the server says. */
export async function stale(c: Client, h: string): Promise<StaleField[]> {
  return (await c.api.get<{ fields: StaleField[] }>(`${base(h)}/stale`)).fields;
}

/** Re-key until the server reports nothing left, at most `SYNC_ROUNDS` rounds (`sync`). */
export async function sync(c: Client, h: string): Promise<StaleField[]> {
  const done: StaleField[] = [];
  for (let round = 0; round < SYNC_ROUNDS; round++) {
    const left = await stale(c, h);
    if (left.length === 0) return done;
    for (const f of left) {
      try {
        done.push(await rekey(c, h, f));
      } catch (e) {
        // A new version or another device's re-key came first: the next
        // round sees the field as it is now.
        if (!(e instanceof ApiError && e.kind === "stale-version")) throw e;
      }
    }
  }
  const left = await stale(c, h);
  if (left.length > 0) throw new Error(`${left.length} field(s) still need new keys (the plan kept changing)`);
  return done;
}

/** Seal the current version again under a new key generation, for the readers who remain. */
export async function rekey(c: Client, h: string, f: StaleField): Promise<StaleField> {
  return c.api.put<StaleField>(`${base(h)}/rekey/${enc(f.path)}`, await sealRekey(c, h, f));
}

/**
 * The re-key of `f`: the version, checked and opened, sealed under a new
 * key generation, enveloped to the readers who remain, checked on this
 * device to open again, and signed (the content stays its writer's).
 */
export async function sealRekey(c: Client, h: string, f: StaleField): Promise<Rekey> {
  const current = await getField(c, h, f.path, f.version);
  const plan = await writePlan(c, h, f.path);
  const keyGen = current.keyGen + 1;
  const key = newFieldKey();
  try {
    const binding: Binding = { household: h, path: f.path, version: current.version, keyGen };
    const ciphertext = await sealField(key, binding, current.value);
    const envelopes = await envelopesFor(c, h, plan, key);
    await checkNewGeneration(c, h, binding, envelopes, ciphertext, current.value);
    const signed = await signOutgoing(c, {
      household: h,
      path: f.path,
      version: current.version,
      keyGen,
      ciphertext,
      envelopes,
      writer: current.authorship.writer,
      grant: current.authorship.kind === "signed" ? current.authorship.grant : null,
      private: false,
    });
    return { version: current.version, key_gen: keyGen, ciphertext: b64(ciphertext), envelopes, signed };
  } finally {
    key.fill(0);
    current.value.fill(0);
  }
}

/**
 * Before a new generation replaces the old one for everyone: the
 * household's envelope must open to a key that opens the ciphertext to the
 * same content (the server never sees a key, so it cannot check this).
 */
async function checkNewGeneration(
  c: Client,
  h: string,
  binding: Binding,
  envelopes: EnvelopeUpload[],
  ciphertext: Uint8Array,
  content: Uint8Array,
): Promise<void> {
  const broken = () => untrusted(`the new key for ${binding.path} did not open what this device sealed: nothing was sent`);
  const household = envelopes.find((e) => e.reader === HOUSEHOLD_READER);
  const envelope = household ? decodeB64(household.envelope) : null;
  if (envelope === null) throw broken();
  try {
    const key = await openEnvelopeKey((await householdIdentity(c, h)).key, envelope);
    const opened = await openField(key, binding, ciphertext);
    key.fill(0);
    if (opened.length !== content.length || opened.some((b, i) => b !== content[i])) throw broken();
  } catch {
    throw broken();
  }
}
