// The auditor's search results as files: CSV (RFC 4180) for a spreadsheet
// and JSON Lines (one entry per line, as the server gave it) for tools.

import type { LogEntry } from "./entries";

export const CSV_COLUMNS = [
  "seq",
  "time",
  "event",
  "action",
  "outcome",
  "actor",
  "actor_role",
  "actor_org",
  "on_behalf_of",
  "household",
  "fields",
  "basis",
  "purpose",
  "reason",
  "request_id",
  "instance",
] as const;

/**
 * One CSV cell. Values come from the log, which people partly typed (a
 * reason, an organisation): a cell a spreadsheet would run as a formula
 * (=, +, -, @, tab, CR) gets a leading apostrophe (OWASP's advice on CSV
 * injection), and quotes, commas and line breaks are quoted.
 */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

function cellOf(e: LogEntry, column: (typeof CSV_COLUMNS)[number]): string {
  if (column === "fields") return e.fields.join(";");
  const v = e[column];
  return v === null || v === undefined ? "" : String(v);
}

/** The entries as CSV with a header row, lines ending in CRLF. */
export function toCsv(entries: LogEntry[]): string {
  const lines = [CSV_COLUMNS.join(",")];
  for (const e of entries) lines.push(CSV_COLUMNS.map((c) => csvCell(cellOf(e, c))).join(","));
  return lines.join("\r\n") + "\r\n";
}

/** The entries as JSON Lines. */
export function toJsonLines(entries: LogEntry[]): string {
  return entries.map((e) => JSON.stringify(e)).join("\n") + (entries.length ? "\n" : "");
}
