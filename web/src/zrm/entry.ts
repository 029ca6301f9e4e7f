// A self-sufficiency score (ZRM) as stored in a plan field: the strict JSON
// document {"score":3,"date":"2026-11-30","note":"..."}. The same rules as
// the CLI's vault/src/zrm/entry.rs, so a score one device writes is read
// the same way by every other: exactly these keys in this order, a score
// 1 to 5 as a whole number, a real date YYYY-MM-DD from 1900, a note of at
// most 500 characters without control characters, and the bytes in the
// canonical form (what `encodeEntry` writes).

import { fields, I64_MAX, I64_MIN, integer, parseJson, str } from "../crypto/strict-json";

export const MAX_NOTE_CHARS = 500;
export const SCORES = [1, 2, 3, 4, 5] as const;
export type Score = (typeof SCORES)[number];

export interface ZrmEntry {
  score: Score;
  /** YYYY-MM-DD */
  date: string;
  note: string;
}

/** Which rule a document broke: the app words each kind (copy `zrm.bad`). */
export type ZrmProblem = "score" | "date" | "note" | "document" | "canonical";

export class ZrmError extends Error {
  override readonly name = "ZrmError";
  constructor(
    readonly kind: ZrmProblem,
    message: string,
  ) {
    super(message);
  }
}

export function isScore(n: number): n is Score {
  return Number.isInteger(n) && n >= 1 && n <= 5;
}

/** A real calendar date written YYYY-MM-DD, year 1900 or later. */
export function isZrmDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (y < 1900) return false;
  const t = new Date(Date.UTC(y, mo - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
}

/** At most MAX_NOTE_CHARS characters (code points), no control characters. */
export function isZrmNote(s: string): boolean {
  // eslint-disable-next-line no-control-regex
  return [...s].length <= MAX_NOTE_CHARS && !/[\u0000-\u001f\u007f-\u009f]/.test(s);
}

/** The canonical bytes of an entry (checked first: never writes a bad one). */
export function encodeEntry(e: ZrmEntry): Uint8Array {
  if (!isScore(e.score)) throw new ZrmError("score", `a score is 1 to 5, not ${e.score}`);
  if (!isZrmDate(e.date)) throw new ZrmError("date", `not a date: ${e.date}`);
  if (!isZrmNote(e.note)) throw new ZrmError("note", "the note is too long or has control characters");
  return new TextEncoder().encode(JSON.stringify({ score: e.score, date: e.date, note: e.note }));
}

/** Parse a field's plaintext; throws ZrmError naming the first broken rule. */
export function parseEntry(bytes: Uint8Array): ZrmEntry {
  let text: string;
  let v;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
    v = fields(parseJson(text), ["score", "date", "note"]);
  } catch (e) {
    throw new ZrmError("document", `not a score document: ${(e as Error).message}`);
  }
  let n: number, date: string, note: string;
  try {
    n = integer(v.score, "score", I64_MIN, I64_MAX);
    date = str(v.date, "date");
    note = str(v.note, "note");
  } catch (e) {
    throw new ZrmError("document", `not a score document: ${(e as Error).message}`);
  }
  if (!isScore(n)) throw new ZrmError("score", `a score is 1 to 5, not ${n}`);
  if (!isZrmDate(date)) throw new ZrmError("date", `not a date: ${date.slice(0, 20)}`);
  if (!isZrmNote(note)) throw new ZrmError("note", "the note is too long or has control characters");
  const entry: ZrmEntry = { score: n, date, note };
  const canonical = new TextDecoder().decode(encodeEntry(entry));
  if (canonical !== text) throw new ZrmError("canonical", "not in the canonical form");
  return entry;
}
