// Shared by the crypto unit tests: fresh identities and JWS forgery.
import { b64url, utf8 } from "../../src/crypto/bytes.js";
import { generateSecrets, sign, unlock, type Identity } from "../../src/crypto/identity.js";

export async function person(name = "Anna"): Promise<Identity> {
  return unlock(await generateSecrets(name));
}

export const id = (prefix: string, digit: string): string => `${prefix}-${digit.repeat(32)}`;

/** Sign arbitrary header and payload text with `key`: correctly signed, possibly hostile. */
export async function forge(header: unknown, payload: string, key: Identity): Promise<string> {
  const input = `${b64url(utf8(JSON.stringify(header)))}.${b64url(utf8(payload))}`;
  return `${input}.${b64url(await sign(key, utf8(input)))}`;
}

/** Header and payload of a JWS, decoded. */
export function parts(jws: string): { header: Record<string, any>; payload: string } {
  const [h, p] = jws.split(".");
  return {
    header: JSON.parse(Buffer.from(h!, "base64url").toString()),
    payload: Buffer.from(p!, "base64url").toString(),
  };
}

/** Expect `promise` to reject with an error whose `kind` is `kind`. */
export async function rejectsKind(promise: Promise<unknown>, kind: string): Promise<void> {
  try {
    await promise;
  } catch (e) {
    const got = (e as { kind?: string }).kind;
    if (got !== kind) throw new Error(`expected ${kind}, got ${got}: ${(e as Error).message}`);
    return;
  }
  throw new Error(`expected ${kind}, but it succeeded`);
}
