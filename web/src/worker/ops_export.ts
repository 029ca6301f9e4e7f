// Take your data: the export (the CLI's age file) and, after the
// passphrase is given again, the age identity that opens it.

import { exportHousehold } from "../client/export";
import { KeystoreError, openKeystore } from "../crypto/keystore";
import { forgetSecrets, unlock } from "../crypto/identity";
import type { Handlers } from "./handlers";
import { client, Refused, unlocked } from "./state";

export const exportOps: Handlers<"exportHousehold" | "ageIdentity"> = {
  async exportHousehold({ household }) {
    const { file, summary } = await exportHousehold(client(), household);
    return { file, ...summary };
  },
  async ageIdentity({ keystore, passphrase }) {
    const me = unlocked();
    let secrets;
    try {
      secrets = await openKeystore(keystore, passphrase);
    } catch (e) {
      if (e instanceof KeystoreError && e.kind === "WrongPassphrase") {
        throw new Refused("wrong-passphrase", "the passphrase does not open this keystore");
      }
      throw e;
    }
    try {
      // Only the unlocked person's own key, never another keystore's.
      const opened = await unlock(secrets);
      if (opened.publicKeys.signing_key !== me.publicKeys.signing_key) {
        throw new Refused("untrusted", "this keystore is not the unlocked one");
      }
      return { identity: secrets.ageIdentity };
    } finally {
      forgetSecrets(secrets);
    }
  },
};
