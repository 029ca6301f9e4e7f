/**
 * Passkey keystores: the keystore's secrets wrapped with a key derived from
 * a passkey's WebAuthn PRF output (`vault/src/api/passkeys.rs` keeps them).
 *
 * - the PRF output: 32 bytes the authenticator computes from its secret for
 *   this credential and the app's salt (`PRF_SALT`); only someone who can
 *   use the passkey gets it;
 * - from it, HKDF-SHA256 (salt "kluis passkey v1") gives the lookup id
 *   (label "kluis passkey lookup id", 64 hex digits, what the server files
 *   the blob under) and the wrapping key (label "kluis passkey wrapping
 *   key", never leaves this device);
 * - the blob: base64url(0x01 ‖ nonce ‖ AES-256-GCM(keystore JSON)), with
 *   "kluis passkey blob v1\n<lookup id>" as associated data: the recovery
 *   blob's format under another label, so neither opens as the other.
 *
 * No slow key derivation: the PRF output has full entropy (as a recovery
 * code has), so a copy of the server's blob cannot be opened by guessing.
 */
import { b64url, concat, decodeB64url, hex, own, utf8 } from "./bytes.js";
import type { IdentitySecrets } from "./identity.js";
import { contents, secretsJson } from "./keystore.js";

const SALT = "kluis passkey v1";
const LOOKUP_LABEL = "kluis passkey lookup id";
const WRAP_LABEL = "kluis passkey wrapping key";
const AAD_LABEL = "kluis passkey blob v1";
const VERSION = 1;
const NONCE = 12;
const TAG = 16;
/** As the server: a longer blob is hostile. */
export const MAX_BLOB_CHARS = 4096;

/** The PRF input the app asks every passkey for: SHA-256("kluis-passkey/v1"). */
export async function prfSalt(): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", own(utf8("kluis-passkey/v1"))));
}

/** Why a passkey blob did not open. */
export class PasskeyBlobError extends Error {
  override readonly name = "PasskeyBlobError";
  constructor() {
    super("the keys stored for this passkey are damaged or belong to another passkey");
  }
}

/** The lookup id (hex) and the wrapping key (non-extractable AES-GCM) from a PRF output. */
export async function derivePasskey(prf: Uint8Array): Promise<{ lookupId: string; wrappingKey: CryptoKey }> {
  if (prf.length !== 32) throw new PasskeyBlobError();
  const ikm = await crypto.subtle.importKey("raw", own(prf), "HKDF", false, ["deriveBits", "deriveKey"]);
  const params = (label: string): HkdfParams => ({
    name: "HKDF",
    hash: "SHA-256",
    salt: own(utf8(SALT)),
    info: own(utf8(label)),
  });
  const lookup = new Uint8Array(await crypto.subtle.deriveBits(params(LOOKUP_LABEL), ikm, 256));
  const wrappingKey = await crypto.subtle.deriveKey(params(WRAP_LABEL), ikm, { name: "AES-GCM", length: 256 }, false, [
    "encrypt",
    "decrypt",
  ]);
  return { lookupId: hex(lookup), wrappingKey };
}

/** Wrap `secrets` with the key `prf` derives: what the server keeps. */
export async function sealPasskey(secrets: IdentitySecrets, prf: Uint8Array): Promise<{ lookup_id: string; blob: string }> {
  const { lookupId, wrappingKey } = await derivePasskey(prf);
  const nonce = crypto.getRandomValues(new Uint8Array(NONCE));
  const json = secretsJson(secrets);
  const plain = own(json);
  json.fill(0);
  try {
    const sealed = new Uint8Array(
      await crypto.subtle.encrypt(
        { name: "AES-GCM", iv: nonce, additionalData: own(utf8(`${AAD_LABEL}\n${lookupId}`)) },
        wrappingKey,
        plain,
      ),
    );
    return { lookup_id: lookupId, blob: b64url(concat(new Uint8Array([VERSION]), nonce, sealed)) };
  } finally {
    plain.fill(0);
  }
}

/** Open a blob with the PRF output it was made with. */
export async function openPasskey(prf: Uint8Array, blob: string): Promise<IdentitySecrets> {
  if (blob.length > MAX_BLOB_CHARS) throw new PasskeyBlobError();
  const raw = decodeB64url(blob);
  if (raw === null || raw.length < 1 + NONCE + TAG || raw[0] !== VERSION) throw new PasskeyBlobError();
  const { lookupId, wrappingKey } = await derivePasskey(prf);
  let plain: Uint8Array;
  try {
    plain = new Uint8Array(
      await crypto.subtle.decrypt(
        { name: "AES-GCM", iv: raw.slice(1, 1 + NONCE), additionalData: own(utf8(`${AAD_LABEL}\n${lookupId}`)) },
        wrappingKey,
        raw.slice(1 + NONCE),
      ),
    );
  } catch {
    throw new PasskeyBlobError();
  }
  try {
    return contents(plain);
  } catch {
    throw new PasskeyBlobError();
  } finally {
    plain.fill(0);
  }
}
