/**
 * Households, as `vault/src/wire/household.rs` and the device side
 * (`vault/src/client/household.rs`, `client/trust.rs`): the creator's signed
 * statement, member additions signed by a member, and the household
 * identity enveloped to each member.
 *
 * The server rebuilds each statement's text from the request's fields and
 * checks the signature, and devices check the chain again, accepting only
 * the exact texts these functions make. A household identity is an age
 * X25519 identity; its envelope holds its `AGE-SECRET-KEY-1…` text.
 */
import { b64, decodeB64, fromUtf8, utf8 } from "./bytes.js";
import { generateAgeIdentity, importHouseholdIdentity, type HouseholdKey } from "./age-keys.js";
import { openEnvelope, sealEnvelope } from "./envelope.js";
import { isWellFormedFingerprint } from "./fingerprint.js";
import { parseHouseholdId, parsePrincipalId } from "./ids.js";
import { signB64url, type Identity } from "./identity.js";

function whole(n: number): string {
  if (!Number.isSafeInteger(n)) throw new RangeError("signed-at-ms must be a whole number");
  return String(n);
}

/**
 * The creator's statement (version 2: every version in the household is
 * signed, so devices refuse unsigned ones).
 */
export function createStatement(household: string, recipient: string, creator: string, signedAtMs: number): string {
  parseHouseholdId(household);
  parsePrincipalId(creator);
  return `kluis-household-create/v2\nhousehold: ${household}\nrecipient: ${recipient}\ncreator: ${creator}\nversions: signed\nsigned-at-ms: ${whole(signedAtMs)}\n`;
}

/** The statement households were created with before signed versions (to check old chains). */
export function createStatementV1(household: string, recipient: string, creator: string, signedAtMs: number): string {
  parseHouseholdId(household);
  parsePrincipalId(creator);
  return `kluis-household-create/v1\nhousehold: ${household}\nrecipient: ${recipient}\ncreator: ${creator}\nsigned-at-ms: ${whole(signedAtMs)}\n`;
}

/**
 * A member addition: version 2 names the new member's key fingerprint;
 * `null` gives version 1 (from before; only to check old chains).
 */
export function memberStatement(
  household: string,
  member: string,
  memberFingerprint: string | null,
  addedBy: string,
  signedAtMs: number,
): string {
  parseHouseholdId(household);
  parsePrincipalId(member);
  parsePrincipalId(addedBy);
  if (memberFingerprint === null) {
    return `kluis-household-member-add/v1\nhousehold: ${household}\nmember: ${member}\nadded-by: ${addedBy}\nsigned-at-ms: ${whole(signedAtMs)}\n`;
  }
  if (!isWellFormedFingerprint(memberFingerprint)) throw new RangeError("not a key fingerprint");
  return `kluis-household-member-add/v2\nhousehold: ${household}\nmember: ${member}\nmember-fingerprint: ${memberFingerprint}\nadded-by: ${addedBy}\nsigned-at-ms: ${whole(signedAtMs)}\n`;
}

/**
 * A member's naming of a trusted contact (`wire::contact::contact_statement`):
 * once the server releases the contact, it is the contact's link in the
 * household's chain.
 */
export function contactStatement(
  household: string,
  contact: string,
  contactFingerprint: string,
  waitMs: number,
  namedBy: string,
  signedAtMs: number,
): string {
  parseHouseholdId(household);
  parsePrincipalId(contact);
  parsePrincipalId(namedBy);
  if (!isWellFormedFingerprint(contactFingerprint)) throw new RangeError("not a key fingerprint");
  return `kluis-household-contact/v1\nhousehold: ${household}\ncontact: ${contact}\ncontact-fingerprint: ${contactFingerprint}\nwait-ms: ${whole(waitMs)}\nnamed-by: ${namedBy}\nsigned-at-ms: ${whole(signedAtMs)}\n`;
}

/** The value of `name: value` in a statement (`trust.rs::field`). */
function field(statement: string, name: string): string | null {
  for (let line of statement.split("\n")) {
    if (line.endsWith("\r")) line = line.slice(0, -1);
    if (line.startsWith(`${name}: `)) return line.slice(name.length + 2);
  }
  return null;
}

function signedAt(statement: string): number | null {
  const v = field(statement, "signed-at-ms");
  return v !== null && /^[+-]?[0-9]+$/.test(v) && Number.isSafeInteger(Number(v)) ? Number(v) : null;
}

/**
 * Which creation statement `statement` is, for a household `household` with
 * `recipient` made by `creator` (`verified_household`): `"v2"` (versions are
 * signed), `"v1"`, or `null` when it is neither exact text.
 */
export function readCreation(statement: string, household: string, recipient: string, creator: string): "v2" | "v1" | null {
  const at = signedAt(statement);
  if (at === null) return null;
  if (statement === createStatement(household, recipient, creator, at)) return "v2";
  if (statement === createStatementV1(household, recipient, creator, at)) return "v1";
  return null;
}

