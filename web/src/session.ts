// The signed-in session: the token (in memory only, never stored), who is
// signed in, and the lock after 15 minutes without use, which ends the key
// worker and forgets the token.

import { signal } from "@preact/signals";
import type { PrincipalInfo, Token } from "./api/auth";
import { lockKeys } from "./keys/worker_client";

export interface Session {
  token: Token;
  me: PrincipalInfo;
}

export const session = signal<Session | null>(null);
/** Why the app was locked, to say so on the unlock screen. */
export const lockReason = signal<"idle" | "ended" | null>(null);

export const IDLE_LIMIT_MS = 15 * 60 * 1000;
let timer: ReturnType<typeof setTimeout> | undefined;

function arm() {
  clearTimeout(timer);
  if (session.value) timer = setTimeout(() => lock("idle"), IDLE_LIMIT_MS);
}

export function begin(s: Session) {
  session.value = s;
  lockReason.value = null;
  arm();
}

export function lock(reason: "idle" | "ended" | null = null) {
  clearTimeout(timer);
  lockKeys();
  session.value = null;
  lockReason.value = reason;
}

for (const event of ["pointerdown", "keydown", "touchstart", "scroll"]) {
  globalThis.addEventListener?.(event, () => session.value && arm(), { passive: true });
}
