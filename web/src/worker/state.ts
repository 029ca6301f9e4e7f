// What the key worker holds while unlocked: the identity (non-extractable
// keys) and the signed-in session. Gone when the worker is terminated.

import type { Identity } from "../crypto/identity";

export interface WorkerSession {
  token: string;
  principalId: string;
  /** This server's origin, e.g. "https://kluis.example". */
  origin: string;
}

export const state: { identity: Identity | null; session: WorkerSession | null } = {
  identity: null,
  session: null,
};

/** An error with a stable kind for the page (see `WorkerError`). */
export class Refused extends Error {
  constructor(
    readonly kind: string,
    message: string,
    readonly current?: number,
  ) {
    super(message);
  }
}

export function unlocked(): Identity {
  if (!state.identity) throw new Refused("locked", "the keys are locked");
  return state.identity;
}

export function signedIn(): WorkerSession {
  if (!state.session) throw new Refused("locked", "not signed in");
  return state.session;
}
