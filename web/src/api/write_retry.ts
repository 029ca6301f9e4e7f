// Safe retries of writes (the browser's side of `vault/src/api/idempotency.rs`,
// as `vault/src/client/http.rs` does it for the CLI). A write whose answer
// was lost (the connection broke after the server committed) or that the
// server could not commit for now (503) is sent again, with the same
// `Idempotency-Key`: the server then answers with the outcome of the
// attempt that took effect instead of doing the write twice.

/** Attempts of one write: the first and up to two retries. */
export const WRITE_ATTEMPTS = 3;
/** Wait before the first retry; each later wait is four times longer (0.25 s, 1 s). */
const FIRST_WAIT_MS = 250;

/** A fresh key for one write (128 random bits), kept for all its attempts. */
export function idempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Whether the outcome of a write is unknown or not yet there, so sending it again is worth it. */
export function transient(e: { kind: string; status: number }): boolean {
  return e.kind === "network" || e.kind === "timeout" || e.kind === "unavailable" || e.status === 503;
}

/**
 * Run `attempt` until it succeeds, fails for good, or `WRITE_ATTEMPTS` ran
 * out. `attempt` must send the same request with the same key each time.
 */
export async function retryWrite<T>(
  attempt: () => Promise<T>,
  isTransient: (e: unknown) => boolean,
): Promise<T> {
  let wait = FIRST_WAIT_MS;
  for (let n = 1; n < WRITE_ATTEMPTS; n++) {
    try {
      return await attempt();
    } catch (e) {
      if (!isTransient(e)) throw e;
      await new Promise((r) => setTimeout(r, wait));
      wait *= 4;
    }
  }
  return attempt();
}
