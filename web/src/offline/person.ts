// Who the unlocked keys belong to, remembered on this device at each login
// (public facts: id, name, role, organisation, public keys), so that the
// app can open without a network and show what this device kept.

import type { PrincipalInfo } from "../api/auth";
import { IdbDeviceStore } from "../client/device_store_idb";

const store = () => new IdbDeviceStore("this-device");
const key = (signingKey: string) => `person-of:${signingKey}`;

export async function rememberPerson(me: PrincipalInfo): Promise<void> {
  await store().update<PrincipalInfo>(key(me.keys.signing_key), () => me);
}

/** The person these keys were last signed in as on this device, if their keys match exactly. */
export async function rememberedPerson(keys: { signing_key: string; age_recipient: string }): Promise<PrincipalInfo | null> {
  const me = await store().get<PrincipalInfo>(key(keys.signing_key));
  if (!me || me.keys.signing_key !== keys.signing_key || me.keys.age_recipient !== keys.age_recipient) return null;
  return me;
}
