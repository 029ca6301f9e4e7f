// Calls on behalf of the signed-in person, for screens: ops of the key
// worker (`op`) and reads of the API (`get`). When the server says the
// login has expired (tokens live 15 minutes), log in again once with the
// keys still in the worker (one renewal shared by every call waiting for
// it) and try again, so a person reading their plan is not thrown out.
// A token the server no longer knows was ended on purpose (from another
// device, or by an administrator for a lost phone): then the keys are
// locked away at once instead, so ending a session really signs out.

import { login } from "../api/auth";
import { ApiError, callAs } from "../api/http";
import { IdbDeviceStore } from "../client/device_store_idb";
import { notKept } from "../client/http";
import { keep, recall } from "../offline/responses";
import { offlineSince } from "../offline/status";
import { lock, session } from "../session";
import type { WorkerOps } from "../worker/protocol";
import { ask, KeyError } from "./worker_client";

const EXPIRED = ["token-expired"];

/** A session opened offline has no token yet (`signInOrOffline`): the server's
 *  "unauthenticated" then means "log in now", not "this session was ended". */
const openedOffline = () => session.value?.token.token === "";

/** An ended session: lock this device (the keys leave the worker). */
function endedHere(e: unknown): boolean {
  const ended =
    (e instanceof KeyError || e instanceof ApiError) && e.kind === "unauthenticated" && !!session.value && !openedOffline();
  if (ended) lock("ended");
  return ended;
}

let renewing: Promise<void> | null = null;

function renew(): Promise<void> {
  renewing ??= (async () => {
    const s = session.value;
    if (!s) throw new ApiError("unauthenticated", 401, "locked");
    const token = await login(s.me.keys);
    if (session.value) session.value = { ...session.value, token };
  })().finally(() => {
    renewing = null;
  });
  return renewing;
}

function expired(e: unknown): boolean {
  if (!(e instanceof KeyError || e instanceof ApiError)) return false;
  return EXPIRED.includes(e.kind) || (e.kind === "unauthenticated" && openedOffline());
}

export async function op<K extends keyof WorkerOps>(
  name: K,
  args: WorkerOps[K]["args"],
  onProgress?: (done: number, total: number) => void,
): Promise<WorkerOps[K]["result"]> {
  try {
    return await ask(name, args, onProgress);
  } catch (e) {
    endedHere(e);
    if (!expired(e) || !session.value) throw e;
    await renew();
    return ask(name, args, onProgress);
  }
}

/** The signed-in person's kept answers (the same store the key worker keeps them in). */
const stores = new Map<string, IdbDeviceStore>();
function keptAnswers(): IdbDeviceStore | null {
  const s = session.value;
  if (!s || !globalThis.indexedDB) return null;
  const id = s.me.principal_id;
  if (!stores.has(id)) stores.set(id, new IdbDeviceStore(id));
  return stores.get(id)!;
}

/** Call the API with the session's token; an expired login is renewed once.
 *  GETs are kept on the device and, when the server is out of reach, served from there. */
async function authorised<T>(method: "GET" | "POST" | "PUT" | "DELETE", path: string, body?: unknown): Promise<T> {
  const token = () => {
    const s = session.value;
    if (!s) throw new ApiError("unauthenticated", 401, "locked");
    return s.token.token;
  };
  const kept = method === "GET" ? keptAnswers() : null;
  try {
    // A write keeps one idempotency key through a renewed login and retries.
    let answer: T;
    try {
      answer = await callAs<T>(method, path, { token, body, renew });
    } catch (e) {
      // Back online after opening offline: log in now, then ask again.
      if (!(e instanceof ApiError && e.kind === "unauthenticated" && openedOffline())) throw e;
      await renew();
      answer = await callAs<T>(method, path, { token, body, renew });
    }
    if (kept) {
      await keep(kept, path, answer).catch(() => undefined);
      offlineSince.value = null;
    }
    return answer;
  } catch (e) {
    endedHere(e);
    if (kept && e instanceof ApiError && e.kind === "network") {
      const old = await recall(kept, path).catch(() => undefined);
      if (old?.body) {
        offlineSince.value = offlineSince.value && offlineSince.value < old.fetched_at ? offlineSince.value : old.fetched_at;
        return old.body as T;
      }
      throw notKept(path);
    }
    throw e;
  }
}

/** GET an API path with the session's token. */
export const get = <T>(path: string): Promise<T> => authorised<T>("GET", path);

/** POST to an API path (page-side actions that need no keys: invites, administration). */
export const post = <T>(path: string, body: unknown): Promise<T> => authorised<T>("POST", path, body);

/** DELETE an API path (ending someone's sessions). */
export const del = <T>(path: string): Promise<T> => authorised<T>("DELETE", path);

/** PUT to an API path (adding a passkey's keystore copy). */
export const put = <T>(path: string, body: unknown): Promise<T> => authorised<T>("PUT", path, body);
