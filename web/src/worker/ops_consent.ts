// Consent: the ops of worker/protocol.ts on `client/consent.ts` and
// `client/trust.ts`. A grant is signed only after the grantee's keys were
// checked on this device and their fingerprint matched the confirmed one.

import { checkedGrants, grant, revoke, type CheckedGrant } from "../client/consent";
import { newKeys, trustedKeys, trustKeys } from "../client/trust";
import type { Purpose } from "../crypto/grant";
import { parseGrantId, parseHouseholdId, parsePrincipalId } from "../crypto/ids";
import type { Handlers } from "./handlers";
import { person } from "./ops_plan";
import type { GrantSummary } from "./protocol";
import { client, Refused } from "./state";

/** A grant as the screens show it: its terms from the signed receipt, names from the server. */
function summary({ info, statement: s, status }: CheckedGrant): GrantSummary {
  return {
    grant_id: s.id,
    grantee: s.grantee,
    grantee_name: info.grantee_name,
    grantee_org: info.grantee_org,
    scope: s.scope.join(","),
    actions: [...s.actions],
    purpose: s.purpose,
    valid_from: new Date(s.notBefore * 1000).toISOString(),
    valid_until: new Date(s.expires * 1000).toISOString(),
    status,
  };
}

export const consentOps: Handlers<"person" | "newKeys" | "trustKeys" | "grant" | "grants" | "revoke"> = {
  async person({ principal_id }) {
    return person(await trustedKeys(client(), parsePrincipalId(principal_id)));
  },
  async newKeys({ principal_id }) {
    const { keys, pinned } = await newKeys(client(), parsePrincipalId(principal_id));
    return { person: person(keys), pinned };
  },
  async trustKeys({ principal_id, fingerprint }) {
    return person(await trustKeys(client(), parsePrincipalId(principal_id), fingerprint));
  },
  async grant({ household, grantee, fingerprint, scope, write, coordinate, purpose, until_ms }) {
    const c = client();
    const h = parseHouseholdId(household);
    const info = await grant(c, h, {
      grantee,
      fingerprint,
      scope,
      write,
      coordinate,
      purpose: purpose as Purpose,
      untilMs: until_ms,
    });
    const made = (await checkedGrants(c, h)).find((g) => g.info.grant_id === info.grant_id);
    if (!made) throw new Refused("untrusted", "the server does not list the grant it just stored");
    return { grant: summary(made) };
  },
  async grants({ household }) {
    return { grants: (await checkedGrants(client(), parseHouseholdId(household))).map(summary) };
  },
  async revoke({ household, grant_id }) {
    const rekeyed = await revoke(client(), parseHouseholdId(household), parseGrantId(grant_id));
    return { rekeyed: new Set(rekeyed.map((f) => f.path)).size };
  },
};
