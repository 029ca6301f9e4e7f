/**
 * What can go wrong in the client, as a stable `kind` the screens turn into
 * words (mirrors `vault/src/client/error.rs`). A server refusal keeps the
 * problem kind `api/http.ts` read from its RFC 9457 answer (`ApiError`);
 * a check on this device that fails is `Refused` with kind "untrusted".
 */

/** An error with a stable kind for the page (see `WorkerError` in worker/protocol.ts). */
export class Refused extends Error {
  constructor(
    readonly kind: string,
    message: string,
    /** For "conflict": the version someone else wrote meanwhile. */
    readonly current?: number,
    /** For "keys-changed": whose keys changed, so the page can offer to compare and accept them. */
    readonly principal?: string,
    /** For "log-problem": which problem and its numbers (`AuditProblem`). */
    readonly detail?: Record<string, string>,
  ) {
    super(message);
  }
}

/** A check on this device failed: a key, a signature, a chain, a version. */
export function untrusted(message: string): Refused {
  return new Refused("untrusted", message);
}
