// Client ops for screens: `ask` the key worker, and when the server says
// the login has expired, log in again with the keys still in the worker
// and try once more. Tokens live an hour; a person reading their plan
// should not be thrown out for that.

import { login } from "../api/auth";
import { session } from "../session";
import type { WorkerOps } from "../worker/protocol";
import { ask, KeyError } from "./worker_client";

const EXPIRED = ["token-expired", "unauthenticated"];

export async function op<K extends keyof WorkerOps>(name: K, args: WorkerOps[K]["args"]): Promise<WorkerOps[K]["result"]> {
  try {
    return await ask(name, args);
  } catch (e) {
    const s = session.value;
    if (!(e instanceof KeyError) || !EXPIRED.includes(e.kind) || !s) throw e;
    const token = await login(s.me.keys);
    session.value = { ...s, token };
    return ask(name, args);
  }
}
