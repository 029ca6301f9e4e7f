// What the signed-in person may do in a household's plan, to show only
// what applies: members read and write everything; a professional reads
// and writes what their grants in force cover (the household's signed
// receipts, checked in the key worker). The server decides all the same;
// this only spares people buttons that would be refused.

import { op } from "../keys/op";
import { scopeCovers } from "../crypto/scope";
import type { FieldPath } from "../crypto/ids";
import { session } from "../session";

export interface Access {
  /** null: everything (a member). */
  read: string[] | null;
  write: string[] | null;
}

export const EVERYTHING: Access = { read: null, write: null };

/** The person's access to household `h`. */
export async function accessTo(h: string): Promise<Access> {
  const me = session.value?.me;
  if (!me || me.role !== "professional") return EVERYTHING;
  const { grants } = await op("grants", { household: h });
  const mine = grants.filter((g) => g.grantee === me.principal_id && g.status === "active");
  const scope = (action: string) => mine.filter((g) => g.actions.includes(action)).flatMap((g) => g.scope.split(","));
  return { read: scope("read"), write: scope("write") };
}

/** May the person read something in section `id` (a whole section or one of its fields)? */
export function readsSection(a: Access, id: string): boolean {
  return a.read === null || a.read.some((s) => s === `${id}/*` || s.startsWith(`${id}/`));
}

/** May the person add fields to section `id` (their grant covers the whole section)? */
export function writesSection(a: Access, id: string): boolean {
  return a.write === null || a.write.includes(`${id}/*`);
}

/** May the person change the field at `path`? */
export function writesField(a: Access, path: string): boolean {
  return a.write === null || scopeCovers(a.write, path as FieldPath);
}
