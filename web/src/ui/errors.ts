// Errors from the API or the key worker, in the person's words.

import { ApiError } from "../api/http";
import { copy } from "../copy";
import { KeyError } from "../keys/worker_client";
import { offlineSince } from "../offline/status";

export function say(e: unknown): string {
  const c = copy.value;
  const kind = e instanceof ApiError || e instanceof KeyError ? e.kind : "";
  if (kind === "not-kept") return c.offline.notKept;
  if (kind === "network") return offlineSince.value !== null || globalThis.navigator?.onLine === false ? c.offline.needsConnection : c.errors.network;
  if (kind === "untrusted") return c.plan.untrusted;
  if (kind === "fingerprint-mismatch") return c.members.mismatch;
  if (kind === "keys-changed") return c.errors.keysChanged;
  return c.errors.unknown;
}

/** Whose keys changed, when `e` is a refusal for that reason (the page then offers to compare and accept them). */
export function keysChangedOf(e: unknown): string | null {
  return e instanceof KeyError && e.kind === "keys-changed" && e.principal ? e.principal : null;
}
