/**
 * Trusted contacts on the device (mirrors `vault/src/client/contacts.rs`):
 * naming one checks their keys (pins, key directory, an expected
 * fingerprint), envelopes the household identity to exactly those keys and
 * signs the naming statement with the waiting period. The server holds the
 * envelope back until a request of the contact has waited unrefused; the
 * contact's device then checks the household's chain (`trust.ts` accepts
 * the naming statement as the contact's link) before it uses anything.
 */
import { utf8 } from "../crypto/bytes";
import { contactStatement, wrapHouseholdKey } from "../crypto/household";
import { parsePrincipalId } from "../crypto/ids";
import { signB64url } from "../crypto/identity";
import type { Client } from "./client";
import { Refused } from "./error";
import { householdIdentity } from "./household";
import { enc } from "./http";
import { trustedKeysExpecting, type TrustedKeys } from "./trust";

/** Name `contact` as the household's trusted contact with the waiting period `waitMs`. */
export async function nameContact(
  c: Client,
  h: string,
  contact: string,
  expected: string | undefined,
  waitMs: number,
): Promise<TrustedKeys> {
  parsePrincipalId(contact);
  const key = await householdIdentity(c, h);
  const keys = await trustedKeysExpecting(c, contact, expected);
  if (keys.role !== "client") throw new Refused("not-a-client", `${keys.name} is not a client: only clients can be trusted contacts`);
  const signedAtMs = Date.now();
  const statement = contactStatement(h, contact, keys.fingerprint, waitMs, c.me, signedAtMs);
  await c.api.post(`/v1/households/${enc(h)}/contacts`, {
    contact_id: contact,
    contact_fingerprint: keys.fingerprint,
    wait_ms: waitMs,
    signed_at_ms: signedAtMs,
    signature: await signB64url(c.identity, utf8(statement)),
    identity_envelope: await wrapHouseholdKey(key, keys.ageRecipient),
  });
  return keys;
}
