/**
 * A person's two key pairs, as `vault/src/keys/identity.rs` holds them: an
 * Ed25519 signing key (login, grants, membership, versions) and an age
 * X25519 identity (receiving envelopes).
 *
 * `IdentitySecrets` is the secret material exactly as a keystore holds it
 * (the 32-byte Ed25519 seed and the `AGE-SECRET-KEY-1…` text). It exists only
 * to write a keystore or to `unlock`; `forgetSecrets` zeroes the seed (the
 * text, a JS string, cannot be wiped). An unlocked `Identity` holds both keys
 * as non-extractable `CryptoKey`s, so code in the worker can use them but
 * not read them out.
 */
import { b64url, decodeB64url, own } from "./bytes.js";
import { keyFingerprint } from "./fingerprint.js";
import { generateAgeIdentity, importAgeIdentity, recipientBytes } from "./age-keys.js";

/** The public half, with the field names of the wire format (`PublicKeys`). */
export interface PublicKeys {
  /** Ed25519 public key, unpadded base64url (43 characters). */
  readonly signing_key: string;
  /** age X25519 recipient, `age1…`. */
  readonly age_recipient: string;
}

/** The secret material of a keystore. Short-lived: write, or unlock, then forget. */
export interface IdentitySecrets {
  readonly name: string;
  /** The Ed25519 seed (32 bytes). */
  readonly signingSeed: Uint8Array;
  /** `AGE-SECRET-KEY-1…` */
  readonly ageIdentity: string;
}

/** An unlocked identity: keys usable in this worker, not readable. */
export interface Identity {
  readonly name: string;
  readonly publicKeys: PublicKeys;
  /** The raw Ed25519 public key (32 bytes). */
  readonly signingPublicKey: Uint8Array;
  /** Ed25519 private key, `sign` only, not extractable. */
  readonly signingKey: CryptoKey;
  /** X25519 private key for `age-encryption`, `deriveBits` only, not extractable. */
  readonly ageKey: CryptoKey;
}

/** Why keys were refused. */
export class KeyError extends Error {
  override readonly name = "KeyError";
  constructor(
    readonly kind: "BadSigningKey" | "BadAgeIdentity" | "BadRecipient",
    message: string,
  ) {
    super(message);
  }
}

/** PKCS #8 wrapping of a raw Ed25519 seed (RFC 8410). */
const ED25519_PKCS8 = new Uint8Array([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);

/** Fresh keys for `name` (`Identity::generate`). */
export async function generateSecrets(name: string): Promise<IdentitySecrets> {
  return {
    name,
    signingSeed: crypto.getRandomValues(new Uint8Array(32)),
    ageIdentity: await generateAgeIdentity(),
  };
}

/** Zero the seed of secrets no longer needed. */
export function forgetSecrets(secrets: IdentitySecrets): void {
  secrets.signingSeed.fill(0);
}

/**
 * Turn secrets into non-extractable keys. WebCrypto cannot derive an
 * Ed25519 public key from a private one, so the seed is imported once as an
 * extractable key only to read its public half (JWK `x`), then again for good.
 */
export async function unlock(secrets: IdentitySecrets): Promise<Identity> {
  if (secrets.signingSeed.length !== 32) throw new KeyError("BadSigningKey", "the signing key is not a valid Ed25519 key");
  const pkcs8 = new Uint8Array(48);
  pkcs8.set(ED25519_PKCS8);
  pkcs8.set(secrets.signingSeed, 16);
  let signingKey: CryptoKey;
  let x: string | undefined;
  try {
    const temporary = await crypto.subtle.importKey("pkcs8", pkcs8, { name: "Ed25519" }, true, ["sign"]);
    x = (await crypto.subtle.exportKey("jwk", temporary)).x;
    signingKey = await crypto.subtle.importKey("pkcs8", pkcs8, { name: "Ed25519" }, false, ["sign"]);
  } catch {
    throw new KeyError("BadSigningKey", "the signing key is not a valid Ed25519 key");
  } finally {
    pkcs8.fill(0);
  }
  const signingPublicKey = x === undefined ? null : decodeB64url(x);
  if (signingPublicKey === null || signingPublicKey.length !== 32) {
    throw new KeyError("BadSigningKey", "the signing key is not a valid Ed25519 key");
  }
  let age;
  try {
    age = await importAgeIdentity(secrets.ageIdentity);
  } catch {
    throw new KeyError("BadAgeIdentity", "the age identity is not valid");
  }
  return {
    name: secrets.name,
    publicKeys: { signing_key: b64url(signingPublicKey), age_recipient: age.recipient },
    signingPublicKey,
    signingKey,
    ageKey: age.key,
  };
}

/** Sign `message` with Ed25519 (byte for byte what the CLI's ring signs). */
export async function sign(identity: Identity, message: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign({ name: "Ed25519" }, identity.signingKey, own(message)));
}

/** Sign `message` and give the signature as unpadded base64url, as the wire wants it. */
export async function signB64url(identity: Identity, message: Uint8Array): Promise<string> {
  return b64url(await sign(identity, message));
}

/** Check an Ed25519 signature by `publicKey` (32 bytes), as `verify_signature`. */
export async function verifySignature(
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  try {
    const key = await crypto.subtle.importKey("raw", own(publicKey), { name: "Ed25519" }, false, ["verify"]);
    return await crypto.subtle.verify({ name: "Ed25519" }, key, own(signature), own(message));
  } catch {
    return false;
  }
}

/** The 32 bytes of a base64url signing key, as `decode_signing_key`. */
export function decodeSigningKey(text: string): Uint8Array {
  const bytes = text.length > 64 ? null : decodeB64url(text);
  if (bytes === null || bytes.length !== 32) {
    throw new KeyError("BadSigningKey", "the signing key is not a valid Ed25519 key");
  }
  return bytes;
}

/** Check both public keys (`PublicKeys::parse`); returns the signing key's bytes. */
export function parsePublicKeys(keys: PublicKeys): Uint8Array {
  const signing = decodeSigningKey(keys.signing_key);
  if (recipientBytes(keys.age_recipient) === null) {
    throw new KeyError(
      "BadRecipient",
      `'${keys.age_recipient.slice(0, 80)}' is not a valid age X25519 recipient`,
    );
  }
  return signing;
}

/** The fingerprint of public keys, after checking them (`PublicKeys::fingerprint`). */
export async function fingerprintOf(keys: PublicKeys): Promise<string> {
  return keyFingerprint(parsePublicKeys(keys), keys.age_recipient);
}
