/**
 * The login message, as `vault/src/wire/auth.rs` defines it and
 * `vault/src/api/login.rs` checks it: the device signs
 *
 * ```text
 * kluis-login/v2
 * origin: <the server's origin>
 * purpose: login
 * challenge: <challenge_id>
 * nonce: <nonce>
 * ```
 *
 * (each line ending in `\n`). The origin binds the signature to the server
 * the person meant: a site relaying a real server's challenge gets a
 * signature for its own origin, which the real server refuses. In the
 * browser the origin is `location.origin`, which is the same RFC 6454
 * serialization the CLI computes (`origin_of`).
 */
import { utf8 } from "./bytes.js";
import { signB64url, type Identity } from "./identity.js";

/** The exact bytes signed to answer a challenge (`challenge_message`). */
export function challengeMessage(origin: string, challengeId: string, nonce: string): Uint8Array {
  return utf8(`kluis-login/v2\norigin: ${origin}\npurpose: login\nchallenge: ${challengeId}\nnonce: ${nonce}\n`);
}

/** The origin of a server URL as logins name it (`origin_of`); `null` for non-HTTP URLs. */
export function originOf(url: string): string | null {
  try {
    const u = new URL(url);
    return u.protocol === "http:" || u.protocol === "https:" ? u.origin : null;
  } catch {
    return null;
  }
}

/** The body of `POST /v1/auth/token` (`TokenRequest`). */
export interface TokenRequest {
  readonly challenge_id: string;
  readonly origin: string;
  readonly signature: string;
}

/** Answer a challenge (`ChallengeResponse`'s id and nonce) for `origin`. */
export async function answerChallenge(
  identity: Identity,
  origin: string,
  challenge: { readonly challenge_id: string; readonly nonce: string },
): Promise<TokenRequest> {
  return {
    challenge_id: challenge.challenge_id,
    origin,
    signature: await signB64url(identity, challengeMessage(origin, challenge.challenge_id, challenge.nonce)),
  };
}