/**
 * Read a membership statement signed by `signer` (`parse_member`): the new
 * member and, for version 2, the fingerprint it names; `null` unless it is
 * exactly the text `memberStatement` makes.
 */
export function readMemberAddition(
  statement: string,
  household: string,
  signer: string,
): { member: string; fingerprint: string | null } | null {
  if (statement.startsWith("kluis-household-contact/")) return readContactNaming(statement, household, signer);
  const member = field(statement, "member");
  const at = signedAt(statement);
  const fingerprint = field(statement, "member-fingerprint");
  try {
    if (member === null || at === null) return null;
    return statement === memberStatement(household, member, fingerprint, signer, at) ? { member, fingerprint } : null;
  } catch {
    return null;
  }
}

/**
 * A released trusted contact's link (`trust.rs::parse_contact`): the
 * contact and the fingerprint the member signed for; `null` unless it is
 * exactly the text `contactStatement` makes, naming `signer`.
 */
function readContactNaming(
  statement: string,
  household: string,
  signer: string,
): { member: string; fingerprint: string } | null {
  const contact = field(statement, "contact");
  const fingerprint = field(statement, "contact-fingerprint");
  const wait = field(statement, "wait-ms");
  const at = signedAt(statement);
  try {
    if (contact === null || fingerprint === null || wait === null || at === null) return null;
    if (!/^[+-]?[0-9]+$/.test(wait) || !Number.isSafeInteger(Number(wait))) return null;
    return statement === contactStatement(household, contact, fingerprint, Number(wait), signer, at)
      ? { member: contact, fingerprint }
      : null;
  } catch {
    return null;
  }
}

/** A fresh household identity (the creator's device makes it). */
export async function generateHouseholdKey(): Promise<HouseholdKey> {
  return importHouseholdIdentity(await generateAgeIdentity());
}

/** Envelope the household identity to a member's recipient, base64 for the wire. */
export async function wrapHouseholdKey(household: HouseholdKey, memberRecipient: string): Promise<string> {
  return b64(await sealEnvelope(memberRecipient, utf8(household.secret)));
}

/**
 * Open my envelope of the household identity and check it is the key of
 * `expectedRecipient` (the one the creator signed), as the CLI does.
 */
export async function openHouseholdKey(
  me: Identity,
  envelopeB64: string,
  expectedRecipient: string,
): Promise<HouseholdKey> {
  const envelope = decodeB64(envelopeB64);
  if (envelope === null) throw new Error("the identity envelope is not base64");
  const secret = await openEnvelope(me.ageKey, envelope);
  const text = fromUtf8(secret);
  secret.fill(0);
  let key: HouseholdKey;
  try {
    if (text === null) throw new Error();
    key = await importHouseholdIdentity(text);
  } catch {
    throw new Error("the household key is malformed");
  }
  if (key.recipient !== expectedRecipient) {
    throw new Error("the household key does not match the household's public key: refusing to use it");
  }
  return key;
}

/** The body of `POST /v1/households` (`CreateHousehold`). */
export interface CreateHousehold {
  readonly household_id: string;
  readonly recipient: string;
  readonly signed_at_ms: number;
  readonly signature: string;
  readonly identity_envelope: string;
}

/** Make the creation request: statement signed by `me`, identity enveloped to `me`. */
export async function createHouseholdBody(
  me: Identity,
  myId: string,
  household: string,
  key: HouseholdKey,
  signedAtMs: number,
): Promise<CreateHousehold> {
  const statement = createStatement(household, key.recipient, myId, signedAtMs);
  return {
    household_id: household,
    recipient: key.recipient,
    signed_at_ms: signedAtMs,
    signature: await signB64url(me, utf8(statement)),
    identity_envelope: await wrapHouseholdKey(key, me.publicKeys.age_recipient),
  };
}

/** The body of `POST /v1/households/{h}/members` (`AddMember`, always version 2). */
export interface AddMember {
  readonly principal_id: string;
  readonly member_fingerprint: string;
  readonly signed_at_ms: number;
  readonly signature: string;
  readonly identity_envelope: string;
}

/**
 * Make a member addition for a member whose keys the device checked
 * (`memberRecipient` and `memberFingerprint` computed from those keys).
 */
export async function addMemberBody(
  me: Identity,
  myId: string,
  household: string,
  key: HouseholdKey,
  member: string,
  memberRecipient: string,
  memberFingerprint: string,
  signedAtMs: number,
): Promise<AddMember> {
  const statement = memberStatement(household, member, memberFingerprint, myId, signedAtMs);
  return {
    principal_id: member,
    member_fingerprint: memberFingerprint,
    signed_at_ms: signedAtMs,
    signature: await signB64url(me, utf8(statement)),
    identity_envelope: await wrapHouseholdKey(key, memberRecipient),
  };
}
