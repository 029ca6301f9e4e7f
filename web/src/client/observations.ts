/**
 * Observations by professionals (mirrors `vault/src/client/observations.rs`):
 * the server names each new one (no writer picks text that ends up in the
 * household's history); a private one is enveloped to its author alone, so
 * the household sees that it exists and never what it says; publishing
 * seals it again, as the next version, for the household and its readers.
 */
import { b64 } from "../crypto/bytes";
import { sealEnvelope } from "../crypto/envelope";
import { parseFieldPath, parseHouseholdId } from "../crypto/ids";
import { newFieldKey, sealField } from "../crypto/seal";
import { MAX_FIELD_BYTES, type Client } from "./client";
import { Refused, untrusted } from "./error";
import { enc } from "./http";
import { envelopesFor, getField, writePlan } from "./plan";
import { signOutgoing } from "./versions";
import type { EnvelopeUpload, Written } from "./wire";

const base = (h: string) => `/v1/households/${enc(parseHouseholdId(h))}`;
const OBSERVATIONS = "observaties/";

function checkSize(text: Uint8Array) {
  if (text.length > MAX_FIELD_BYTES) {
    throw new Refused("too-large", `this observation is ${text.length} bytes; a field holds at most ${MAX_FIELD_BYTES} bytes`);
  }
}

/** Record an observation: private (for me alone) or shared with the household. */
export async function observe(c: Client, h: string, text: Uint8Array, isPrivate: boolean): Promise<Written> {
  checkSize(text);
  const named = await c.api.post<{ path: string }>(`${base(h)}/observations/names`, {});
  const path = parseFieldPath(named.path);
  if (!path.startsWith(OBSERVATIONS)) throw untrusted(`the server named an observation outside the observations: ${path}`);
  const key = newFieldKey();
  try {
    const ciphertext = await sealField(key, { household: h, path, version: 1, keyGen: 1 }, text);
    let envelopes: EnvelopeUpload[];
    let grant: string | null = null;
    if (isPrivate) {
      envelopes = [{ reader: c.me, envelope: b64(await sealEnvelope(c.identity.publicKeys.age_recipient, key)) }];
    } else {
      const plan = await writePlan(c, h, path);
      envelopes = await envelopesFor(c, h, plan, key);
      grant = plan.writer_grant ?? null;
    }
    const signed = await signOutgoing(c, {
      household: h,
      path,
      version: 1,
      keyGen: 1,
      ciphertext,
      envelopes,
      writer: c.me,
      grant,
      private: isPrivate,
    });
    const written = await c.api.post<Written>(`${base(h)}/observations`, {
      path,
      private: isPrivate,
      ciphertext: b64(ciphertext),
      envelopes,
      signed,
    });
    if (written.path !== path || written.version !== 1) {
      throw untrusted(`wrote ${path} version 1, the server says it stored ${written.path} version ${written.version}`);
    }
    await c.seen.saw(h, path, 1);
    return written;
  } finally {
    key.fill(0);
  }
}

/** Share one of my private observations into the plan, as its next version. */
export async function publish(c: Client, h: string, path: string): Promise<Written> {
  const current = await getField(c, h, parseFieldPath(path));
  if (!current.private) throw new Refused("not-private", `${path} is not a private observation`);
  const plan = await writePlan(c, h, path);
  const version = current.version + 1;
  const key = newFieldKey();
  try {
    const ciphertext = await sealField(key, { household: h, path, version, keyGen: 1 }, current.value);
    const envelopes = await envelopesFor(c, h, plan, key);
    const signed = await signOutgoing(c, {
      household: h,
      path,
      version,
      keyGen: 1,
      ciphertext,
      envelopes,
      writer: c.me,
      grant: plan.writer_grant ?? null,
      private: false,
    });
    const written = await c.api.post<Written>(`${base(h)}/publish/${enc(path)}`, {
      replaces: current.version,
      ciphertext: b64(ciphertext),
      envelopes,
      signed,
    });
    if (written.path !== path || written.version !== version) {
      throw untrusted(`published ${path} as version ${version}, the server says it stored ${written.path} version ${written.version}`);
    }
    await c.seen.saw(h, path, version);
    return written;
  } finally {
    current.value.fill(0);
    key.fill(0);
  }
}
