// A professional's ops: the caseload, and observations (private or shared,
// and publishing a private one into the plan).

import { caseload } from "../client/caseload";
import { observe, publish } from "../client/observations";
import { parseHouseholdId } from "../crypto/ids";
import type { Handlers } from "./handlers";
import { client } from "./state";

export const professionalOps: Handlers<"caseload" | "observe" | "publish"> = {
  async caseload({ households }) {
    return { cases: await caseload(client(), households.map(parseHouseholdId)) };
  },
  async observe({ household, text, private: isPrivate }) {
    return observe(client(), parseHouseholdId(household), text, isPrivate);
  },
  async publish({ household, path }) {
    return publish(client(), parseHouseholdId(household), path);
  },
};
