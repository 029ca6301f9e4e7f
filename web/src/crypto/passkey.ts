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
import { own, utf8 } from "./bytes.js";
import type { IdentitySecrets } from "./identity.js";
import { deriveWrapping, MAX_BLOB_CHARS, unwrapSecrets, wrapSecrets, type WrapScheme } from "./wrapped_secrets.js";

const SCHEME: WrapScheme = {
  salt: "kluis passkey v1",
  lookupLabel: "kluis passkey lookup id",
  wrapLabel: "kluis passkey wrapping key",
  aadLabel: "kluis passkey blob v1",
};
export { MAX_BLOB_CHARS };

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
  return deriveWrapping(prf, SCHEME);
}

/** Wrap `secrets` with the key `prf` derives: what the server keeps. */
export async function sealPasskey(secrets: IdentitySecrets, prf: Uint8Array): Promise<{ lookup_id: string; blob: string }> {
  return wrapSecrets(secrets, await derivePasskey(prf), SCHEME);
}

/** Open a blob with the PRF output it was made with. */
export async function openPasskey(prf: Uint8Array, blob: string): Promise<IdentitySecrets> {
  return unwrapSecrets(blob, await derivePasskey(prf), SCHEME, () => new PasskeyBlobError());
}
