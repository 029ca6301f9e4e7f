/**
 * A professional's caseload: the households where they hold a grant that
 * is in force (or about to start), each with what the grants cover, for
 * what, until when, and the label the household chose to share: the plan
 * field `algemeen/naam` when a grant covers it, read and opened on this
 * device like any field (so that read is logged, as every read is).
 * Grants are the household's signed receipts, checked on the device
 * (`consent.ts`); what the server says about them alone is not believed.
 */
import { parseFieldPath, type FieldPath } from "../crypto/ids";
import { scopeCovers } from "../crypto/scope";
import type { Client } from "./client";
import { checkedGrants, type CheckedGrant } from "./consent";
import { getField, listFields } from "./plan";

/** The plan field a household shares as its name in a caseload. */
export const LABEL_FIELD = parseFieldPath("algemeen/naam");

export interface CaseGrant {
  grant_id: string;
  scope: string[];
  actions: string[];
  purpose: string;
  valid_until: string;
  status: "active" | "not-yet-valid";
  coordinate: boolean;
}

export interface Case {
  household: string;
  /** `algemeen/naam` as the household wrote it, when shared and readable. */
  label: string | null;
  grants: CaseGrant[];
}

function mine(c: Client, grants: CheckedGrant[]): CaseGrant[] {
  return grants
    .filter((g) => g.statement.grantee === c.me && (g.status === "active" || g.status === "not-yet-valid"))
    .map((g) => ({
      grant_id: g.statement.id,
      scope: [...g.statement.scope],
      actions: [...g.statement.actions],
      purpose: g.statement.purpose,
      valid_until: new Date(g.statement.expires * 1000).toISOString(),
      status: g.status as "active" | "not-yet-valid",
      coordinate: g.statement.actions.includes("coordinate"),
    }));
}

async function label(c: Client, h: string, grants: CaseGrant[]): Promise<string | null> {
  const active = grants.filter((g) => g.status === "active" && g.actions.includes("read"));
  if (!active.some((g) => scopeCovers(g.scope, LABEL_FIELD as FieldPath))) return null;
  // Only a field that exists is read: a read of a missing field would show
  // in the household's history as a refused attempt.
  if (!(await listFields(c, h)).some((f) => f.path === LABEL_FIELD)) return null;
  const field = await getField(c, h, LABEL_FIELD);
  const text = new TextDecoder("utf-8", { fatal: false }).decode(field.value).trim();
  field.value.fill(0);
  return text.slice(0, 80) || null;
}

/** My caseload among `households` (the ones the server lists for me). */
export async function caseload(c: Client, households: string[]): Promise<Case[]> {
  const out: Case[] = [];
  for (const h of households) {
    const grants = mine(c, await checkedGrants(c, h));
    if (grants.length === 0) continue;
    let name: string | null = null;
    try {
      name = await label(c, h, grants);
    } catch {
      name = null; // the label is a convenience; the neutral id stands in
    }
    out.push({ household: h, label: name, grants });
  }
  return out;
}

