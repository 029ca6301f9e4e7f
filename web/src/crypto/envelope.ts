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
import { chacha20poly1305 } from "@noble/ciphers/chacha.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { Decrypter, Encrypter, type Identity as AgeIdentity } from "age-encryption";

import { stanzaLines } from "./age-header.js";
import { BAD_MAC, BAD_X25519, NO_MATCH, openAgeHeader } from "./age-open.js";
import { utf8 } from "./bytes.js";
import { recipientBytes } from "./age-keys.js";

export const MAX_ENVELOPE_BYTES = 1024;
const MAX_SECRET_BYTES = 128;
const MAX_STANZAS = 3;

/** `age-encryption`'s errors while reading the header with a key: Rust's
 * `decrypt` fails there, which the CLI reports as "not for me". */
const HEADER_FAILURES = [NO_MATCH, BAD_MAC, BAD_X25519];

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

/** The size and the stanza lines (no key tried, the header not parsed yet). */
function checkStanzas(envelope: Uint8Array) {
  if (envelope.length > MAX_ENVELOPE_BYTES) throw new EnvelopeError("TooLarge");
  const stanzas = stanzaLines(envelope);
  if (stanzas === null) throw new EnvelopeError("Malformed");
  const x25519 = stanzas.filter((l) => l.startsWith("-> X25519 ")).length;
  if (stanzas.length > MAX_STANZAS || x25519 !== 1) throw new EnvelopeError("Malformed");
}

/** Check an envelope's shape without opening it (`envelope::check`). */
export async function checkEnvelope(envelope: Uint8Array): Promise<void> {
  checkStanzas(envelope);
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

/** The payload's nonce, before its one STREAM chunk. */
const PAYLOAD_NONCE_BYTES = 16;
const PAYLOAD_LABEL = utf8("payload");
/** age's STREAM chunk: 64 KiB of plaintext. An envelope (at most
 *  `MAX_ENVELOPE_BYTES`) always fits in one, the last. */
const STREAM_CHUNK = 64 * 1024;

/**
 * Open an envelope with an age identity: a person's non-extractable
 * `CryptoKey` (`Identity.ageKey`) or a household's key (`HouseholdKey.key`).
 *
 * This is `age-encryption`'s `Decrypter.decrypt` taken apart, because its
 * stream machinery, not the cryptography, was most of the time to open a
 * plan: the header (parse, X25519, MAC) is opened by `age-open.ts`, as
 * age's `decryptHeader` opens it; the payload, which in an envelope is
 * always one last STREAM chunk, with the same HKDF-SHA-256 and
 * ChaCha20-Poly1305 age uses (from the `@noble` packages it is built on),
 * as age's `decryptSTREAM` does for a last chunk. The shape is checked
 * first, as `checkEnvelope` does, except that the header is parsed once: a
 * header that does not parse is "Malformed" either way.
 * `test/crypto/envelope.test.ts` compares the outcome with age's own
 * `Decrypter.decrypt` on every one-bit change, cut and addition of
 * envelopes; `tests/web_crypto_interop.rs` opens Rust's.
 */
export async function openEnvelope(identity: CryptoKey, envelope: Uint8Array): Promise<Uint8Array> {
  checkStanzas(envelope);
  let fileKey: Uint8Array;
  let end: number;
  try {
    ({ fileKey, end } = await openAgeHeader(identity, envelope));
  } catch (e) {
    // Rust maps a failure to unwrap the header to NotForMe, of reading it to Malformed.
    const header = e instanceof Error && HEADER_FAILURES.includes(e.message);
    throw new EnvelopeError(header ? "NotForMe" : "Malformed");
  }
  const payload = envelope.subarray(end);
  if (payload.length < PAYLOAD_NONCE_BYTES || payload.length > STREAM_CHUNK + 16 + PAYLOAD_NONCE_BYTES) {
    fileKey.fill(0);
    throw new EnvelopeError("Malformed");
  }
  const streamKey = hkdf(sha256, fileKey, payload.subarray(0, PAYLOAD_NONCE_BYTES), PAYLOAD_LABEL, 32);
  fileKey.fill(0);
  const lastChunk = new Uint8Array(12);
  lastChunk[11] = 1;
  let secret: Uint8Array;
  try {
    secret = chacha20poly1305(streamKey, lastChunk).decrypt(payload.subarray(PAYLOAD_NONCE_BYTES));
  } catch {
    throw new EnvelopeError("Malformed");
  } finally {
    streamKey.fill(0);
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
