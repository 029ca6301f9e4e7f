// Keys: make a keystore, open one, sign, and hold the session token.
// scrypt takes seconds: here it does not freeze the page.

import { fingerprintOf, forgetSecrets, generateSecrets, sign, unlock } from "../crypto/identity";
import { writeKeystore } from "../crypto/keystore";
import { openPasskey, PasskeyBlobError, sealPasskey, derivePasskey } from "../crypto/passkey";
import { openRecovery, RecoveryCode, RecoveryCodeError, sealRecovery } from "../crypto/recovery";
import type { IdentitySecrets } from "../crypto/identity";
import type { Handlers } from "./handlers";
import { openOwnKeystore, openWithPassphrase, signInWith } from "./own_keystore";
import { Refused, state, unlocked } from "./state";

function parseCode(text: string): RecoveryCode {
  try {
    return RecoveryCode.parse(text);
  } catch (e) {
    if (e instanceof RecoveryCodeError) throw new Refused("recovery-code", e.message);
    throw e;
  }
}

/** The keystore's secrets between `passkeyPrepare` (passphrase checked) and `passkeySeal`
 *  (the passkey made), so a wrong passphrase is caught before a passkey is made for nothing.
 *  Forgotten after sealing, on cancel, and with the worker when the page locks. */
let pending: IdentitySecrets | null = null;

function forgetPending() {
  if (pending) forgetSecrets(pending);
  pending = null;
}

export const keyOps: Handlers<
  "create" | "unlock" | "sign" | "setSession" | "recoveryLookup" | "recover" | "passkeyPrepare" | "passkeySeal" | "passkeyCancel" | "passkeyLookup" | "passkeyUnlock"
> = {
  async create({ name, passphrase }) {
    const secrets = await generateSecrets(name.trim());
    try {
      const keystore = await writeKeystore(secrets, passphrase);
      // The recovery code is made with the keys, so nobody has keys without one.
      const code = RecoveryCode.generate();
      const sealed = await sealRecovery(secrets, code);
      state.identity = await unlock(secrets);
      const keys = state.identity.publicKeys;
      return {
        keystore,
        keys,
        fingerprint: await fingerprintOf(keys),
        recovery: { code: code.toString(), last_groups: code.lastGroups(), ...sealed },
      };
    } finally {
      forgetSecrets(secrets);
    }
  },
  async recoveryLookup({ code }) {
    return { lookup_id: (await parseCode(code).derive()).lookupId };
  },
  async recover({ code, blob, passphrase }) {
    let secrets;
    try {
      secrets = await openRecovery(parseCode(code), blob);
    } catch (e) {
      if (e instanceof Refused) throw e;
      throw new Refused("recovery-blob", "the recovery data does not open with this code");
    }
    try {
      const keystore = await writeKeystore(secrets, passphrase);
      state.identity = await unlock(secrets);
      const keys = state.identity.publicKeys;
      return { keystore, name: state.identity.name, keys, fingerprint: await fingerprintOf(keys) };
    } finally {
      forgetSecrets(secrets);
    }
  },
  async unlock({ keystore, passphrase }) {
    const secrets = await openWithPassphrase(keystore, passphrase);
    return signInWith(secrets);
  },
  async passkeyPrepare({ keystore, passphrase }) {
    forgetPending();
    // Only the keys that are signed in now: not another keystore's.
    pending = await openOwnKeystore(keystore, passphrase);
    return {};
  },
  async passkeySeal({ prf }) {
    if (!pending) throw new Refused("locked", "no keys are waiting for a passkey");
    try {
      return await sealPasskey(pending, prf);
    } finally {
      forgetPending();
    }
  },
  async passkeyCancel() {
    forgetPending();
    return {};
  },
  async passkeyLookup({ prf }) {
    return { lookup_id: (await derivePasskey(prf)).lookupId };
  },
  async passkeyUnlock({ prf, blob }) {
    let secrets;
    try {
      secrets = await openPasskey(prf, blob);
    } catch (e) {
      if (e instanceof PasskeyBlobError) throw new Refused("passkey-blob", e.message);
      throw e;
    }
    return signInWith(secrets);
  },
  async sign({ message }) {
    return { signature: await sign(unlocked(), message) };
  },
  async setSession({ token, principal_id, origin }) {
    unlocked();
    state.session = { token, principalId: principal_id, origin };
    return {};
  },
};
