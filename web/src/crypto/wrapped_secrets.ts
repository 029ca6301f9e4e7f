/**
 * The keystore's secrets wrapped under a full-entropy secret the server
 * never sees: one format for recovery codes (`recovery.ts`) and passkeys
 * (`passkey.ts`), each under its own labels so neither opens as the other.
 *
 * - HKDF-SHA256 over the secret (with the scheme's salt) gives the lookup
 *   id (64 hex digits, what the server files the blob under) and the
 *   wrapping key (non-extractable AES-256-GCM, never leaves the device);
 * - the blob: base64url(0x01 ‖ nonce ‖ AES-256-GCM(keystore JSON)), with
 *   "<aad label>\n<lookup id>" as associated data.
 *
 * As `vault/src/keys/recovery_blob.rs` makes and reads it. Only WebCrypto.
 */
import { b64url, concat, decodeB64url, hex, own, utf8 } from "./bytes.js";
import type { IdentitySecrets } from "./identity.js";
import { contents, secretsJson } from "./keystore.js";

/** The labels that keep one kind of wrapped secrets apart from another. */
export interface WrapScheme {
  readonly salt: string;
  readonly lookupLabel: string;
  readonly wrapLabel: string;
  readonly aadLabel: string;
}

export interface Wrapping {
  readonly lookupId: string;
  readonly wrappingKey: CryptoKey;
}

const VERSION = 1;
const NONCE = 12;
const TAG = 16;
/** As the server: a longer blob is hostile. */
export const MAX_BLOB_CHARS = 4096;

/** The lookup id and the wrapping key from `secret` (wiped by the caller). */
export async function deriveWrapping(secret: Uint8Array, scheme: WrapScheme): Promise<Wrapping> {
  const raw = own(secret);
  const ikm = await crypto.subtle.importKey("raw", raw, "HKDF", false, ["deriveBits", "deriveKey"]);
  raw.fill(0);
  const params = (label: string): HkdfParams => ({
    name: "HKDF",
    hash: "SHA-256",
    salt: own(utf8(scheme.salt)),
    info: own(utf8(label)),
  });
  const lookup = new Uint8Array(await crypto.subtle.deriveBits(params(scheme.lookupLabel), ikm, 256));
  const wrappingKey = await crypto.subtle.deriveKey(params(scheme.wrapLabel), ikm, { name: "AES-GCM", length: 256 }, false, [
    "encrypt",
    "decrypt",
  ]);
  return { lookupId: hex(lookup), wrappingKey };
}

/** Wrap `secrets`: what the server keeps. */
export async function wrapSecrets(
  secrets: IdentitySecrets,
  { lookupId, wrappingKey }: Wrapping,
  scheme: WrapScheme,
): Promise<{ lookup_id: string; blob: string }> {
  const nonce = crypto.getRandomValues(new Uint8Array(NONCE));
  const json = secretsJson(secrets);
  const plain = own(json);
  json.fill(0);
  try {
    const sealed = new Uint8Array(
      await crypto.subtle.encrypt(
        { name: "AES-GCM", iv: nonce, additionalData: own(utf8(`${scheme.aadLabel}\n${lookupId}`)) },
        wrappingKey,
        plain,
      ),
    );
    return { lookup_id: lookupId, blob: b64url(concat(new Uint8Array([VERSION]), nonce, sealed)) };
  } finally {
    plain.fill(0);
  }
}

/**
 * Open a blob, or throw `damaged()`: one error whatever went wrong (shape,
 * key, contents), so a caller learns nothing more from a hostile blob.
 */
export async function unwrapSecrets(
  blob: string,
  { lookupId, wrappingKey }: Wrapping,
  scheme: WrapScheme,
  damaged: () => Error,
): Promise<IdentitySecrets> {
  if (blob.length > MAX_BLOB_CHARS) throw damaged();
  const raw = decodeB64url(blob);
  if (raw === null || raw.length < 1 + NONCE + TAG || raw[0] !== VERSION) throw damaged();
  let plain: Uint8Array;
  try {
    plain = new Uint8Array(
      await crypto.subtle.decrypt(
        { name: "AES-GCM", iv: raw.slice(1, 1 + NONCE), additionalData: own(utf8(`${scheme.aadLabel}\n${lookupId}`)) },
        wrappingKey,
        raw.slice(1 + NONCE),
      ),
    );
  } catch {
    throw damaged();
  }
  try {
    return contents(plain);
  } catch {
    throw damaged();
  } finally {
    plain.fill(0);
  }
}
