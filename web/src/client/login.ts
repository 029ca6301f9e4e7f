/**
 * Logging in again from the key worker, with the keys it holds, when the
 * server says the login ran out (mirrors `Http::login` in
 * `vault/src/client/http.rs`). The worker does this itself, in the middle
 * of a request, so a write being retried keeps its idempotency key: were
 * the page to log in and run the whole action again, the action would get
 * a new key and could be done twice.
 */
import { call } from "../api/http";
import type { Identity } from "../crypto/identity";
import { answerChallenge } from "../crypto/login";
import { untrusted } from "./error";

/** A new bearer token for `identity` at `origin`; refused unless the server names `me`. */
export async function logInAgain(identity: Identity, origin: string, me: string): Promise<string> {
  const challenge = await call<{ challenge_id: string; nonce: string }>("POST", `${origin}/v1/auth/challenge`, {
    body: { signing_key: identity.publicKeys.signing_key },
  });
  const token = await call<{ token: string; principal_id: string }>(
    "POST",
    `${origin}/v1/auth/token`,
    { body: await answerChallenge(identity, origin, challenge) },
  );
  if (token.principal_id !== me) throw untrusted("the server logged these keys in as someone else");
  return token.token;
}
