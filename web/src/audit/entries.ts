// The access log as the auditor's screens search it (`GET /v1/log/query`):
// the decoded entries the server gives, the filter, and the results kept
// while the auditor moves between the list and one entry.

import { signal } from "@preact/signals";
import { get } from "../keys/op";

/** One entry as `/v1/log/query` gives it (`LogEntry`: the leaf's fields and its time). */
export interface LogEntry {
  seq: number;
  time: string;
  time_ms: number;
  event: string;
  action: string;
  outcome: string;
  flags: { authorised: boolean; involved: boolean; consent: boolean; emergency: boolean };
  actor: string | null;
  actor_role: string | null;
  actor_org: string | null;
  on_behalf_of: string | null;
  household: string | null;
  fields: string[];
  basis: string | null;
  purpose: string | null;
  request_id: string;
  instance: string;
  reason: string | null;
}

export interface LogFilter {
  household?: string;
  actor?: string;
  event?: string;
  since?: string;
  until?: string;
}

/** At most this many entries are shown (and saved); narrower searches find the rest. */
export const MAX_RESULTS = 2000;
/** At most this many requests per search (the server scans a bounded stretch per request). */
const MAX_REQUESTS = 200;

export interface Results {
  filter: LogFilter;
  entries: LogEntry[];
  /** Whether the log holds more matches than were fetched. */
  more: boolean;
}

/** The last search, kept while the auditor opens entries from it. */
export const lastResults = signal<Results | null>(null);

function query(filter: LogFilter, after: number | null): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(filter)) if (v) q.set(k, v);
  if (after !== null) q.set("after", String(after));
  q.set("limit", "1000");
  return `/v1/log/query?${q}`;
}

/** Every match of `filter`, oldest first, up to `MAX_RESULTS`. */
export async function search(filter: LogFilter): Promise<Results> {
  const entries: LogEntry[] = [];
  let after: number | null = null;
  for (let i = 0; i < MAX_REQUESTS; i++) {
    const page: { entries: LogEntry[]; next?: number | null } = await get(query(filter, after));
    entries.push(...page.entries);
    if (entries.length >= MAX_RESULTS) {
      return { filter, entries: entries.slice(0, MAX_RESULTS), more: true };
    }
    if (page.next === undefined || page.next === null || page.next === after) {
      return { filter, entries, more: false };
    }
    after = page.next;
  }
  return { filter, entries, more: true };
}
