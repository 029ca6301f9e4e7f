// A rotation that did not finish: the tab was closed, or the answer was
// lost, after the new keystore was staged beside the current one
// (`screens/rotate.tsx`, `keystore_db.ts`). Found at unlock. Which keys
// work is asked of the server, not guessed: the new keys log in exactly
// when the rotation took effect (the server registers them in the
// rotation's own transaction, and retires the old ones in it). Then the
// staged keystore becomes the current one; if the old keys still log in,
// the rotation never happened and the staged keystore is forgotten; when
// the server cannot be reached, both stay until the next unlock.

import { signal } from "@preact/signals";
import { ApiError } from "../api/http";
import { signIn, signInOrOffline } from "../api/auth";
import { route } from "../router";
import { dropStagedKeystore, promoteStagedKeystore } from "./keystore_db";
import { forgetAllPasskeys } from "./passkey";
import { ask, KeyError } from "./worker_client";

export type RotationOutcome = "finished" | "undone" | "unsure";

/** What the last unlock found, shown on the screen it opened on (`ui/layout.tsx`). */
export const rotationOutcome = signal<{ kind: RotationOutcome; at: string } | null>(null);

function note(kind: RotationOutcome) {
  rotationOutcome.value = { kind, at: route.value };
}

/** Unlock with `passphrase` (both keystores have it) and settle the rotation. */
export async function unlockUnfinished(current: string, staged: string, passphrase: string) {
  let next;
  try {
    next = await ask("unlock", { keystore: staged, passphrase });
  } catch (e) {
    // Not this passphrase's (a keystore file brought over since): the
    // current one as usual; the staged one is kept, never thrown away unopened.
    if (!(e instanceof KeyError && e.kind === "wrong-passphrase")) throw e;
    const opened = await ask("unlock", { keystore: current, passphrase });
    return signInOrOffline(opened.keys, opened.fingerprint);
  }
  try {
    const signed = await signIn(next.keys, next.fingerprint);
    await promoteStagedKeystore();
    forgetAllPasskeys();
    note("finished");
    return signed;
  } catch (e) {
    if (!(e instanceof ApiError && (e.kind === "unknown-key" || e.kind === "network"))) throw e;
  }
  const old = await ask("unlock", { keystore: current, passphrase });
  const signed = await signInOrOffline(old.keys, old.fingerprint);
  if (signed.offline) {
    note("unsure");
  } else {
    // The old keys still log in: the rotation did not take effect.
    await dropStagedKeystore();
    note("undone");
  }
  return signed;
}
