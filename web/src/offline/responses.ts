/**
 * What a device keeps to read without a network: the server's own answers
 * to the reads a person made (field lists, field values with their
 * ciphertext and envelope, the household's signed chain, grants, people's
 * public keys), each with the time it was fetched, in the person's device
 * store. Never plaintext and never an unwrapped key: a kept answer is opened
 * with the unlocked keystore and checked exactly as a fresh one, so an
 * answer kept on the device is trusted no more than the server's.
 *
 * Only the newest version of a field is kept (a read of an older version
 * or of the history is not): offline, the device shows what it last saw.
 * A write drops the kept value of that field, so a stale copy is never
 * shown as newer than what this person wrote.
 */
import type { DeviceStore } from "../client/device_store";

export interface Kept {
  body: unknown;
  /** RFC 3339: when the server gave this answer. */
  fetched_at: string;
}

const PREFIX = "offline:";

/** The reads worth keeping: GETs of one's own view of a household and of people's keys. */
const KEEP = [
  /^\/v1\/whoami$/,
  /^\/v1\/households$/,
  /^\/v1\/households\/h-[0-9a-f]{32}$/,
  /^\/v1\/households\/h-[0-9a-f]{32}\/(fields|grants)$/,
  /^\/v1\/households\/h-[0-9a-f]{32}\/fields\/[a-z0-9/-]+$/,
  /^\/v1\/principals\/p-[0-9a-f]{32}$/,
  /^\/v1\/template$/,
];

export function keepable(path: string): boolean {
  return KEEP.some((re) => re.test(path));
}

export async function keep(store: DeviceStore, path: string, body: unknown, now = new Date()): Promise<void> {
  if (!keepable(path)) return;
  await store.update<Kept>(PREFIX + path, () => ({ body, fetched_at: now.toISOString() }));
}

export function recall(store: DeviceStore, path: string): Promise<Kept | undefined> {
  return keepable(path) ? store.get<Kept>(PREFIX + path) : Promise.resolve(undefined);
}

/** Forget the kept value of a field that was just written. */
export async function drop(store: DeviceStore, path: string): Promise<void> {
  // `update` cannot delete; an entry without a body reads as "not kept".
  await store.update<Kept | null>(PREFIX + path, (old) => (old ? null : undefined));
}

/** The answers served from the device while the server was out of reach, for the page's notice. */
const served: string[] = [];

export function noteServed(fetchedAt: string): void {
  served.push(fetchedAt);
}

/** A mark to compare with later (`servedSince`). */
export function servedMark(): number {
  return served.length;
}

/** The oldest fetch time among answers served from the device since `mark`, if any. */
export function servedSince(mark: number): string | null {
  const since = served.slice(mark);
  return since.length ? since.reduce((a, b) => (a < b ? a : b)) : null;
}
