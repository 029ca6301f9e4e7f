/**
 * age X25519 key text: `age1…` recipients and `AGE-SECRET-KEY-1…`
 * identities, read as the Rust `age` crate reads them (Bech32, either all
 * lower or all upper case, the right prefix, 32 bytes), and an identity
 * turned into a non-extractable WebCrypto X25519 key.
 *
 * `age-encryption` accepts such a `CryptoKey` as an identity, so a person's
 * unlocked age key need not stay in the worker as readable bytes. A
 * household identity is the exception: a member re-envelopes its text to
 * each new member, so its text is kept too (`HouseholdKey`).
 */
import { bech32 } from "@scure/base";
import { generateX25519Identity, identityToRecipient } from "age-encryption";

import { concat } from "./bytes.js";

const SECRET_PREFIX = "age-secret-key-";
const PUBLIC_PREFIX = "age";
/** PKCS #8 wrapping of a raw X25519 private key (RFC 8410). */
const X25519_PKCS8 = new Uint8Array([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20,
]);

/** Why an age key's text was refused. */
export class AgeKeyError extends Error {
  override readonly name = "AgeKeyError";
}

function decode(text: string, prefix: string): Uint8Array | null {
  try {
    const { prefix: hrp, bytes } = bech32.decodeToBytes(text, false);
    return hrp === prefix && bytes.length === 32 ? bytes : null;
  } catch {
    return null;
  }
}

/** The 32 bytes of an `age1…` recipient; `null` if Rust's age would refuse it. */
export function recipientBytes(recipient: string): Uint8Array | null {
  return decode(recipient, PUBLIC_PREFIX);
}

/** Whether `recipient` is an age X25519 recipient. */
export function isAgeRecipient(recipient: string): boolean {
  return recipientBytes(recipient) !== null;
}

/** Whether `secret` is `AGE-SECRET-KEY-1…` text Rust's age would read. */
export function isAgeIdentity(secret: string): boolean {
  return decode(secret, SECRET_PREFIX) !== null;
}

/** An unlocked age identity: a non-extractable key and its recipient. */
export interface AgeKey {
  /** X25519 private key, `deriveBits` only, not extractable. */
  readonly key: CryptoKey;
  /** `age1…` */
  readonly recipient: string;
}

/** A household identity: its key, and its text for enveloping it to new members. */
export interface HouseholdKey extends AgeKey {
  /** `AGE-SECRET-KEY-1…`: secret, never leaves the worker but in an envelope. */
  readonly secret: string;
}

/** Import `AGE-SECRET-KEY-1…` text as a non-extractable WebCrypto key. */
export async function importAgeIdentity(secret: string): Promise<AgeKey> {
  const scalar = decode(secret, SECRET_PREFIX);
  if (scalar === null) throw new AgeKeyError("the age identity is not valid");
  const pkcs8 = concat(X25519_PKCS8, scalar);
  scalar.fill(0);
  try {
    const key = await crypto.subtle.importKey("pkcs8", pkcs8, { name: "X25519" }, false, ["deriveBits"]);
    return { key, recipient: await identityToRecipient(key) };
  } finally {
    pkcs8.fill(0);
  }
}

/** Open a household identity's text, keeping the text (canonical upper case). */
export async function importHouseholdIdentity(secret: string): Promise<HouseholdKey> {
  const key = await importAgeIdentity(secret);
  return { ...key, secret: secret.toUpperCase() };
}

/** A fresh age X25519 identity as text (for a keystore or a new household). */
export async function generateAgeIdentity(): Promise<string> {
  return generateX25519Identity();
}
