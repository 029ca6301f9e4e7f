/**
 * The keystore file, as `vault/src/keys/keystore.rs` writes and opens it:
 * an ASCII-armored age file encrypted to the person's passphrase (age's
 * scrypt recipient, so `age -d` opens it too), holding exactly
 *
 * ```json
 * {"kluis_keystore":1,"name":"Anna","signing_seed":"<base64url>","age_identity":"AGE-SECRET-KEY-1…"}
 * ```
 *
 * A file written here opens with `kluis --keystore`, and a CLI keystore opens
 * here. Both sides use scrypt work factor 18: `age-encryption` refuses more
 * than 20 while the CLI accepts up to 22, so a keystore made with
 * `kluis keys new --work-factor 21` or 22 is refused here with
 * `WorkFactorTooHigh`. Run this in a Web Worker: work factor 18 takes
 * seconds.
 */
import { Decrypter, Encrypter, armor } from "age-encryption";

import { b64url, decodeB64url, fromUtf8, isWellFormed, startsWith, utf8 } from "./bytes.js";
import { AGE_MAGIC, stanzaLines } from "./age-header.js";
import { isAgeIdentity } from "./age-keys.js";
import type { IdentitySecrets } from "./identity.js";
import { fields, integer, parseJson, str, U32_MAX } from "./strict-json.js";

/** The work factor (log2 of scrypt's N) of every new keystore, on both sides. */
export const KEYSTORE_WORK_FACTOR = 18;
/** The lowest the CLI accepts (tests and scripted demos). */
export const MIN_WORK_FACTOR = 10;
/** The highest `age-encryption` opens (the CLI opens up to 22). */
export const MAX_WORK_FACTOR = 20;
/** The CLI reads at most this much of a keystore file. */
const MAX_FILE_BYTES = 64 * 1024;
/** … and at most this much of its decrypted contents. */
const MAX_CONTENTS_BYTES = 16 * 1024;

export type KeystoreErrorKind =
  | "WrongPassphrase"
  | "NotAKeystore"
  | "EmptyPassphrase"
  | "BadWorkFactor"
  | "WorkFactorTooHigh";

/** Why a keystore could not be written or opened. */
export class KeystoreError extends Error {
  override readonly name = "KeystoreError";
  constructor(
    readonly kind: KeystoreErrorKind,
    message: string,
  ) {
    super(message);
  }
}

const notAKeystore = () => new KeystoreError("NotAKeystore", "this file is not a kluis keystore");

/**
 * Write a keystore for `secrets`, armored, as the CLI writes one. The work
 * factor is for tests; people's keystores use the default.
 */
export async function writeKeystore(
  secrets: IdentitySecrets,
  passphrase: string,
  workFactor: number = KEYSTORE_WORK_FACTOR,
): Promise<string> {
  if (passphrase.length === 0) {
    throw new KeystoreError("EmptyPassphrase", "the passphrase may not be empty");
  }
  if (!Number.isInteger(workFactor) || workFactor < MIN_WORK_FACTOR || workFactor > MAX_WORK_FACTOR) {
    throw new KeystoreError(
      "BadWorkFactor",
      `the scrypt work factor must be between ${MIN_WORK_FACTOR} and ${MAX_WORK_FACTOR}`,
    );
  }
  if (secrets.signingSeed.length !== 32 || !isWellFormed(secrets.name) || !isWellFormed(passphrase)) {
    throw new Error("these keys cannot be written to a keystore");
  }
  const e = new Encrypter();
  e.setScryptWorkFactor(workFactor);
  e.setPassphrase(passphrase);
  const plain = secretsJson(secrets);
  try {
    return armor.encode(await e.encrypt(plain));
  } finally {
    plain.fill(0);
  }
}

/**
 * The keystore's inner JSON document (secret: zero it after use). The
 * recovery blob (`recovery.ts`) wraps the same document. Field order and
 * spelling are serde's for the Rust `Contents` struct.
 */
export function secretsJson(secrets: IdentitySecrets): Uint8Array {
  return utf8(
    JSON.stringify({
      kluis_keystore: 1,
      name: secrets.name,
      signing_seed: b64url(secrets.signingSeed),
      age_identity: secrets.ageIdentity,
    }),
  );
}

/** The scrypt work factor a keystore file names (for messages), or `null`. */
function workFactorOf(file: Uint8Array): number | null {
  const lines = stanzaLines(file);
  if (lines === null || lines.length !== 1) return null;
  const m = /^-> scrypt [A-Za-z0-9+/]+ ([0-9]+)$/.exec(lines[0]!);
  return m ? Number(m[1]) : null;
}

/** The raw age file from what was given: armored text, or an age file's bytes. */
function ageFile(file: string | Uint8Array): Uint8Array {
  const bytes = typeof file === "string" ? utf8(file) : file;
  if (bytes.length > MAX_FILE_BYTES) throw notAKeystore();
  if (startsWith(bytes, AGE_MAGIC)) return bytes;
  const text = typeof file === "string" ? file : fromUtf8(bytes);
  if (text === null) throw notAKeystore();
  try {
    return armor.decode(text);
  } catch {
    throw notAKeystore();
  }
}

/** Open a keystore (armored text, or the file's bytes) with its passphrase. */
export async function openKeystore(file: string | Uint8Array, passphrase: string): Promise<IdentitySecrets> {
  const raw = ageFile(file);
  // The CLI's `is_scrypt`: exactly one stanza, and it is scrypt.
  const lines = stanzaLines(raw);
  if (lines === null || lines.length !== 1 || !lines[0]!.startsWith("-> scrypt ")) throw notAKeystore();
  const work = workFactorOf(raw);
  if (work !== null && work > MAX_WORK_FACTOR && work <= 22) {
    throw new KeystoreError(
      "WorkFactorTooHigh",
      `this keystore uses scrypt work factor ${work}; the browser opens at most ${MAX_WORK_FACTOR}: make a copy with the CLI at the default work factor`,
    );
  }
  const d = new Decrypter();
  d.addPassphrase(passphrase);
  let plain: Uint8Array;
  try {
    plain = await d.decrypt(raw);
  } catch (e) {
    if (e instanceof Error && e.message === "no identity matched any of the file's recipients") {
      throw new KeystoreError("WrongPassphrase", "the passphrase does not open this keystore");
    }
    throw notAKeystore();
  }
  try {
    return contents(plain);
  } finally {
    plain.fill(0);
  }
}

/** Read the decrypted JSON, refusing anything the CLI's `Contents` refuses. */
export function contents(plain: Uint8Array): IdentitySecrets {
  if (plain.length > MAX_CONTENTS_BYTES) throw notAKeystore();
  const text = fromUtf8(plain);
  if (text === null) throw notAKeystore();
  let name: string, seedText: string, ageIdentity: string, version: number;
  try {
    const f = fields(parseJson(text), ["kluis_keystore", "name", "signing_seed", "age_identity"]);
    version = integer(f.kluis_keystore, "kluis_keystore", 0n, U32_MAX);
    name = str(f.name, "name");
    seedText = str(f.signing_seed, "signing_seed");
    ageIdentity = str(f.age_identity, "age_identity");
  } catch {
    throw notAKeystore();
  }
  if (version !== 1) throw notAKeystore();
  const signingSeed = decodeB64url(seedText);
  if (signingSeed === null || signingSeed.length !== 32) throw notAKeystore();
  // Rust parses the identity here; so do we (the key itself is made by `unlock`).
  if (!isAgeIdentity(ageIdentity)) throw notAKeystore();
  return { name, signingSeed, ageIdentity };
}
