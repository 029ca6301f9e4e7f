/**
 * Envelopes, as `vault/src/keys/envelope.rs`: a small secret (a field key,
 * a household identity) wrapped with age to exactly one X25519 recipient.
 *
 * Envelopes arrive from the network, so `checkEnvelope` refuses, before any
 * key is tried, what the CLI refuses: more than 1024 bytes, no age header,
 * more than three stanzas, or not exactly one X25519 stanza (age adds a
 * "grease" stanza now and then, which is why up to three are allowed). An
 * opened secret is at most 128 bytes; a field key exactly 32.
 */
import { Decrypter, Encrypter, type Identity as AgeIdentity } from "age-encryption";

import { stanzaLines } from "./age-header.js";
import { recipientBytes } from "./age-keys.js";

export const MAX_ENVELOPE_BYTES = 1024;
const MAX_SECRET_BYTES = 128;
const MAX_STANZAS = 3;
const NO_MATCH = "no identity matched any of the file's recipients";
/** `age-encryption`'s errors while reading the header with a key: Rust's
 * `decrypt` fails there, which the CLI reports as "not for me". */
const HEADER_FAILURES = [NO_MATCH, "invalid header HMAC", "invalid X25519 stanza"];

export type EnvelopeErrorKind = "TooLarge" | "Malformed" | "NotForMe" | "BadRecipient";

const MESSAGES: Record<EnvelopeErrorKind, string> = {
  TooLarge: `an envelope is at most ${MAX_ENVELOPE_BYTES} bytes`,
  Malformed: "an envelope must be an age file with exactly one X25519 recipient",
  NotForMe: "this envelope is not addressed to your key",
  BadRecipient: "the recipient is not a valid age X25519 recipient",
};

/** Why an envelope was refused (the CLI's `EnvelopeError`). */
export class EnvelopeError extends Error {
  override readonly name = "EnvelopeError";
  constructor(readonly kind: EnvelopeErrorKind) {
    super(MESSAGES[kind]);
  }
}

/** Tries no key: lets a decrypter parse the header and stop. */
const nobody: AgeIdentity = { unwrapFileKey: () => null };

/** Check an envelope's shape without opening it (`envelope::check`). */
export async function checkEnvelope(envelope: Uint8Array): Promise<void> {
  if (envelope.length > MAX_ENVELOPE_BYTES) throw new EnvelopeError("TooLarge");
  const stanzas = stanzaLines(envelope);
  if (stanzas === null) throw new EnvelopeError("Malformed");
  const x25519 = stanzas.filter((l) => l.startsWith("-> X25519 ")).length;
  if (stanzas.length > MAX_STANZAS || x25519 !== 1) throw new EnvelopeError("Malformed");
  // The whole header must parse, as `Decryptor::new_buffered` insists.
  const d = new Decrypter();
  d.addIdentity(nobody);
  try {
    await d.decryptHeader(envelope);
  } catch (e) {
    if (e instanceof Error && e.message === NO_MATCH) return;
    throw new EnvelopeError("Malformed");
  }
  throw new EnvelopeError("Malformed");
}

/** Wrap `secret` to `recipient` (`age1…`), as `envelope::seal`. */
export async function sealEnvelope(recipient: string, secret: Uint8Array): Promise<Uint8Array> {
  // `age-encryption` would also take post-quantum and tag recipients; the
  // CLI takes only X25519, so check that first.
  if (recipientBytes(recipient) === null) throw new EnvelopeError("BadRecipient");
  const e = new Encrypter();
  try {
    e.addRecipient(recipient.toLowerCase());
  } catch {
    throw new EnvelopeError("BadRecipient");
  }
  return e.encrypt(secret);
}

/**
 * Open an envelope with an age identity: a person's non-extractable
 * `CryptoKey` (`Identity.ageKey`) or a household's key (`HouseholdKey.key`).
 */
export async function openEnvelope(identity: CryptoKey, envelope: Uint8Array): Promise<Uint8Array> {
  await checkEnvelope(envelope);
  const d = new Decrypter();
  d.addIdentity(identity);
  let secret: Uint8Array;
  try {
    secret = await d.decrypt(envelope);
  } catch (e) {
    // Rust maps a failure to unwrap the header to NotForMe, of reading the payload to Malformed.
    const header = e instanceof Error && HEADER_FAILURES.includes(e.message);
    throw new EnvelopeError(header ? "NotForMe" : "Malformed");
  }
  if (secret.length > MAX_SECRET_BYTES) {
    secret.fill(0);
    throw new EnvelopeError("Malformed");
  }
  return secret;
}

/** Open an envelope that must hold a 256-bit key (`envelope::open_key`). */
export async function openEnvelopeKey(identity: CryptoKey, envelope: Uint8Array): Promise<Uint8Array> {
  const key = await openEnvelope(identity, envelope);
  if (key.length !== 32) {
    key.fill(0);
    throw new EnvelopeError("Malformed");
  }
  return key;
}
