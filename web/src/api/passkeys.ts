// Passkey keystores on the server (`vault/src/api/passkeys.rs`): added and
// listed signed in; fetched by lookup id without login, which is how a
// passkey unlocks (and signs in a new device). Only the key worker makes
// and opens the blobs.

import { call } from "./http";

export interface PasskeyInfo {
  id: string;
  credential_id: string;
  label: string;
  created_at: string;
  last_used_at: string | null;
}

/** The blob filed under a lookup id (no login). */
export function fetchPasskey(lookup_id: string): Promise<{ principal_id: string; id: string; blob: string }> {
  return call("POST", "/v1/passkeys/fetch", { body: { lookup_id } });
}
