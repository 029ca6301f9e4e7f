/**
 * Sealing field content, as `vault/src/keys/seal.rs`: AES-256-GCM (WebCrypto)
 * under a fresh 256-bit key per field version and key generation.
 *
 * The associated data binds the household, the field path, the version and
 * the key generation:
 * `"kluis-field/v1\0" || household id (16 bytes) || u16 BE path length || path
 * || i64 BE version || i64 BE key generation`, so a ciphertext moved to
 * another field, household or version fails to open. Before sealing, content
 * is padded to a bucket (powers of two from 256 bytes) so stored sizes say
 * little. Layout: `nonce (12) || AES-GCM(u32 BE length || content || zeros)
 * || tag (16)`.
 */
import { concat, own, utf8 } from "./bytes.js";
import { idBytes, parseFieldPath, parseHouseholdId } from "./ids.js";

export const SMALLEST_BUCKET = 256;
const NONCE_LEN = 12;
const TAG_LEN = 16;
const OVERHEAD = NONCE_LEN + TAG_LEN;
const AAD_TAG = utf8("kluis-field/v1\0");

/** Where a sealed value belongs; all of it is authenticated. */
export interface Binding {
  readonly household: string;
  readonly path: string;
  readonly version: number;
  readonly keyGen: number;
}

export type SealErrorKind = "WrongPlaceOrKey" | "Malformed";

/** Why a sealed value did not open (the CLI's `SealError`). */
export class SealError extends Error {
  override readonly name = "SealError";
  constructor(readonly kind: SealErrorKind) {
    super(
      kind === "Malformed"
        ? "the sealed value is malformed"
        : "this value does not open here: it was sealed for another field, household, version or key",
    );
  }
}

/** The padded size for `len` content bytes: powers of two from 256 bytes. */
export function bucket(len: number): number {
  let size = SMALLEST_BUCKET;
  while (size < len + 4) size *= 2;
  return size;
}

/** The bucket a sealed value was padded to, from its stored length. */
export function bucketOfSealed(sealedLen: number): number {
  return Math.max(0, sealedLen - OVERHEAD);
}

/** A fresh random field key (32 bytes). */
export function newFieldKey(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(32));
}

function i64(n: number, what: string): Uint8Array {
  if (!Number.isSafeInteger(n)) throw new RangeError(`${what} must be a whole number`);
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigInt64(0, BigInt(n));
  return out;
}

/** The associated data for `binding` (checks the ids and path first). */
export function fieldAad(binding: Binding): Uint8Array<ArrayBuffer> {
  const household = idBytes(parseHouseholdId(binding.household));
  const path = utf8(parseFieldPath(binding.path));
  const length = new Uint8Array(2);
  new DataView(length.buffer).setUint16(0, path.length);
  return concat(AAD_TAG, household, length, path, i64(binding.version, "version"), i64(binding.keyGen, "key generation"));
}

async function aesKey(key: Uint8Array, use: "encrypt" | "decrypt"): Promise<CryptoKey> {
  if (key.length !== 32) throw new RangeError("a field key is 32 bytes");
  return crypto.subtle.importKey("raw", own(key), { name: "AES-GCM" }, false, [use]);
}

/** Seal `content` for `binding` under `key` (`seal::seal`). */
export async function sealField(key: Uint8Array, binding: Binding, content: Uint8Array): Promise<Uint8Array> {
  if (content.length > 0xffffffff) throw new RangeError("content too large");
  const aad = fieldAad(binding);
  const nonce = crypto.getRandomValues(new Uint8Array(NONCE_LEN));
  const padded = new Uint8Array(bucket(content.length));
  new DataView(padded.buffer).setUint32(0, content.length);
  padded.set(content, 4);
  try {
    const body = await crypto.subtle.encrypt(
      { name: "AES-GCM", iv: nonce, additionalData: aad, tagLength: 128 },
      await aesKey(key, "encrypt"),
      padded,
    );
    return concat(nonce, new Uint8Array(body));
  } finally {
    padded.fill(0);
  }
}

/** Open a sealed value for `binding` with `key` (`seal::open`). */
export async function openField(key: Uint8Array, binding: Binding, sealed: Uint8Array): Promise<Uint8Array> {
  if (sealed.length < OVERHEAD + 4) throw new SealError("Malformed");
  const aad = fieldAad(binding);
  const aes = await aesKey(key, "decrypt");
  let plain: Uint8Array;
  try {
    plain = new Uint8Array(
      await crypto.subtle.decrypt(
        { name: "AES-GCM", iv: own(sealed.subarray(0, NONCE_LEN)), additionalData: aad, tagLength: 128 },
        aes,
        own(sealed.subarray(NONCE_LEN)),
      ),
    );
  } catch {
    throw new SealError("WrongPlaceOrKey");
  }
  const len = new DataView(plain.buffer, plain.byteOffset).getUint32(0);
  if (len > plain.length - 4) {
    plain.fill(0);
    throw new SealError("Malformed");
  }
  const content = plain.slice(4, 4 + len);
  plain.fill(0);
  return content;
}
