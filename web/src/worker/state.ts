// What the key worker holds while unlocked: the identity (non-extractable
// keys), the signed-in session, and the client that acts for it. Gone when
// the worker is terminated.

import { Client } from "../client/client";
import type { DeviceStore } from "../client/device_store";
import { IdbDeviceStore } from "../client/device_store_idb";
import { Refused } from "../client/error";
import type { Identity } from "../crypto/identity";

export { Refused };

export interface WorkerSession {
  token: string;
  principalId: string;
  /** This server's origin, e.g. "https://kluis.example". */
  origin: string;
}

export const state: {
  identity: Identity | null;
  session: WorkerSession | null;
  /** What this device remembers for a person: IndexedDB in the browser; Node tests swap in memory. */
  deviceStore: (principalId: string) => DeviceStore;
} = {
  identity: null,
  session: null,
  deviceStore: (principalId) => new IdbDeviceStore(principalId),
};

export function unlocked(): Identity {
  if (!state.identity) throw new Refused("locked", "the keys are locked");
  return state.identity;
}

export function signedIn(): WorkerSession {
  if (!state.session) throw new Refused("locked", "not signed in");
  return state.session;
}

let current: Client | null = null;

/**
 * The client for the unlocked identity and the signed-in session: one per
 * person, origin and identity, kept across new tokens (its checks of this
 * session stay valid when the page logs in again).
 */
export function client(): Client {
  const identity = unlocked();
  const session = signedIn();
  if (
    !current ||
    current.identity !== identity ||
    current.me !== session.principalId ||
    current.api.origin !== session.origin
  ) {
    current = new Client(identity, session.principalId, session.origin, session.token, state.deviceStore(session.principalId));
  }
  current.api.token = session.token;
  return current;
}
