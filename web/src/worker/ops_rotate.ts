// Key rotation ("Nieuwe sleutels maken") in two steps, in the order of
// `kluis keys rotate`, so that no failure leaves a person without working
// keys and without a way back:
//
// 1. `rotatePrepare` makes the new keys, their keystore (under the same
//    passphrase) and a new recovery code, and keeps the keys here. Nothing
//    is sent. The page stores the new keystore beside the current one
//    (`stageKeystore`) and has the code typed back.
// 2. `rotateSend` sends the rotation (`client/rotation.ts`). Only after it
//    took effect does the page make the staged keystore the current one.
//
// A send whose answer does not come (a cut connection, a server that
// restarts) is settled by asking the server whether it knows the new keys:
// it registers them only in the rotation's own transaction, so it knows
// them exactly when the rotation took effect. A retried request cannot tell
// us that: the rotation ends every session, so the retry's token is gone.
// A server that lies here can only make the device use keys it then refuses
// (availability, which it holds anyway), never read or change a plan.

import { ApiError, call } from "../api/http";
import { rotateKeys } from "../client/rotation";
import { fingerprintOf, forgetSecrets, generateSecrets, unlock, type Identity } from "../crypto/identity";
import { writeKeystore } from "../crypto/keystore";
import { RecoveryCode, sealRecovery } from "../crypto/recovery";
import type { Handlers } from "./handlers";
import { openOwnKeystore } from "./own_keystore";
import { client, Refused, signedIn, state, unlocked } from "./state";

/** The new keys between `rotatePrepare` and `rotateSend`, with their recovery blob. Gone with the worker. */
let prepared: { next: Identity; recovery: { lookup_id: string; blob: string } } | null = null;

/** Whether the server knows `keys` now: true, false, or null when it cannot be asked. */
async function registered(origin: string, keys: Identity["publicKeys"]): Promise<boolean | null> {
  try {
    await call("POST", `${origin}/v1/auth/challenge`, { body: { signing_key: keys.signing_key } });
    return true;
  } catch (e) {
    if (e instanceof ApiError && e.kind === "unknown-key") return false;
    return null;
  }
}

/** A failure the server answered for certain (not a lost answer or an outage). */
function definite(e: unknown): boolean {
  if (!(e instanceof ApiError)) return true; // a check on this device: nothing was sent
  return e.status >= 400 && e.status < 500 && e.status !== 408 && e.status !== 429;
}

export const rotateOps: Handlers<"rotatePrepare" | "rotateSend" | "rotateCancel"> = {
  async rotatePrepare({ keystore, passphrase }) {
    const me = unlocked();
    signedIn();
    prepared = null;
    // The passphrase must open the keystore of the keys signed in.
    forgetSecrets(await openOwnKeystore(keystore, passphrase));
    const secrets = await generateSecrets(me.name);
    try {
      const next = await unlock(secrets);
      const code = RecoveryCode.generate();
      const recovery = await sealRecovery(secrets, code);
      const newKeystore = await writeKeystore(secrets, passphrase);
      prepared = { next, recovery };
      return {
        keystore: newKeystore,
        fingerprint: await fingerprintOf(next.publicKeys),
        recovery: { code: code.toString(), last_groups: code.lastGroups() },
      };
    } finally {
      forgetSecrets(secrets);
    }
  },
  async rotateSend() {
    if (!prepared) throw new Refused("locked", "no new keys are waiting to be sent");
    const { next, recovery } = prepared;
    const c = client();
    try {
      await rotateKeys(c, next, recovery);
    } catch (e) {
      const known = await registered(c.api.origin, next.publicKeys);
      if (known !== true) {
        const message = e instanceof Error ? e.message : String(e);
        if (known === false && definite(e)) {
          prepared = null;
          throw new Refused("rotation-refused", message);
        }
        throw new Refused("rotation-unsure", message);
      }
      // It took effect; only its answer was lost.
    }
    prepared = null;
    // The server ended every session and retired the old keys.
    state.identity = next;
    state.session = null;
    return { keys: next.publicKeys, fingerprint: await fingerprintOf(next.publicKeys) };
  },
  async rotateCancel() {
    prepared = null;
    return {};
  },
};
