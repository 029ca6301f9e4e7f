// Recovery blobs on the server (`vault/src/api/recovery.rs`): stored after
// enrolment, fetched by the lookup id of a recovery code when the
// passphrase is lost. Only the key worker makes and opens them.

import { call } from "./http";

/** Store (or replace) my recovery blob. */
export function storeRecovery(token: string, lookup_id: string, blob: string): Promise<{ updated_at: string }> {
  return call("PUT", "/v1/recovery", { token, body: { lookup_id, blob } });
}

/** The blob filed under a lookup id (no login: the person lost their keys). */
export function fetchRecovery(lookup_id: string): Promise<{ principal_id: string; blob: string }> {
  return call("POST", "/v1/recovery/fetch", { body: { lookup_id } });
}

/** What a person typed back of their code, as the code's own symbols (as
 *  `crypto/recovery.ts` reads codes: no spaces or dashes, upper case, I and
 *  L as 1, O as 0). Kept here so the page need not load the crypto code. */
export function typedBack(text: string): string {
  return [...text]
    .filter((c) => c !== "-" && !/\s/.test(c))
    .map((c) => {
      const u = c.toUpperCase();
      return u === "I" || u === "L" ? "1" : u === "O" ? "0" : u;
    })
    .join("");
}
