// Registration with an invite code, and login: the server sends a
// challenge, the key worker signs it (naming this origin, as the CLI names
// the server it talks to), and the server answers with a bearer token that
// lives in memory only.

import { ask, KeyError } from "../keys/worker_client";
import type { PublicKeys } from "../worker/protocol";
import { rememberPerson, rememberedPerson } from "../offline/person";
import { ApiError, call } from "./http";

export interface PrincipalInfo {
  principal_id: string;
  name: string;
  role: "client" | "professional" | "auditor" | "admin";
  org: string | null;
  keys: PublicKeys;
  fingerprint: string;
}

export function register(invite: string, keys: PublicKeys): Promise<PrincipalInfo> {
  return call("POST", "/v1/register", { body: { invite, keys } });
}

function base64url(bytes: Uint8Array): string {
  let text = "";
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The exact message of `wire::auth::challenge_message`. */
export function challengeMessage(origin: string, challengeId: string, nonce: string): Uint8Array {
  return new TextEncoder().encode(
    `kluis-login/v2\norigin: ${origin}\npurpose: login\nchallenge: ${challengeId}\nnonce: ${nonce}\n`,
  );
}

export interface Token {
  token: string;
  expires_at: string;
  principal_id: string;
}

export async function login(keys: PublicKeys): Promise<Token> {
  const challenge = await call<{ challenge_id: string; nonce: string }>("POST", "/v1/auth/challenge", {
    body: { signing_key: keys.signing_key },
  });
  const origin = location.origin;
  const { signature } = await ask("sign", {
    message: challengeMessage(origin, challenge.challenge_id, challenge.nonce),
  });
  const token = await call<Token>("POST", "/v1/auth/token", {
    body: { challenge_id: challenge.challenge_id, origin, signature: base64url(signature) },
  });
  // The worker's client ops call the API with this token (memory only).
  await ask("setSession", { token: token.token, principal_id: token.principal_id, origin });
  return token;
}

export function whoami(token: string): Promise<PrincipalInfo> {
  return call("GET", "/v1/whoami", { token });
}

/**
 * Log in with the keys the worker holds and learn who this is. The server's
 * answer is believed only if it names exactly these keys (as `kluis whoami`
 * checks), and the key code shown is the one this device computed.
 */
export async function signIn(keys: PublicKeys, fingerprint: string): Promise<{ token: Token; me: PrincipalInfo }> {
  const token = await login(keys);
  const me = await whoami(token.token);
  if (me.keys.signing_key !== keys.signing_key || me.keys.age_recipient !== keys.age_recipient) {
    throw new KeyError("untrusted", "the server has other keys registered for this person than this device holds");
  }
  await rememberPerson(me).catch(() => undefined);
  return { token, me: { ...me, fingerprint } };
}

/**
 * `signIn`, or, when the server cannot be reached, a session without a
 * login for the person these keys were last signed in as on this device:
 * the app then shows what this device kept (`offline/responses.ts`), and
 * the first request that reaches the server again logs in for real.
 */
export async function signInOrOffline(
  keys: PublicKeys,
  fingerprint: string,
): Promise<{ token: Token; me: PrincipalInfo; offline: boolean }> {
  try {
    return { ...(await signIn(keys, fingerprint)), offline: false };
  } catch (e) {
    if (!(e instanceof ApiError && e.kind === "network")) throw e;
    const me = await rememberedPerson(keys);
    if (!me) throw e;
    const token: Token = { token: "", expires_at: "", principal_id: me.principal_id };
    await ask("setSession", { token: "", principal_id: me.principal_id, origin: location.origin });
    return { token, me: { ...me, fingerprint }, offline: true };
  }
}
