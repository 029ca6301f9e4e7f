/**
 * Households on the device (mirrors `vault/src/client/household.rs`):
 * making the household identity and signing its creation, opening it
 * again from my envelope (only if it is the key the creator signed), and
 * enveloping it to a new member whose keys this device checked.
 */
import type { HouseholdKey } from "../crypto/age-keys";
import { addMemberBody, createHouseholdBody, generateHouseholdKey, openHouseholdKey } from "../crypto/household";
import { newHouseholdId, parsePrincipalId } from "../crypto/ids";
import type { Client } from "./client";
import { Refused, untrusted } from "./error";
import { enc } from "./http";
import { trustedKeysExpecting, verifiedHousehold, type TrustedKeys } from "./trust";
import type { HouseholdInfo, MemberInfo } from "./wire";

/** Create a household: a fresh identity enveloped to me, and my signed statement that I made it. */
export async function createHousehold(c: Client): Promise<string> {
  const h = newHouseholdId();
  const key = await generateHouseholdKey();
  const body = await createHouseholdBody(c.identity, c.me, h, key, Date.now());
  const info = await c.api.post<HouseholdInfo>("/v1/households", body);
  if (info.household_id !== h) throw untrusted("the server created another household than the one asked for");
  c.households.set(h, key);
  return h;
}

/** The household's identity, opened from my envelope after checking its chain (cached). */
export async function householdIdentity(c: Client, h: string): Promise<HouseholdKey> {
  const known = c.households.get(h);
  if (known) return known;
  const verified = await verifiedHousehold(c, h);
  const envelope = verified.info.identity_envelope;
  if (!envelope) throw new Refused("not-a-member", "you are not a member of this household");
  let key: HouseholdKey;
  try {
    key = await openHouseholdKey(c.identity, envelope, verified.recipient);
  } catch (e) {
    throw untrusted(`cannot open the household key: ${(e as Error).message}`);
  }
  c.households.set(h, key);
  return key;
}

/**
 * Add a member: refused before anything is sent unless their keys (checked
 * against this device's pins and the key directory, fingerprint computed
 * here) have the fingerprint `expected`, when given. The signed statement
 * names that fingerprint, so every device can check the household identity
 * went to exactly those keys.
 */
export async function addMember(
  c: Client,
  h: string,
  member: string,
  expected: string | undefined,
): Promise<{ keys: TrustedKeys; added: MemberInfo }> {
  parsePrincipalId(member);
  const key = await householdIdentity(c, h);
  const keys = await trustedKeysExpecting(c, member, expected);
  const body = await addMemberBody(c.identity, c.me, h, key, member, keys.ageRecipient, keys.fingerprint, Date.now());
  const added = await c.api.post<MemberInfo>(`/v1/households/${enc(h)}/members`, body);
  return { keys, added };
}
