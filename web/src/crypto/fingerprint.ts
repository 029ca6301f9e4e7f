/**
 * Key fingerprints, exactly as `policy/src/fingerprint.rs` computes them:
 * SHA-256 over `"kluis key fingerprint v1\0"`, the 32-byte Ed25519 signing
 * key, the age recipient's length as a big-endian u64 and the recipient
 * text, cut to 128 bits and shown as eight groups of four lowercase hex
 * digits: `3f9c 0a12 77de 41b0 9e0c 5a6f 0d21 c4e8`.
 *
 * People compare it out of band before trusting a key, and grants and
 * member statements name it, so one bit of difference here would make every
 * browser-signed grant name the wrong keys.
 */
import { concat, hex, utf8 } from "./bytes.js";

const TAG = utf8("kluis key fingerprint v1\0");
export const FINGERPRINT_GROUPS = 8;

/** The fingerprint of a signing key (32 bytes) and an age recipient (`age1…`). */
export async function keyFingerprint(signingPublicKey: Uint8Array, ageRecipient: string): Promise<string> {
  if (signingPublicKey.length !== 32) throw new Error("an Ed25519 public key is 32 bytes");
  const recipient = utf8(ageRecipient);
  const length = new Uint8Array(8);
  new DataView(length.buffer).setBigUint64(0, BigInt(recipient.length));
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", concat(TAG, signingPublicKey, length, recipient)),
  );
  const digits = hex(digest.subarray(0, FINGERPRINT_GROUPS * 2));
  return digits.match(/.{4}/g)!.join(" ");
}

/** Whether `text` has the shape of a fingerprint (not whether it is anyone's). */
export function isWellFormedFingerprint(text: string): boolean {
  return /^[0-9a-f]{4}( [0-9a-f]{4}){7}$/.test(text);
}

/**
 * A fingerprint as a person typed it (capitals, other spacing) in its
 * printed form, as the CLI compares them; `null` if it has not 32 hex digits.
 */
export function normaliseFingerprint(text: string): string | null {
  const digits = [...text].filter((c) => /[0-9a-fA-F]/.test(c)).join("").toLowerCase();
  return digits.length === 32 ? digits.match(/.{4}/g)!.join(" ") : null;
}
