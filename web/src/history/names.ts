// The names a history sentence uses: the household's members and the
// professionals it gave access to (from its grants), and the plan's section
// names (from the template). Missing names fall back to ids.

import { get } from "../keys/op";
import type { Names } from "./sentence";
import { copy } from "../copy";

interface GrantInfo {
  grantee: string;
  grantee_name: string | null;
}

interface Contacts {
  contacts: Array<{ contact_id: string; name: string }>;
  requests: Array<{ contact_id: string; contact_name: string }>;
}

interface Template {
  sections: Array<{ id: string; name: string; name_en: string }>;
}

export async function loadNames(household: string): Promise<Names> {
  const people = new Map<string, string>();
  const sections = new Map<string, string>();
  const grants = await get<GrantInfo[] | { grants: GrantInfo[] }>(`/v1/households/${household}/grants`).catch(
    () => [],
  );
  for (const g of Array.isArray(grants) ? grants : grants.grants) {
    if (g.grantee_name) people.set(g.grantee, g.grantee_name);
  }
  // Trusted contacts and whoever asked as one (members only; refused otherwise).
  const contacts = await get<Contacts>(`/v1/households/${household}/contacts`).catch(() => null);
  for (const k of contacts?.contacts ?? []) people.set(k.contact_id, k.name);
  for (const r of contacts?.requests ?? []) if (r.contact_name) people.set(r.contact_id, r.contact_name);
  const template = await get<Template>("/v1/template").catch(() => null);
  for (const s of template?.sections ?? []) {
    sections.set(s.id, copy.value.lang === "en" ? s.name_en : s.name);
  }
  return { people, sections };
}
