// Whether what the screens show came from this device rather than the
// server (the key worker says so with each answer it served offline), and
// since when: the page shows a notice while it does.

import { signal } from "@preact/signals";

/** The oldest fetch time of what is shown from the device; null when online. */
export const offlineSince = signal<string | null>(null);

/** Ops that never read from the server, and so say nothing about being offline. */
const LOCAL = new Set(["sign", "setSession", "unlock", "create", "ageIdentity"]);

/** Called with each answer of the key worker. */
export function noteAnswer(op: string, offline: string | undefined) {
  if (LOCAL.has(op)) return;
  if (offline) offlineSince.value = offline;
  else if (globalThis.navigator?.onLine !== false) offlineSince.value = null;
}
