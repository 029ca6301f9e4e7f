// The page's side of passkeys: WebAuthn (`navigator.credentials`) is not
// available in a worker, so the page asks the authenticator for the PRF
// output and hands it straight to the key worker, which derives the keys
// from it (`crypto/passkey.ts`). No challenge is checked by the server: the
// PRF output is the gate (README "Passkeys"), so the challenge is random.

import { b64url, decodeB64url, own } from "../crypto/bytes";
import { prfSalt } from "../crypto/passkey";

/** Why a passkey could not be used: "unsupported" (no WebAuthn here), "no-prf" (this passkey or
 *  browser cannot give kluis a secret), "cancelled" (the person stopped, or it timed out). */
export class PasskeyProblem extends Error {
  constructor(readonly kind: "unsupported" | "no-prf" | "cancelled") {
    super(kind);
  }
}

/** Credential ids made on this device, to ask for those first (localStorage: not secret). */
const KEY = "kluis.passkeys";

function known(): string[] {
  try {
    const list = JSON.parse(localStorage.getItem(KEY) ?? "[]");
    return Array.isArray(list) ? list.filter((x) => typeof x === "string") : [];
  } catch {
    return [];
  }
}

function remember(id: string) {
  try {
    localStorage.setItem(KEY, JSON.stringify([...new Set([...known(), id])].slice(-10)));
  } catch {
    // Not remembered: the passkey is then found as a discoverable one.
  }
}

/** Forget a credential id on this device (its passkey was removed). */
export function forgetPasskey(id: string) {
  try {
    localStorage.setItem(KEY, JSON.stringify(known().filter((x) => x !== id)));
  } catch {
    // nothing to forget
  }
}

/** Forget every credential id on this device (a rotation made the server forget every passkey copy). */
export function forgetAllPasskeys() {
  try {
    localStorage.removeItem(KEY);
  } catch {
    // nothing to forget
  }
}

function supported() {
  if (!globalThis.PublicKeyCredential || !navigator.credentials) throw new PasskeyProblem("unsupported");
}

function refused(e: unknown): never {
  if (e instanceof PasskeyProblem) throw e;
  if (e instanceof DOMException && (e.name === "NotAllowedError" || e.name === "AbortError")) {
    throw new PasskeyProblem("cancelled");
  }
  if (e instanceof DOMException && e.name === "NotSupportedError") throw new PasskeyProblem("unsupported");
  throw e;
}

function prfOf(credential: PublicKeyCredential): Uint8Array | null {
  const first = (credential.getClientExtensionResults() as { prf?: { results?: { first?: BufferSource } } }).prf?.results
    ?.first;
  if (!first) return null;
  return first instanceof ArrayBuffer ? new Uint8Array(first) : new Uint8Array(first.buffer, first.byteOffset, first.byteLength);
}

/** Ask for a passkey (those made here first, else any discoverable one) and its PRF output. */
export async function usePasskey(only: string[] = known()): Promise<{ credentialId: string; prf: Uint8Array }> {
  supported();
  const salt = await prfSalt();
  let credential: PublicKeyCredential;
  try {
    credential = (await navigator.credentials.get({
      publicKey: {
        challenge: crypto.getRandomValues(new Uint8Array(32)),
        rpId: location.hostname,
        userVerification: "required",
        allowCredentials: only.flatMap((id) => {
          const raw = decodeB64url(id);
          return raw ? [{ type: "public-key" as const, id: own(raw) }] : [];
        }),
        extensions: { prf: { eval: { first: salt } } } as AuthenticationExtensionsClientInputs,
      },
    })) as PublicKeyCredential;
  } catch (e) {
    refused(e);
  }
  const prf = prfOf(credential);
  if (!prf || prf.length !== 32) throw new PasskeyProblem("no-prf");
  return { credentialId: b64url(new Uint8Array(credential.rawId)), prf };
}

/** Make a new discoverable passkey for this person, with user verification, and get its PRF output. */
export async function createPasskey(user: { id: string; name: string }): Promise<{ credentialId: string; prf: Uint8Array }> {
  supported();
  const salt = await prfSalt();
  let credential: PublicKeyCredential;
  try {
    credential = (await navigator.credentials.create({
      publicKey: {
        rp: { name: "kluis", id: location.hostname },
        user: { id: new TextEncoder().encode(user.id), name: user.name, displayName: user.name },
        challenge: crypto.getRandomValues(new Uint8Array(32)),
        pubKeyCredParams: [
          { type: "public-key", alg: -7 },
          { type: "public-key", alg: -8 },
          { type: "public-key", alg: -257 },
        ],
        authenticatorSelection: { residentKey: "required", requireResidentKey: true, userVerification: "required" },
        extensions: { prf: { eval: { first: salt } } } as AuthenticationExtensionsClientInputs,
      },
    })) as PublicKeyCredential;
  } catch (e) {
    refused(e);
  }
  const credentialId = b64url(new Uint8Array(credential.rawId));
  const ext = (credential.getClientExtensionResults() as { prf?: { enabled?: boolean } }).prf;
  if (!ext?.enabled) throw new PasskeyProblem("no-prf");
  remember(credentialId);
  // Some authenticators give the PRF output only when the passkey is used.
  const prf = prfOf(credential) ?? (await usePasskey([credentialId])).prf;
  return { credentialId, prf };
}
