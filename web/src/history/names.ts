// The names a history sentence uses: the household's members and the
// professionals it gave access to (from its grants), and the plan's section
// names (from the template). Missing names fall back to ids.

import { call } from "../api/http";
import type { Names } from "./sentence";
import { copy } from "../copy";

interface GrantInfo {
  grantee: string;
  grantee_name: string | null;
}

interface Template {
  sections: Array<{ id: string; name: string; name_en: string }>;
}

export async function loadNames(token: string, household: string): Promise<Names> {
  const people = new Map<string, string>();
  const sections = new Map<string, string>();
  const grants = await call<GrantInfo[] | { grants: GrantInfo[] }>(
    "GET",
    `/v1/households/${household}/grants`,
    { token },
  ).catch(() => []);
  for (const g of Array.isArray(grants) ? grants : grants.grants) {
    if (g.grantee_name) people.set(g.grantee, g.grantee_name);
  }
  const template = await call<Template>("GET", "/v1/template", { token }).catch(() => null);
  for (const s of template?.sections ?? []) {
    sections.set(s.id, copy.value.lang === "en" ? s.name_en : s.name);
  }
  return { people, sections };
}
