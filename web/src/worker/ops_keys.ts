// Keys: make a keystore, open one, sign, and hold the session token.
// scrypt takes seconds: here it does not freeze the page.

import { fingerprintOf, forgetSecrets, generateSecrets, sign, unlock } from "../crypto/identity";
import { KeystoreError, openKeystore, writeKeystore } from "../crypto/keystore";
import { openPasskey, PasskeyBlobError, sealPasskey, derivePasskey } from "../crypto/passkey";
import { openRecovery, RecoveryCode, RecoveryCodeError, sealRecovery } from "../crypto/recovery";
import type { IdentitySecrets, PublicKeys } from "../crypto/identity";
import type { Handlers } from "./handlers";
import { rotateKeys } from "../client/rotation";
import { client, Refused, state, unlocked } from "./state";

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

/** Open a keystore with its passphrase; a wrong one or a non-keystore is a plain refusal. */
async function openWithPassphrase(keystore: string, passphrase: string): Promise<IdentitySecrets> {
  try {
    return await openKeystore(keystore, passphrase);
  } catch (e) {
    if (e instanceof KeystoreError && e.kind === "WrongPassphrase") {
      throw new Refused("wrong-passphrase", "the passphrase does not open this keystore");
    }
    if (e instanceof KeystoreError) throw new Refused("not-a-keystore", e.message);
    throw e;
  }
}

/** Whether two unlocked identities hold the same keys (a keystore must be the signed-in one's). */
function sameKeys(a: { publicKeys: PublicKeys }, b: { publicKeys: PublicKeys }): boolean {
  return a.publicKeys.signing_key === b.publicKeys.signing_key && a.publicKeys.age_recipient === b.publicKeys.age_recipient;
}

/** Keep `secrets` unlocked in the worker (wiping the copy) and say whose keys they are. */
async function signInWith(secrets: IdentitySecrets) {
  try {
    state.identity = await unlock(secrets);
    const keys = state.identity.publicKeys;
    return { name: state.identity.name, keys, fingerprint: await fingerprintOf(keys) };
  } finally {
    forgetSecrets(secrets);
  }
}

function forgetPending() {
  if (pending) forgetSecrets(pending);
  pending = null;
}

export const keyOps: Handlers<
  "create" | "unlock" | "sign" | "setSession" | "recoveryLookup" | "recover" | "passkeyPrepare" | "passkeySeal" | "passkeyCancel" | "passkeyLookup" | "passkeyUnlock" | "rotateKeys"
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
    const me = unlocked();
    forgetPending();
    const secrets = await openWithPassphrase(keystore, passphrase);
    // Only the keys that are signed in now: not another keystore's.
    const opened = await unlock(secrets);
    if (!sameKeys(opened, me)) {
      forgetSecrets(secrets);
      throw new Refused("not-a-keystore", "this keystore holds other keys than the ones signed in");
    }
    pending = secrets;
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
  async rotateKeys({ keystore, passphrase }) {
    const me = unlocked();
    const c = client();
    const old = await openWithPassphrase(keystore, passphrase);
    // Only the keys that are signed in now: not another keystore's.
    const opened = await unlock(old);
    forgetSecrets(old);
    if (!sameKeys(opened, me)) {
      throw new Refused("not-a-keystore", "this keystore holds other keys than the ones signed in");
    }
    const secrets = await generateSecrets(me.name);
    try {
      const next = await unlock(secrets);
      const code = RecoveryCode.generate();
      const sealed = await sealRecovery(secrets, code);
      // The new keystore is written before the server retires the old keys:
      // a failure here changes nothing.
      const newKeystore = await writeKeystore(secrets, passphrase);
      await rotateKeys(c, next, sealed);
      state.identity = next;
      state.session = null;
      const keys = next.publicKeys;
      return {
        keystore: newKeystore,
        keys,
        fingerprint: await fingerprintOf(keys),
        recovery: { code: code.toString(), last_groups: code.lastGroups() },
      };
    } finally {
      forgetSecrets(secrets);
    }
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
