// The signed-in person's own keystore, opened again with the passphrase:
// the worker holds the keys only as non-extractable keys, so making a
// passkey copy or new keys needs the secrets from the keystore. It must be
// the keystore of the keys signed in, not some other file's.

import { fingerprintOf, forgetSecrets, unlock } from "../crypto/identity";
import { KeystoreError, openKeystore } from "../crypto/keystore";
import type { IdentitySecrets, PublicKeys } from "../crypto/identity";
import { Refused, state, unlocked } from "./state";

/** Open a keystore with its passphrase; a wrong one or a non-keystore is a plain refusal. */
export async function openWithPassphrase(keystore: string, passphrase: string): Promise<IdentitySecrets> {
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

/** Whether two unlocked identities hold the same keys. */
export function sameKeys(a: { publicKeys: PublicKeys }, b: { publicKeys: PublicKeys }): boolean {
  return a.publicKeys.signing_key === b.publicKeys.signing_key && a.publicKeys.age_recipient === b.publicKeys.age_recipient;
}

/** Open `keystore` and check it holds the keys signed in now; the caller forgets the secrets. */
export async function openOwnKeystore(keystore: string, passphrase: string): Promise<IdentitySecrets> {
  const me = unlocked();
  const secrets = await openWithPassphrase(keystore, passphrase);
  const opened = await unlock(secrets);
  if (!sameKeys(opened, me)) {
    forgetSecrets(secrets);
    throw new Refused("not-a-keystore", "this keystore holds other keys than the ones signed in");
  }
  return secrets;
}

/** Keep `secrets` unlocked in the worker (wiping the copy) and say whose keys they are. */
export async function signInWith(secrets: IdentitySecrets) {
  try {
    state.identity = await unlock(secrets);
    const keys = state.identity.publicKeys;
    return { name: state.identity.name, keys, fingerprint: await fingerprintOf(keys) };
  } finally {
    forgetSecrets(secrets);
  }
}
