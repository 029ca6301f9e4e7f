// Households and the plan: the ops of worker/protocol.ts, on the client of
// `client/` (household.ts, plan.ts, trust.ts, versions.ts). Every value
// returned was checked on this device first; a failed check is "untrusted".

import { nameContact } from "../client/contacts";
import { addMember, createHousehold } from "../client/household";
import { checkListed, fieldHistory, getField, listFields, writeField, type Field } from "../client/plan";
import { verifiedHousehold, type TrustedKeys } from "../client/trust";
import { parseFieldPath, parseHouseholdId } from "../crypto/ids";
import type { Handlers } from "./handlers";
import type { FieldSummary, FieldVersion, Person } from "./protocol";
import { client } from "./state";

export function person(keys: TrustedKeys): Person {
  return { principal_id: keys.id, name: keys.name, role: keys.role, org: keys.org, fingerprint: keys.fingerprint };
}

function version(f: Field): FieldVersion {
  const a = f.authorship;
  return {
    path: f.path,
    version: f.version,
    value: f.value,
    written_at: f.createdAt,
    writer: a.writer,
    writer_name: a.kind === "signed" ? a.writerName : null,
    authorship: a.kind,
  };
}

export const planOps: Handlers<
  "createHousehold" | "household" | "addMember" | "nameContact" | "listFields" | "readField" | "writeField" | "fieldHistory"
> = {
  async createHousehold() {
    return { household: await createHousehold(client()) };
  },
  async household({ household }) {
    const checked = await verifiedHousehold(client(), parseHouseholdId(household));
    const names = new Map(checked.members.map((m) => [m.id, m.name]));
    return {
      household: checked.info.household_id,
      created_at: checked.info.created_at,
      members: checked.info.members.map((m) => ({
        principal_id: m.principal_id,
        name: names.get(m.principal_id) ?? null,
        added_at: m.added_at,
      })),
    };
  },
  async addMember({ household, principal_id, fingerprint }) {
    const { keys } = await addMember(client(), parseHouseholdId(household), principal_id, fingerprint);
    return { member: person(keys) };
  },
  async nameContact({ household, principal_id, fingerprint, wait_ms }) {
    const keys = await nameContact(client(), parseHouseholdId(household), principal_id, fingerprint, wait_ms);
    return { contact: person(keys) };
  },
  async listFields({ household }) {
    const c = client();
    const h = parseHouseholdId(household);
    const fields: FieldSummary[] = [];
    for (const f of await listFields(c, h)) {
      // The writer's name only once their signature checked out here;
      // a version that fails the check is marked, not hidden.
      let checked: FieldSummary["authorship"] = "untrusted";
      let writerName: string | null = null;
      try {
        const a = await checkListed(c, h, f);
        checked = a.kind;
        writerName = a.kind === "signed" ? a.writerName : null;
      } catch {
        // stays "untrusted"
      }
      fields.push({
        path: f.path,
        version: f.version,
        size_bucket: f.size_bucket,
        written_at: f.created_at,
        writer: f.writer,
        writer_name: writerName,
        private: f.private,
        authorship: checked,
      });
    }
    return { fields };
  },
  async readField({ household, path, version: v }) {
    return version(await getField(client(), parseHouseholdId(household), parseFieldPath(path), v));
  },
  async writeField({ household, path, value, base }) {
    const written = await writeField(client(), parseHouseholdId(household), parseFieldPath(path), value, base);
    return { version: written.version };
  },
  async fieldHistory({ household, path }) {
    const versions = await fieldHistory(client(), parseHouseholdId(household), parseFieldPath(path));
    return { versions: versions.map(version) };
  },
};
