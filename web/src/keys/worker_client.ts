// The page's side of the key worker (`worker/main.ts`). Unlocked keys live
// only in the worker; the page asks it to make keys, unlock a keystore and
// sign, and gets public values and signatures back. Locking ends the
// worker, which drops every key it held.

import type { WorkerReply, WorkerRequest, WorkerOps } from "../worker/protocol";

let worker: Worker | null = null;
let next = 1;
const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

function start(): Worker {
  if (worker) return worker;
  const w = new Worker("/app/worker.js", { type: "module", name: "kluis-keys" });
  w.onmessage = (event: MessageEvent<WorkerReply>) => {
    const reply = event.data;
    const pending = waiting.get(reply.id);
    if (!pending) return;
    waiting.delete(reply.id);
    if (reply.ok) pending.resolve(reply.result);
    else pending.reject(new KeyError(reply.error.kind, reply.error.message, reply.error.current, reply.error.principal));
  };
  worker = w;
  return w;
}

/** An error from the key worker: `kind` says which ("wrong-passphrase", ...). */
export class KeyError extends Error {
  constructor(
    readonly kind: string,
    message: string,
    /** For "conflict": the version someone else wrote meanwhile. */
    readonly current?: number,
    /** For "keys-changed": whose keys changed. */
    readonly principal?: string,
  ) {
    super(message);
  }
}

export function ask<K extends keyof WorkerOps>(
  op: K,
  args: WorkerOps[K]["args"],
): Promise<WorkerOps[K]["result"]> {
  const w = start();
  const id = next++;
  const request: WorkerRequest = { id, op, args } as WorkerRequest;
  return new Promise((resolve, reject) => {
    waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
    w.postMessage(request);
  });
}

/** Forget every unlocked key: the worker is ended, not asked. */
export function lockKeys() {
  worker?.terminate();
  worker = null;
  for (const [, pending] of waiting) pending.reject(new KeyError("locked", "locked"));
  waiting.clear();
}
