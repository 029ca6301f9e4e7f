// From the versions of each domain's score field to what the screen shows:
// the current score per domain, and the moments (dates) with the score
// taken on each. The table and both charts are drawn from this one
// structure, so they cannot disagree.

import { parseEntry, ZrmError, type ZrmEntry } from "./entry";

export interface ZrmDomainInfo {
  id: string;
  name: string;
}

/** One version of a domain's field, as the worker returned it. */
export interface ScoreVersion {
  version: number;
  value: Uint8Array;
  written_at: string;
  writer: string;
  writer_name?: string | null;
}

export interface ParsedVersion {
  version: number;
  written_at: string;
  writer: string;
  entry: ZrmEntry | null;
  error: ZrmError | null;
}

export interface DomainScores {
  domain: ZrmDomainInfo;
  /** Newest version first. */
  versions: ParsedVersion[];
  /** The valid score with the latest date (the newer version on a tie). */
  current: ParsedVersion | null;
  /** Date -> score taken that day (the newest version for that date). */
  byDate: Map<string, ZrmEntry>;
}

export interface Series {
  domains: DomainScores[];
  /** Every date with at least one score, oldest first. */
  moments: string[];
}

export function parseVersions(versions: ScoreVersion[]): ParsedVersion[] {
  return [...versions]
    .sort((a, b) => b.version - a.version)
    .map((v) => {
      try {
        return { version: v.version, written_at: v.written_at, writer: v.writer_name ?? v.writer, entry: parseEntry(v.value), error: null };
      } catch (e) {
        const error = e instanceof ZrmError ? e : new ZrmError("document", String(e));
        return { version: v.version, written_at: v.written_at, writer: v.writer_name ?? v.writer, entry: null, error };
      }
    });
}

export function series(input: Array<{ domain: ZrmDomainInfo; versions: ScoreVersion[] }>): Series {
  const dates = new Set<string>();
  const domains = input.map(({ domain, versions }) => {
    const parsed = parseVersions(versions);
    const byDate = new Map<string, ZrmEntry>();
    let current: ParsedVersion | null = null;
    // Oldest version first, so a newer version for the same date wins.
    for (const v of [...parsed].reverse()) {
      if (!v.entry) continue;
      byDate.set(v.entry.date, v.entry);
      dates.add(v.entry.date);
      if (!current || v.entry.date >= current.entry!.date) current = v;
    }
    return { domain, versions: parsed, current, byDate };
  });
  return { domains, moments: [...dates].sort() };
}
